"""One request in, results out stage by stage: the computation shared by the CLI and the window."""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterator
from dataclasses import dataclass, field, replace

import numpy as np

from .expression.parser import ParsedExpression
from .numeric.error_analysis import StepSweep, absolute_error, relative_error, step_grid, sweep_steps
from .numeric.estimate import estimated_error
from .numeric.methods import MethodContext
from .numeric.steps import DEFAULT_SCALE_FLOOR, own_scale_of
from .numeric.steps import scale_floor as range_scale_floor
from .request import DerivativeRequest, Method
from .symbolic.derivatives import SymbolicDerivatives


@dataclass(frozen=True, eq=False)
class CurveResult:
    """Stage 1: f and each method's derivative over the x grid."""

    request_id: int
    x: np.ndarray
    f: np.ndarray
    derivatives: dict[Method, np.ndarray]
    reference: Method | None  # what errors are measured against: symbolic, or autodiff if SymPy gave up
    notes: dict[Method, str]  # why a requested method has no curve


@dataclass(frozen=True, eq=False)
class ErrorResult:
    """Stage 2: each method's error against the reference over the x grid (none when there is no
    reference), and each step method's estimated error, which needs no reference."""

    request_id: int
    x: np.ndarray
    absolute: dict[Method, np.ndarray]
    relative: dict[Method, np.ndarray]
    estimated: dict[Method, np.ndarray] = field(default_factory=dict)  # estimate.estimated_error


@dataclass(frozen=True, eq=False)
class SweepResult:
    """Stage 3: error against the base step at the probe point, and each method's value there at the step."""

    request_id: int
    step: float  # the base step h0 (the slider's); at the probe each method takes steps[method]
    sweep: StepSweep
    reference: Method | None = None
    exact: float = math.nan  # the reference derivative at the probe
    at_step: dict[Method, float] = field(default_factory=dict)  # each method's estimate at the probe and step
    steps: dict[Method, float] = field(default_factory=dict)  # the step each step method took at the probe
    estimates: dict[Method, float] = field(default_factory=dict)  # each step method's estimated |error| there

    def error_at_step(self, method: Method) -> float:
        """|estimate - exact| of method at the probe and the request's step (NaN where undefined)."""
        return abs(self.at_step.get(method, math.nan) - self.exact)


StageResult = CurveResult | ErrorResult | SweepResult


@dataclass(frozen=True, eq=False)
class DerivativeResults:
    """Every stage of one request computed so far: what the panels show and what exports write."""

    request: DerivativeRequest
    curves: CurveResult | None = None
    errors: ErrorResult | None = None
    sweep: SweepResult | None = None

    def with_stage(self, stage: StageResult) -> DerivativeResults:
        """These results with `stage` (of the same request) in its place."""
        match stage:
            case CurveResult():
                return replace(self, curves=stage)
            case ErrorResult():
                return replace(self, errors=stage)
            case SweepResult():
                return replace(self, sweep=stage)


def collect_results(request: DerivativeRequest, symbolic: SymbolicDerivatives) -> DerivativeResults:
    """Every stage of request at once (the command line and headless exports need no streaming)."""
    results = DerivativeResults(request)
    for stage in compute_stages(request, symbolic):
        if stage is not None:
            results = results.with_stage(stage)
    return results


def derivatives_needed(request: DerivativeRequest) -> int:
    """Highest exact derivative worth computing: the order, plus what the theory lines need."""
    from .numeric.finite_difference import central_accuracy, richardson_levels

    extra = {
        Method.FORWARD: request.accuracy,
        Method.BACKWARD: request.accuracy,
        Method.CENTRAL: central_accuracy(request.accuracy),
        Method.RICHARDSON: 2 * richardson_levels(request.accuracy),
        Method.COMPLEX: 2,
    }
    return request.order + max((extra.get(m, 0) for m in request.methods), default=0)


