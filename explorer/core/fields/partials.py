"""The numerical methods for partial derivatives over arrays of points (d, ...): product stencils, the
complex step (first partials) and autodiff (autograd, any partial by nesting). Each returns an array of the
points' shape; NaN where the method gives no value."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Literal, overload

import autograd.numpy as anp
import numpy as np
import sympy
from autograd import elementwise_grad

from ..expression.functions import autograd_namespace
from ..numeric.finite_difference import combine
from ..symbolic.derivatives import real_values
from .stencils import ProductStencil

FieldFunction = Callable[[np.ndarray], np.ndarray]  # points (d, ...) -> f at each point (...)


def stencil_points(points: np.ndarray, steps: np.ndarray, stencil: ProductStencil) -> np.ndarray:
    """Every stencil point of every point, shape (d, K, ...): x_i + s_ji h_i."""
    extra = (1,) * (points.ndim - 1)
    offsets = stencil.offsets_array.T.reshape((points.shape[0], -1) + extra)  # (d, K, 1...)
    return points[:, None] + offsets * steps[:, None]


def divide_by_steps(estimate: np.ndarray, steps: np.ndarray, counts: Sequence[int]) -> np.ndarray:
    """estimate / prod_i h_i^counts_i."""
    for i, k in enumerate(counts):
        if k:
            estimate = estimate / (steps[i] if k == 1 else steps[i] ** k)
    return estimate


@overload
def stencil_partial(f: FieldFunction, points: np.ndarray, steps: np.ndarray, stencil: ProductStencil,
                    with_scale: Literal[False] = False) -> np.ndarray: ...


@overload
def stencil_partial(f: FieldFunction, points: np.ndarray, steps: np.ndarray, stencil: ProductStencil,
                    with_scale: Literal[True]) -> tuple[np.ndarray, np.ndarray]: ...


def stencil_partial(f: FieldFunction, points: np.ndarray, steps: np.ndarray, stencil: ProductStencil,
                    with_scale: bool = False) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """sum_j w_j f(x + s_j h) / prod h_i^n_i at every point, with one call of f; steps is (d, ...) like points.
    with_scale: also the largest |f| among each point's stencil points (what its round-off scales with)."""
    points = np.asarray(points, dtype=float)
    steps = np.broadcast_to(np.asarray(steps, dtype=float), points.shape)
    with np.errstate(all="ignore"):
        values = np.asarray(f(stencil_points(points, steps, stencil)), dtype=float)
        estimate = divide_by_steps(combine(values, stencil), steps, stencil.counts)
        # an infinite f at a stencil point (log at 0) gives no derivative: a gap, like NaN
        estimate = np.where(np.isinf(estimate), np.nan, estimate)
        if with_scale:
            return estimate, np.max(np.abs(values), axis=0)
    return estimate


def stencil_partials(f: FieldFunction, points: np.ndarray,
                     requests: Sequence[tuple[ProductStencil, np.ndarray]]) -> list[np.ndarray]:
    """Several stencil_partial at once (each stencil with its own steps), all their points in one call of f:
    a gradient or a Hessian over a grid is one evaluation of f over all the stencils' points."""
    points = np.asarray(points, dtype=float)
    shaped = [(stencil, np.broadcast_to(np.asarray(steps, dtype=float), points.shape)) for stencil, steps in requests]
    with np.errstate(all="ignore"):
        everything = np.concatenate([stencil_points(points, steps, stencil) for stencil, steps in shaped], axis=1)
        values = np.asarray(f(everything), dtype=float)
        estimates, start = [], 0
        for stencil, steps in shaped:
            size = len(stencil.weights)
            part = values[start:start + size]
            start += size
            estimate = divide_by_steps(combine(part, stencil), steps, stencil.counts)
            estimates.append(np.where(np.isinf(estimate), np.nan, estimate))
    return estimates


def complex_partial(f_complex: FieldFunction, points: np.ndarray, steps: np.ndarray, axis: int) -> np.ndarray:
    """df/dx_axis ~ Im f(x + i h e_axis) / h: no subtraction, so no cancellation; f must be analytic."""
    points = np.asarray(points, dtype=float)
    z = points.astype(complex)
    step = np.broadcast_to(np.asarray(steps, dtype=float), points.shape)[axis]
    z[axis] = z[axis] + 1j * step
    with np.errstate(all="ignore"):
        return np.imag(np.asarray(f_complex(z))) / step


