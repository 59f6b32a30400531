"""Taylor polynomials at a point from the exact derivatives there, and how far they stay close to f."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def taylor_coefficients(derivatives_at_x0: Sequence[float]) -> np.ndarray:
    """c_k = f^(k)(x0) / k!: the polynomial sum c_k (x - x0)^k of degree len - 1."""
    return np.array([float(d) / math.factorial(k) for k, d in enumerate(derivatives_at_x0)])


def taylor_values(coefficients: np.ndarray, x0: float, x: np.ndarray) -> np.ndarray:
    """The Taylor polynomial at every x (Horner's scheme in powers of x - x0)."""
    t = np.asarray(x, dtype=float) - x0
    values = np.full(t.shape, coefficients[-1] if len(coefficients) else 0.0)
    with np.errstate(over="ignore", invalid="ignore"):  # far from x0 a high degree leaves the doubles: inf there
        for c in coefficients[-2::-1]:
            values = values * t + c
    return values


def agreement_interval(x: np.ndarray, f: np.ndarray, polynomial: np.ndarray, x0: float,
                       tolerance: float) -> tuple[float, float] | None:
    """The stretch of the grid around x0 where |polynomial - f| <= tolerance without a break; None when
    it does not hold at the grid point nearest x0 (or f is undefined there)."""
    x = np.asarray(x, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):  # f and the polynomial near +-1e308 apart: inf
        close = np.abs(np.asarray(polynomial) - np.asarray(f)) <= tolerance
    centre = int(np.clip(np.searchsorted(x, x0), 0, x.size - 1))
    if centre > 0 and abs(x[centre - 1] - x0) < abs(x[centre] - x0):
        centre -= 1
    if not close[centre]:
        return None
    breaks = np.flatnonzero(~close)
    left = breaks[breaks < centre]
    right = breaks[breaks > centre]
    low = x[left[-1] + 1] if left.size else x[0]
    high = x[right[0] - 1] if right.size else x[-1]
    return float(low), float(high)
