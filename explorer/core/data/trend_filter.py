"""Total-variation regularised derivatives: trend filtering on any spacing, solved by majorise-minimise.

g minimises  1/2 mean (y - g)^2 + alpha * TV(g^(k)),  where TV(g^(k)) is the total variation of g's k-th
derivative, taken as the jumps of k! times its k-th divided differences (Tibshirani 2014, on uneven t).
k = 1 penalises the variation of the derivative itself (piecewise linear g, a piecewise constant
derivative: Rudin-Osher-Fatemi on the slope); k = 2, 3 give piecewise quadratic and cubic g, whose first
and second derivatives are continuous and far less staircased. The derivative of the fit is taken by the
narrowest centred stencil that is exact for degree-k pieces.

The solver is iteratively reweighted least squares, the majorise-minimise scheme for the l1 norm: each
step solves (C + n alpha P' W P) g = C y with W = 1/|P g|, a banded system of bandwidth k+1 (LAPACK, O(n)).
At most MAX_ITERATIONS steps, so the cost is bounded; it stops earlier when g moves less than TOLERANCE
(relative to y's scale).

Numerics, measured: divided differences over nearly coincident times are huge, and so are the weights
where the k-th derivative is flat; both made the banded Cholesky fail. So (1) samples closer than
MERGE_STEP times the median step are merged into their mean (C counts them) and the fit's derivative is
interpolated back to them, and (2) a weight never exceeds MAX_WEIGHT / |P|^2: jumps below that floor are
penalised quadratically (the Huber form of |.|). Past the alpha where every weight is capped the fit
stops changing (it is already a near-polynomial over long stretches).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.linalg import LinAlgError, solveh_banded

from .errors import DataError
from .prepared import memo
from .stencils import apply_weights, fornberg_derivative, is_uniform, stencil_weights

MAX_ITERATIONS = 60
TOLERANCE = 1e-7
FLOOR = 1e-8  # |P g| below this times its typical size counts as this
MAX_WEIGHT = 1e12
MERGE_STEP = 0.25


def penalty_rows(t: np.ndarray, k: int) -> np.ndarray:
    """(n - k - 1, k + 2): row i holds the coefficients of k! (DD_k g[i+1] - DD_k g[i]) on g[i .. i+k+1], the
    jump of the k-th derivative estimate, = k! (t[i+k+1] - t[i]) times the (k+1)-th divided difference."""
    n = len(t)
    width = k + 2
    rows = n - k - 1
    points = np.stack([t[j:j + rows] for j in range(width)], axis=1)
    coefficients = np.ones((rows, width))
    for j in range(width):
        for other in range(width):
            if other != j:
                coefficients[:, j] /= points[:, j] - points[:, other]
    return coefficients * (math.factorial(k) * (points[:, -1] - points[:, 0]))[:, None]


def _normal_band(rows: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    """Upper banded storage of P' diag(weights) P for penalty rows P. (Lower storage factors faster, but
    the reweighted solves then round otherwise, which the derivatives of uneven t magnify: kept as is.)"""
    count, width = rows.shape
    upper = width - 1
    band = np.zeros((width, n))
    for a in range(width):
        for b in range(a, width):
            band[upper + a - b, b:b + count] += weights * rows[:, a] * rows[:, b]
    return band


def _apply_rows(rows: np.ndarray, g: np.ndarray) -> np.ndarray:
    count, width = rows.shape
    return sum(rows[:, j] * g[j:j + count] for j in range(width))


def _merge(t: np.ndarray, y: np.ndarray, minimum: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(times, means, counts) with runs of samples closer than `minimum` to the run's first merged into one."""
    if len(t) < 2 or np.min(np.diff(t)) >= minimum:
        return t, y, np.ones(len(t))
    # a sample at least `minimum` after the one before it starts a run whatever the run's first was; only
    # samples closer than that to their predecessor are decided one by one, in order
    close = np.flatnonzero(np.diff(t) < minimum) + 1
    starts = np.ones(len(t), dtype=bool)
    start, previous = 0.0, -1
    for i, value, before in zip(close.tolist(), t[close].tolist(), t[close - 1].tolist(), strict=True):
        if i - 1 != previous:  # the sample before starts a run (it is not close to its own predecessor)
            start = before
        if value - start >= minimum:
            start = value
        else:
            starts[i] = False
        previous = i
    group = np.cumsum(starts) - 1
    counts = np.bincount(group).astype(float)
    return np.bincount(group, t) / counts, np.bincount(group, y) / counts, counts


