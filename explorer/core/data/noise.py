"""The noise level of samples, estimated from the samples alone.

Each sample is compared with the polynomial through its 2a nearest neighbours (a on each side, itself left
out): for smooth data the difference is noise, scaled by sqrt(1 + sum of the squared interpolation weights)
to unit noise gain. sigma is 1.4826 times the median absolute scaled difference (the MAD, robust to a few
outliers and to the signal's own rare sharp features). With a = 1 on even spacing this is the classic
MAD of second differences / sqrt(6). The signal leaks in through the interpolation error (~ h^2a f^(2a)),
which only adds, so the smallest estimate over a = 1, 2, 3 is kept.
"""

from __future__ import annotations

import numpy as np

from .stencils import fornberg_weights_rows

MAD_TO_SIGMA = 1.482602218505602  # 1 / Phi^-1(3/4): the MAD of a normal sample is 0.6745 sigma


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


def estimate_noise(t: np.ndarray, y: np.ndarray) -> float:
    """sigma of independent noise on y (0 for exact samples of a polynomial of degree < 6)."""
    estimates = []
    for a in (1, 2, 3):
        if len(t) >= 2 * a + 1 + 4:
            residuals = noise_residuals(t, y, a)
            estimates.append(MAD_TO_SIGMA * float(np.median(np.abs(residuals))))
    return min(estimates) if estimates else 0.0
