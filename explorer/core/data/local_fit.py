"""Savitzky-Golay on any spacing: a least-squares polynomial in t fitted to each point's window.

On uneven t each window gets its own fit (the derivative of the local polynomial at the point), which is
what Savitzky-Golay means; scipy.signal.savgol_filter assumes equal steps. Windows are centred and shifted
inwards at the edges (savgol_filter's mode="interp"). On steps equal to rounding, every window not shifted
has the same weights: one convolution per order (`even_fits`), the same numbers as savgol_filter where
its unscaled powers of the offsets keep their digits, and by FFT for wide windows (savgol_filter sums
directly, O(n window)).

At every sample (`local_fits`), the cost is O(n degree^2), whatever the window:
- consecutive points are taken in blocks of about window / 8; every window of a block lies inside the
  block's span of samples, and on that span t is re-centred and scaled to x in [-1, 1] (so t in epoch
  seconds or nanoseconds loses nothing);
- in x the fits use Chebyshev polynomials, whose products are again Chebyshev polynomials
  (T_a T_b = (T_(a+b) + T_|a-b|) / 2), so a window's normal equations need only the sums of T_0..T_2p and
  of T_0..T_p y over it: differences of cumulative sums over the block, with y less its block mean;
- a window fills at least 8/9 of its block's span, so the basis stays well conditioned on it: against a
  direct least-squares fit per window, 1e-13..4e-11 relative up to degree 7 on random t (measured; the
  tests hold it to 1e-9 for t in [0, 1], [1e6, 1e6 + 1], [0, 1e-6] and [-3e9, -3e9 + 1e3]);
- windows of fewer than SMALL_WINDOW times (degree + 1) samples, where normal equations would square
  the conditioning of a near-interpolation, are solved by QR per window instead (cheap there).
`savgol_at` at a few points (the automatic choice's) builds each window's power sums directly, O(w p).
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np
from scipy.signal import convolve

from .parallel import run_all
from .stencils import is_uniform, window_starts

_BLOCK_VALUES = 1 << 19  # rows * width per block: bounds the (rows, width) arrays, small enough to stay in cache
_CACHED_VALUES = 1 << 15  # rows * window per chunk of the windows' power sums: their up to 19 passes stay in cache
BLOCK_FRACTION = 8  # points per block = window // this: the larger, the better conditioned, the slower
SMALL_WINDOW = 4  # windows below this times (degree + 1) samples are fitted by QR, one window at a time
FFT_WINDOW = 64  # equal steps: windows from this long are applied by FFT (when y's range allows, below)
FFT_RANGE = 1e6  # ... unless a sample is further than this times the typical |y - median| from the median
CHOLESKY_PIVOT = 1e-10  # a Cholesky pivot below this times its diagonal entry: that window is solved by LU


def _solve(gram: np.ndarray, target: np.ndarray) -> np.ndarray:
    """gram^-1 target for each row; rows whose window cannot fit the degree (too few distinct t in it) get
    the least-squares solution of least norm instead of an error."""
    try:
        return np.linalg.solve(gram, target[:, :, None])[:, :, 0]
    except np.linalg.LinAlgError:
        return np.einsum("rab,rb->ra", np.linalg.pinv(gram), target)


def _window_moments(t: np.ndarray, y: np.ndarray, starts: np.ndarray, window: int, top: int
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For the windows of `window` samples from `starts`: their centre and half-width in t, and on
    s = (t - centre) / half the power sums sum s^k (k <= 2 top) and the moments sum s^k y (k <= top), built
    in chunks of rows whose (rows, window) arrays stay in cache through the up to 2 top + 1 passes."""
    count = len(starts)
    centre, half = np.empty(count), np.empty(count)
    sums = np.empty((count, 2 * top + 1))
    moments = np.empty((count, top + 1))
    chunk = max(1, _CACHED_VALUES // window)
    for lo in range(0, count, chunk):
        rows = slice(lo, lo + chunk)
        index = starts[rows, None] + np.arange(window)
        tw, yw = t[index], y[index]
        centre[rows] = 0.5 * (tw[:, 0] + tw[:, -1])
        half[rows] = 0.5 * (tw[:, -1] - tw[:, 0])
        half[rows][half[rows] == 0] = 1.0
        s = (tw - centre[rows, None]) / half[rows, None]
        term = np.ones_like(s)
        for k in range(2 * top + 1):
            if k:
                term *= s
            sums[rows, k] = term.sum(axis=1)
            if k <= top:
                moments[rows, k] = np.einsum("rw,rw->r", term, yw)
    return centre, half, sums, moments


def _fit_at(sums: np.ndarray, d: np.ndarray, half: np.ndarray, degree: int, order: int
            ) -> tuple[np.ndarray, np.ndarray]:
    """(coefficients z, Gram matrices) of the order-th derivative at s = d of each window's degree-`degree`
    least-squares fit: the estimate is z . moments (weights basis @ z). d^order/ds^order of s^k at s = d is
    k!/(k-order)! d^(k-order), zero for k < order."""
    powers = np.arange(degree + 1)
    gram = sums[:, powers[:, None] + powers[None, :]]
    return _fit_from(gram, d, half, degree, order), gram


def _fit_from(gram: np.ndarray, d: np.ndarray, half: np.ndarray, degree: int, order: int) -> np.ndarray:
    """_fit_at's coefficients from Gram matrices of a degree at least `degree` (their leading entries are the
    lower degrees' Gram matrices: one gather serves every degree)."""
    powers = np.arange(degree + 1)
    falling = np.array([math.perm(int(k), order) if k >= order else 0.0 for k in powers], dtype=float)
    target = falling * d[:, None] ** np.maximum(powers - order, 0) / half[:, None] ** order
    return _solve(gram[:, :degree + 1, :degree + 1], target)


def savgol_at(t: np.ndarray, y: np.ndarray, window: int, degree: int, order: int,
              points: np.ndarray | None = None, *, gain: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
    """(derivative, noise gain): at each point (all, or `points`), the order-th derivative of the
    degree-`degree` least-squares polynomial over the point's window, and, if asked, sqrt(sum of the
    squared weights) of that linear estimate (how much it multiplies independent noise of deviation 1)."""
    at = np.arange(len(t)) if points is None else np.asarray(points)
    centre, half, sums, moments = _window_moments(t, y, window_starts(len(t), window, at), window, degree)
    solved, gram = _fit_at(sums, (t[at] - centre) / half, half, degree, order)
    values = np.einsum("ra,ra->r", solved, moments)
    if not gain:
        return values, None
    return values, np.sqrt(np.maximum(np.einsum("ra,rab,rb->r", solved, gram, solved), 0.0))


def chebyshev(x: np.ndarray, count: int, order: int = 0) -> np.ndarray:
    """(count, *x.shape): the order-th derivative of T_0 .. T_(count-1) at x, by the three-term recurrence
    T_(k+1) = 2x T_k - T_(k-1), differentiated d times: T_(k+1)^(d) = 2x T_k^(d) + 2d T_k^(d-1) - T_(k-1)^(d)."""
    out = np.empty((count, *x.shape))
    out[0] = 1.0
    if count > 1:
        out[1] = x
    two_x = 2 * x
    for k in range(1, count - 1):  # in place: no temporaries the size of x
        np.multiply(two_x, out[k], out=out[k + 1])
        out[k + 1] -= out[k - 1]
    for d in range(1, order + 1):
        lower = out
        out = np.zeros_like(lower)
        if d == 1 and count > 1:
            out[1] = 1.0
        for k in range(1, count - 1):
            out[k + 1] = two_x * out[k] - out[k - 1] + 2 * d * lower[k]
    return out


def _solve_many(gram: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """gram^-1 targets for each window, the windows last: gram (p, p, windows), targets (p, orders,
    windows); least norm where a gram is singular.

    The grams are symmetric positive (semi)definite and small: they are factored by Cholesky with the
    loops over their p <= 9 rows and columns, every window at once, each step one product along whole
    rows of windows (np.linalg.solve calls LAPACK once per window; with the windows first, each step would
    sum a few strided entries per window); a window whose pivot is not clearly positive is solved by LU,
    or by the pseudo-inverse if singular, as before."""
    p = gram.shape[0]

    def dot(left: list[np.ndarray], right: list[np.ndarray]) -> np.ndarray | float:
        """sum_k left[k] * right[k], in order (0 when empty)."""
        total: np.ndarray | float = 0.0
        for a, b in zip(left, right, strict=True):
            total = a * b if isinstance(total, float) else total + a * b
        return total

    low = np.zeros_like(gram)  # lower factor, gram = low low'
    good = np.ones(gram.shape[2], dtype=bool)
    for j in range(p):
        pivot = gram[j, j] - dot([low[j, k] for k in range(j)], [low[j, k] for k in range(j)])
        good &= pivot > CHOLESKY_PIVOT * gram[j, j]
        root = np.sqrt(np.where(good, pivot, 1.0))
        low[j, j] = root
        for i in range(j + 1, p):
            low[i, j] = (gram[i, j] - dot([low[i, k] for k in range(j)], [low[j, k] for k in range(j)])) / root
    forward = np.empty_like(targets)  # low^-1 targets, then low'^-1 of that
    for j in range(p):
        forward[j] = (targets[j] - dot([low[j, k] for k in range(j)], [forward[k] for k in range(j)])) / low[j, j]
    out = np.empty_like(targets)
    for j in range(p - 1, -1, -1):
        above = range(j + 1, p)
        out[j] = (forward[j] - dot([low[k, j] for k in above], [out[k] for k in above])) / low[j, j]
    if not good.all():
        bad = ~good
        gram_bad, targets_bad = np.moveaxis(gram[:, :, bad], 2, 0), np.moveaxis(targets[:, :, bad], 2, 0)
        try:
            solved = np.linalg.solve(gram_bad, targets_bad)
        except np.linalg.LinAlgError:
            solved = np.einsum("rab,rbo->rao", np.linalg.pinv(gram_bad), targets_bad)
        out[:, :, bad] = np.moveaxis(solved, 0, 2)
    return out


def _window_sums(values: np.ndarray, window: int, block: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """(count, points): sum of values[:, block, offset : offset + window] for each point: the first window of
    each block summed whole (pairwise), then shifted by what enters and leaves it (cumulative sums over
    span - window entries only, not over the whole span)."""
    count, blocks, span = values.shape
    shift = span - window
    first = values[:, :, :window].sum(axis=2)
    entering = np.zeros((count, blocks, shift + 1))
    leaving = np.zeros((count, blocks, shift + 1))
    np.cumsum(values[:, :, window:], axis=2, out=entering[:, :, 1:])
    np.cumsum(values[:, :, :shift], axis=2, out=leaving[:, :, 1:])
    # one flat index per point (np.take along whole rows is far cheaper than indexing by two arrays)
    at = block * (shift + 1) + offset
    shape = (count, blocks * (shift + 1))
    return (np.take(first, block, axis=1) + np.take(entering.reshape(shape), at, axis=1)
            - np.take(leaving.reshape(shape), at, axis=1))


def _blocked_fits(t: np.ndarray, y: np.ndarray, window: int, degree: int, orders: tuple[int, ...]
                  ) -> dict[int, np.ndarray]:
    """local_fits by windowed Chebyshev sums over blocks of points (see the module's notes)."""
    n, p = len(t), degree
    starts = window_starts(n, window)
    size = max(1, window // BLOCK_FRACTION)  # points per block
    span = min(size + window - 1, n)  # samples every window of a block lies in
    count = 2 * p + 1
    blocks = -(-n // size)
    first = np.minimum(starts[np.arange(blocks) * size], n - span)
    out = {order: np.empty(n) for order in orders}
    powers = np.arange(p + 1)
    product_sum, product_difference = powers[:, None] + powers[None, :], np.abs(powers[:, None] - powers[None, :])
    per = max(1, _BLOCK_VALUES // ((span + 1) * count))

    def fit_chunk(lo: int) -> None:
        these = np.arange(lo, min(lo + per, blocks))
        index = first[these, None] + np.arange(span)
        tb = t[index]
        centre = 0.5 * (tb[:, 0] + tb[:, -1])
        half = 0.5 * (tb[:, -1] - tb[:, 0])
        x = (tb - centre[:, None]) / half[:, None]
        yb = y[index]
        level = yb.mean(axis=1)
        yb = yb - level[:, None]
        basis = chebyshev(x, count)  # (count, blocks, span)
        points = np.arange(these[0] * size, min((these[-1] + 1) * size, n))
        block = points // size - lo
        offset = starts[points] - first[points // size]  # 0 .. span - window
        window_sums = _window_sums(basis, window, block, offset)
        window_moments = _window_sums(basis[: p + 1] * yb, window, block, offset)
        gram = 0.5 * (window_sums[product_sum] + window_sums[product_difference])  # (p + 1, p + 1, points)
        at = (t[points] - centre[block]) / half[block]
        targets = np.stack([chebyshev(at, p + 1, order) / half[block] ** order for order in orders], axis=1)
        values = np.einsum("aor,ar->or", _solve_many(gram, targets), window_moments)
        for j, order in enumerate(orders):
            out[order][points] = values[j] + (level[block] if order == 0 else 0.0)

    run_all([partial(fit_chunk, lo) for lo in range(0, blocks, per)])  # chunks of points share nothing
    return out


def _qr_fits(t: np.ndarray, y: np.ndarray, window: int, degree: int, orders: tuple[int, ...]
             ) -> dict[int, np.ndarray]:
    """local_fits by a QR factorisation of each window's Chebyshev matrix (window-centred, scaled t)."""
    n = len(t)
    starts = window_starts(n, window)
    out = {order: np.empty(n) for order in orders}
    block = max(1, _BLOCK_VALUES // (window * (degree + 1)))

    def fit_chunk(lo: int) -> None:
        points = np.arange(lo, min(lo + block, n))
        index = starts[points, None] + np.arange(window)
        tw = t[index]
        centre = 0.5 * (tw[:, 0] + tw[:, -1])
        half = 0.5 * (tw[:, -1] - tw[:, 0])
        x = (tw - centre[:, None]) / half[:, None]
        q, r = np.linalg.qr(np.moveaxis(chebyshev(x, degree + 1), 0, 2))  # (rows, window, degree + 1)
        yw = y[index]
        level = yw.mean(axis=1)
        coefficients = np.linalg.solve(r, np.einsum("rwa,rw->ra", q, yw - level[:, None])[:, :, None])[:, :, 0]
        at = (t[points] - centre) / half
        for order in orders:
            basis = chebyshev(at, degree + 1, order).T / half[:, None] ** order
            out[order][points] = np.einsum("ra,ra->r", basis, coefficients) + (level if order == 0 else 0.0)

    run_all([partial(fit_chunk, lo) for lo in range(0, n, block)])
    return out


def local_fits(t: np.ndarray, y: np.ndarray, window: int, degree: int, orders: tuple[int, ...]
               ) -> dict[int, np.ndarray]:
    """{order: the order-th derivative at every sample of its window's least-squares polynomial of degree
    `degree`} (order 0: the fit itself), on any increasing t, in O(n degree^2)."""
    if window < SMALL_WINDOW * (degree + 1):
        return _qr_fits(t, y, window, degree, orders)
    return _blocked_fits(t, y, window, degree, orders)


def even_fits(y: np.ndarray, step: float, window: int, degree: int, orders: tuple[int, ...]
              ) -> dict[int, np.ndarray]:
    """local_fits on samples `step` apart (len(y) >= window): every window that is not shifted inwards has
    the same offsets, so each order's weights come from one QR factorisation of the window's Chebyshev
    matrix (scaled to [-1, 1]: sound at any width and degree) and are applied by one convolution (by FFT for
    long windows, so the cost hardly grows with the window); the points of either end share one window
    (shifted inwards), so each end is one fit evaluated at its points.

    y's median is taken out first (the weights of a derivative sum to 0; the median, unlike the mean, is not
    dragged by an outlier, whose rounding would erase the other samples). An FFT's rounding reaches every
    output at about eps times the largest |y|: where one sample is more than FFT_RANGE times the typical
    ones, the sums are made directly, so that an outlier's rounding stays in its own windows."""
    n = len(y)
    centre = (window - 1) // 2  # the point's place in its window when the window is not shifted
    x = (2.0 * np.arange(window) - (window - 1)) / (window - 1)
    q, r = np.linalg.qr(chebyshev(x, degree + 1).T)  # (window, degree + 1), (degree + 1, degree + 1)
    level = float(np.median(y))
    v = y - level
    magnitude = np.abs(v)
    method = "fft" if window >= FFT_WINDOW and magnitude.max() <= FFT_RANGE * np.median(magnitude) else "direct"
    ends = np.concatenate([v[:window], v[n - window:]]).reshape(2, window)
    coefficients = np.linalg.solve(r, q.T @ ends.T)  # (degree + 1, 2): the fits over the first and last window
    out = {}
    for order in orders:
        scale = (2.0 / ((window - 1) * step)) ** order
        weights = q @ np.linalg.solve(r.T, chebyshev(x[centre:centre + 1], degree + 1, order)[:, 0]) * scale
        values = np.empty(n)
        values[centre:n - window + centre + 1] = convolve(v, weights[::-1], mode="valid", method=method)
        basis = chebyshev(x, degree + 1, order).T * scale  # (window, degree + 1): at every place in a window
        values[:centre] = basis[:centre] @ coefficients[:, 0]
        values[n - window + centre + 1:] = basis[centre + 1:] @ coefficients[:, 1]
        out[order] = values + level if order == 0 else values
    return out


def savgol_derivatives(t: np.ndarray, y: np.ndarray, window: int, degree: int, orders: tuple[int, ...]
                       ) -> dict[int, np.ndarray]:
    """{order: derivative at every sample of the local least-squares polynomials}: by one convolution per
    order on equal steps (`even_fits`), by the local fits otherwise."""
    if is_uniform(t) and len(t) >= window:
        return even_fits(y, (t[-1] - t[0]) / (len(t) - 1), window, degree, orders)
    return local_fits(t, y, window, degree, orders)


def savgol_derivative(t: np.ndarray, y: np.ndarray, window: int, degree: int, order: int) -> np.ndarray:
    """The order-th derivative at every sample of the local least-squares polynomial (order 0: the fit)."""
    return savgol_derivatives(t, y, window, degree, (order,))[order]


def savgol_pairs(t: np.ndarray, y: np.ndarray, window: int, degrees: list[int], order: int, points: np.ndarray
                 ) -> dict[int, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """For each degree, at `points`: the order-th derivative of the local fits of that degree and of two
    degrees more over the same windows, with sum w^2 of the first and sum (w - w_ref)^2 (noise variance of
    the estimate and of the difference, for unit noise): what an empirical bias-variance choice of the
    window needs. The windows' power sums are built once for every degree."""
    at = np.asarray(points)
    centre, half, sums, moments = _window_moments(t, y, window_starts(len(t), window, at), window, max(degrees) + 2)
    d = (t[at] - centre) / half
    every = np.arange(max(degrees) + 3)
    gram = sums[:, every[:, None] + every[None, :]]  # the largest degree's: its leading entries are the others'
    solved = {deg: _fit_from(gram, d, half, deg, order)
              for deg in sorted({*degrees, *(deg + 2 for deg in degrees)}) if deg + 1 <= window}
    out = {}
    for degree in degrees:
        if degree + 2 not in solved:
            continue
        z, zr = solved[degree], solved[degree + 2]
        p, r = degree + 1, degree + 3
        value = np.einsum("ra,ra->r", z, moments[:, :p])
        value_ref = np.einsum("ra,ra->r", zr, moments[:, :r])
        own = np.einsum("ra,rab,rb->r", z, gram[:, :p, :p], z)
        other = np.einsum("ra,rab,rb->r", zr, gram[:, :r, :r], zr)
        cross = np.einsum("ra,rab,rb->r", z, gram[:, :p, :r], zr)
        out[degree] = (value, value_ref, np.maximum(own, 0.0), np.maximum(own + other - 2 * cross, 0.0))
    return out
