"""SymPy work in a child process, so a derivative or simplification that hangs can be abandoned.

A thread cannot be killed, a process can. The engine keeps one warm child and a thread of its own
that feeds it jobs over a pipe, reads the replies and enforces each job's time bound. Callers get a
job handle to wait on (with a timeout) or to cancel; nothing of theirs ever runs inside the engine.
A child that overran, was cancelled or died is replaced at once, so the next job finds one warm.
Derivatives are cached per expression (bounded, least recently used first out), so moving the step
slider or switching methods never repeats symbolic work.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from enum import StrEnum
from multiprocessing.connection import Connection, wait
from typing import Any

import sympy

from ..expression.parser import ParsedExpression
from ..limits import DERIVE_TIMEOUT, MAX_OPERATIONS, SIMPLIFY_TIMEOUT, TYPESET_TIMEOUT
from .derivatives import SymbolicDerivatives, derivative_chain
from .typeset import latex_svg

POLL_SECONDS = 0.01  # how soon a cancel or a deadline is noticed while the child works
CHILD_NICENESS = 10  # added to the child's nice value (Unix)
CACHE_SIZE = 256  # expressions whose derivatives are kept


class Failure(StrEnum):
    """Why SymPy gave no (more) answers."""

    TIMEOUT = "timeout"
    TOO_LARGE = "too large"
    CRASHED = "crashed"
    FAILED = "failed"
    UNAVAILABLE = "unavailable"
    CANCELLED = "cancelled"


class SymbolicError(Exception):
    """SymPy gave no answer; `kind` says which of timeout, too large, crashed, failed, unavailable."""

    kind = Failure.FAILED

    def __init__(self, message: str):
        super().__init__(message)


class SymbolicTimeout(SymbolicError):
    kind = Failure.TIMEOUT


class SymbolicTooLarge(SymbolicError):
    kind = Failure.TOO_LARGE


class SymbolicCrashed(SymbolicError):
    kind = Failure.CRASHED


class SymbolicFailed(SymbolicError):
    kind = Failure.FAILED


class SymbolicUnavailable(SymbolicError):
    kind = Failure.UNAVAILABLE


class SymbolicCancelled(SymbolicError):
    """The caller stopped waiting (a newer request arrived)."""

    kind = Failure.CANCELLED


def _serve(conn: Connection) -> None:
    """Child loop: answer ("derive", expr, variable, up_to) and ("simplify", expr) jobs until told to stop."""
    if hasattr(os, "nice"):
        # Below the window's priority: on a busy machine the GUI's repaint must not wait for the
        # theory lines' higher derivatives (docs/benchmarks.md, edit latency with one core taken).
        os.nice(CHILD_NICENESS)
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message is None:
            return
        job, kind, payload = message
        try:
            if kind == "derive":
                expr, variable, up_to = payload
                for order, derivative in enumerate(derivative_chain(expr, variable, up_to), start=1):
                    if sympy.count_ops(derivative) > MAX_OPERATIONS:
                        conn.send((job, "too_large", order))
                        break
                    conn.send((job, "derivative", derivative))
                conn.send((job, "done", None))
            elif kind == "simplify":
                conn.send((job, "simplified", sympy.simplify(payload)))
                conn.send((job, "done", None))
            elif kind == "typeset":
                latex, size = payload
                conn.send((job, "typeset", latex_svg(latex, size)))
                conn.send((job, "done", None))
        except Exception as exc:  # noqa: BLE001 - any SymPy failure is reported to the parent, not fatal
            conn.send((job, "error", f"{type(exc).__name__}: {exc}"[:300]))


def default_start_method() -> str:
    """forkserver where it exists (forking a threaded GUI process is unsafe), else spawn."""
    methods = multiprocessing.get_all_start_methods()
    return "forkserver" if "forkserver" in methods else "spawn"


class Job:
    """One piece of SymPy work: wait on it, read what it has so far, or cancel it."""

    def __init__(self, engine: SymbolicEngine, kind: str, payload: Any, timeout: float, results: list[Any]):
        self._engine = engine
        self.kind = kind
        self.payload = payload
        self.timeout = timeout
        self.results = results  # answers so far; for derive jobs the cache's own list of derivatives
        self.error: SymbolicError | None = None
        self.done = False
        self.cancelled = False

    def wait(self, count: int, timeout: float | None = None) -> bool:
        """Block until `count` results are in or the job ended, at most timeout seconds; True if so."""
        with self._engine._changed:
            return self._engine._changed.wait_for(lambda: len(self.results) >= count or self.done, timeout)

    def cancel(self) -> None:
        """Stop the job (its child is replaced by a fresh one, so the next job starts warm)."""
        self._engine._cancel(self)


class DeriveJob(Job):
    """Derivatives of one expression: results[k] is the k-th derivative, results[0] f itself."""

    def __init__(self, engine: SymbolicEngine, parsed: ParsedExpression, up_to: int, timeout: float,
                 known: list[sympy.Expr]):
        super().__init__(engine, "derive", parsed, timeout, known)
        self.parsed = parsed
        self.up_to = up_to

    def wait_for_order(self, order: int, timeout: float | None = None) -> bool:
        """Block until derivative `order` is known or the job ended; True if it is known."""
        self.wait(order + 1, timeout)
        return self.highest_order >= order

    @property
    def highest_order(self) -> int:
        return len(self.results) - 1

    def derivatives(self, up_to: int | None = None) -> SymbolicDerivatives:
        """What is known so far (at most up_to), with a note saying why no more came, if so."""
        up_to = self.up_to if up_to is None else up_to
        with self._engine._changed:
            known = tuple(self.results[: up_to + 1])
            notes = (str(self.error),) if self.error is not None and len(known) - 1 < up_to else ()
        return SymbolicDerivatives(self.parsed, known, notes)


class SymbolicEngine:
    """Runs SymPy differentiation and simplification in an abandonable child process, with caching."""

    def __init__(self, derive_timeout: float = DERIVE_TIMEOUT, simplify_timeout: float = SIMPLIFY_TIMEOUT,
                 start_method: str | None = None):
        self.derive_timeout = derive_timeout
        self.simplify_timeout = simplify_timeout
        self._context = multiprocessing.get_context(start_method or default_start_method())
        if self._context.get_start_method() == "forkserver":
            # Children fork from a server that has imported SymPy and run it once: a fresh child then
            # answers its first job at once instead of paying lazy imports and cold caches.
            self._context.set_forkserver_preload([__name__, f"{__package__}.warm_up"])
        # A cancel wakes the engine's thread from its wait on the child's pipe at once, rather than at its next
        # poll: the next job gets a fresh child that much sooner.
        self._wake_reader, self._wake_writer = multiprocessing.Pipe(duplex=False)
        self._changed = threading.Condition()  # guards everything below; notified on every change
        self._queue: deque[Job] = deque()
        self._running: Job | None = None
        self._process: Any = None
        self._conn: Connection | None = None
        self._thread: threading.Thread | None = None
        self._closing = False
        self._jobs_sent = 0
        self._want_child = False  # start a child as soon as possible (start() or after a kill)
        # (expr, variable) -> [f, f', ...] known so far; and the order found too large to be worth having.
        self._derivatives: OrderedDict[tuple, list[sympy.Expr]] = OrderedDict()
        self._too_large: OrderedDict[tuple, tuple[int, str]] = OrderedDict()
        self._simplified: OrderedDict[sympy.Expr, sympy.Expr | None] = OrderedDict()
        self._typeset: OrderedDict[tuple[str, float], str] = OrderedDict()

    # -- public API ------------------------------------------------------
    @property
    def jobs_sent(self) -> int:
        """How many jobs have gone to a child so far (cached answers send none)."""
        return self._jobs_sent

    def child_pid(self) -> int | None:
        """The live child's process id, None when there is none."""
        with self._changed:
            process = self._process
        return process.pid if process is not None and process.is_alive() else None

    def wait_for(self, condition: Callable[[], bool], timeout: float) -> bool:
        """Block until condition() holds (checked whenever the engine's state changes: a child started,
        a job sent, a reply read), at most timeout seconds; its last value."""
        with self._changed:
            return self._changed.wait_for(condition, timeout)

    def start(self) -> None:
        """Start the child now rather than on the first job (hides its start-up cost)."""
        with self._changed:
            self._closing = False
            self._want_child = True
            self._ensure_thread()
            self._changed.notify_all()

    def close(self) -> None:
        """Stop the child at once, even mid-job, and the engine's thread; a later job starts them again."""
        with self._changed:
            self._closing = True
            self._want_child = False
            jobs = [*self._queue, *([self._running] if self._running else [])]
            self._queue.clear()
            for job in jobs:
                self._finish(job, SymbolicCancelled("the engine was closed"))
            process, thread = self._process, self._thread
            self._changed.notify_all()
        if process is not None:
            process.kill()  # a reply being read sees EOF and lets go at once
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)
        with self._changed:
            self._kill_child()
            self._thread = None

    def submit(self, parsed: ParsedExpression, up_to: int) -> DeriveJob:
        """Start differentiating parsed up to order up_to; the handle has what is cached at once."""
        key = (parsed.expr, parsed.variable)
        with self._changed:
            known = self._derivatives.get(key)
            if known is None:
                known = self._derivatives[key] = [parsed.expr]
                while len(self._derivatives) > CACHE_SIZE:
                    self._derivatives.popitem(last=False)
            self._derivatives.move_to_end(key)
            for pending in (self._running, *self._queue):
                if (isinstance(pending, DeriveJob) and pending.results is known and pending.up_to >= up_to
                        and not pending.cancelled):
                    return pending  # the same work is under way: share it
            job = DeriveJob(self, parsed, up_to, self.derive_timeout, known)
            limit = self._too_large.get(key)
            if len(known) - 1 >= up_to:
                job.done = True
            elif limit is not None and limit[0] <= up_to:
                job.done, job.error = True, SymbolicTooLarge(limit[1])
            else:
                self._enqueue(job)
            return job

    def derivatives(self, parsed: ParsedExpression, up_to: int, required: int | None = None) -> SymbolicDerivatives:
        """f and its derivatives up to order up_to, waiting for them; at least `required` (default
        up_to) of them, or the SymbolicError saying why not."""
        required = up_to if required is None else required
        job = self.submit(parsed, up_to)
        job.wait(up_to + 1)
        result = job.derivatives(up_to)
        if result.highest_order < required:
            raise job.error or SymbolicFailed("the derivative was not computed")
        return result

    def submit_simplify(self, expr: sympy.Expr) -> Job:
        """Start simplifying expr; results[0] is a simpler equal form, or none came (job.error says why)."""
        with self._changed:
            if expr in self._simplified:
                self._simplified.move_to_end(expr)
                cached = self._simplified[expr]
                job = Job(self, "simplify", expr, self.simplify_timeout, [] if cached is None else [cached])
                job.done = True
                return job
            job = Job(self, "simplify", expr, self.simplify_timeout, [])
            self._enqueue(job)
            return job

    def submit_typeset(self, latex: str, size: float = 16.0) -> Job:
        """Start drawing latex as SVG; results[0] is the SVG text, or none came (job.error says why)."""
        with self._changed:
            key = (latex, size)
            if key in self._typeset:
                self._typeset.move_to_end(key)
                job = Job(self, "typeset", key, TYPESET_TIMEOUT, [self._typeset[key]])
                job.done = True
                return job
            job = Job(self, "typeset", key, TYPESET_TIMEOUT, [])
            self._enqueue(job)
            return job

    def simplify(self, expr: sympy.Expr, should_stop=lambda: False) -> sympy.Expr | None:
        """A simpler equal form of expr, or None when SymPy gave up; SymbolicCancelled once should_stop()."""
        job = self.submit_simplify(expr)
        while not job.wait(1, POLL_SECONDS * 2):
            if should_stop():
                job.cancel()
                raise SymbolicCancelled("cancelled")
        return job.results[0] if job.results else None

    # -- the engine's thread -----------------------------------------------
    def _enqueue(self, job: Job) -> None:
        self._closing = False
        self._queue.append(job)
        self._ensure_thread()
        self._changed.notify_all()

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="sympy-engine", daemon=True)
            self._thread.start()

    def _cancel(self, job: Job) -> None:
        with self._changed:
            if job.done:
                return
            job.cancelled = True
            if job in self._queue:
                self._queue.remove(job)
                self._finish(job, SymbolicCancelled("cancelled"))
            elif job is self._running:
                self._wake()
            self._changed.notify_all()  # a running job is ended by the engine's thread

    def _wake(self) -> None:
        """Interrupt the engine thread's wait for the child's reply (under the lock)."""
        with contextlib.suppress(OSError, ValueError):
            self._wake_writer.send_bytes(b"")

    def _drain_wakes(self) -> None:
        with contextlib.suppress(OSError, ValueError, EOFError):
            while self._wake_reader.poll():
                self._wake_reader.recv_bytes()

    def _finish(self, job: Job, error: SymbolicError | None = None) -> None:
        """Mark job ended (under the lock); remembered only if the expression itself is to blame."""
        if job.done:
            return
        job.done, job.error = True, error
        if job.kind == "simplify" and (error is None or isinstance(error, SymbolicTimeout)):
            # Remembered even when it timed out: simplifying is cosmetic, and retrying it on every slider
            # move would keep a core busy for nothing; the shown formula stays unsimplified.
            simpler = job.results[0] if job.results else None
            if simpler is not None and sympy.count_ops(simpler) > sympy.count_ops(job.payload):
                job.results[:] = []
                simpler = None
            self._simplified[job.payload] = simpler
            while len(self._simplified) > CACHE_SIZE:
                self._simplified.popitem(last=False)
        if job.kind == "typeset" and error is None and job.results:
            self._typeset[job.payload] = job.results[0]
            while len(self._typeset) > CACHE_SIZE:
                self._typeset.popitem(last=False)
        if self._running is job:
            self._running = None
        self._changed.notify_all()

    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._queue and not self._closing and not (self._want_child and self._process is None):
                    self._changed.wait()
                if self._closing:
                    return
                if not self._queue:  # only asked to have a child ready
                    self._start_child()
                    continue
                job = self._queue.popleft()
                self._running = job
            self._serve_job(job)

    def _start_child(self) -> str | None:
        """Start a child if there is none (under the lock); the reason when that failed."""
        self._want_child = False
        if self._process is not None and self._process.is_alive():
            return None
        self._kill_child()
        try:
            parent, child = self._context.Pipe()
            # get_context(str) is typed BaseContext, which has no Process; every context it returns has one.
            process = self._context.Process(  # type: ignore[attr-defined]
                target=_serve, args=(child,), daemon=True, name="sympy-worker")
            process.start()
            child.close()
        except (OSError, RuntimeError, ValueError) as exc:
            return f"{type(exc).__name__}: {exc}"
        self._process, self._conn = process, parent
        self._changed.notify_all()
        return None

    def _kill_child(self) -> None:
        """Kill the child (under the lock); the next job or start() makes a new one."""
        process, conn = self._process, self._conn
        self._process, self._conn = None, None
        if process is not None:
            process.kill()
            process.join(timeout=2)
        if conn is not None:
            conn.close()

    def _replace_child(self) -> None:
        """The child is stuck or dead: a new one is started right away, so the next job finds it warm."""
        self._kill_child()
        if not self._closing:
            self._start_child()

    def _serve_job(self, job: Job) -> None:
        with self._changed:
            if job.done:
                return
            problem = self._start_child()
            if problem is not None:
                self._finish(job, SymbolicUnavailable(f"SymPy's process could not start ({problem})"))
                return
            if isinstance(job, DeriveJob) and len(job.results) - 1 >= job.up_to:
                self._finish(job)  # an earlier job of the same expression got this far meanwhile
                return
            conn, process = self._conn, self._process
            self._jobs_sent += 1
            number = self._jobs_sent
            self._changed.notify_all()
            start = len(job.results) - 1
            if isinstance(job, DeriveJob):
                body: tuple = ("derive", (job.results[-1], job.parsed.variable, job.up_to - start))
            else:
                body = (job.kind, job.payload)
        assert conn is not None and process is not None
        try:
            conn.send((number, *body))
        except (OSError, ValueError):
            with self._changed:
                self._finish(job, SymbolicCrashed("SymPy's process stopped unexpectedly"))
                self._replace_child()
            return
        deadline = time.monotonic() + job.timeout
        while True:
            remaining = deadline - time.monotonic()
            with self._changed:
                if job.cancelled or self._closing:
                    self._finish(job, SymbolicCancelled("cancelled"))
                    self._replace_child()
                    return
                if remaining <= 0:
                    self._finish(job, self._timed_out(job))
                    self._replace_child()
                    return
            try:
                ready = wait([conn, process.sentinel, self._wake_reader], timeout=min(POLL_SECONDS, remaining))
                if self._wake_reader in ready:
                    self._drain_wakes()  # a cancel: the loop's next turn sees it
                reply = conn.recv() if conn in ready else None
            except (EOFError, OSError, ValueError):
                ready, reply = [process.sentinel], None
            if reply is None:
                if process.sentinel in ready:  # died without a word (killed, out of memory)
                    with self._changed:
                        self._finish(job, SymbolicCrashed("SymPy's process stopped unexpectedly"))
                        self._replace_child()
                    return
                continue
            if reply[0] != number:
                continue
            with self._changed:
                if self._handle(job, start, reply[1], reply[2]):
                    return

    def _handle(self, job: Job, start: int, kind: str, value: Any) -> bool:
        """Take one reply of the child (under the lock); True when the job has ended."""
        if kind == "derivative":
            job.results.append(value)
            self._changed.notify_all()
            return False
        if kind in ("simplified", "typeset"):  # one answer is the whole job (its "done" is then ignored)
            job.results.append(value)
            self._finish(job)
            return True
        if kind == "too_large":
            assert isinstance(job, DeriveJob)  # only derive jobs are told a derivative is too large
            message = f"derivative {start + value} has more than {MAX_OPERATIONS} operations"
            key = (job.parsed.expr, job.parsed.variable)
            self._too_large[key] = (start + value, message)
            while len(self._too_large) > CACHE_SIZE:
                self._too_large.popitem(last=False)
            self._finish(job, SymbolicTooLarge(message))
        elif kind == "error":
            self._finish(job, SymbolicFailed(f"SymPy failed: {value}"))
        else:  # done
            self._finish(job)
        return True

    def _timed_out(self, job: Job) -> SymbolicTimeout:
        if isinstance(job, DeriveJob):
            order = len(job.results)
            # The user's own text: printing a SymPy expression with huge constants can itself fail.
            return SymbolicTimeout(f"timed out after {job.timeout:g} s on derivative {order} of {job.parsed.text[:60]}")
        return SymbolicTimeout(f"{'simplifying' if job.kind == 'simplify' else 'typesetting'} timed out after "
                               f"{job.timeout:g} s")

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            if self._process is not None:
                self._process.kill()
