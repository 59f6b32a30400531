"""Critical and inflection points in a range: sign changes of f' and f'' on the grid, refined by a root
finder on the exact derivative, and classified."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Function = Callable[[np.ndarray], np.ndarray]
MAX_POINTS = 50  # listed in one range; more are counted, not listed
ROOT_TOLERANCE = 4 * np.finfo(float).eps  # relative, in x
MAX_BISECTIONS = 1100  # halvings from the widest finite interval down to adjacent doubles


@dataclass(frozen=True)
class CriticalPoint:
    """Where f' or f'' changes sign: kind is "minimum", "maximum" or "inflection"."""

    x: float
    y: float
    kind: str


def _bracket_indices(x: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Grid indices (low, high) of each sign change of values: neighbours of opposite signs (both defined),
    and exact zeros as (i, i) where the sign differs on either side (x^3's f' = 3x^2 at 0 does not)."""
    values = np.asarray(values, dtype=float)
    finite = np.isfinite(values)
    signs = np.sign(values)
    crossing = np.flatnonzero(finite[:-1] & finite[1:] & (signs[:-1] * signs[1:] < 0))
    inner = np.arange(1, len(values) - 1)
    zero = inner[(values[1:-1] == 0) & finite[:-2] & finite[2:] & (signs[:-2] * signs[2:] < 0)]
    low = np.concatenate([crossing, zero])
    high = np.concatenate([crossing + 1, zero])
    order = np.lexsort((high, low))
    return low[order], high[order]


def sign_changes(x: np.ndarray, values: np.ndarray) -> list[tuple[float, float]]:
    """Brackets [x_i, x_i+1] where values changes sign (both ends defined), plus exact zeros as [x, x]."""
    low, high = _bracket_indices(x, values)
    return [(float(x[i]), float(x[j])) for i, j in zip(low, high, strict=True)]


def _refine(function: Function, low: np.ndarray, high: np.ndarray, low_values: np.ndarray,
            high_values: np.ndarray) -> np.ndarray:
    """The root of function in each bracket [low, high] (values of opposite signs at the ends), NaN where
    the sign change is a pole's, not a zero, or the function is undefined inside.

    Bisection of every bracket at once: one vectorised evaluation per halving, so thousands of roots (sin(300x)
    over a wide range) cost what one does; it runs until no bracket can be halved in floating point."""
    low, high = low.astype(float), high.astype(float)
    low_sign = np.sign(low_values)
    failed = np.zeros(low.shape, dtype=bool)
    for _ in range(MAX_BISECTIONS):
        mid = low + (high - low) / 2
        active = ~failed & (mid > low) & (mid < high) & \
            (high - low > ROOT_TOLERANCE * np.maximum(np.abs(low), np.abs(high)))
        if not active.any():
            break
        at = np.flatnonzero(active)
        values = np.asarray(function(mid[at]), dtype=float)
        failed[at[~np.isfinite(values)]] = True
        zero = values == 0
        upper = np.sign(values) == low_sign[at]  # the sign change is above mid
        low[at[upper | zero]] = mid[at[upper | zero]]
        high[at[~upper | zero]] = mid[at[~upper | zero]]
    roots = np.where(failed, np.nan, low + (high - low) / 2)
    defined = np.flatnonzero(np.isfinite(roots))
    if defined.size:
        # Across a pole (1/x at 0) the sign changes too, and bisection converges to the pole: |g| stays large.
        at_root = np.abs(np.asarray(function(roots[defined]), dtype=float))
        ends = np.maximum(np.abs(low_values[defined]), np.abs(high_values[defined]))
        roots[defined[~(np.isfinite(at_root) & (at_root <= ends))]] = np.nan
    return roots


def _points(x: np.ndarray, f: Function, derivative: Function, values: np.ndarray,
            kinds: Callable[[np.ndarray], np.ndarray]) -> list[CriticalPoint]:
    """The zeros of derivative found from its values on the grid x, each with f there and its kind."""
    low, high = _bracket_indices(x, values)
    exact = low == high
    roots = np.where(exact, x[low], np.nan)
    if (~exact).any():
        roots[~exact] = _refine(derivative, x[low[~exact]], x[high[~exact]], values[low[~exact]],
                                values[high[~exact]])
    keep = np.isfinite(roots)
    roots, low = roots[keep], low[keep]
    y = np.asarray(f(roots), dtype=float) if roots.size else roots
    kind = kinds(np.maximum(low - exact[keep], 0))
    return [CriticalPoint(float(r), float(v), str(k)) for r, v, k in zip(roots, y, kind, strict=True)]


def critical_points(x: np.ndarray, f: Function, first: Function, second: Function | None,
                    first_values: np.ndarray, second_values: np.ndarray | None) -> tuple[list[CriticalPoint], int]:
    """Minima and maxima (f' changes sign) and inflection points (f'' changes sign) over the grid x, with
    f' and f'' already evaluated there; the points (at most MAX_POINTS, in x order) and how many in all."""
    found = _points(x, f, first, first_values,
                    lambda before: np.where(first_values[before] < 0, "minimum", "maximum"))
    if second is not None and second_values is not None:
        found += _points(x, f, second, second_values, lambda before: np.full(before.shape, "inflection"))
    found = [p for p in found if math.isfinite(p.y)]
    found.sort(key=lambda p: p.x)
    return found[:MAX_POINTS], len(found)
