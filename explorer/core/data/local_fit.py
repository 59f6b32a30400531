"""Savitzky-Golay on any spacing: a least-squares polynomial in t fitted to each point's window.

On uneven t each window gets its own fit (the derivative of the local polynomial at the point), which is
what Savitzky-Golay means; scipy.signal.savgol_filter assumes equal steps. Windows are centred and shifted
inwards at the edges (savgol_filter's mode="interp"). On steps equal to rounding, every window not shifted
has the same weights: one convolution per order (`even_fits`), the same numbers as savgol_filter where
its unscaled powers of the offsets keep their digits, and by FFT for wide windows (savgol_filter sums
directly, O(n window)).

At every sample (`local_fits`), the cost is O(n degree^2), whatever the window:
- the points are taken in blocks by where their windows start, size = window / 8 starts a block; every
  window of a block lies inside the block's span of size + window - 1 samples, and on that span t is
  re-centred and scaled to x in [-1, 1] (so t in epoch seconds or nanoseconds loses nothing);
- in x the fits use Chebyshev polynomials, whose products are again Chebyshev polynomials
  (T_a T_b = (T_(a+b) + T_|a-b|) / 2), so a window's normal equations need only the sums of T_0..T_2p and
  of T_0..T_p y over it, with y less a level per block (which the fit itself gets back);
- a block's first window is window // size whole segments of size samples plus the first window % size
  samples of the next one (the segments cut t where the blocks' first windows start): each segment's
  sums are taken once, in its own u in [-1, 1], and moved to each block that needs them by
  T_k(a u + b) = sum_j M_kj T_j(u) (M by the three-term recurrence; the segment lies in the block's span,
  so a u + b stays in [-1, 1] and M's entries within 2). Where segments are short (up to 3 (2p + 1)
  samples, where moving their sums costs more than summing them), the first window is summed over its
  samples instead;
- the block's other windows follow by cumulative sums of what enters less what leaves, so each sample's
  basis is evaluated about three times (in its segment, entering and leaving a block's windows), not once
  per block whose span holds it (about nine times);
- each point's estimate is target' G^-1 m for its Gram matrix G and moments m, taken as
  (L^-1 target) . (L^-1 m) with G = L L' (Cholesky, all points at once): no weights, no back substitution;
- a window fills at least 8/9 of its block's span in samples, so the basis stays well conditioned on it
  where t is spread: against a QR fit per window, 4e-15..1e-10 relative up to degree 7 and 2e-9 at degree 9
  on random t (measured; the tests hold it to 1e-9 for t in [0, 1], [1e6, 1e6 + 1], [0, 1e-6] and
  [-3e9, -3e9 + 1e3]). Where its samples sit in tight clusters (across a gap, at a burst's edge) a window's
  normal equations are nearly singular and the sums lose their digits: a window whose least Cholesky pivot
  is below SOUND_PIVOT of its diagonal entry is fitted by QR instead;
- windows of fewer than SMALL_WINDOW times (degree + 1) samples, where normal equations would square
  the conditioning of a near-interpolation, are solved by QR per window instead (cheap there).
`savgol_at` at a few points (the automatic choice's) builds each window's power sums directly, O(w p).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial

import numpy as np
from scipy.signal import convolve

from .parallel import run_all
from .stencils import is_uniform, window_starts

_BLOCK_VALUES = 1 << 19  # values in a chunk's largest arrays (segments, blocks of points, QR windows): a chunk per part
_CACHED_VALUES = 1 << 15  # rows * window per chunk of the windows' power sums: their up to 19 passes stay in cache
BLOCK_FRACTION = 8  # window starts per block and samples per segment: window // this; the larger, the better
# conditioned (a window fills more of its block's span), the more blocks and segments
SEGMENT_COUNTS = 3  # segments of more than this times (2 degree + 1) samples are summed once and moved
CUMULATE_ROW = 512  # cumulative sums of rows at least this long are taken by rows (see _cumulate)
SMALL_WINDOW = 4  # windows below this times (degree + 1) samples are fitted by QR, one window at a time
FFT_WINDOW = 64  # equal steps: windows from this long are applied by FFT (when y's range allows, below)
FFT_RANGE = 1e6  # ... unless a sample is further than this times the typical |y - median| from the median
# a window whose normal equations have a Cholesky pivot below this share of its diagonal entry is fitted by
# QR alone: its samples sit in tight clusters (across a gap, at the edge of a burst), where the block's sums
# lose about as many digits as the pivot (t^2 on two clusters 1 apart gave 2.0021 for 2.0016). Measured: such
# wrong windows had pivots below 2e-6; on even, jittered and random t every window's was above 1e-3
SOUND_PIVOT = 1e-4
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
    """(count, *x.shape): the order-th derivative of T_0 .. T_(count-1) at x (see chebyshev_orders)."""
    return chebyshev_orders(x, count, order)[order]


def chebyshev_orders(x: np.ndarray, count: int, top: int, out: np.ndarray | None = None) -> list[np.ndarray]:
    """[the d-th derivative of T_0 .. T_(count-1) at x, (count, *x.shape), for d = 0 .. top], by the three-term
    recurrence T_(k+1) = 2x T_k - T_(k-1), differentiated d times: T_(k+1)^(d) = 2x T_k^(d) + 2d T_k^(d-1) -
    T_(k-1)^(d); the values themselves (d = 0) into `out` if given."""
    values = np.empty((count, *x.shape)) if out is None else out
    values[0] = 1.0
    if count > 1:
        values[1] = x
    two_x = 2 * x
    for k in range(1, count - 1):  # in place: no temporaries the size of x
        np.multiply(two_x, values[k], out=values[k + 1])
        values[k + 1] -= values[k - 1]
    derivatives = [values]
    for d in range(1, top + 1):
        lower, values = values, np.zeros_like(values)
        if d == 1 and count > 1:
            values[1] = 1.0
        for k in range(1, count - 1):
            np.multiply(two_x, values[k], out=values[k + 1])
            values[k + 1] -= values[k - 1]
            values[k + 1] += 2 * d * lower[k]
        derivatives.append(values)
    return derivatives


def _estimates(gram: Callable[[int, int], np.ndarray], right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """target' gram^-1 moments for each window and target (the windows last): right (p, orders + 1,
    windows) holds the targets, then the moments, and is overwritten; the result is (orders, windows),
    each fit's estimates, its weights never formed. gram(i, j) gives entry (i, j) of every window's Gram
    matrix as a new array; with gram = low low' (Cholesky) an estimate is (low^-1 target) . (low^-1
    moments), one forward substitution for every right-hand side and none backward.

    The grams are symmetric positive (semi)definite and small: they are factored with the loops over their
    p <= 10 rows and columns, every window at once, each step one product along whole rows of windows
    (np.linalg.solve calls LAPACK once per window; with the windows first, each step would sum a few
    strided entries per window); a window whose pivot is not clearly positive is solved by LU, or by the
    pseudo-inverse (least norm) if singular. Also returned: each window's least pivot over its diagonal
    entry, how far its normal equations are from singular."""
    p = len(right)

    def less(start: np.ndarray, pairs: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
        """start minus a * b for each pair, in place."""
        for a, b in pairs:
            start -= a * b
        return start

    low: dict[tuple[int, int], np.ndarray] = {}  # lower factor
    inverse = []  # 1 / its diagonal
    good = np.ones(right.shape[2], dtype=bool)
    least = np.ones(right.shape[2])
    for j in range(p):
        diagonal = gram(j, j)
        threshold = CHOLESKY_PIVOT * diagonal
        with np.errstate(divide="ignore", invalid="ignore"):
            share = 1.0 / diagonal
        pivot = less(diagonal, [(low[j, k], low[j, k]) for k in range(j)])
        np.minimum(least, pivot * share, out=least)
        good &= pivot > threshold
        np.copyto(pivot, 1.0, where=~good)
        low[j, j] = np.sqrt(pivot, out=pivot)
        inverse.append(1.0 / low[j, j])
        for i in range(j + 1, p):
            low[i, j] = less(gram(i, j), [(low[i, k], low[j, k]) for k in range(j)])
            low[i, j] *= inverse[j]
    original = None if good.all() else right[:, :, ~good].copy()
    for j in range(p):  # right becomes low^-1 (targets, moments)
        less(right[j], [(low[j, k], right[k]) for k in range(j)])
        right[j] *= inverse[j]
    out = np.einsum("jow,jw->ow", right[:, :-1], right[:, -1])
    if original is not None:
        bad = ~good
        gram_bad = np.moveaxis(np.array([[gram(i, j)[bad] for j in range(p)] for i in range(p)]), 2, 0)
        moments_bad = original[:, -1].T
        try:
            solved = np.linalg.solve(gram_bad, moments_bad[:, :, None])[:, :, 0]
        except np.linalg.LinAlgError:
            solved = np.einsum("rab,rb->ra", np.linalg.pinv(gram_bad), moments_bad)
        out[:, bad] = np.einsum("aor,ra->or", original[:, :-1], solved)
    return out, least


def _translate(a: np.ndarray, beta: np.ndarray, sums: np.ndarray, moments: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """Sums over pieces of samples moved to another coordinate: given, in each piece's own coordinate u,
    sums[j] = sum T_j(u) (j < count) and moments[j] = sum T_j(u) v (j < len(moments)), the same sums of
    T_k(x) at x = a u + beta (pieces along the last axes). T_k(a u + beta) = sum_j M_kj T_j(u), the rows of
    M by the three-term recurrence T_(k+1)(x) = 2 (a u + beta) T_k(x) - T_(k-1)(x) on coefficient vectors,
    with 2 u T_j = T_(j+1) + T_|j-1|. Where the piece's u in [-1, 1] maps into x in [-1, 1], every row is a
    polynomial bounded by 1 there, so its Chebyshev coefficients are within 2: moving adds rounding of about
    count eps times the piece's sample count, whatever the offset or scale of t."""
    count, top = len(sums), len(moments)
    out_sums, out_moments = np.empty_like(sums), np.empty_like(moments)
    previous = np.zeros((count, *a.shape))
    previous[0] = 1.0
    row = np.zeros_like(previous)
    row[0], row[1] = beta, a
    out_sums[0], out_moments[0] = sums[0], moments[0]
    out_sums[1] = beta * sums[0] + a * sums[1]
    if top > 1:
        out_moments[1] = beta * moments[0] + a * moments[1]
    neighbours = np.empty_like(previous)
    for k in range(1, count - 1):  # row is M's row k (entries above k zero), previous row k - 1
        used = slice(0, k + 2)
        neighbours[used] = 0.0
        neighbours[1:k + 2] += row[:k + 1]
        neighbours[:k] += row[1:k + 1]
        neighbours[1] += row[0]  # 2 u T_0 = 2 T_1
        following = a * neighbours[used] + 2 * beta * row[used] - previous[used]
        previous[used], row[used] = row[used], following
        out_sums[k + 1] = np.einsum("j...,j...->...", row[used], sums[used])
        if k + 1 < top:
            out_moments[k + 1] = np.einsum("j...,j...->...", row[used], moments[used])
    return out_sums, out_moments


