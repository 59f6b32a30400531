"""Straight lines through f at a point: the tangent, a difference's secant, and the stencil's points."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Function = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Line:
    """y = y0 + slope (x - x0), drawn between x_from and x_to."""

    x0: float
    y0: float
    slope: float

    def at(self, x: np.ndarray | float) -> np.ndarray:
        return self.y0 + self.slope * (np.asarray(x, dtype=float) - self.x0)


def tangent(x0: float, f0: float, derivative: float) -> Line:
    """The tangent at (x0, f(x0)): its slope is the exact derivative."""
    return Line(x0, f0, derivative)


def secant(f: Function, left: float, right: float) -> tuple[Line, np.ndarray]:
    """The line through (left, f(left)) and (right, f(right)), and those two points (2 x 2: x row, y row).

    The forward difference's secant is secant(f, x, x + h); the central difference's chord secant(f, x - h,
    x + h): their slopes are what the differences compute, before round-off in the division."""
    xs = np.array([left, right], dtype=float)
    ys = np.asarray(f(xs), dtype=float)
    with np.errstate(all="ignore"):
        slope = (ys[1] - ys[0]) / (xs[1] - xs[0])
    return Line(float(xs[0]), float(ys[0]), float(slope)), np.vstack([xs, ys])


def stencil_points(f: Function, x0: float, h: float, offsets: np.ndarray) -> np.ndarray:
    """The points (x0 + s h, f(x0 + s h)) a stencil samples (2 x K: x row, y row)."""
    xs = x0 + np.asarray(offsets, dtype=float) * h
    return np.vstack([xs, np.asarray(f(xs), dtype=float)])
