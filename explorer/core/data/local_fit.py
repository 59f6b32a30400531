"""Savitzky-Golay on any spacing: a least-squares polynomial in t fitted to each point's window.

On uneven t each window gets its own fit (the derivative of the local polynomial at the point), which is
what Savitzky-Golay means; scipy.signal.savgol_filter assumes equal steps and is used only when the steps
are equal to rounding, where both give the same numbers. Windows are centred and shifted inwards at the
edges (savgol_filter's mode="interp"). Each fit is solved in a window-centred variable scaled to [-1, 1],
so the normal equations stay well conditioned for any t (epoch seconds included); they are built from
power sums, so a window of w points and degree p costs O(w p) per point, never a (w, p) matrix per point.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.signal import savgol_filter

from .stencils import is_uniform, window_starts

_BLOCK_VALUES = 1 << 21  # rows * width per block: bounds the memory of the (rows, width) arrays


def _solve(gram: np.ndarray, target: np.ndarray) -> np.ndarray:
    """gram^-1 target for each row; rows whose window cannot fit the degree (too few distinct t in it) get
    the least-squares solution of least norm instead of an error."""
    try:
        return np.linalg.solve(gram, target[:, :, None])[:, :, 0]
    except np.linalg.LinAlgError:
        return np.einsum("rab,rb->ra", np.linalg.pinv(gram), target)


def savgol_at(t: np.ndarray, y: np.ndarray, window: int, degree: int, order: int,
              points: np.ndarray | None = None, *, gain: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
    """(derivative, noise gain): at each point (all, or `points`), the order-th derivative of the
    degree-`degree` least-squares polynomial over the point's window, and, if asked, sqrt(sum of the
    squared weights) of that linear estimate (how much it multiplies independent noise of deviation 1)."""
    at = np.arange(len(t)) if points is None else np.asarray(points)
    starts = window_starts(len(t), window, at)
    values = np.empty(len(at))
    gains = np.empty(len(at)) if gain else None
    powers = np.arange(degree + 1)
    # d^order/ds^order of s^k at s = d is k!/(k-order)! d^(k-order), zero for k < order.
    falling = np.array([math.perm(int(k), order) if k >= order else 0.0 for k in powers], dtype=float)
    exponent = np.maximum(powers - order, 0)
    block = max(1, _BLOCK_VALUES // window)
    for lo in range(0, len(at), block):
        rows = slice(lo, lo + block)
        index = starts[rows, None] + np.arange(window)
        tw = t[index]
        yw = y[index]
        centre = 0.5 * (tw[:, 0] + tw[:, -1])
        half = 0.5 * (tw[:, -1] - tw[:, 0])
        half[half == 0] = 1.0
        s = (tw - centre[:, None]) / half[:, None]
        sums = np.empty((len(s), 2 * degree + 1))
        moments = np.empty((len(s), degree + 1))
        term = np.ones_like(s)
        for k in range(2 * degree + 1):
            if k:
                term *= s
            sums[:, k] = term.sum(axis=1)
            if k <= degree:
                moments[:, k] = np.einsum("rw,rw->r", term, yw)
        gram = sums[:, powers[:, None] + powers[None, :]]
        d = (t[at[rows]] - centre) / half
        target = falling * d[:, None] ** exponent / half[:, None] ** order
        solved = _solve(gram, target)  # weights are basis @ solved
        values[rows] = np.einsum("ra,ra->r", solved, moments)
        if gains is not None:
            gains[rows] = np.sqrt(np.maximum(np.einsum("ra,rab,rb->r", solved, gram, solved), 0.0))
    return values, gains


def savgol_derivative(t: np.ndarray, y: np.ndarray, window: int, degree: int, order: int) -> np.ndarray:
    """The order-th derivative at every sample of the local least-squares polynomial (order 0: the fit)."""
    if is_uniform(t) and len(t) >= window:
        step = (t[-1] - t[0]) / (len(t) - 1)
        return savgol_filter(y, window, degree, deriv=order, delta=step, mode="interp")
    return savgol_at(t, y, window, degree, order)[0]


def savgol_pair(t: np.ndarray, y: np.ndarray, window: int, degree: int, reference: int, order: int,
                points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """At `points`, the order-th derivative of the local fits of degree `degree` and `reference` (> degree)
    over the same windows, with sum w^2 of the first and sum (w - w_ref)^2 (noise variance of the estimate
    and of the difference, for unit noise): what an empirical bias-variance choice of the window needs."""
    at = np.asarray(points)
    starts = window_starts(len(t), window, at)
    index = starts[:, None] + np.arange(window)
    tw, yw = t[index], y[index]
    centre = 0.5 * (tw[:, 0] + tw[:, -1])
    half = 0.5 * (tw[:, -1] - tw[:, 0])
    half[half == 0] = 1.0
    s = (tw - centre[:, None]) / half[:, None]
    top = reference
    sums = np.empty((len(s), 2 * top + 1))
    moments = np.empty((len(s), top + 1))
    term = np.ones_like(s)
    for k in range(2 * top + 1):
        if k:
            term *= s
        sums[:, k] = term.sum(axis=1)
        if k <= top:
            moments[:, k] = np.einsum("rw,rw->r", term, yw)
    d = (t[at] - centre) / half
    solved = {}
    for deg in (degree, reference):
        powers = np.arange(deg + 1)
        falling = np.array([math.perm(int(k), order) if k >= order else 0.0 for k in powers], dtype=float)
        target = falling * d[:, None] ** np.maximum(powers - order, 0) / half[:, None] ** order
        gram = sums[:, powers[:, None] + powers[None, :]]
        solved[deg] = _solve(gram, target)
    z, zr = solved[degree], solved[reference]
    p, r = degree + 1, reference + 1
    value = np.einsum("ra,ra->r", z, moments[:, :p])
    value_ref = np.einsum("ra,ra->r", zr, moments[:, :r])
    powers_p, powers_r = np.arange(p), np.arange(r)
    gram_pp = sums[:, powers_p[:, None] + powers_p[None, :]]
    gram_rr = sums[:, powers_r[:, None] + powers_r[None, :]]
    gram_pr = sums[:, powers_p[:, None] + powers_r[None, :]]
    own = np.einsum("ra,rab,rb->r", z, gram_pp, z)
    other = np.einsum("ra,rab,rb->r", zr, gram_rr, zr)
    cross = np.einsum("ra,rab,rb->r", z, gram_pr, zr)
    return value, value_ref, np.maximum(own, 0.0), np.maximum(own + other - 2 * cross, 0.0)