@lru_cache(maxsize=256)
def _autograd_compiled(expr: sympy.Expr, symbols: tuple[sympy.Symbol, ...]) -> Callable[..., np.ndarray]:
    """expr as autograd-traceable code, compiled once for every partial taken of it (lambdify is most of
    the cost of a new function's first autodiff Hessian)."""
    return sympy.lambdify(symbols, expr, modules=[autograd_namespace(), anp, "numpy"], cse=True,
                          docstring_limit=0)


@lru_cache(maxsize=256)
def _autodiff_function(expr: sympy.Expr, symbols: tuple[sympy.Symbol, ...], dimension: int,
                       wrt: tuple[int, ...]) -> Callable[..., np.ndarray]:
    """d^len(wrt) expr / dx_wrt[0] dx_wrt[1] ... as a function of (points (d, ...), *parameters), by autograd:
    each elementwise_grad over the whole array of coordinates is one reverse pass for all variables, and
    the one wanted is taken from it (the points are independent, so the element-wise gradient is exact)."""
    compiled = _autograd_compiled(expr, symbols)

    def base(points, *parameters):
        # `+ 0 * x` gives an expression constant in some variables the shape of the points, so autograd can
        # differentiate it.
        shaped = 0.0 * points[0]
        for i in range(1, dimension):
            shaped = shaped + 0.0 * points[i]
        return compiled(*[points[i] for i in range(dimension)], *parameters) + shaped

    def along(function, axis):
        gradient = elementwise_grad(function, 0)
        return lambda points, *parameters: gradient(points, *parameters)[axis]

    derivative = base
    for axis in wrt:
        derivative = along(derivative, axis)
    return derivative


@lru_cache(maxsize=256)
def _autodiff_rows(expr: sympy.Expr, symbols: tuple[sympy.Symbol, ...], dimension: int,
                   wrt: tuple[int, ...]) -> Callable[..., np.ndarray]:
    """The whole gradient (d, ...) of the partial d/dx_wrt... of expr, in one reverse pass."""
    return elementwise_grad(_autodiff_function(expr, symbols, dimension, wrt), 0)


def _run_autodiff(function, points: np.ndarray, parameters: Sequence[float], shape: tuple[int, ...]):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        # autograd warns when a derivative is identically zero ("independent of input"); that is fine here.
        warnings.filterwarnings("ignore", "Output seems independent of input")
        try:
            return function(np.array(np.broadcast_arrays(*points)) if points.ndim > 1 else points, *parameters)
        except (TypeError, ValueError, NotImplementedError, ArithmeticError):  # OverflowError of Python floats too
            return np.full(shape, np.nan)


def autodiff_gradient(expr: sympy.Expr, symbols: tuple[sympy.Symbol, ...], points: np.ndarray,
                      parameters: Sequence[float] = ()) -> np.ndarray:
    """The gradient (d, ...) of expr at every point by autograd, all components in one reverse pass."""
    points = np.asarray(points, dtype=float)
    function = _autodiff_rows(expr, tuple(symbols), points.shape[0], ())
    return real_values(_run_autodiff(function, points, parameters, points.shape), points.shape)


def autodiff_hessian(expr: sympy.Expr, symbols: tuple[sympy.Symbol, ...], points: np.ndarray,
                     parameters: Sequence[float] = ()) -> np.ndarray:
    """The Hessian (d, d, ...) of expr at every point by autograd: row i is the gradient of df/dx_i (one
    reverse pass over the first one per row)."""
    points = np.asarray(points, dtype=float)
    d = points.shape[0]
    rows = [real_values(_run_autodiff(_autodiff_rows(expr, tuple(symbols), d, (i,)), points, parameters,
                                      points.shape), points.shape) for i in range(d)]
    return np.array(rows)


def autodiff_partial(expr: sympy.Expr, symbols: tuple[sympy.Symbol, ...], counts: Sequence[int],
                     points: np.ndarray, parameters: Sequence[float] = ()) -> np.ndarray:
    """The partial derivative of expr (over symbols: variables then parameters) at every point by autograd."""
    points = np.asarray(points, dtype=float)
    shape = points.shape[1:]
    wrt = tuple(i for i, k in enumerate(counts) for _ in range(k))
    function = _autodiff_function(expr, tuple(symbols), points.shape[0], wrt)
    return real_values(_run_autodiff(function, points, parameters, shape), shape)
