"""The computation thread: takes the latest request, streams its stages back, drops stale ones."""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
import sympy
from PySide6.QtCore import QThread, Signal

from ..core.calculus.stage import calculus_for, searches_critical_points
from ..core.expression.errors import ExpressionError
from ..core.expression.parser import parse_expression
from ..core.pipeline import SweepResult, compute_stages, derivatives_needed, f_only_curves, method_context, sweep_stage
from ..core.request import DerivativeRequest, Method
from ..core.symbolic.derivatives import SymbolicDerivatives, latex_of, warm_sympy
from ..core.symbolic.engine import DeriveJob, SymbolicCancelled, SymbolicEngine
from .paint_gate import PaintGate

FORMULA_DISPLAY_LIMIT = 2000  # characters of plain text worth putting in a label
HOLD_SECONDS = 0.015  # a stage computed within this time of the first one held back is sent with it
POLL_SECONDS = 0.005  # how often a wait on SymPy looks for a newer request


@dataclass(frozen=True)
class FormulaResult:
    """The n-th derivative as text, LaTeX and Python, for the formula view."""

    request_id: int
    order: int
    text: str
    latex: str
    python: str
    simplified: bool = False
    svg: str = ""  # the formula drawn as mathematics ("" while it is not, or cannot be)
    f_svg: str = ""  # f itself drawn as mathematics, shown before it where there is room ("" if not)


@dataclass(frozen=True)
class StatusMessage:
    """Something the user should know about one request: SymPy gave up, a method is unavailable, it failed."""

    request_id: int
    text: str
    is_error: bool = False


@lru_cache(maxsize=256)
def describe(expr: sympy.Expr) -> tuple[str, str, str]:
    """(plain text, LaTeX, Python) of expr; cached because slider moves ask again for the same formula.
    The Python is NumPy code that runs on arrays as written (`np.sin(x)`; `import numpy as np`)."""
    from ..core.symbolic.python_code import NoNumPyCode, numpy_code

    text = sympy.sstr(expr)
    if len(text) > FORMULA_DISPLAY_LIMIT:
        text = text[:FORMULA_DISPLAY_LIMIT] + " …"
    try:
        python = numpy_code(expr)
    except NoNumPyCode as exc:  # copied as a comment that says why, rather than code that cannot run
        python = f"# {exc}"
    return text, latex_of(expr), python


class _Calculus:
    """Marks where, after the pipeline's stages, the calculus stage is computed (it needs the sweep's x)."""


