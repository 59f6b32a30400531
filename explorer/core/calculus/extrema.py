"""Critical and inflection points in a range: sign changes of f' and f'' on the grid, refined by a root
finder on the exact derivative, and classified."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

Function = Callable[[np.ndarray], np.ndarray]
MAX_POINTS = 50  # listed in one range; more are counted, not listed
ROOT_TOLERANCE = 4 * np.finfo(float).eps  # relative, in x


@dataclass(frozen=True)
class CriticalPoint:
    """Where f' or f'' changes sign: kind is "minimum", "maximum" or "inflection"."""

    x: float
    y: float
    kind: str


def _scalar(function: Function) -> Callable[[float], float]:
    return lambda t: float(np.asarray(function(np.array([t])), dtype=float)[0])


def sign_changes(x: np.ndarray, values: np.ndarray) -> list[tuple[float, float]]:
    """Brackets [x_i, x_i+1] where values changes sign (both ends defined), plus exact zeros as [x, x]."""
    values = np.asarray(values, dtype=float)
    finite = np.isfinite(values)
    signs = np.sign(values)
    brackets = []
    for i in np.flatnonzero(finite[:-1] & finite[1:] & (signs[:-1] * signs[1:] < 0)):
        brackets.append((float(x[i]), float(x[i + 1])))
    for i in np.flatnonzero(finite & (values == 0)):
        # An exact zero on the grid counts where the sign differs on either side (x^3 at 0 is not).
        if 0 < i < len(values) - 1 and finite[i - 1] and finite[i + 1] and signs[i - 1] * signs[i + 1] < 0:
            brackets.append((float(x[i]), float(x[i])))
    return sorted(brackets)


def _refine(function: Function, low: float, high: float) -> float | None:
    """The root of function in [low, high]; None where the sign change is a pole's, not a zero."""
    if low == high:
        return low
    g = _scalar(function)
    try:
        root = brentq(g, low, high, xtol=ROOT_TOLERANCE * max(abs(low), abs(high), 1e-300), maxiter=200)
    except (ValueError, RuntimeError):
        return None
    # Across a pole (1/x at 0) the sign changes too, and brentq converges to the pole: |g| stays large.
    ends = max(abs(g(low)), abs(g(high)))
    value = abs(g(root))
    return root if math.isfinite(value) and value <= ends else None


def critical_points(x: np.ndarray, f: Function, first: Function, second: Function | None,
                    first_values: np.ndarray, second_values: np.ndarray | None) -> tuple[list[CriticalPoint], int]:
    """Minima and maxima (f' changes sign) and inflection points (f'' changes sign) over the grid x, with
    f' and f'' already evaluated there; the points (at most MAX_POINTS, in x order) and how many in all."""
    found: list[CriticalPoint] = []
    for low, high in sign_changes(x, first_values):
        root = _refine(first, low, high)
        if root is None:
            continue
        before = first_values[np.searchsorted(x, low, side="left") - (0 if low != high else 1)]
        kind = "minimum" if before < 0 else "maximum"
        found.append(CriticalPoint(root, _scalar(f)(root), kind))
    if second is not None and second_values is not None:
        for low, high in sign_changes(x, second_values):
            root = _refine(second, low, high)
            if root is not None:
                found.append(CriticalPoint(root, _scalar(f)(root), "inflection"))
    found = [p for p in found if math.isfinite(p.y)]
    found.sort(key=lambda p: p.x)
    return found[:MAX_POINTS], len(found)
