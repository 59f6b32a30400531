"""Gradient, Hessian, Laplacian and directional derivative by any method, with their errors.

The stencil methods compute all components with one call of f over every stencil's points; autodiff takes
the gradient in one reverse pass and the Hessian in one per row. The Hessian is built from its upper
triangle and mirrored (symmetric by construction, as it is wherever f is twice continuously differentiable).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from ..numeric.error_analysis import absolute_error
from ..request import Method
from ..symbolic.precise import TIME_BUDGET
from . import partials
from .context import FIELD_METHODS, FieldContext
from .stencils import STENCIL_METHODS
from .variables import FieldInputError, as_points


def unit_counts(d: int, *axes: int) -> tuple[int, ...]:
    """counts with one more derivative along each of axes: unit_counts(2, 0, 1) == (1, 1)."""
    counts = [0] * d
    for axis in axes:
        counts[axis] += 1
    return tuple(counts)


def _gradient_counts(d: int) -> list[tuple[int, ...]]:
    return [unit_counts(d, i) for i in range(d)]


def _hessian_counts(d: int) -> list[tuple[int, int, tuple[int, ...]]]:
    return [(i, j, unit_counts(d, i, j)) for i in range(d) for j in range(i, d)]


def gradient_unavailable(context: FieldContext, method: Method) -> str | None:
    """Why method gives no gradient, or None."""
    return next((r for c in _gradient_counts(context.dimension) if (r := context.unavailable(method, c))), None)


def hessian_unavailable(context: FieldContext, method: Method) -> str | None:
    """Why method gives no Hessian, or None."""
    return next((r for *_, c in _hessian_counts(context.dimension) if (r := context.unavailable(method, c))), None)


def _stencil_steps(context: FieldContext, method: Method, counts, points, base, scale):
    return context.stencil(method, counts), context.steps(method, counts, points, base, scale)


def gradient(context: FieldContext, method: Method, points: np.ndarray, base: float | None = None,
             scale: bool = True) -> np.ndarray:
    """The gradient (d, ...) at every point by method (base step as in FieldContext.steps); NaN if unavailable."""
    points = as_points(context.field, points)
    d = context.dimension
    if gradient_unavailable(context, method) is not None:
        return np.full(points.shape, np.nan)
    if method is Method.AUTODIFF:
        values = partials.autodiff_gradient(context.field.expr, context.field.symbols, points, context.parameters)
        return np.array([context._masked(v, points) for v in values])
    if method in STENCIL_METHODS:
        requests = [_stencil_steps(context, method, c, points, base, scale) for c in _gradient_counts(d)]
        estimates = partials.stencil_partials(context.f, points, requests)
        return np.array([context._masked(v, points) for v in estimates])
    return np.array([context.partial(method, c, points, context.steps(method, c, points, base, scale))
                     for c in _gradient_counts(d)])


def hessian(context: FieldContext, method: Method, points: np.ndarray, base: float | None = None,
            scale: bool = True) -> np.ndarray:
    """The Hessian (d, d, ...) at every point by method; NaN if unavailable (the complex step)."""
    points = as_points(context.field, points)
    d = context.dimension
    out = np.full((d, d) + points.shape[1:], np.nan)
    if hessian_unavailable(context, method) is not None:
        return out
    if method is Method.AUTODIFF:
        matrix = partials.autodiff_hessian(context.field.expr, context.field.symbols, points, context.parameters)
        matrix = 0.5 * (matrix + np.swapaxes(matrix, 0, 1))  # reverse passes may round the two halves apart
        return np.array([[context._masked(matrix[i, j], points) for j in range(d)] for i in range(d)])
    entries = _hessian_counts(d)
    values: list[np.ndarray]
    if method in STENCIL_METHODS:
        requests = [_stencil_steps(context, method, c, points, base, scale) for *_, c in entries]
        values = partials.stencil_partials(context.f, points, requests)
    else:
        values = [context.partial(method, c, points) for *_, c in entries]
    for (i, j, _), value in zip(entries, values, strict=True):
        out[i, j] = out[j, i] = context._masked(value, points)
    return out


def laplacian(context: FieldContext, method: Method, points: np.ndarray, base: float | None = None,
              scale: bool = True) -> np.ndarray:
    """The Laplacian sum_i d2f/dx_i^2 at every point: the Hessian's trace, from its diagonal only."""
    points = as_points(context.field, points)
    d = context.dimension
    diagonal = [unit_counts(d, i, i) for i in range(d)]
    if any(context.unavailable(method, c) for c in diagonal):
        return np.full(points.shape[1:], np.nan)
    if method is Method.AUTODIFF:
        return np.trace(hessian(context, method, points))
    if method in STENCIL_METHODS:
        requests = [_stencil_steps(context, method, c, points, base, scale) for c in diagonal]
        return context._masked(np.sum(partials.stencil_partials(context.f, points, requests), axis=0), points)
    return np.sum([context.partial(method, c, points) for c in diagonal], axis=0)


