"""The calculus stage of a request: what the top panel draws at the sweep point, and the critical points."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from ..numeric.methods import MethodContext
from ..request import DerivativeRequest, Method
from ..symbolic.derivatives import SymbolicDerivatives
from .extrema import CriticalPoint, critical_points
from .lines import Line, secant, stencil_points, tangent
from .polynomial import derivative_coefficients, polynomial_coefficients
from .taylor import agreement_interval, taylor_coefficients, taylor_values

TAYLOR_TOLERANCE = 0.01  # of f's spread over the range: where the Taylor polynomial counts as close to f
CACHE_SIZE = 32  # ranges whose critical points are kept (a slider move or a new sweep point keeps them)


@dataclass(frozen=True, eq=False)
class CalculusResult:
    """What makes the derivative visible at the sweep point x0, for one request."""

    request_id: int
    probe: float
    step: float  # the step the differences use at x0
    tangent: Line | None = None  # slope f'(x0), exact
    forward: Line | None = None  # through f(x0) and f(x0 + h): the forward difference's slope
    chord: Line | None = None  # through f(x0 - h) and f(x0 + h): the central difference's slope
    secant_points: np.ndarray | None = None  # 2 x K: the points the lines go through
    stencil: np.ndarray | None = None  # 2 x K: where the central stencil of the request's order samples f
    taylor_degree: int = 0
    taylor: np.ndarray | None = None  # 2 x N: the Taylor polynomial of that degree at x0 over the grid
    taylor_interval: tuple[float, float] | None = None  # where it stays within the tolerance of f
    critical: tuple[CriticalPoint, ...] = ()
    critical_count: int = 0  # all there are in the range (critical holds at most extrema.MAX_POINTS)
    f_scale: float = 0.0  # the largest finite |f| over the grid: what "about zero" is measured against
    # f's coefficients, highest power first (numpy.poly1d's), and the plotted derivative's, when f is a
    # polynomial (with the parameters' values) of modest degree
    polynomial: np.ndarray | None = None
    polynomial_derivative: np.ndarray | None = None


_critical_cache: OrderedDict[tuple, tuple[tuple[CriticalPoint, ...], int]] = OrderedDict()


def _known_derivative(context: MethodContext, order: int, x: np.ndarray) -> np.ndarray:
    """The symbolic order-th derivative at x, where the caller has checked that SymPy gave it."""
    values = context.exact_derivative(order, x)
    assert values is not None, f"derivative {order} is not known"
    return values


def _critical_key(context: MethodContext, x: np.ndarray) -> tuple:
    return (context.symbolic.derivatives[0], context.parameters, float(x[0]), float(x[-1]), x.size,
            context.symbolic.of(2) is not None)


def _critical(context: MethodContext, x: np.ndarray) -> tuple[tuple[CriticalPoint, ...], int]:
    if context.symbolic.of(1) is None:
        return (), 0
    key = _critical_key(context, x)
    if key in _critical_cache:
        _critical_cache.move_to_end(key)
        return _critical_cache[key]

    def first(t: np.ndarray) -> np.ndarray:
        return _known_derivative(context, 1, t)

    def second(t: np.ndarray) -> np.ndarray:  # only called when has_second
        return _known_derivative(context, 2, t)

    has_second = context.symbolic.of(2) is not None
    points, count = critical_points(x, context.f, first, second if has_second else None, first(x),
                                    second(x) if has_second else None)
    _critical_cache[key] = (tuple(points), count)
    while len(_critical_cache) > CACHE_SIZE:
        _critical_cache.popitem(last=False)
    return tuple(points), count


def calculus_stage(request_id: int, context: MethodContext, x: np.ndarray, f_values: np.ndarray, probe: float,
                   step: float, tangents: bool, taylor_degree: int, extrema: bool) -> CalculusResult:
    """The lines, points and polynomial asked for at x0 = probe with the differences' step `step` there."""
    x0 = np.array([probe])
    f0 = float(context.f(x0)[0])
    lines: dict = {}
    if tangents and np.isfinite(f0):
        slope = context.exact_derivative(1, x0)
        if slope is None and context.unavailable(Method.AUTODIFF) is None and context.order == 1:
            slope = context.derivative(Method.AUTODIFF, x0, 0.0)
        if slope is not None and np.isfinite(slope[0]):
            lines["tangent"] = tangent(probe, f0, float(slope[0]))
        forward, forward_points = secant(context.f, probe, probe + step)
        chord, chord_points = secant(context.f, probe - step, probe + step)
        central = context.stencil(Method.CENTRAL)
        lines.update(forward=forward, chord=chord, secant_points=np.hstack([chord_points, forward_points]),
                     stencil=stencil_points(context.f, probe, step, central.offsets_array))
    polynomial = interval = None
    if taylor_degree > 0 and context.symbolic.highest_order >= taylor_degree:
        derivatives = [f0] + [float(_known_derivative(context, k, x0)[0]) for k in range(1, taylor_degree + 1)]
        if all(np.isfinite(derivatives)):
            values = taylor_values(taylor_coefficients(derivatives), probe, x)
            polynomial = np.vstack([x, values])
            finite = f_values[np.isfinite(f_values)]
            # Scaled before the difference: f's spread near the largest doubles (1e308 sin(x)) overflows to
            # inf, and an infinite tolerance would count the whole range as close.
            tolerance = float(np.ptp(TAYLOR_TOLERANCE * finite)) if finite.size else 0.0
            interval = agreement_interval(x, f_values, values, probe, max(tolerance, TAYLOR_TOLERANCE * 1e-300))
    critical, count = _critical(context, x) if extrema else ((), 0)
    finite_f = np.abs(f_values[np.isfinite(f_values)])
    return CalculusResult(request_id, probe, step, taylor_degree=taylor_degree if polynomial is not None else 0,
                          taylor=polynomial, taylor_interval=interval, critical=critical, critical_count=count,
                          f_scale=float(finite_f.max()) if finite_f.size else 0.0, **lines)