def method_context(request: DerivativeRequest, symbolic: SymbolicDerivatives,
                   scale_floor: float | None = None) -> MethodContext:
    """The evaluation context for request's order, accuracy and parameter values; steps scale with
    max(|x|, s0), s0 from the request's range (steps.scale_floor) unless given."""
    values = request.parameter_values(symbolic.parsed.parameter_names)
    context = MethodContext(symbolic=symbolic, order=request.order, accuracy=request.accuracy, parameters=values,
                            noise=request.noise, step_floor=range_scale_floor(request.x_min, request.x_max)
                            if scale_floor is None else scale_floor)
    if scale_floor is not None or context.step_floor >= DEFAULT_SCALE_FLOOR:
        return context
    # Within |x| < 1, f's own scale may ask for larger steps than the range's size (steps.scale_floor):
    # measured once per request and expression from f and autodiff's f^(n) over the grid (a slider move
    # reuses it; with noise there is no autodiff, and the range's size stays the floor).
    own = _step_free.get(("own scale", _without_step(request), symbolic.parsed.expr),
                         lambda: _own_scale(context, np.linspace(request.x_min, request.x_max, OWN_SCALE_POINTS)))
    return replace(context, step_floor=range_scale_floor(request.x_min, request.x_max, own, request.order))


def _own_scale(context: MethodContext, x: np.ndarray) -> float:
    """steps.own_scale_of at order min(n, 2): curvature already tells a function that changes at the scale of
    x from one that does not, and autodiff of higher orders costs tenths of a second an edit."""
    measured = replace(context, order=min(context.order, OWN_SCALE_MAX_ORDER))
    if measured.unavailable(Method.AUTODIFF) is not None:
        return 0.0
    try:
        derivative = measured.scaled_derivative(Method.AUTODIFF, x, 1.0)  # no step: the 1.0 is not used
    except (ArithmeticError, ValueError, TypeError):  # a function autograd cannot trace: no own scale
        return 0.0
    return own_scale_of(measured.f(x), derivative, measured.order)


def x_grid(request: DerivativeRequest) -> np.ndarray:
    """The evenly spaced x values of a request."""
    return np.linspace(request.x_min, request.x_max, request.points)


OWN_SCALE_POINTS = 64  # where f's own scale is measured: a median needs no more
OWN_SCALE_MAX_ORDER = 2  # the derivative it is measured with (see _own_scale)
STEP_FREE_CACHE_SIZE = 8  # requests whose step-free parts are kept: a slider move reuses its request's


class _StepFreeCache:
    """What a request computes that does not depend on its step h (f on the grid, the symbolic and autodiff
    curves, the error-against-h sweep), kept per request without its step and id: a slider move computes
    only what h changes. Bounded (LRU); the arrays are made read-only, as they are shared by results."""

    def __init__(self, size: int = STEP_FREE_CACHE_SIZE):
        self.size = size
        self._values: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()  # the window's worker and a headless export may ask at once

    def get(self, key: Hashable, compute):
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
        value = compute()  # outside the lock: a slow computation holds up no other
        for array in value.values() if isinstance(value, dict) else (value,):
            if isinstance(array, np.ndarray):
                array.flags.writeable = False
        with self._lock:
            self._values[key] = value
            while len(self._values) > self.size:
                self._values.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


_step_free = _StepFreeCache()


def _without_step(request: DerivativeRequest) -> DerivativeRequest:
    return replace(request, step=1.0, error_bands=False, request_id=0)


def _curve(context: MethodContext, request: DerivativeRequest, method: Method, x: np.ndarray,
           key: Hashable) -> np.ndarray:
    """One method's derivative over the grid; a method without a step is computed once per key."""
    if method.uses_step:
        return context.scaled_derivative(method, x, request.step)
    return _step_free.get(("curve", method, key), lambda: context.scaled_derivative(method, x, request.step))


def f_only_curves(request: DerivativeRequest, parsed: ParsedExpression) -> dict[Method, np.ndarray]:
    """The curves of the methods that need f alone (finite differences, complex step, autodiff): they
    can be computed while SymPy is still differentiating."""
    context = method_context(request, SymbolicDerivatives(parsed, (parsed.expr,)))
    x = x_grid(request)
    key = (_without_step(request), parsed.expr)
    return {m: _curve(context, request, m, x, key) for m in request.methods
            if m is not Method.SYMBOLIC and context.unavailable(m) is None}