def unit_vector(direction: Sequence[float] | np.ndarray, d: int) -> np.ndarray:
    """direction / |direction|; FieldInputError unless it has d finite coordinates, not all 0."""
    u = np.asarray(direction, dtype=float)
    if u.shape != (d,) or not np.all(np.isfinite(u)):
        raise FieldInputError(f"a direction needs {d} finite coordinates")
    largest = float(np.max(np.abs(u)))
    if largest == 0:
        raise FieldInputError("a direction cannot be the zero vector")
    u = u / largest  # first: the norm of (1e-308, 0) underflowed to 0, that of (1e308, 1e308) overflowed
    return u / float(np.linalg.norm(u))


def along(u: np.ndarray, g: np.ndarray) -> np.ndarray:
    """u . g at every point: the derivative along the unit vector u of gradients g (d, ...). Where components of
    g are infinite with opposite signs (exp(x y) at x = y = -1e15) it is NaN, undefined, without a warning."""
    with np.errstate(invalid="ignore", over="ignore"):
        return np.tensordot(u, g, axes=1)


def directional(context: FieldContext, method: Method, points: np.ndarray, direction: Sequence[float],
                base: float | None = None, scale: bool = True) -> np.ndarray:
    """The derivative along direction (normalised: D_u f = grad f . u / |u|) at every point."""
    u = unit_vector(direction, context.dimension)
    g = gradient(context, method, points, base, scale)
    return along(u, g)


@dataclass(frozen=True, eq=False)
class GradientReport:
    """Gradient and Hessian (and the Laplacian, and a directional derivative when a direction is given) at
    points by several methods, with the reference's values and each method's |error| against them."""

    points: np.ndarray  # (d, ...)
    f: np.ndarray
    reference: Method | None
    exact_gradient: np.ndarray  # (d, ...), NaN when there is no reference
    exact_hessian: np.ndarray  # (d, d, ...)
    gradients: dict[Method, np.ndarray]
    hessians: dict[Method, np.ndarray]
    direction: np.ndarray | None  # unit vector, or None
    notes: dict[str, str]  # "method" or "method hessian" -> why it is missing

    def gradient_error(self, method: Method) -> np.ndarray:
        return absolute_error(self.gradients[method], self.exact_gradient)

    def hessian_error(self, method: Method) -> np.ndarray:
        return absolute_error(self.hessians[method], self.exact_hessian)

    @property
    def exact_laplacian(self) -> np.ndarray:
        return np.trace(self.exact_hessian)

    def laplacian(self, method: Method) -> np.ndarray:
        return np.trace(self.hessians[method])

    @property
    def exact_directional(self) -> np.ndarray | None:
        return None if self.direction is None else along(self.direction, self.exact_gradient)

    def directional(self, method: Method) -> np.ndarray | None:
        return None if self.direction is None else along(self.direction, self.gradients[method])


def gradient_report(context: FieldContext, points: np.ndarray, methods: Iterable[Method] = FIELD_METHODS,
                    base: float | None = None, scale: bool = True,
                    direction: Sequence[float] | np.ndarray | None = None) -> GradientReport:
    """Gradient and Hessian at every point by each method, against the reference (symbolic, or autodiff when
    SymPy gave up)."""
    points = as_points(context.field, points)
    d = context.dimension
    u = unit_vector(direction, d) if direction is not None else None
    candidates = (Method.SYMBOLIC, Method.AUTODIFF)
    reference = next((m for m in candidates if gradient_unavailable(context, m) is None
                      and hessian_unavailable(context, m) is None), None)
    if reference is Method.SYMBOLIC:
        f, exact_g, exact_h = _precise_exact(context, points)
    else:
        f = context.f_exact(points)
        if reference is None:
            exact_g, exact_h = np.full(points.shape, np.nan), np.full((d,) + points.shape, np.nan)
        else:
            exact_g, exact_h = gradient(context, reference, points), hessian(context, reference, points)
    gradients, hessians, notes = {}, {}, {}
    for method in methods:
        reason = gradient_unavailable(context, method)
        if reason is not None:
            notes[method.value] = reason
            continue
        gradients[method] = exact_g if method is reference else gradient(context, method, points, base, scale)
        reason = hessian_unavailable(context, method)
        if reason is not None:
            notes[f"{method.value} hessian"] = reason
            continue
        hessians[method] = exact_h if method is reference else hessian(context, method, points, base, scale)
    return GradientReport(points, f, reference, exact_g, exact_h, gradients, hessians, u, notes)


def _precise_exact(context: FieldContext, points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(f, gradient, Hessian) at the points, exact to the last bit where symbolic.precise can make them so:
    NumPy's doubles of the formulas can lose every digit to cancellation."""
    d = context.dimension
    deadline = time.monotonic() + TIME_BUDGET
    f = context.precise_f(points, deadline)

    def exact(counts):
        values = context.precise_exact(counts, points, f, deadline)
        assert values is not None  # the reference is symbolic: SymPy gave every first and second partial
        return values

    g = np.array([exact(c) for c in _gradient_counts(d)])
    h = np.full((d, d) + points.shape[1:], np.nan)
    for i, j, counts in _hessian_counts(d):
        h[i, j] = h[j, i] = exact(counts)
    return f, g, h
