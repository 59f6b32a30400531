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
# Where a derivative changes sign through its own singularity, f must change by less than this share of its
# change over the grid step across the doubles beside the point, to count as continuous there: a cusp or a
# vertical tangent passes (the change vanishes with the step), a jump of f does not.
CONTINUITY = 0.5


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

    Returns the final low and high, which brackets met an undefined value, and, with stop_at_zero, which
    met a midpoint where function is exactly 0; either stops at that midpoint (low = high = it)."""
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
        up = below(values, at)
        low[at[up]] = mid[at[up]]
        high[at[~up]] = mid[at[~up]]
        undefined = at[~np.isfinite(values)]
        failed[undefined] = True
        low[undefined] = high[undefined] = mid[undefined]
        if stop_at_zero:
            hit = at[values == 0]
            zero[hit] = True
            low[hit] = high[hit] = mid[hit]
    return low, high, failed, zero


def _refine(function: Function, low: np.ndarray, high: np.ndarray, low_values: np.ndarray,
            high_values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where function changes sign in each bracket [low, high] (values of opposite signs at the ends), and
    whether it does so through a singularity (a pole, or a point where it is undefined) rather than a zero.

    Bisection of every bracket at once, so thousands of roots (sin(300x) over a wide range) cost what one
    does. Where function is exactly 0 over a stretch (a run of repeated doubles, an underflow: x^8's f' is 0
    for |x| < 1e-46), the root is the middle of the stretch, not wherever a midpoint first met it."""
    low_sign = np.sign(low_values)

    def before_the_change(values: np.ndarray, at: np.ndarray) -> np.ndarray:
        return np.sign(values) == low_sign[at]

    left, right, failed, zero = _bisect(function, low, high, before_the_change, stop_at_zero=True)
    roots = left + (right - left) / 2
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
    # Across a pole (1/x at 0) the sign changes too, and bisection converges to the pole: |g| stays large.
    with np.errstate(all="ignore"):
        at_root = np.abs(np.asarray(function(roots), dtype=float)) if roots.size else roots
    singular = ~(np.isfinite(at_root) & (at_root <= np.maximum(np.abs(low_values), np.abs(high_values))))
    return roots, singular


def _continuous_turns(f: Function, roots: np.ndarray, kinds: np.ndarray, x_low: np.ndarray,
                      x_high: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where a derivative changes sign through its own singularity (f' of cbrt(x)^2 or f'' of cbrt(x) at 0):
    the point (of the root and the doubles beside it, the one where f is least at a minimum, greatest at a
    maximum) and whether f is continuous and turns there. Continuous: finite, and changing across those
    doubles by less than CONTINUITY of its change to either end of the grid's bracket (x_low, x_high); turns:
    at a minimum no end is lower (a maximum: higher), at an inflection f lies between the ends. At a pole of f
    (1/x^2, tan), or where f jumps (sqrt(|x|) + sign(x)), there is no extremum or inflection."""
    beside = np.stack([np.nextafter(roots, -np.inf), roots, np.nextafter(roots, np.inf)])
    with np.errstate(all="ignore"):
        values = np.asarray(f(beside.ravel()), dtype=float).reshape(beside.shape)
        ends = np.asarray(f(np.concatenate([x_low, x_high])), dtype=float).reshape(2, -1)
        direction = np.select([kinds == "minimum", kinds == "maximum"], [1.0, -1.0], 0.0)
        defined = np.all(np.isfinite(values), axis=0) & np.all(np.isfinite(ends), axis=0)
        pick = np.where(direction != 0, np.argmin(np.where(defined, direction * values, 0.0), axis=0), 1)
        columns = np.arange(roots.size)
        point, at_point = beside[pick, columns], values[pick, columns]
        turns = np.where(direction != 0, np.all(direction * (ends - at_point) >= 0, axis=0),
                         (ends[0] - at_point) * (ends[1] - at_point) <= 0)
        jump = np.ptp(values, axis=0) if roots.size else at_point
        continuous = jump <= CONTINUITY * np.min(np.abs(ends - at_point), axis=0)
    return point, defined & turns & continuous


def _points(x: np.ndarray, f: Function, derivative: Function, values: np.ndarray,
            kinds: Callable[[np.ndarray], np.ndarray]) -> list[CriticalPoint]:
    """The zeros of derivative found from its values on the grid x, each with f there and its kind."""
    low, high = _bracket_indices(x, values)
    if not low.size:
        return []
    roots, singular = _refine(derivative, x[low], x[high], values[low], values[high])
    kind = kinds(low)
    keep = np.isfinite(roots) & ~singular
    at = np.flatnonzero(singular)
    if at.size:
        roots[at], keep[at] = _continuous_turns(f, roots[at], kind[at], x[low[at]], x[high[at]])
    roots, kind = roots[keep], kind[keep]
    y = np.asarray(f(roots), dtype=float) if roots.size else roots
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
