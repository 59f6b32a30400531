"""Gradient descent with momentum, the gradient from any method, and the stability bound 2/L.

x_{k+1} = x_k - lr * v_{k+1},  v_{k+1} = beta * v_k + grad f(x_k)   (heavy ball; beta = 0 is plain descent)

Sequential by nature: each step is one evaluation of the gradient at one point (the compiled exact partials,
f at the stencil points, or forward-mode autodiff), in Python floats. A descent that blows up is stopped at the first
point where |f| or |x| passes DIVERGENCE_BOUND or stops being finite, and says so: the points after that are
overflow, not a path. On a quadratic with largest Hessian eigenvalue L, plain descent converges exactly when
0 < lr < 2/L (each step multiplies the error along that eigen-direction by 1 - lr L).
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..limits import DIVERGENCE_BOUND, MAX_DESCENT_STEPS, MAX_LEARNING_RATE, MAX_MOMENTUM, RANGE_LIMIT
from ..numeric import forward_mode
from ..request import Method
from ..symbolic.derivatives import compile_numpy
from . import partials
from .context import FieldContext
from .stencils import STENCIL_METHODS, product_stencil, recommended_base_step
from .variables import FieldInputError
from .vector import hessian, unit_counts

DESCENT_METHODS = (Method.SYMBOLIC, Method.CENTRAL, Method.FORWARD, Method.BACKWARD, Method.RICHARDSON,
                   Method.COMPLEX, Method.AUTODIFF)


@dataclass(frozen=True, eq=False)
class DescentPath:
    """The points visited (start first), f at each, and how the descent ended."""

    path: np.ndarray  # (n + 1, d)
    values: np.ndarray  # (n + 1,): f (without noise) at each point
    method: Method
    learning_rate: float
    momentum: float
    steps_requested: int
    diverged: bool
    reason: str  # "took all n steps", "diverged at step k: ...", or why it stopped early

    @property
    def steps_taken(self) -> int:
        return len(self.path) - 1


# -- one point at a time ------------------------------------------------------------------------------------
# The descent evaluates at one point per step, where NumPy's per-call overhead (a microsecond or more per
# array operation) would cost more than the arithmetic: the kernels below take and return Python floats and
# call the compiled functions on them (a polynomial then runs as plain Python arithmetic).

Kernel = Callable[[list[float]], list[float]]


def _as_float(value) -> float:
    """A compiled function's result as a float: NaN when it is not a real number."""
    if isinstance(value, float):  # NumPy's float64 too
        return float(value)
    try:
        if isinstance(value, complex) or np.iscomplexobj(value):
            value = complex(value)
            return value.real if abs(value.imag) <= 1e-12 * max(abs(value.real), 1.0) else math.nan
        return float(value)
    except (TypeError, ValueError, OverflowError):
        return math.nan


def _scalar(function, parameters: tuple[float, ...]) -> Callable[[list[float]], float]:
    def call(x: list[float]) -> float:
        try:
            return _as_float(function(*x, *parameters))
        except (ArithmeticError, ValueError, TypeError):  # plain Python arithmetic on constants may raise
            return math.nan

    return call


def scalar_f(context: FieldContext) -> Callable[[list[float]], float]:
    """f (without noise) at one point given as a list of floats."""
    return _scalar(compile_numpy(context.field.expr, context.field.symbols), context.parameters)


def _step(x: float, base: float, floor: float, denominator: int) -> float:
    """steps.scaled for one coordinate: base * max(|x|, floor), exactly representable at x."""
    ax = abs(x)
    h = ((ax + max(ax, floor) * (base / denominator)) - ax) * denominator
    return h if h > 0 else denominator * math.ulp(ax)


_MASK = 2**64 - 1
_GOLDEN = 0x9E3779B97F4A7C15


def _splitmix64(z: int) -> int:
    z = (z + _GOLDEN) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def point_noise(x: Sequence[float], sigma: float, seed: int = 0) -> float:
    """noise.field_noise at one point, in Python integers (the same draw, up to the last bits of log and cos)."""
    words = seed % 2**64
    for coordinate in x:
        words = _splitmix64(words ^ struct.unpack("<Q", struct.pack("<d", float(coordinate)))[0])
    second = _splitmix64(words)
    u1, u2 = ((words >> 11) + 1) * 2.0**-53, ((second >> 11) + 1) * 2.0**-53
    return sigma * math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


def _exact_kernel(context: FieldContext) -> Kernel | None:
    d = context.dimension
    functions = []
    for i in range(d):
        expr = context.exact_expression(unit_counts(d, i))
        if expr is None:
            return None
        functions.append(_scalar(compile_numpy(expr, context.field.symbols), context.parameters))
    return lambda x: [g(x) for g in functions]


