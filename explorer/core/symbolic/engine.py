"""SymPy work in a child process, so a derivative or simplification that hangs can be abandoned.

A thread cannot be killed, a process can: the engine keeps one warm child, sends it jobs over a
pipe, and kills it (starting a fresh one on the next job) when a job overruns its time bound or
the caller no longer wants the answer. Results are cached per expression, so moving the step
slider or switching methods never repeats symbolic work.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection

import sympy

from ..expression.parser import ParsedExpression
from ..limits import MAX_OPERATIONS
from .derivatives import SymbolicDerivatives, derivative_chain

POLL_SECONDS = 0.02
CHILD_NICENESS = 10  # added to the child's nice value (Unix)


class SymbolicTimeout(Exception):
    """SymPy did not finish within its time bound; the child process was stopped."""


class SymbolicCancelled(Exception):
    """The caller stopped waiting (a newer request arrived)."""


def _serve(conn: Connection) -> None:
    """Child loop: answer ("derive", expr, variable, up_to) and ("simplify", expr) jobs until told to stop."""
    if hasattr(os, "nice"):
        # Below the window's priority: on a busy machine the GUI's repaint must not wait for the
        # theory lines' higher derivatives (edit p95 with one core taken: 51-55 ms at 0, 34 ms at 10).
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
        except Exception as exc:  # noqa: BLE001 - any SymPy failure is reported to the parent, not fatal
            conn.send((job, "error", f"{type(exc).__name__}: {exc}"))


def default_start_method() -> str:
    """forkserver where it exists (forking a threaded GUI process is unsafe), else spawn."""
    methods = multiprocessing.get_all_start_methods()
    return "forkserver" if "forkserver" in methods else "spawn"


class SymbolicEngine:
    """Runs SymPy differentiation and simplification in an abandonable child process, with caching."""

    def __init__(self, derive_timeout: float = 5.0, simplify_timeout: float = 3.0, start_method: str | None = None):
        self.derive_timeout = derive_timeout
        self.simplify_timeout = simplify_timeout
        self._context = multiprocessing.get_context(start_method or default_start_method())
        if self._context.get_start_method() == "forkserver":
            # Children fork from a server that has imported SymPy and run it once: a fresh child
            # then answers its first job in ~8 ms instead of ~40 ms (lazy imports, cold caches).
            self._context.set_forkserver_preload([__name__, f"{__package__}.warm_up"])
        self._process = None
        self._conn: Connection | None = None
        self._job = 0
        self._lock = threading.Lock()  # one job at a time per engine
        # (expr, variable) -> derivatives so far, and the reason there are no more (None: not asked yet)
        self._derivatives: dict[tuple, list[sympy.Expr]] = {}
        self._limits: dict[tuple, str] = {}
        self._simplified: dict[sympy.Expr, sympy.Expr | None] = {}

    # -- child process ---------------------------------------------------
    def _child(self) -> Connection:
        if self._process is None or not self._process.is_alive():
            parent, child = self._context.Pipe()
            process = self._context.Process(target=_serve, args=(child,), daemon=True, name="sympy-worker")
            process.start()
            child.close()
            # Published only once started: close() may kill it from another thread at any moment.
            self._process, self._conn = process, parent
        return self._conn

    def _kill(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.join(timeout=2)
        if self._conn is not None:
            self._conn.close()
        self._process, self._conn = None, None

    @property
    def jobs_sent(self) -> int:
        """How many jobs have gone to a child so far (cached answers send none)."""
        return self._job

    def _restart(self) -> None:
        """Kill the child and start its successor now, so it is warm by the time the next job comes."""
        self._kill()
        self._child()

    def start(self) -> None:
        """Start the child now rather than on the first job (hides its start-up cost)."""
        with self._lock:
            self._child()

    def close(self) -> None:
        """Stop the child process at once, even mid-job; the engine restarts one if used again."""
        process = self._process
        if process is not None:
            # Killed before taking the lock: a job waiting on the pipe sees EOF and lets go of it.
            process.kill()
        with self._lock:
            self._kill()

    def _messages(self, job_body: tuple, timeout: float, should_stop: Callable[[], bool],
                  while_waiting: Callable[[], None] | None = None):
        """Send a job and yield its replies; on timeout or cancel, kill the child and raise."""
        conn = self._child()
        self._job += 1
        job = self._job
        conn.send((job, *job_body))
        if while_waiting is not None:
            while_waiting()
        deadline = time.monotonic() + timeout
        while True:
            if should_stop():
                self._restart()
                raise SymbolicCancelled("cancelled")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._restart()
                raise SymbolicTimeout(f"gave up after {timeout:g} s")
            if not conn.poll(min(POLL_SECONDS, remaining)):
                continue
            try:
                reply = conn.recv()
            except (EOFError, OSError):
                self._kill()
                raise SymbolicTimeout("the SymPy process stopped unexpectedly") from None
            if reply[0] == job:  # replies to an abandoned job cannot arrive: its child was killed
                paused = time.monotonic()
                yield reply[1:]
                # Time the caller spent on a reply (drawing early results) is not the child's time.
                deadline += time.monotonic() - paused

    # -- public API ------------------------------------------------------
    def derivatives(
        self,
        parsed: ParsedExpression,
        up_to: int,
        required: int,
        should_stop: Callable[[], bool] = lambda: False,
        on_required: Callable[[SymbolicDerivatives], None] | None = None,
        while_waiting: Callable[[], None] | None = None,
    ) -> SymbolicDerivatives:
        """f and its derivatives up to order up_to; at least `required` of them or SymbolicTimeout.

        When the required orders are known before the rest, on_required gets them at once (in the
        calling thread) while the child goes on with the higher orders. If the child is given work,
        while_waiting runs (in the calling thread) as soon as it has been sent, so that the caller's
        own preparation overlaps SymPy's.
        """
        key = (parsed.expr, parsed.variable)
        with self._lock:
            known = self._derivatives.setdefault(key, [parsed.expr])
            if len(known) - 1 < up_to and key not in self._limits:
                early = None if on_required is None else (lambda: on_required(SymbolicDerivatives(parsed, tuple(known))))
                if len(known) - 1 >= required and early is not None:
                    early()
                    early = None
                self._extend(key, known, parsed, up_to, required, should_stop, early, while_waiting)
            if len(known) - 1 < required:
                raise SymbolicTimeout(self._limits.get(key, "the derivative was not computed"))
            notes = (self._limits[key],) if key in self._limits and len(known) - 1 < up_to else ()
            return SymbolicDerivatives(parsed, tuple(known[: up_to + 1]), notes)

    def _extend(self, key, known, parsed, up_to, required, should_stop, early, while_waiting) -> None:
        start = len(known) - 1
        try:
            job = ("derive", (known[-1], parsed.variable, up_to - start))
            for kind, value in self._messages(job, self.derive_timeout, should_stop, while_waiting):
                if kind == "derivative":
                    known.append(value)
                    if early is not None and len(known) - 1 == required and required < up_to:
                        early()
                elif kind == "too_large":
                    self._limits[key] = f"derivative {start + value} has more than {MAX_OPERATIONS} operations"
                    return
                elif kind == "error":
                    self._limits[key] = f"SymPy failed: {value}"
                    return
                elif kind == "done":
                    return
        except SymbolicTimeout as exc:
            if len(known) - 1 >= required:
                # The orders the user asked for arrived; only extra (theory) orders were slow.
                self._limits[key] = f"derivative {len(known)} {exc}"
                return
            self._limits[key] = f"SymPy {exc} differentiating {sympy.sstr(parsed.expr)[:60]}"
            raise SymbolicTimeout(self._limits[key]) from None
        except Exception:
            # The early callback failed mid-job: nobody will read the rest of the child's replies.
            self._kill()
            raise

    def simplify(self, expr: sympy.Expr, should_stop: Callable[[], bool] = lambda: False) -> sympy.Expr | None:
        """A simpler equal form of expr, or None when SymPy gave up within simplify_timeout."""
        with self._lock:
            if expr in self._simplified:
                return self._simplified[expr]
            result = None
            try:
                for kind, value in self._messages(("simplify", expr), self.simplify_timeout, should_stop):
                    result = value if kind == "simplified" else None
                    break
            except SymbolicTimeout:
                result = None
            if result is not None and sympy.count_ops(result) > sympy.count_ops(expr):
                result = expr
            self._simplified[expr] = result
            return result
