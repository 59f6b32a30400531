"""The noise level of samples, estimated from the samples alone.

Each sample is compared with the polynomial through its 2a nearest neighbours (a on each side, itself left
out): for smooth data the difference is noise, scaled by sqrt(1 + sum of the squared interpolation weights)
to unit noise gain. sigma is 1.4826 times the median absolute scaled difference (the MAD, robust to a few
outliers and to the signal's own rare sharp features). With a = 1 on even spacing this is the classic
MAD of second differences / sqrt(6). The signal leaks in through the interpolation error (~ h^2a f^(2a)),
which only adds, so the smallest estimate over a = 1, 2, 3 is kept.

Samples rounded to a step q (an ADC's integers, a file's fixed decimals) carry noise of deviation q / sqrt(12)
at least, yet where the signal moves less than q per sample most residuals are exactly 0 and so is their
median: such samples (on a lattice of QUANTUM_LEVELS or more levels, some residuals a sizeable part of q) are
given that floor.
"""

from __future__ import annotations

import numpy as np

from .stencils import fornberg_weights_rows

MAD_TO_SIGMA = 1.482602218505602  # 1 / Phi^-1(3/4): the MAD of a normal sample is 0.6745 sigma


QUANTUM_LEVELS = 8  # fewer distinct values (a clean step's two) are levels of the signal, not a rounding
QUANTUM_TOLERANCE = 1e-3  # of q: how far the gaps between levels may be from whole multiples of q

MAX_RESIDUALS = 20_000  # samples the median is taken over (spread evenly): plenty for a MAD, and O(1) cost


def noise_residuals(t: np.ndarray, y: np.ndarray, a: int) -> np.ndarray:
    """y_i minus the degree-(2a-1) interpolant of its a neighbours on each side, over unit noise gain, at
    (up to MAX_RESIDUALS of) the samples that have a neighbours on both sides."""
    n = len(t)
    inner = np.arange(a, n - a)
    if len(inner) > MAX_RESIDUALS:
        # steps of more than 1: the indices increase strictly (no np.unique needed, which costs 3 ms here)
        inner = inner[np.linspace(0, len(inner) - 1, MAX_RESIDUALS).astype(np.int64)]
    offsets = np.r_[np.arange(-a, 0), np.arange(1, a + 1)]
    index = inner[:, None] + offsets[None, :]
    weights = fornberg_weights_rows(t[index] - t[inner, None], 0)
    predicted = np.einsum("ij,ij->i", weights, y[index])
    gain = np.sqrt(1.0 + np.einsum("ij,ij->i", weights, weights))
    return (y[inner] - predicted) / gain


def quantum(y: np.ndarray) -> float:
    """The step q of the lattice y's values lie on (QUANTUM_LEVELS of them at least, the gaps between them
    whole multiples of the least), 0 when they lie on none."""
    if len(y) > MAX_RESIDUALS:
        y = y[np.linspace(0, len(y) - 1, MAX_RESIDUALS).astype(np.int64)]
    levels = np.unique(y)
    if len(levels) < QUANTUM_LEVELS:
        return 0.0
    gaps = np.diff(levels)
    q = float(np.min(gaps))
    steps = gaps / q
    return q if float(np.max(np.abs(steps - np.round(steps)))) <= QUANTUM_TOLERANCE else 0.0


def estimate_noise(t: np.ndarray, y: np.ndarray) -> float:
    """sigma of independent noise on y (0 for exact samples of a polynomial of degree < 6), at least the
    rounding's q / sqrt(12) for samples rounded to a step q."""
    estimates = []
    nearest = None
    for a in (1, 2, 3):
        if len(t) >= 2 * a + 1 + 4:
            residuals = noise_residuals(t, y, a)
            nearest = residuals if nearest is None else nearest
            estimates.append(MAD_TO_SIGMA * float(np.median(np.abs(residuals))))
    sigma = min(estimates) if estimates else 0.0
    if nearest is None:
        return sigma
    q = quantum(y)
    # the rounding shows in the residuals unless the samples are exact on the lattice (a line on even t)
    if q > 0 and np.any(np.abs(nearest) >= 0.25 * q):
        sigma = max(sigma, q / np.sqrt(12.0))
    return sigma