class ComputeWorker(QThread):
    """One thread, one SymbolicEngine; `submit` replaces whatever request is still waiting."""

    # CurveResult | ErrorResult | SweepResult | CalculusResult, several at once when they came together: the
    # window draws one batch in one repaint (separate signals let a repaint slip in between them)
    stages = Signal(tuple)
    formula = Signal(object)  # FormulaResult
    status = Signal(object)  # StatusMessage
    done = Signal(int)  # request id: every stage of it has been emitted

    def __init__(self, engine: SymbolicEngine | None = None, simplifier: SymbolicEngine | None = None, parent=None):
        super().__init__(parent)
        self.engine = engine or SymbolicEngine()
        # Simplification gets its own child: abandoning it for a newer request must not kill the
        # child that differentiates (restarting that one costs ~100 ms on the next edit).
        self.simplifier = simplifier or SymbolicEngine()
        self._condition = threading.Condition()
        self._pending: DerivativeRequest | None = None
        self._stopping = False
        self._busy = False
        self._gate = PaintGate(self._condition)  # the window has put the stages sent so far on screen
        # perf_counter() when the newest request's f-only curves and its exact derivative were ready
        # (read by bench/gui_latency.py: how long SymPy kept the panels waiting).
        self.marks: dict[str, float] = {}
        self._probe = 0.0  # where the newest request's sweep was taken
        # (expression, variable, order) whose formula, simplified and typeset, was last sent in full: a
        # slider move or a new sweep point asks for the same formula, which the window already shows.
        self._formula_sent: tuple[str, str, int] | None = None

    # -- GUI thread ------------------------------------------------------
    def submit(self, request: DerivativeRequest) -> None:
        """Queue request, replacing any request not yet started; a running one stops at its next stage."""
        with self._condition:
            self._pending = request
            self._condition.notify()

    def stages_drawn(self) -> None:
        """The window painted the stages sent so far: the worker may go on with its follow-up work."""
        self._gate.painted()

    def is_busy(self) -> bool:
        """True while a request is waiting or being computed."""
        with self._condition:
            return self._busy or self._pending is not None

    def stop(self, timeout_ms: int = 5000) -> bool:
        """Stop the thread and the SymPy child process, even mid-computation; True if the thread ended."""
        with self._condition:
            self._stopping = True
            self._pending = None
            self._condition.notify()
        self._close_engines()
        ended = self.wait(timeout_ms) if self.isRunning() else True
        self._close_engines()  # a job started between the first close and the thread's exit
        return ended

    def _close_engines(self) -> None:
        self.engine.close()
        self.simplifier.close()

    # -- worker thread ---------------------------------------------------
    def _superseded(self) -> bool:
        return self._stopping or self._pending is not None

    def run(self) -> None:
        self.engine.start()  # pay the child's start-up before the first request needs it
        computed = warm = False
        while True:
            with self._condition:
                idle = self._pending is None and not self._stopping
            if computed and idle and not warm:
                # Once the first result is drawn and while nothing waits: otherwise the first typed
                # expression with a sum pays SymPy's lazy imports on the GUI thread, as it parses it.
                warm_sympy()
                warm = True
            with self._condition:
                while self._pending is None and not self._stopping:
                    self._condition.wait()
                if self._stopping:
                    return
                request, self._pending = self._pending, None
                self._busy = True
            assert request is not None  # the wait above ends only with a request or when stopping
            try:
                self._compute(request)
            except Exception as exc:  # noqa: BLE001 - the window reports it and stays up
                self.status.emit(StatusMessage(request.request_id, f"computation failed: {exc}", is_error=True))
            finally:
                computed = True
                with self._condition:
                    self._busy = False

    def _exact(self, request: DerivativeRequest, job: DeriveJob) -> SymbolicDerivatives | None:
        """The derivatives the plotted order needs, once the job has them or gave up (then f alone, and
        the window is told why); None when a newer request came first."""
        while not job.wait_for_order(request.order, POLL_SECONDS):
            if job.done:
                break
            if self._superseded():
                self._drop(job, request)
                return None
        symbolic = job.derivatives()
        if symbolic.of(request.order) is not None:
            return symbolic
        f_only = SymbolicDerivatives(job.parsed, (job.parsed.expr,))
        reason = job.error or "the derivative was not computed"
        # The context knows what can stand in for SymPy (autodiff, unless f is only noisy samples).
        context = method_context(request, f_only)
        if context.reference is None:
            message = (f"SymPy gave up ({reason}) and autodiff cannot stand in "
                       f"({context.unavailable(Method.AUTODIFF)}): nothing exact to measure errors against")
        else:
            message = f"SymPy gave up ({reason}); showing the numerical methods against autodiff"
        self.status.emit(StatusMessage(request.request_id, message))
        return SymbolicDerivatives(job.parsed, (job.parsed.expr,), (message,))

    def _drop(self, job: DeriveJob, request: DerivativeRequest) -> None:
        """A newer request came: stop the job unless that request wants the same expression's derivatives."""
        pending = self._pending
        if self._stopping or pending is None or pending.expression != request.expression:
            job.cancel()

    def _emit_stages(
        self, request: DerivativeRequest, symbolic: SymbolicDerivatives, known: dict[Method, np.ndarray]
    ) -> bool:
        """Emit every stage of request; False if a newer request cut it short.

        Stages that come fast are held back and sent together, so the window draws them in one
        repaint rather than one repaint each; a slow stage never holds back the ones before it.
        """
        held: list[object] = []
        held_since = 0.0
        probe = request.probe_point
        for item in itertools.chain(compute_stages(request, symbolic, known), [_Calculus()]):
            if self._superseded():
                return False
            if isinstance(item, SweepResult):
                probe = item.sweep.probe  # where the sweep went (a point where f' exists)
            if isinstance(item, _Calculus) and searches_critical_points(request, symbolic):
                # The curves are not kept waiting for the search, and the search waits for their paint:
                # Python work here would share the GIL with the painting and slow both.
                self._emit_all(held)
                self._wait_until_drawn()
                if self._superseded():
                    return False
            result = calculus_for(request, symbolic, probe) if isinstance(item, _Calculus) else item
            if result is None:
                continue
            if not held:
                held_since = time.perf_counter()
            held.append(result)
            if time.perf_counter() - held_since > HOLD_SECONDS:
                self._emit_all(held)
        self._emit_all(held)
        self._probe = probe
        return True

    def _emit_all(self, held: list) -> None:
        if not held:  # nothing to paint: the wait for a paint would wait in vain
            return
        self._gate.sent()
        self.stages.emit(tuple(held))
        held.clear()

    def _wait_until_drawn(self) -> None:
        """Hold off Python work (formula, theory lines, critical points) until the window has painted the
        stages just sent (or a newer request came)."""
        self._gate.wait(lambda: self._stopping or self._pending is not None)

    def _compute(self, request: DerivativeRequest) -> None:
        """The stages of one request, dropped as soon as a newer request exists."""
        try:
            parsed = parse_expression(request.expression, request.variable)
        except ExpressionError as exc:
            self.status.emit(StatusMessage(request.request_id, str(exc), is_error=True))
            return
        # The Taylor polynomial at the sweep point needs the derivatives up to its degree too.
        job = self.engine.submit(parsed, max(derivatives_needed(request), request.taylor_degree))
        # SymPy works in its child meanwhile: the curves that need only f can be ready by then.
        known = f_only_curves(request, parsed)
        self.marks = {"request_id": request.request_id, "f_only": time.perf_counter()}
        if self._superseded():
            self._drop(job, request)
            return
        symbolic = self._exact(request, job)
        self.marks["exact"] = time.perf_counter()
        if symbolic is None or not self._emit_stages(request, symbolic, known):
            return
        self._wait_until_drawn()
        formula_key = (request.expression, request.variable, request.order)
        same_formula = formula_key == self._formula_sent
        plain = None
        if not same_formula:
            self._formula_sent = None  # until this request's formula is sent in full
            plain = self._emit_formula(request, symbolic, simplified=False)
        if not symbolic.notes:
            # The theory lines' higher derivatives may have come (or still be coming) since the stages were
            # computed: the sweep is drawn again with them.
            while not job.wait(job.up_to + 1, POLL_SECONDS):
                if self._superseded():
                    self._drop(job, request)
                    return
            complete = job.derivatives()
            if complete.highest_order > symbolic.highest_order:
                sweep = sweep_stage(request, complete)
                if sweep is None or self._superseded():
                    return
                calculus = calculus_for(request, complete, self._probe)  # a Taylor degree may need them too
                if not self._superseded():
                    self.stages.emit((sweep,) if calculus is None else (sweep, calculus))
            symbolic = complete
        self.done.emit(request.request_id)
        if same_formula:
            return
        shown = self._emit_formula(request, symbolic, simplified=True) or plain
        if shown is not None and not self._superseded() and self._emit_typeset(shown, symbolic.of(0)):
            self._formula_sent = formula_key

    def _emit_formula(self, request: DerivativeRequest, symbolic: SymbolicDerivatives,
                      simplified: bool) -> FormulaResult | None:
        """Send the derivative's formula (simplified when asked and SymPy finds a simpler one); what was sent."""
        expr = symbolic.of(request.order)
        if expr is None:
            return None
        if simplified:
            try:
                simpler = self.simplifier.simplify(expr, self._superseded)
            except SymbolicCancelled:
                return None
            if simpler is None or simpler == expr or self._superseded():
                return None
            expr = simpler
        text, latex, python = describe(expr)
        result = FormulaResult(request.request_id, request.order, text, latex, python, simplified)
        self.formula.emit(result)
        return result

    def _emit_typeset(self, formula: FormulaResult, f: sympy.Expr | None) -> bool:
        """The formula, and f, drawn as mathematics by the simplifier's child (abandoned for a newer request;
        f, so that what the parser understood of the typed text can be read as mathematics too); False if
        a newer request came first."""
        jobs = [self.simplifier.submit_typeset(formula.latex)]
        if f is not None:
            jobs.append(self.simplifier.submit_typeset(latex_of(f)))
        for job in jobs:
            while not job.wait(1, POLL_SECONDS * 4):
                if self._superseded():
                    for each in jobs:
                        each.cancel()
                    return False
        if self._superseded():
            return False
        drawn = [job.results[0] if job.results else "" for job in jobs]
        if drawn[0]:
            self.formula.emit(replace(formula, svg=drawn[0], f_svg=drawn[1] if len(drawn) > 1 else ""))
        return True