def _forward_mode_kernel(context: FieldContext) -> Kernel | None:
    """Autodiff by forward mode (as the one-variable autodiff does for first derivatives): for each variable,
    the dual-number code with that variable first; None when it has no rule for a node of f."""
    variables, parameters = context.field.variables, context.field.parameters
    duals = []
    for i, v in enumerate(variables):
        dual = forward_mode.first_derivative(context.field.expr, (v, *variables[:i], *variables[i + 1:],
                                                                  *parameters), with_value=False)
        if dual is None:
            return None
        duals.append(dual)
    values = context.parameters

    def kernel(x: list[float]) -> list[float]:
        out = []
        for i, dual in enumerate(duals):
            try:
                out.append(_as_float(dual(x[i], *x[:i], *x[i + 1:], *values)[1]))
            except (ArithmeticError, ValueError, TypeError):
                out.append(math.nan)
        return out

    return kernel


def _stencil_kernel(context: FieldContext, method: Method, base: float | None, noise: float, seed: int) -> Kernel:
    d = context.dimension
    f = scalar_f(context)
    sample = (lambda x: f(x) + point_noise(x, noise, seed)) if noise else f
    axes = []
    for i in range(d):
        stencil = product_stencil(unit_counts(d, i), context.accuracy, method)
        reference = stencil.reference_index
        terms = [(float(stencil.offsets[j][i]), float(w)) for j, w in enumerate(stencil.weights) if j != reference]
        axes.append((float(stencil.offsets[reference][i]), terms, stencil.denominator,
                     base if base is not None else recommended_base_step(stencil, noise)))
    floors = context.floors

    def kernel(x: list[float]) -> list[float]:
        out = []
        for i, (s_ref, terms, denominator, h0) in enumerate(axes):
            h = _step(x[i], h0, floors[i], denominator)
            point = list(x)
            point[i] = x[i] + s_ref * h
            f_ref = sample(point)
            total = 0.0
            for s, w in terms:
                point[i] = x[i] + s * h
                total += w * (sample(point) - f_ref)
            out.append(total / h)
        return out

    return kernel


def _complex_kernel(context: FieldContext, base: float | None) -> Kernel:
    function = compile_numpy(context.field.expr, context.field.symbols)
    parameters = context.parameters
    h0 = base if base is not None else context.default_base_step(Method.COMPLEX, unit_counts(context.dimension, 0))
    assert h0 is not None  # the complex step always has a default base step
    floors = context.floors

    def kernel(x: list[float]) -> list[float]:
        out = []
        for i in range(len(x)):
            h = h0 * max(abs(x[i]), floors[i])  # x + ih is exact: no need for a difference of doubles
            point: list[complex] = list(x)
            point[i] = complex(x[i], h)
            try:
                out.append(float(np.imag(function(*point, *parameters))) / h)
            except (ArithmeticError, ValueError, TypeError):
                out.append(math.nan)
        return out

    return kernel


def gradient_kernel(context: FieldContext, method: Method, base: float | None = None, noise: float = 0.0,
                    seed: int = 0) -> Kernel:
    """x (a list of d floats) -> grad f(x) by method. Stencil methods take base step `base` (default: the
    balancing step, allowing for the noise) scaled with max(|x_i|, s0_i), on samples of f with noise sigma =
    `noise` drawn by the point and seed; symbolic compiles each exact partial once; autodiff is forward mode
    (autograd where forward mode has no rule)."""
    d = context.dimension
    if not (np.isfinite(noise) and noise >= 0):
        raise FieldInputError("the noise must be a finite number >= 0")
    if noise and method not in STENCIL_METHODS:
        raise FieldInputError(f"{method.value} needs f's formula: noisy samples of f have none")
    counts = [unit_counts(d, i) for i in range(d)]
    for c in counts:
        reason = context.unavailable(method, c)
        if reason is not None:
            raise FieldInputError(f"{method.value}: {reason}")
    if method is Method.SYMBOLIC:
        kernel = _exact_kernel(context)
        if kernel is None:
            raise FieldInputError(f"symbolic: {context.symbolic_failure(counts[0]) or 'no exact gradient'}")
        return kernel
    if method is Method.AUTODIFF:
        kernel = _forward_mode_kernel(context)
        if kernel is None:
            expr, symbols, parameters = context.field.expr, context.field.symbols, context.parameters
            return lambda x: partials.autodiff_gradient(expr, symbols, np.array(x), parameters).tolist()
        return kernel
    if method is Method.COMPLEX:
        return _complex_kernel(context, base)
    return _stencil_kernel(context, method, base, noise, seed)


def check_descent(start: np.ndarray, learning_rate: float, steps: int, momentum: float, d: int) -> None:
    """FieldInputError naming the first input out of its bounds."""
    if start.shape != (d,) or not np.all(np.isfinite(start)) or np.max(np.abs(start)) > RANGE_LIMIT:
        raise FieldInputError(f"the start point needs {d} finite coordinates within +-{RANGE_LIMIT:g}")
    if not (np.isfinite(learning_rate) and 0 < learning_rate <= MAX_LEARNING_RATE):
        raise FieldInputError(f"the learning rate must be more than 0 and at most {MAX_LEARNING_RATE:g}")
    if not (isinstance(steps, (int, np.integer)) and 1 <= steps <= MAX_DESCENT_STEPS):
        raise FieldInputError(f"steps must be a whole number 1..{MAX_DESCENT_STEPS}")
    if not (np.isfinite(momentum) and 0 <= momentum <= MAX_MOMENTUM):
        raise FieldInputError(f"the momentum must be in [0, {MAX_MOMENTUM}]")