def _segment_sums(t: np.ndarray, y: np.ndarray, size: int, rem: int, count: int, top: int, rows: range
                  ) -> tuple[np.ndarray, ...]:
    """For the segments `rows` (segment g: samples g size .. g size + size - 1, the last one padded with
    copies of the last sample): centre, half-width (0 where t is constant) and mean y (level) of each, and
    on its own u = (t - centre) / half the sums of T_0..T_(count-1) and of T_0..T_(top-1) (y - level), over
    the whole segment and over its first `rem` samples (the sums' shape (count, segments, 2): whole, prefix)."""
    lo, hi = rows.start * size, rows.stop * size
    pad = max(0, hi - len(t))
    ts = np.concatenate([t[lo:], np.full(pad, t[-1])]) if pad else t[lo:hi]
    ys = np.concatenate([y[lo:], np.full(pad, y[-1])]) if pad else y[lo:hi]
    ts, ys = ts.reshape(-1, size), ys.reshape(-1, size)
    centre = 0.5 * (ts[:, 0] + ts[:, -1])
    half = 0.5 * (ts[:, -1] - ts[:, 0])
    level = ys.mean(axis=1)
    basis = chebyshev((ts - centre[:, None]) / np.where(half > 0, half, 1.0)[:, None], count)
    products = basis[:top] * (ys - level[:, None])
    sums = np.empty((count, len(ts), 2))
    moments = np.empty((top, len(ts), 2))
    for out, values in ((sums, basis), (moments, products)):
        out[:, :, 1] = values[:, :, :rem].sum(axis=2)
        out[:, :, 0] = out[:, :, 1] + values[:, :, rem:].sum(axis=2)
    return centre, half, level, sums, moments