@lru_cache(maxsize=CACHE_SIZE)
def _polynomial(symbolic: SymbolicDerivatives, parameters: tuple[float, ...],
                order: int) -> tuple[np.ndarray, np.ndarray] | None:
    parsed = symbolic.parsed
    coefficients = polynomial_coefficients(parsed.expr, parsed.variable, dict(zip(parsed.parameters, parameters,
                                                                                  strict=True)))
    if coefficients is None:
        return None
    with np.errstate(over="ignore"):
        derivative = derivative_coefficients(coefficients, order)
    return (coefficients, derivative) if np.all(np.isfinite(derivative)) else None


def calculus_for(request: DerivativeRequest, symbolic: SymbolicDerivatives, probe: float) -> CalculusResult | None:
    """The calculus stage of request at the sweep point probe; None when nothing of it is asked for and f is
    not a polynomial (whose coefficients are always shown)."""
    from ..pipeline import method_context, x_grid  # the pipeline imports this module's results

    context = method_context(request, symbolic)
    polynomial = _polynomial(symbolic, context.parameters, request.order)
    if not (request.tangents or request.taylor_degree or request.extrema):
        if polynomial is None:
            return None
        return CalculusResult(request.request_id, probe, 0.0, polynomial=polynomial[0],
                              polynomial_derivative=polynomial[1])
    x = x_grid(request)
    step = float(context.steps(Method.FORWARD, np.array([probe]), request.step)[0])
    result = calculus_stage(request.request_id, context, x, context.f(x), probe, step, request.tangents,
                            request.taylor_degree, request.extrema)
    if polynomial is None:
        return result
    return replace(result, polynomial=polynomial[0], polynomial_derivative=polynomial[1])


def searches_critical_points(request: DerivativeRequest, symbolic: SymbolicDerivatives) -> bool:
    """True when request's calculus stage will search its range for critical points (not known yet): the one
    part of the stage that can take longer than a frame (many roots), so the stages before it are sent first."""
    if not request.extrema or symbolic.of(1) is None:
        return False
    from ..pipeline import method_context, x_grid

    return _critical_key(method_context(request, symbolic), x_grid(request)) not in _critical_cache