def compute_stages(
    request: DerivativeRequest, symbolic: SymbolicDerivatives, known: dict[Method, np.ndarray] | None = None
) -> Iterator[StageResult]:
    """Yield the curves, then the errors against x, then the error-versus-h sweep; curves already in
    `known` (from f_only_curves for this request) are not computed again."""
    problems = request.problems()
    if problems:
        raise ValueError("; ".join(problems))
    context = method_context(request, symbolic)
    x = x_grid(request)
    notes = {m: reason for m in request.methods if (reason := context.unavailable(m))}
    known = known or {}
    key = (_without_step(request), symbolic.derivatives)
    derivatives = {m: known[m] if m in known else _curve(context, request, m, x, key)
                   for m in request.methods if m not in notes}
    reference = context.reference
    derivatives_ref: np.ndarray | None
    if reference is not None and reference not in derivatives:
        derivatives_ref = _curve(context, request, reference, x, key)
    else:
        derivatives_ref = derivatives.get(reference) if reference else None
    f_values = _step_free.get(("f", key), lambda: context.f(x))
    yield CurveResult(request.request_id, x, f_values, derivatives, reference, notes)

    # Each step method's own estimate of its error: with nothing exact to compare with (noisy samples
    # when SymPy gave up) it is all there is.
    estimated = {m: estimated_error(context, m, x, context.steps(m, x, request.step), d)
                 for m, d in derivatives.items() if m.uses_step} if request.error_bands else {}
    absolute: dict[Method, np.ndarray] = {}
    relative: dict[Method, np.ndarray] = {}
    if derivatives_ref is not None:
        compared = {m: d for m, d in derivatives.items() if m is not reference}
        absolute = {m: absolute_error(d, derivatives_ref) for m, d in compared.items()}
        relative = {m: relative_error(d, derivatives_ref) for m, d in compared.items()}
    yield ErrorResult(request.request_id, x, absolute, relative, estimated)

    sweep = sweep_stage(request, symbolic, context) if derivatives_ref is not None else None
    if sweep is not None:
        yield sweep


def sweep_stage(
    request: DerivativeRequest, symbolic: SymbolicDerivatives, context: MethodContext | None = None
) -> SweepResult | None:
    """Stage 3 alone: the error-versus-h sweep over base steps (the slider's units), with theory lines for
    the derivatives symbolic holds."""
    context = context or method_context(request, symbolic)
    reference = context.reference
    if reference is None:
        return None

    def step_free() -> tuple[float, float, StepSweep]:
        probe, exact = _probe(request, context, reference)
        sweep_methods = tuple(m for m in request.methods if m is not reference)
        return probe, exact, sweep_steps(context, sweep_methods, probe, step_grid(), exact)

    probe, exact, sweep = _step_free.get(("sweep", _without_step(request), symbolic.derivatives), step_free)
    at_probe = np.array([probe])
    available = [m for m in request.methods if context.unavailable(m) is None]
    at_step = {m: float(context.scaled_derivative(m, at_probe, request.step)[0]) for m in available}
    steps = {m: context.steps(m, at_probe, request.step) for m in available if m.uses_step}
    estimates = {m: float(estimated_error(context, m, at_probe, h, np.array([at_step[m]]))[0])
                 for m, h in steps.items()}
    return SweepResult(request.request_id, request.step, sweep, reference, exact, at_step,
                       {m: float(h[0]) for m, h in steps.items()}, estimates)


def _probe(request: DerivativeRequest, context: MethodContext, reference: Method) -> tuple[float, float]:
    """(x, exact derivative at x) for the sweep: the request's probe point; when the derivative is
    undefined there and the user did not choose it, the point 30% into the part of the range where it
    is defined (log(x) on [-2, 4] is swept at x = 1.2, not at -0.2 where there is nothing to see)."""
    probe = request.probe_point
    exact = float(context.derivative(reference, np.array([probe]), request.step)[0])
    if math.isfinite(exact) or request.probe is not None:
        return probe, exact
    x = x_grid(request)
    values = context.derivative(reference, x, request.step)
    defined = np.flatnonzero(np.isfinite(values))
    if defined.size == 0:
        return probe, exact
    chosen = defined[int(0.3 * (defined.size - 1))]
    return float(x[chosen]), float(values[chosen])
