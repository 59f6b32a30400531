"""np.gradient over a 2-D grid of samples (rows are y, columns are x), against the exact gradient where f
has one: what a grid of measurements gives, with the spacing of the grid as the step."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from ..limits import MAX_GRID
from ..numeric.error_analysis import absolute_error
from ..request import Method
from .context import FieldContext
from .maps import Rectangle, _two_variables
from .variables import FieldInputError

Spacing = float | np.ndarray  # one spacing, or the coordinates along the axis (strictly monotonic)


def _checked_spacing(spacing: Spacing, n: int, axis: str) -> float | np.ndarray:
    values = np.asarray(spacing, dtype=float)
    if values.ndim == 0:
        if not (np.isfinite(values) and values > 0):
            raise FieldInputError(f"the {axis} spacing must be a positive finite number")
        return float(values)
    if values.shape != (n,):
        raise FieldInputError(f"{n} {axis} coordinates needed, {values.size} given")
    steps = np.diff(values)
    if not (np.all(np.isfinite(values)) and (np.all(steps > 0) or np.all(steps < 0))):
        raise FieldInputError(f"the {axis} coordinates must be finite and strictly increasing or decreasing")
    return values


def _step_exponent(spacing: float | np.ndarray) -> int:
    """k with the largest step along the axis near 2^k (0 for one spacing, which np.gradient only divides by).
    Uneven coordinates go into products of two or three steps (dx1 dx2 (dx1 + dx2)), which underflow to 0 at
    steps of 1e-300 and overflow at 1e300: np.gradient gave NaN where the derivative was 1e300. On coordinates
    scaled by 2^-k (exact) it works with steps near 1, and its result scaled by 2^-k back is the derivative."""
    if np.ndim(spacing) == 0:
        return 0
    halves = np.abs(np.diff(np.asarray(spacing) / 2))  # halved: the step from -1e308 to 1e308 stays finite
    return int(np.frexp(halves.max())[1]) + 1


def sampled_gradient(values: np.ndarray, x_spacing: Spacing = 1.0, y_spacing: Spacing = 1.0,
                     edge_order: int = 2) -> np.ndarray:
    """(df/dx, df/dy) of a grid of samples values[j, i] = f(x_i, y_j), shape (2, ny, nx), by np.gradient:
    second-order central differences inside, one-sided of order edge_order (1 or 2) at the edges. A spacing
    is one number or the coordinates along its axis (uneven grids are fine)."""
    values = np.asarray(values, dtype=float)
    if values.ndim != 2:
        raise FieldInputError(f"samples must be a 2-D grid (rows y, columns x), not {values.ndim}-D")
    edge: Literal[1, 2]
    if edge_order == 1:
        edge = 1
    elif edge_order == 2:
        edge = 2
    else:
        raise FieldInputError("edge_order must be 1 or 2")
    ny, nx = values.shape
    if min(ny, nx) < edge_order + 1:
        hint = " (edge_order 1 needs 2)" if edge_order == 2 and min(ny, nx) == 2 else ""
        raise FieldInputError(f"a grid needs at least {edge_order + 1} points along each axis for edge_order "
                              f"{edge_order}; this one is {ny} x {nx}{hint}")
    if max(ny, nx) > MAX_GRID:
        raise FieldInputError(f"a grid has at most {MAX_GRID} points per axis; this one is {ny} x {nx}")
    dx = _checked_spacing(x_spacing, nx, "x")
    dy = _checked_spacing(y_spacing, ny, "y")
    kx, ky = _step_exponent(dx), _step_exponent(dy)
    with np.errstate(all="ignore"):
        gy, gx = np.gradient(values, np.ldexp(dy, -ky), np.ldexp(dx, -kx), edge_order=edge)
        g = np.array([np.ldexp(gx, -kx), np.ldexp(gy, -ky)])
        if np.all(np.isfinite(g)) or not np.all(np.isfinite(values)):
            return g
        # Samples near the largest double overflow inside the stencil (4 f1 at an edge, f1 - f0 of +-1e308)
        # although the derivative is finite: a grid of 1e308 everywhere gave +-inf at its edges, 1.5e307 x
        # NaN at its last column. np.gradient is linear, so the samples scaled by 2^-kv (exact, largest near 1)
        # give the derivative scaled by 2^-kv; only what overflowed is taken from it, since scaling down
        # would flush the tiniest samples of a grid that also holds huge ones to 0.
        kv = int(np.frexp(np.max(np.abs(values)))[1])
        sy, sx = np.gradient(np.ldexp(values, -kv), np.ldexp(dy, -ky), np.ldexp(dx, -kx), edge_order=edge)
        scaled = np.array([np.ldexp(sx, kv - kx), np.ldexp(sy, kv - ky)])
        return np.where(np.isfinite(g), g, scaled)


@dataclass(frozen=True, eq=False)
class SampledGradient:
    """np.gradient of f's samples on a grid, the exact gradient there, and the |error| of each component."""

    x: np.ndarray
    y: np.ndarray
    edge_order: int
    gradient: np.ndarray  # (2, ny, nx): df/dx, df/dy
    exact: np.ndarray  # (2, ny, nx), NaN where there is no reference
    reference: Method | None

    @property
    def errors(self) -> np.ndarray:
        return absolute_error(self.gradient, self.exact)


def sampled_gradient_of(context: FieldContext, rectangle: Rectangle, edge_order: int = 2) -> SampledGradient:
    """Sample f on the rectangle's grid (with the context's noise, if any), take np.gradient, and compare
    with the exact gradient (symbolic, or autodiff when SymPy gave up)."""
    _two_variables(context)
    rectangle = rectangle.checked()
    points = rectangle.points()
    samples = context.f(points)
    g = sampled_gradient(samples, rectangle.x, rectangle.y, edge_order)
    exact, reference = exact_gradient(context, points)
    return SampledGradient(rectangle.x, rectangle.y, edge_order, g, exact, reference)


def exact_gradient(context: FieldContext, points: np.ndarray) -> tuple[np.ndarray, Method | None]:
    """The reference gradient at points (d, ...) and which method gave it; NaN and None when none can."""
    d = context.dimension
    counts = [tuple(1 if k == i else 0 for k in range(d)) for i in range(d)]
    for method in (Method.SYMBOLIC, Method.AUTODIFF):
        if all(context.unavailable(method, c) is None for c in counts):
            if method is Method.SYMBOLIC:
                return np.array([context.exact(c, points) for c in counts]), method
            from .vector import gradient

            return gradient(context, method, points), method
    return np.full(np.shape(points), np.nan), None


def grid_gradient_error(values: np.ndarray, x: np.ndarray, y: np.ndarray, exact: Sequence[np.ndarray],
                        edge_order: int = 2) -> np.ndarray:
    """|np.gradient - exact| for samples given as a matrix (say from a CSV) and an exact gradient (2, ny, nx)."""
    return absolute_error(sampled_gradient(values, x, y, edge_order), np.asarray(exact, dtype=float))
