"""The whole computation in one call, in this process: what the command line, the tests and the benchmarks share.

`exact_derivatives` runs SymPy here (the window and the CLI use the abandonable engine instead, for input
that may hang); `derive_at` evaluates every method at chosen points; `derive` gives every stage at once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .expression.parser import parse_expression
from .numeric import finite_difference as fd
from .numeric import steps as step_sizes
from .numeric.error_analysis import absolute_error, relative_error
from .numeric.estimate import estimated_error
from .numeric.methods import MethodContext
from .pipeline import DerivativeResults, collect_results, derivatives_needed, method_context
from .request import DerivativeRequest, Method
from .symbolic.derivatives import (
    SymbolicDerivatives,
    derivative_chain,
    drop_distributions,
    is_defined_everywhere,
    on_a_distribution,
)
from .symbolic.precise import TIME_BUDGET, refine

COMPLEX_STEP = step_sizes.COMPLEX_BASE_STEP  # no cancellation, so h can be far below sqrt(eps)
COMPLEX_FLOOR = step_sizes.COMPLEX_FLOOR
COMPLEX_CEILING = step_sizes.COMPLEX_CEILING


def exact_derivatives(request: DerivativeRequest, up_to: int | None = None) -> SymbolicDerivatives:
    """f and its exact derivatives up to `up_to` (default: all the request's stages need), by SymPy here."""
    parsed = parse_expression(request.expression, request.variable)
    count = derivatives_needed(request) if up_to is None else up_to
    return SymbolicDerivatives(parsed, (parsed.expr, *derivative_chain(parsed.expr, parsed.variable, count)))


def derive(request: DerivativeRequest, symbolic: SymbolicDerivatives | None = None) -> DerivativeResults:
    """Every stage of request (curves, errors against x, the sweep), with SymPy run here unless given."""
    return collect_results(request, symbolic if symbolic is not None else exact_derivatives(request))


def default_step(method: Method, context: MethodContext) -> float | None:
    """The base step h0 a method uses when none is asked for: the one that balances its truncation
    against its round-off (and noise) when |f| ~ |f^(n+p)| ~ 1; None for the methods without a step.
    At x it is scaled by max(|x|, s0) (MethodContext.steps); `default_steps` does better where f's
    derivatives are known."""
    if not method.uses_step:
        return None
    if method is Method.COMPLEX:
        return COMPLEX_STEP
    return fd.recommended_step(context.stencil(method), context.noise)


def default_steps(method: Method, context: MethodContext, x: np.ndarray) -> np.ndarray | None:
    """The step method uses at each x when none is asked for (None for the methods without a step).

    Where SymPy gave f^(n+p) (and f^(n+p+1)) and they are finite and f is not 0: the step that balances
    truncation against round-off at that very point (steps.balanced), which follows the function's own
    scale and not only x's. Elsewhere the base step scaled by max(|x|, s0). A derivative that overflowed
    where f did not (1/x, log at 1e-300) says the function's scale is far below 1: there the scale is |x|.
    Then a point whose stencil meets a point outside f's domain, while f itself is defined there, gets a
    smaller step (a bounded number of times).
    """
    if not method.uses_step:
        return None
    x = np.asarray(x, dtype=float)
    base = default_step(method, context)
    assert base is not None  # every method with a step has a default one
    h = context.steps(method, x, base)
    exact_f = context.exact_derivative(0, x)  # without the noise: the balance wants f's size, not a sample
    f0 = exact_f if exact_f is not None else context.f(x)
    if method is Method.COMPLEX:
        h = _complex_steps(context, x, h, f0)
    else:
        stencil = context.stencil(method)
        q = stencil.derivative_order + stencil.accuracy
        higher = context.exact_derivative(q, x)
        unbalanced = np.ones(x.shape, dtype=bool)
        if higher is not None:
            best = step_sizes.balanced(stencil, f0, higher, context.exact_derivative(q + 1, x), context.noise)
            h = np.where(np.isfinite(best), best, h)
            overflowed = np.isinf(higher) & np.isfinite(f0) & (x != 0)
            h = np.where(overflowed, base * np.abs(x), h)
            unbalanced = ~np.isfinite(best) & ~overflowed
        h = step_sizes.representable(x, h, stencil.denominator)
        h = _smaller_scale_if_better(method, context, x, h, base, unbalanced)
    return _inside_domain(method, context, x, h, base)


def _smaller_scale_if_better(method: Method, context: MethodContext, x: np.ndarray, h: np.ndarray, base: float,
                             unbalanced: np.ndarray) -> np.ndarray:
    """h, or base * |x| where that step's estimated error is smaller, at the points 0 < |x| < s0 whose step
    nothing balanced (no truncation: x^2 with the central difference). There the scale s0 may be far above
    the function's own: x^2 at 1e-100 with a step of 1e-5 loses 4xh = 1e-105 against h^2 and gives 0, while
    at base * |x| it is right to a few ulps; x^2 + 1 at 1e-100 keeps the larger step."""
    candidates = np.flatnonzero(unbalanced & (np.abs(x) < context.step_floor) & (x != 0))
    if candidates.size == 0:
        return h
    at = x[candidates]
    smaller = step_sizes.representable(at, base * np.abs(at), context.denominator(method))
    with np.errstate(invalid="ignore"):
        better = estimated_error(context, method, at, smaller) < estimated_error(context, method, at, h[candidates])
    h = np.array(h, dtype=float)
    h[candidates[better]] = smaller[better]
    return h


def _complex_steps(context: MethodContext, x: np.ndarray, h: np.ndarray, f0: np.ndarray) -> np.ndarray:
    """The complex step's h at each x: it has no cancellation, so any h small enough for truncation will
    do, but not one so small that Im f = h f' underflows (x^2 at 1e-300), nor one beyond the function's
    own scale (log at 1e-300, where x + ih with h >> x has the wrong argument)."""
    first, third = context.exact_derivative(1, x), context.exact_derivative(3, x)
    if first is None:
        return h
    with np.errstate(all="ignore"):
        slope = np.abs(first)
        smallest = COMPLEX_FLOOR / slope
        h = np.where(np.isfinite(smallest), np.maximum(h, smallest), h)
        # nor one so large that Im f = h f' overflows (x^2 at 1e200: h = 1e180 gave inf for 2e200)
        h = np.where(slope > 0, np.minimum(h, COMPLEX_CEILING / slope), h)
        if third is not None:
            # truncation h^2 |f'''| / 6 at most a hundredth of eps |f'|
            largest = np.sqrt(6 * fd.EPS * slope / np.abs(third)) / 10
            h = np.where(np.isfinite(largest) & (largest > 0), np.minimum(h, largest), h)
            h = np.where(np.isinf(third) & np.isfinite(f0) & (x != 0), COMPLEX_STEP * np.abs(x), h)
    return h


def _inside_domain(method: Method, context: MethodContext, x: np.ndarray, h: np.ndarray, base: float) -> np.ndarray:
    """h, made smaller where the stencil meets a point where f is undefined though f(x) is defined (log at
    1e-6 with a step of 1e-5), or reaches across a kink of f (|x| at 1e-300: the central difference gave 0
    for 1): first to base * |x| (if that is smaller), then DOMAIN_CUT times smaller, at most DOMAIN_RETRIES
    times. Where no step helps (sqrt at 0: f' is infinite), h stays as it was."""

    def usable(at: np.ndarray, steps: np.ndarray) -> np.ndarray:
        return np.isfinite(context.derivative(method, at, steps)) & ~context.crosses_kink(method, at, steps)

    with np.errstate(all="ignore"):
        bad = np.flatnonzero(np.isfinite(context.f(x)) & ~usable(x, h))
    if bad.size == 0:
        return h
    h = np.array(h, dtype=float)
    tried = h[bad]
    relative = (base if method is not Method.COMPLEX else COMPLEX_STEP) * np.abs(x[bad])
    for attempt in range(step_sizes.DOMAIN_RETRIES + 1):
        smaller = tried / step_sizes.DOMAIN_CUT
        if attempt == 0:
            smaller = np.where(relative > 0, np.minimum(smaller, relative), smaller)
        if method is not Method.COMPLEX:
            smaller = step_sizes.representable(x[bad], smaller, context.denominator(method))
        found = usable(x[bad], smaller)
        h[bad[found]] = smaller[found]
        bad, tried = bad[~found], smaller[~found]
        if bad.size == 0:
            break
    return h


@dataclass(frozen=True, eq=False)
class MethodValues:
    """One method's estimates at the points, the step it used at each, its estimated error (from the
    samples alone) and its errors against the reference."""

    steps: np.ndarray | None  # the step actually used at each point; None for the methods without one
    values: np.ndarray
    estimate: np.ndarray  # estimated |error| (estimate.estimated_error); NaN for symbolic and autodiff
    absolute: np.ndarray
    relative: np.ndarray


@dataclass(frozen=True, eq=False)
class PointResults:
    """Every requested method at chosen points: what `derive` on the command line reports."""

    request: DerivativeRequest
    symbolic: SymbolicDerivatives
    context: MethodContext
    x: np.ndarray
    f: np.ndarray
    exact: np.ndarray  # the reference derivative (NaN where undefined or when there is no reference)
    reference: Method | None
    methods: dict[Method, MethodValues]
    notes: dict[Method, str]  # why a requested method has no values
    # True where f is a number but its formula, evaluated in doubles as every numerical method evaluates it,
    # is not (1e300*x*y at x = 2e8, y = 1e-8: 1e300*x overflows first): those methods have no value there
    beyond_doubles: np.ndarray | None = None


def derive_at(request: DerivativeRequest, symbolic: SymbolicDerivatives, points: np.ndarray,
              step: float | None = None) -> PointResults:
    """Every method of request at `points`, each with `step` (made exactly representable at each point)
    or, when None, its own step at each point (default_steps)."""
    # Points have no range: the scale floor s0 is 1.
    context = method_context(request, symbolic, scale_floor=step_sizes.DEFAULT_SCALE_FLOOR)
    x = np.asarray(points, dtype=float)
    # The same reference the window measures errors against, with the same gaps where f is undefined.
    reference = context.reference
    f = in_doubles = context.f(x)
    if reference is Method.SYMBOLIC:
        f, exact = _exact_at_points(context, x, f)
    else:
        exact = context.derivative(reference, x, 0.0) if reference else np.full(x.shape, np.nan)
    methods: dict[Method, MethodValues] = {}
    notes: dict[Method, str] = {}
    for method in request.methods:
        reason = context.unavailable(method)
        if reason:
            notes[method] = reason
            continue
        if not method.uses_step:
            used = None
        elif step is None:
            # Near the largest double (1e308 with the large step of noisy samples) a step or a stencil point
            # overflows: inf, and the value there undefined, without overflow warnings on the way.
            with np.errstate(over="ignore"):
                used = default_steps(method, context, x)
        elif method is Method.COMPLEX:
            used = np.full(x.shape, float(step))
        else:
            used = step_sizes.representable(x, step, context.denominator(method))
        values = exact if method is reference else context.derivative(method, x, used if used is not None else 0.0)
        estimate = estimated_error(context, method, x, used, values) if used is not None else np.full(x.shape, np.nan)
        methods[method] = MethodValues(used, values, estimate, absolute_error(values, exact),
                                       relative_error(values, exact))
    return PointResults(request, symbolic, context, x, f, exact, reference, methods, notes,
                        np.isfinite(f) & ~np.isfinite(in_doubles))


def _exact_at_points(context: MethodContext, x: np.ndarray, f: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(f, f^(order)) at the points x, each exact value correct to the last bit (symbolic.precise), not
    NumPy's doubles, which lose every digit to cancellation in formulas such as (1 - cos x)/x^2 at 1e-5;
    f is the noisy sample as given when there is noise. As MethodContext.derivative: NaN where f is undefined."""
    deadline = time.monotonic() + TIME_BUDGET
    arguments: list[np.ndarray | float] = [x, *context.parameters]
    symbols = context.symbols
    expressions = context.symbolic.derivatives
    if not context.noise:
        f = refine(expressions[0], symbols, arguments, f, deadline)
    expr, _ = drop_distributions(expressions[context.order])
    exact = context.exact_derivative(context.order, x)
    assert exact is not None  # the reference is symbolic: SymPy gave this derivative
    exact = refine(expr, symbols, arguments, exact, deadline)
    # sign'(x) = 2 DiracDelta(x) is 0 but at x = 0, where there is no derivative (not 0, as dropping it gave)
    exact = np.where(on_a_distribution(expressions[context.order], symbols, arguments), np.nan, exact)
    if is_defined_everywhere(expressions[0]):
        return f, exact
    if context.noise:  # f is a noisy sample: whether f is defined is the formula's matter
        f_values = context.exact_derivative(0, x)
        assert f_values is not None  # f itself is always known
        defined = np.isfinite(refine(expressions[0], symbols, arguments, f_values, deadline))
    else:
        defined = np.isfinite(f)
    return f, np.where(defined, exact, np.nan)
