"""Finite differences on the samples' own spacing: np.gradient, and Fornberg stencils of any width.

`fornberg_weights_rows(offsets, order)` is the float, vectorised form of Fornberg's algorithm (1988): one
row of offsets per point, every row at once, so 10^6 neighbourhoods cost a few hundred array operations
(the exact Fraction version in core/numeric/finite_difference.py is for the formula mode's few stencils).
Offsets are scaled by each row's own spread before the recursion, which keeps it well conditioned on any
spacing (t in epoch seconds, or in nanoseconds).
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np

CHUNK = 1 << 16  # rows per block when building (rows, width) arrays, so memory stays O(CHUNK * width)


def fornberg_weights_rows(offsets: np.ndarray, order: int) -> np.ndarray:
    """Weights w (rows, m) with f^(order)(0) ~ sum_j w[:, j] f(offsets[:, j]) for every row of offsets (rows, m).
    Offsets within a row must be distinct; m > order."""
    offsets = np.asarray(offsets, dtype=float)
    rows, m = offsets.shape
    if m <= order:
        raise ValueError(f"a derivative of order {order} needs more than {m} points")
    scale = np.max(np.abs(offsets), axis=1)
    scale[scale == 0] = 1.0
    x = offsets / scale[:, None]
    c = np.zeros((m, order + 1, rows))
    c[0, 0] = 1.0
    c1 = np.ones(rows)
    c4 = x[:, 0].copy()
    # Offsets that coincide or nearly (samples whose scaled times the span cannot tell apart) give inf and NaN
    # weights, refused by the caller (differentiate._resolvable); the noise estimate meets them first.
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for i in range(1, m):
            top = min(i, order)
            c2 = np.ones(rows)
            c5, c4 = c4, x[:, i]
            for j in range(i):
                c3 = x[:, i] - x[:, j]
                c2 = c2 * c3
                if j == i - 1:
                    ratio = c1 / c2
                    for k in range(top, 0, -1):
                        c[i, k] = ratio * (k * c[i - 1, k - 1] - c5 * c[i - 1, k])
                    c[i, 0] = -ratio * c5 * c[i - 1, 0]
                for k in range(top, 0, -1):
                    c[j, k] = (c4 * c[j, k] - k * c[j, k - 1]) / c3
                c[j, 0] = c4 * c[j, 0] / c3
            c1 = c2
        return (c[:, order, :] / scale**order).T


def window_starts(n: int, width: int, points: np.ndarray | None = None) -> np.ndarray:
    """First index of the width-point window around each point (centred, shifted inwards at the edges)."""
    at = np.arange(n) if points is None else np.asarray(points)
    return np.clip(at - (width - 1) // 2, 0, n - width)


def is_uniform(t: np.ndarray) -> bool:
    """Whether the spacing of t is the same everywhere to rounding (relative 1e-9 of the step, plus the
    rounding of t itself: epoch seconds in doubles are only good to ~1e-7 s)."""
    if len(t) < 3:
        return True
    steps = np.diff(t)
    mean = (t[-1] - t[0]) / (len(t) - 1)
    tolerance = 1e-9 * mean + 8 * np.finfo(float).eps * max(abs(t[0]), abs(t[-1]))
    return bool(np.max(np.abs(steps - mean)) <= tolerance)


def stencil_weights(t: np.ndarray, width: int, order: int, points: np.ndarray | None = None
                    ) -> tuple[np.ndarray, np.ndarray]:
    """(starts, weights): the Fornberg weights of the width-point window of each point (all, or `points`)."""
    at = np.arange(len(t)) if points is None else np.asarray(points)
    starts = window_starts(len(t), width, at)
    weights = np.empty((len(at), width))
    for lo in range(0, len(at), CHUNK):
        block = slice(lo, lo + CHUNK)
        index = starts[block, None] + np.arange(width)
        weights[block] = fornberg_weights_rows(t[index] - t[at[block], None], order)
    return starts, weights


def apply_weights(y: np.ndarray, starts: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """sum_j weights[i, j] y[starts[i] + j] for every row i, without an (n, width) copy of y."""
    out = np.zeros(len(starts))
    for j in range(weights.shape[1]):
        out += weights[:, j] * y[starts + j]
    return out


def fornberg_derivative(t: np.ndarray, y: np.ndarray, order: int, width: int,
                        points: np.ndarray | None = None) -> np.ndarray:
    """The order-th derivative at every sample (or at `points`) from the width nearest samples (a centred
    window, one-sided at the edges): exact for polynomials of degree < width. Uniform spacing takes the
    convolution path (one set of interior weights)."""
    n = len(t)
    if points is None and is_uniform(t) and n > 2 * width:
        step = (t[-1] - t[0]) / (n - 1)
        half = (width - 1) // 2
        interior = fornberg_weights_rows((np.arange(width) - half)[None, :] * step, order)[0]
        out = np.empty(n)
        out[half:n - width + half + 1] = np.correlate(y, interior, mode="valid")
        edges = np.r_[np.arange(half), np.arange(n - width + half + 1, n)]
        starts, weights = stencil_weights(t, width, order, edges)
        out[edges] = apply_weights(y, starts, weights)
        return out
    starts, weights = stencil_weights(t, width, order, points)
    return apply_weights(y, starts, weights)


def gradient_derivative(t: np.ndarray, y: np.ndarray, order: int, edge_order: int) -> np.ndarray:
    """np.gradient on the samples' own t, applied `order` times (as one would by hand for acceleration)."""
    out = y
    edge: Literal[1, 2] = 2 if edge_order == 2 else 1
    for _ in range(order):
        out = np.gradient(out, t, edge_order=edge)
    return out


def noise_gain(weights: np.ndarray) -> np.ndarray:
    """sqrt(sum w^2) of each row: how much a stencil multiplies independent noise of unit deviation."""
    return np.sqrt(np.einsum("ij,ij->i", weights, weights))


def factorial(k: int) -> float:
    return float(math.factorial(k))