def _penalty(t: np.ndarray, k: int) -> tuple[float, np.ndarray, float]:
    """(the median step h, the penalty rows on the merged t in units of h, their largest squared norm):
    what trend_filter needs of t alone, kept with the data set (memo) while alpha moves."""
    h = float(np.median(np.diff(t)))
    tm, _, _ = _merge(t, t, MERGE_STEP * h)
    if len(tm) < k + 3:  # a penalty row spans k + 2 samples, and the fit needs one row at least
        raise DataError(f"tv of degree {k} needs at least {k + 3} samples once those closer than a quarter of "
                        f"the median step are merged; these samples leave {len(tm)}")
    # On t in units of the median step the penalty rows are O(1) (on t in [0, 1] they were ~n^(k+1))
    rows = penalty_rows(tm / h, k)
    # kept column by column (Fortran order): every solve step reads whole columns, rows[:, j]
    return h, np.asfortranarray(rows), float(np.max(np.sum(rows**2, axis=1)))


def _derivative(t: np.ndarray, tm: np.ndarray, g: np.ndarray, order: int) -> np.ndarray:
    """The order-th derivative of the fit g on the merged times tm by the narrowest centred stencil exact
    for its pieces; on uneven t the stencils' weights are kept with the data set (memo)."""
    width = min(order + 2 if order % 2 else order + 3, len(tm))  # centred: 3 points for order 1, 5 for order 2
    if is_uniform(tm):
        return fornberg_derivative(tm, g, order, width)
    starts, weights = memo(t, ("trend filter stencils", order, width), lambda: stencil_weights(tm, width, order))
    return apply_weights(g, starts, weights)


def trend_filter(t: np.ndarray, y: np.ndarray, alpha: float, k: int, orders: tuple[int, ...] = ()
                 ) -> tuple[np.ndarray, dict[int, np.ndarray]]:
    """(the fit g at every t, {order: its derivative at every t}) for weight alpha and degree k."""
    h, rows, row_norm = memo(t, ("trend filter", k), lambda: _penalty(t, k))
    tm, ym, counts = _merge(t, y, MERGE_STEP * h)
    n = len(tm)
    # TV(g^(k)) scales as h^-k (the rows are on t in units of h), so alpha's weight is rescaled to keep the
    # objective the same
    weight = len(t) * alpha / h**k
    first = np.abs(_apply_rows(rows, ym))
    typical = float(np.median(first)) or float(np.mean(first)) or 1.0
    floor = max(FLOOR * typical, weight * row_norm / MAX_WEIGHT)
    scale = max(float(np.std(y)), 1e-300)
    g = ym.copy()
    for _ in range(MAX_ITERATIONS):
        jumps = np.abs(_apply_rows(rows, g))
        band = _normal_band(rows, weight / np.maximum(jumps, floor), n)
        band[-1] += counts
        try:
            updated = solveh_banded(band, counts * ym, check_finite=False)
        except (LinAlgError, ValueError):
            break  # keep the last good g: the objective only fell so far
        moved = float(np.max(np.abs(updated - g)))
        g = updated
        if moved <= TOLERANCE * scale:
            break
    derivatives = {order: _derivative(t, tm, g, order) for order in orders}
    if n == len(t):
        return g, derivatives
    return np.interp(t, tm, g), {order: np.interp(t, tm, d) for order, d in derivatives.items()}


def total_variation(t: np.ndarray, g: np.ndarray, k: int) -> float:
    """TV(g^(k)) as the penalty measures it."""
    return float(np.sum(np.abs(_apply_rows(penalty_rows(t, k), g))))
