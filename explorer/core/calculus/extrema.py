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
    """Grid indices (low, high) of each sign change of values: the neighbouring nonzero values of opposite
    signs with only exact zeros between them (none undefined). A run of zeros is one sign change, not none:
    near 1e15 the grid repeats doubles, so f' = 2(x - 1e15) is 0 at many grid points in a row, and x^8's
    f' underflows to 0 around its minimum; x^3's f' = 3x^2 touches 0 without changing sign."""
    values = np.asarray(values, dtype=float)
    finite = np.isfinite(values)
    nonzero = np.flatnonzero(finite & (values != 0))
    undefined_before = np.concatenate([[0], np.cumsum(~finite)])  # undefined values among the first i
    low, high = nonzero[:-1], nonzero[1:]
    change = (np.sign(values[low]) != np.sign(values[high])) & (undefined_before[high] == undefined_before[low + 1])
    return low[change], high[change]


def sign_changes(x: np.ndarray, values: np.ndarray) -> list[tuple[float, float]]:
    """Brackets [x_i, x_j] where values changes sign (both ends defined, nonzero, only zeros between)."""
    low, high = _bracket_indices(x, values)
    return [(float(x[i]), float(x[j])) for i, j in zip(low, high, strict=True)]


def _bisect(function: Function, low: np.ndarray, high: np.ndarray,
            below: Callable[[np.ndarray, np.ndarray], np.ndarray],
            stop_at_zero: bool = False) -> tuple[np.ndarray, ...]:
    """Every bracket [low, high] halved at once (one vectorised evaluation per halving) until it cannot be
    in floating point, keeping inside it the boundary where below(values, brackets) stops being True (for
    function's values at the midpoints of the brackets of those indices).

    Returns the final low and high, which brackets met an undefined value (they stop there), and, with
    stop_at_zero, which stopped at a midpoint where function is exactly 0 (low = high = that midpoint)."""
    low, high = low.astype(float), high.astype(float)
    failed = np.zeros(low.shape, dtype=bool)
    zero = np.zeros(low.shape, dtype=bool)
    for _ in range(MAX_BISECTIONS):
        mid = low + (high - low) / 2
        active = ~failed & ~zero & (mid > low) & (mid < high) & \
            (high - low > ROOT_TOLERANCE * np.maximum(np.abs(low), np.abs(high)))
        if not active.any():
            break
        at = np.flatnonzero(active)
        values = np.asarray(function(mid[at]), dtype=float)
        failed[at[~np.isfinite(values)]] = True
        up = below(values, at)
        low[at[up]] = mid[at[up]]
        high[at[~up]] = mid[at[~up]]
        if stop_at_zero:
            hit = at[values == 0]
            zero[hit] = True
            low[hit] = high[hit] = mid[hit]
    return low, high, failed, zero


def _refine(function: Function, low: np.ndarray, high: np.ndarray, low_values: np.ndarray,
            high_values: np.ndarray) -> np.ndarray:
    """The root of function in each bracket [low, high] (values of opposite signs at the ends), NaN where
    the sign change is a pole's, not a zero, or the function is undefined inside.

    Bisection of every bracket at once, so thousands of roots (sin(300x) over a wide range) cost what one
    does. Where function is exactly 0 over a stretch (a run of repeated doubles, an underflow: x^8's f' is 0
    for |x| < 1e-46), the root is the middle of the stretch, not wherever a midpoint first met it."""
    low_sign = np.sign(low_values)

    def before_the_change(values: np.ndarray, at: np.ndarray) -> np.ndarray:
        return np.sign(values) == low_sign[at]

    left, right, failed, zero = _bisect(function, low, high, before_the_change, stop_at_zero=True)
    roots = np.where(failed, np.nan, left + (right - left) / 2)
    met = np.flatnonzero(zero)
    if met.size:
        beside = [np.asarray(function(np.nextafter(roots[met], side)), dtype=float) for side in (-np.inf, np.inf)]
        flat = met[(beside[0] == 0) | (beside[1] == 0)]
        if flat.size:
            _, first_zero, left_failed, _ = _bisect(function, low[flat], roots[flat],
                                                    lambda values, at: before_the_change(values, flat[at]))
            last_zero, _, right_failed, _ = _bisect(function, roots[flat], high[flat],
                                                    lambda values, at: values == 0)
            roots[flat] = np.where(left_failed | right_failed, np.nan, first_zero + (last_zero - first_zero) / 2)
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
    roots = _refine(derivative, x[low], x[high], values[low], values[high]) if low.size else np.empty(0)
    keep = np.isfinite(roots)
    roots, low = roots[keep], low[keep]
    y = np.asarray(f(roots), dtype=float) if roots.size else roots
    kind = kinds(low)
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
