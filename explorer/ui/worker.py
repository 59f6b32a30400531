"""The computation thread: takes the latest request, streams its stages back, drops stale ones."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache

import sympy
from PySide6.QtCore import QThread, Signal

from ..core.expression_error import ExpressionError
from ..core.parser import parse_expression
from ..core.pipeline import CurveResult, compute_stages, derivatives_needed
from ..core.request import DerivativeRequest
from ..core.symbolic import SymbolicDerivatives, latex_of, python_of
from ..core.symbolic_process import SymbolicCancelled, SymbolicEngine, SymbolicTimeout

FORMULA_DISPLAY_LIMIT = 2000  # characters of plain text worth putting in a label


@dataclass(frozen=True)
class FormulaResult:
    """The n-th derivative as text, LaTeX and Python, for the formula view."""

    request_id: int
    order: int
    text: str
    latex: str
    python: str
    simplified: bool = False


@dataclass(frozen=True)
class StatusMessage:
    """Something the user should know about one request: SymPy gave up, a method is unavailable, it failed."""

    request_id: int
    text: str
    is_error: bool = False


@lru_cache(maxsize=256)
def describe(expr: sympy.Expr) -> tuple[str, str, str]:
    """(plain text, LaTeX, Python) of expr; cached because slider moves ask again for the same formula."""
    text = sympy.sstr(expr)
    if len(text) > FORMULA_DISPLAY_LIMIT:
        text = text[:FORMULA_DISPLAY_LIMIT] + " …"
    return text, latex_of(expr), python_of(expr)


class ComputeWorker(QThread):
    """One thread, one SymbolicEngine; `submit` replaces whatever request is still waiting."""

    stage = Signal(object)  # CurveResult | ErrorResult | SweepResult
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

    # -- GUI thread ------------------------------------------------------
    def submit(self, request: DerivativeRequest) -> None:
        """Queue request, replacing any request not yet started; a running one stops at its next stage."""
        with self._condition:
            self._pending = request
            self._condition.notify()

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
        while True:
            with self._condition:
                while self._pending is None and not self._stopping:
                    self._condition.wait()
                if self._stopping:
                    return
                request, self._pending = self._pending, None
                self._busy = True
            try:
                self._compute(request)
            except Exception as exc:  # noqa: BLE001 - the window reports it and stays up
                self.status.emit(StatusMessage(request.request_id, f"computation failed: {exc}", is_error=True))
            finally:
                with self._condition:
                    self._busy = False

    def _symbolic(self, request: DerivativeRequest) -> SymbolicDerivatives | None:
        """Exact derivatives from the engine; only f itself when SymPy gives up; None when superseded."""
        parsed = parse_expression(request.expression, request.variable)

        def should_stop() -> bool:
            # A newer request for the same expression still wants these derivatives: keep going.
            pending = self._pending
            return self._stopping or (pending is not None and pending.expression != request.expression)

        try:
            return self.engine.derivatives(parsed, derivatives_needed(request), request.order, should_stop)
        except SymbolicCancelled:
            return None
        except SymbolicTimeout as exc:
            message = f"SymPy gave up ({exc}); showing the numerical methods against autodiff"
            self.status.emit(StatusMessage(request.request_id, message))
            return SymbolicDerivatives(parsed, (parsed.expr,), (message,))

    def _compute(self, request: DerivativeRequest) -> None:
        try:
            symbolic = self._symbolic(request)
        except ExpressionError as exc:
            self.status.emit(StatusMessage(request.request_id, str(exc), is_error=True))
            return
        if symbolic is None or self._superseded():
            return
        for result in compute_stages(request, symbolic):
            if self._superseded():
                return
            self.stage.emit(result)
            if isinstance(result, CurveResult):
                self._emit_formula(request, symbolic, simplified=False)
        self.done.emit(request.request_id)
        self._emit_formula(request, symbolic, simplified=True)

    def _emit_formula(self, request: DerivativeRequest, symbolic: SymbolicDerivatives, simplified: bool) -> None:
        expr = symbolic.of(request.order)
        if expr is None:
            return
        if simplified:
            try:
                simpler = self.simplifier.simplify(expr, self._superseded)
            except SymbolicCancelled:
                return
            if simpler is None or simpler == expr or self._superseded():
                return
            expr = simpler
        text, latex, python = describe(expr)
        self.formula.emit(FormulaResult(request.request_id, request.order, text, latex, python, simplified))