def gradient_descent(context: FieldContext, start: Sequence[float], learning_rate: float, steps: int,
                     momentum: float = 0.0, method: Method = Method.SYMBOLIC, base: float | None = None,
                     noise: float = 0.0, seed: int = 0) -> DescentPath:
    """Descend from start for `steps` steps (fewer if it diverges or the gradient is undefined)."""
    origin = np.asarray(start, dtype=float)
    d = context.dimension
    check_descent(origin, learning_rate, steps, momentum, d)
    grad = gradient_kernel(context, method, base, noise, seed)
    f = scalar_f(context)
    x = origin.tolist()
    with np.errstate(all="ignore"):
        fx = f(x)
    path, values = [x], [fx]
    velocity = [0.0] * d
    rate, beta, bound = float(learning_rate), float(momentum), DIVERGENCE_BOUND
    reason, diverged = f"took all {steps} steps", False
    if not math.isfinite(fx):
        reason = "f is undefined at the start"
    else:
        with np.errstate(all="ignore"):  # NumPy functions on floats warn of overflow; it is checked below
            for k in range(1, steps + 1):
                g = grad(x)
                if not all(map(math.isfinite, g)):
                    reason = f"stopped at step {k - 1}: the gradient is undefined there"
                    break
                velocity = [beta * v + gi for v, gi in zip(velocity, g, strict=True)] if beta else g
                x = [xi - rate * v for xi, v in zip(x, velocity, strict=True)]
                fx = f(x)
                path.append(x)
                values.append(fx)
                if not all(math.isfinite(xi) and abs(xi) <= bound for xi in x):
                    diverged = True
                    reason = f"diverged at step {k}: |x| passed {bound:g}"
                    break
                if math.isnan(fx):  # a step out of f's domain (sqrt of a negative): stopped, not diverged
                    reason = f"stopped at step {k}: f is undefined there"
                    break
                if math.isinf(fx) and _infinite_in_exact_arithmetic(context, x):
                    # log(x^2 + y^2) stepped onto (0, 0) below 2/L: the descent reached a pole, where f is
                    # unbounded; it did not blow up, and the learning rate is not to blame
                    reason = f"stopped at step {k}: f is {fx:+g} there (a pole of f)"
                    break
                if not abs(fx) <= bound:
                    diverged = True
                    reason = f"diverged at step {k}: |f| passed {bound:g}"
                    break
    return DescentPath(np.array(path, dtype=float).reshape(-1, d), np.array(values, dtype=float), method,
                       rate, beta, int(steps), diverged, reason)


def _infinite_in_exact_arithmetic(context: FieldContext, x: list[float]) -> bool:
    """Whether f itself is infinite (or undefined) at x, as at a pole, rather than a finite number beyond the
    doubles (exp(x^2 + y^2) far out overflows but is finite: that descent did diverge). SymPy at the exact
    point; False when it cannot tell."""
    import sympy

    field = context.field
    values = {symbol: sympy.Rational(*float(v).as_integer_ratio())
              for symbol, v in zip(field.symbols, (*x, *context.parameters), strict=True)}
    try:
        value = field.expr.xreplace(values)
        return value.is_finite is False or value.has(sympy.zoo, sympy.nan)
    except (ArithmeticError, ValueError, TypeError, RecursionError):
        return False


@dataclass(frozen=True)
class StabilityBound:
    """2/L: the largest learning rate plain gradient descent converges with on a quadratic whose largest
    Hessian eigenvalue is L (inf when L <= 0: no bound from curvature). `constant` says whether the Hessian
    is the same everywhere (f quadratic: the bound is exact) or was taken at the point (a local guide)."""

    largest_eigenvalue: float
    bound: float
    constant: bool


def stability_bound(context: FieldContext, point: Sequence[float]) -> StabilityBound:
    """2/L from the exact Hessian (constant when f is quadratic, else at point); autodiff's when SymPy gave up."""
    d = context.dimension
    at = np.asarray(point, dtype=float)
    constant = _hessian_is_constant(context)
    method = Method.SYMBOLIC if all(context.unavailable(Method.SYMBOLIC, unit_counts(d, i, j)) is None
                                    for i in range(d) for j in range(i, d)) else Method.AUTODIFF
    h = hessian(context, method, at)
    if not np.all(np.isfinite(h)):
        return StabilityBound(float("nan"), float("nan"), constant)
    largest = float(np.max(np.linalg.eigvalsh(h)))
    return StabilityBound(largest, 2.0 / largest if largest > 0 else float("inf"), constant)


def _hessian_is_constant(context: FieldContext) -> bool:
    d = context.dimension
    variables = set(context.field.variables)
    for i in range(d):
        for j in range(i, d):
            expr = context.exact_expression(unit_counts(d, i, j))
            if expr is None or expr.free_symbols & variables:
                return False
    return True
