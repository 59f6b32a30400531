"""Contour lines of a grid of values by marching squares, vectorised over the cells: line segments ready to
draw as one item (pairs of points), computed off the GUI thread."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

DEFAULT_LEVELS = 12


@dataclass(frozen=True, eq=False)
class Contours:
    """levels, and for each level its segments: points (2k, 2) where rows 2i and 2i+1 are one segment's ends."""

    levels: np.ndarray
    segments: tuple[np.ndarray, ...]

    def all_segments(self) -> np.ndarray:
        """Every level's segments in one (2k, 2) array (for drawing with connect='pairs')."""
        return np.concatenate(self.segments) if self.segments else np.empty((0, 2))


def contour_levels(values: np.ndarray, count: int = DEFAULT_LEVELS) -> np.ndarray:
    """count levels evenly spaced inside the 2nd..98th percentile of the finite values (a spike or a pole
    does not squeeze every line into one corner); empty when f is constant or nowhere finite."""
    finite = values[np.isfinite(values)]
    if finite.size == 0 or count < 1:
        return np.empty(0)
    low, high = np.percentile(finite, [2, 98])
    if not high > low:
        low, high = float(np.min(finite)), float(np.max(finite))
        if not high > low:
            return np.empty(0)
    return np.linspace(low, high, count + 2)[1:-1]


# The four edges of a cell, as (corner, corner) with corners 0 = (j, i), 1 = (j, i+1), 2 = (j+1, i+1), 3 = (j+1, i).
_EDGES = ((0, 1), (1, 2), (3, 2), (0, 3))  # bottom, right, top, left
# For a saddle cell (4 crossings), the corner cut off by each segment joins its two edges.
_CORNER_EDGES = ((0, 3), (0, 1), (1, 2), (2, 3))  # corner k -> (edge, edge)


def level_segments(x: np.ndarray, y: np.ndarray, values: np.ndarray, level: float) -> np.ndarray:
    """The contour f = level of values[j, i] = f(x[i], y[j]) as segments (2k, 2), linear along each cell's
    edges; cells touching a NaN are left out. A saddle cell is split by its centre's value."""
    cells = _Cells(np.asarray(x, dtype=float), np.asarray(y, dtype=float), np.asarray(values, dtype=float))
    return cells.segments(level)


class _Cells:
    """The grid's cells with their corner values, and each cell's least and largest corner: a level is
    traced through the few cells it crosses only."""

    def __init__(self, x: np.ndarray, y: np.ndarray, v: np.ndarray):
        self.x, self.y, self.v = x, y, v
        with np.errstate(invalid="ignore"):  # a NaN corner makes its cell's bounds NaN: never near a level
            self.low = np.minimum(np.minimum(v[:-1, :-1], v[:-1, 1:]), np.minimum(v[1:, 1:], v[1:, :-1]))
            self.high = np.maximum(np.maximum(v[:-1, :-1], v[:-1, 1:]), np.maximum(v[1:, 1:], v[1:, :-1]))

    def segments(self, level: float) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            j, i = np.nonzero((self.low <= level) & (self.high > level))
        if j.size == 0:
            return np.empty((0, 2))
        v, x, y = self.v, self.x, self.y
        corners = np.array([v[j, i], v[j, i + 1], v[j + 1, i + 1], v[j + 1, i]])
        cx = np.array([x[i], x[i + 1], x[i + 1], x[i]])
        cy = np.array([y[j], y[j], y[j + 1], y[j + 1]])
        above = corners > level
        px, py, crossing = [], [], []
        with np.errstate(all="ignore"):
            for a, b in _EDGES:
                t = (level - corners[a]) / (corners[b] - corners[a])
                px.append(cx[a] + t * (cx[b] - cx[a]))
                py.append(cy[a] + t * (cy[b] - cy[a]))
                crossing.append(above[a] != above[b])
        crossing_array, xs_all, ys_all = np.array(crossing), np.array(px), np.array(py)
        count = np.sum(crossing_array, axis=0)
        pieces = []
        two = count == 2
        if np.any(two):
            stacked = crossing_array[:, two]
            first = np.argmax(stacked, axis=0)
            second = 3 - np.argmax(stacked[::-1], axis=0)
            xs, ys = xs_all[:, two], ys_all[:, two]
            n = np.arange(xs.shape[1])
            pieces.append(_pairs(xs[first, n], ys[first, n], xs[second, n], ys[second, n]))
        four = count == 4
        if np.any(four):
            centre = np.mean(corners[:, four], axis=0) > level
            xs, ys = xs_all[:, four], ys_all[:, four]
            for k, (e1, e2) in enumerate(_CORNER_EDGES):
                cut = above[k, four] != centre  # a corner on the other side from the centre is cut off
                if np.any(cut):
                    pieces.append(_pairs(xs[e1, cut], ys[e1, cut], xs[e2, cut], ys[e2, cut]))
        if not pieces:
            return np.empty((0, 2))
        out = np.concatenate(pieces)
        # A corner exactly on the level gives its two cells a segment of length 0 there: nothing to draw.
        keep = np.repeat(np.any(out[0::2] != out[1::2], axis=1), 2)
        return out[keep]


def _pairs(x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray) -> np.ndarray:
    out = np.empty((2 * len(x0), 2))
    out[0::2, 0], out[0::2, 1] = x0, y0
    out[1::2, 0], out[1::2, 1] = x1, y1
    return out


def contours(x: np.ndarray, y: np.ndarray, values: np.ndarray, levels: Sequence[float] | np.ndarray | None = None
             ) -> Contours:
    """Contour lines of values at levels (default: contour_levels(values))."""
    chosen = contour_levels(values) if levels is None else np.asarray(levels, dtype=float)
    cells = _Cells(np.asarray(x, dtype=float), np.asarray(y, dtype=float), np.asarray(values, dtype=float))
    return Contours(chosen, tuple(cells.segments(float(level)) for level in chosen))