def _blocked_fits(t: np.ndarray, y: np.ndarray, window: int, degree: int, orders: tuple[int, ...]
                  ) -> tuple[dict[int, np.ndarray], np.ndarray]:
    """local_fits by windowed Chebyshev sums over blocks of points (see the module's notes), and each point's
    least Cholesky pivot over its diagonal entry (how near its window's normal equations are to singular)."""
    n, p = len(t), degree
    starts = window_starts(n, window)
    size = max(1, window // BLOCK_FRACTION)  # window starts per block, and samples per segment
    quotient, rem = divmod(window, size)  # a block's first window: `quotient` segments and `rem` samples
    span = size + window - 1  # samples every window of a block lies in (fewer at the end of t)
    shift = size - 1
    count = 2 * p + 1
    blocks = (n - window) // size + 1  # block b: the points whose window starts in [b size, (b + 1) size)
    # moving a segment's sums costs about count^2 per block, summing its samples size * count: moving pays
    # from a few times count samples on (measured)
    segmented = size > SEGMENT_COUNTS * count
    if segmented:
        segments = blocks + quotient - (rem == 0)  # those the blocks' first windows cover
        group = max(1, _BLOCK_VALUES // (size * count))
        parts = run_all([partial(_segment_sums, t, y, size, rem, count, p + 1, range(lo, min(lo + group, segments)))
                         for lo in range(0, segments, group)])
        seg_centre, seg_half, seg_level = (np.concatenate([part[i] for part in parts]) for i in range(3))
        seg_sums, seg_moments = (np.concatenate([part[i] for part in parts], axis=1) for i in (3, 4))

    out = {order: np.empty(n) for order in orders}
    bounds = np.searchsorted(starts, np.arange(blocks + 1) * size)
    per = max(1, _BLOCK_VALUES // (4 * size * count))  # blocks per chunk: their (shift, count) arrays, a few

    def fit_chunk(lo: int) -> None:
        these = np.arange(lo, min(lo + per, blocks))
        first = these * size
        last = np.minimum(first + span, n) - 1
        centre, half = 0.5 * (t[first] + t[last]), 0.5 * (t[last] - t[first])
        if segmented:  # each block's first window from its segments' sums, moved to the block's x
            pieces = these[:, None] + np.arange(quotient + (rem > 0))
            kind = (np.arange(pieces.shape[1]) == quotient).astype(int)  # whole segments, then the prefix
            # one level per block: a piece's moments about its own level are moved to it by its sums
            level = seg_level[pieces].mean(axis=1)
            sums = seg_sums[:, pieces, kind]
            moments = seg_moments[:, pieces, kind] + (seg_level[pieces] - level[:, None]) * sums[:p + 1]
            a = seg_half[pieces] / half[:, None]
            beta = (seg_centre[pieces] - centre[:, None]) / half[:, None]
            first_sums, first_moments = (values.sum(axis=2) for values in _translate(a, beta, sums, moments))
        else:  # summed over its samples
            index = first[:, None] + np.arange(window)
            yw = y[index]
            level = yw.mean(axis=1)
            basis = chebyshev((t[index] - centre[:, None]) / half[:, None], count)
            first_sums = basis.sum(axis=2)
            first_moments = (basis[:p + 1] * (yw - level[:, None])).sum(axis=2)
        # each window start's sums: the first window's, then plus what enters less what leaves, cumulated
        # along the block (entering samples beyond the end of t are never used: the last block has fewer starts)
        width = count + p + 1
        cumulative = np.empty((shift + 1, width, len(these)))  # each step's values contiguous, for _cumulate
        cumulative[0, :count], cumulative[0, count:] = first_sums, first_moments
        steps = np.arange(shift)[:, None]
        entering, leaving = np.minimum(first + window + steps, n - 1), first + steps
        chebyshev_orders((t[entering] - centre) / half, count, 0, out=cumulative[1:, :count].transpose(1, 0, 2))
        np.multiply(cumulative[1:, : p + 1], (y[entering] - level)[:, None], out=cumulative[1:, count:])
        basis = np.moveaxis(chebyshev((t[leaving] - centre) / half, count), 0, 1)  # (shift, count, blocks)
        cumulative[1:, :count] -= basis
        cumulative[1:, count:] -= basis[:, : p + 1] * (y[leaving] - level)[:, None]
        _cumulate(cumulative)
        points = np.arange(bounds[these[0]], bounds[these[-1] + 1])
        block = starts[points] // size - lo
        # the sums in the order of the window starts (the block's, then the next block's), then each point's
        by_start = cumulative.transpose(1, 2, 0).reshape(width, -1)
        index = starts[points] - first[0]
        one_each = index[-1] - index[0] == len(points) - 1  # no two points share a start (none at the ends of t)
        window_values = by_start[:, index[0]:index[-1] + 1] if one_each else np.take(by_start, index, axis=1)
        window_sums, window_moments = window_values[:count], window_values[count:]
        at = (t[points] - centre[block]) / half[block]
        right = np.empty((p + 1, len(orders) + 1, len(points)))  # the targets, then the moments
        derivatives = chebyshev_orders(at, p + 1, max(orders))
        for j, order in enumerate(orders):
            np.divide(derivatives[order], half[block] ** order, out=right[:, j])
        # twice the Gram matrices (T_a T_b = (T_(a+b) + T_|a-b|) / 2) and twice the moments: the same estimates
        np.multiply(window_moments, 2.0, out=right[:, -1])
        values, soundness[points] = _estimates(lambda i, j: window_sums[i + j] + window_sums[abs(i - j)], right)
        for j, order in enumerate(orders):
            out[order][points] = values[j] + (level[block] if order == 0 else 0.0)

    soundness = np.empty(n)
    run_all([partial(fit_chunk, lo) for lo in range(0, blocks, per)])  # chunks of points share nothing
    return out, soundness


def _cumulate(values: np.ndarray) -> None:
    """values[i] += values[i - 1] for i = 1, 2, ... in place. With long rows, a row at a time: np.cumsum adds
    one entry after the other (no vector instructions), several times slower there."""
    if values[0].size < CUMULATE_ROW:
        np.cumsum(values, axis=0, out=values)
        return
    for i in range(1, len(values)):
        values[i] += values[i - 1]


def _qr_fits(t: np.ndarray, y: np.ndarray, window: int, degree: int, orders: tuple[int, ...],
             only: np.ndarray | None = None, into: dict[int, np.ndarray] | None = None) -> dict[int, np.ndarray]:
    """local_fits by a QR factorisation of each window's Chebyshev matrix (window-centred, scaled t): at
    every sample, or at the samples `only` into the arrays `into`."""
    n = len(t)
    starts = window_starts(n, window)
    out = {order: np.empty(n) for order in orders} if into is None else into
    chosen = np.arange(n) if only is None else np.asarray(only)
    block = max(1, _BLOCK_VALUES // (window * (degree + 1)))

    def fit_chunk(lo: int) -> None:
        points = chosen[lo:lo + block]
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

    run_all([partial(fit_chunk, lo) for lo in range(0, len(chosen), block)])
    return out


def local_fits(t: np.ndarray, y: np.ndarray, window: int, degree: int, orders: tuple[int, ...]
               ) -> dict[int, np.ndarray]:
    """{order: the order-th derivative at every sample of its window's least-squares polynomial of degree
    `degree`} (order 0: the fit itself), on any increasing t, in O(n degree^2)."""
    if window < SMALL_WINDOW * (degree + 1):
        return _qr_fits(t, y, window, degree, orders)
    out, soundness = _blocked_fits(t, y, window, degree, orders)
    weak = np.flatnonzero(~(soundness >= SOUND_PIVOT))
    if weak.size:  # fitted one by one (see SOUND_PIVOT)
        _qr_fits(t, y, window, degree, orders, only=weak, into=out)
    return out


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
