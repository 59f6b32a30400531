"""What a data set costs once, whatever the method and its parameters: checked arrays, scaling, the noise
estimate, and each method's parameter-free parts (a smoother's mesh and prior, a filter's rows).

The window differentiates the same samples again on every move of a control. `prepare(t, y)` keeps the
last PREPARED data sets, each found again by the identity of the caller's t and y arrays and checked
against a copy of their values (an array changed in place is prepared anew). Prepared u and v are
read-only, and `memo(u, key, make)` keeps what a method derives from u alone (t scaled to [0, 1]) beside
its data set: only for such frozen arrays, so a temporary array (a subset, a caller's own) is never kept,
and at most MEMO_BYTES per data set. Every cached value is what the computation would give anew.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from .errors import DataError
from .noise import estimate_noise

PREPARED = 2  # data sets kept
MEMO_BYTES = 256 << 20  # what the methods keep per data set, at most
MEMO_ITEMS = 8

_lock = threading.Lock()
_prepared: OrderedDict[tuple[int, int], Prepared] = OrderedDict()

T = TypeVar("T")


def _nbytes(value: object) -> int:
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, (tuple, list)):
        return sum(_nbytes(v) for v in value)
    if isinstance(value, dict):
        return sum(_nbytes(v) for v in value.values())
    return int(getattr(value, "nbytes", 0))


@dataclass(eq=False)
class Prepared:
    """Samples checked (finite, t strictly increasing) and scaled: u = (t - t0) / span, v = (y - centre) / scale,
    sigma the noise estimate on v. u and v are read-only."""

    t: np.ndarray
    y: np.ndarray
    u: np.ndarray
    v: np.ndarray
    span: float
    y_centre: float
    y_scale: float
    sigma: float
    _copies: tuple[np.ndarray, np.ndarray]
    _memo: OrderedDict[tuple, Any] = field(default_factory=OrderedDict)

    def holds(self, t: np.ndarray, y: np.ndarray) -> bool:
        return (self.t is t and self.y is y and np.array_equal(t, self._copies[0])
                and np.array_equal(y, self._copies[1]))


def checked_arrays(t: object, y: object) -> tuple[np.ndarray, np.ndarray]:
    """t and y as float arrays, or DataError: one-dimensional, of one length, finite, t strictly increasing."""
    try:
        t = np.asarray(t, dtype=float)
        y = np.asarray(y, dtype=float)
    except (TypeError, ValueError):
        raise DataError("t and y must be arrays of numbers") from None
    if t.ndim != 1 or y.ndim != 1:
        raise DataError(f"t and y must be one-dimensional, not of shapes {t.shape} and {y.shape}")
    if len(t) != len(y):
        raise DataError(f"t has {len(t)} values but y has {len(y)}")
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(y))):
        bad = int(np.flatnonzero(~(np.isfinite(t) & np.isfinite(y)))[0])
        raise DataError(f"sample {bad} is not finite (load_samples drops such rows)")
    if len(t) >= 2 and not np.all(np.diff(t) > 0):
        bad = int(np.flatnonzero(np.diff(t) <= 0)[0])
        raise DataError(f"t must increase strictly (t[{bad}] = {t[bad]:g}, t[{bad + 1}] = {t[bad + 1]:g}); "
                        "load_samples sorts and merges repeated t")
    return t, y


def location_and_scale(y: np.ndarray) -> tuple[float, float]:
    """(centre, standard deviation) of y, computed on y over its largest |value| so that neither squares
    underflow (y ~ 1e-300) nor sums overflow (y ~ 1e308); deviation 1 for constant y.

    The centre is the mean, unless outliers drag it out of the bulk of the samples (further from the median
    than the interquartile range): then the median. y - centre rounds every sample to the centre's ulp, and
    one outlier (1e20 among values near 1) drags the mean to 2e18, whose ulp of 256 erased the other samples,
    so even np.gradient was off by thousands far from it. Not the median always: on exact samples the rounding
    level auto judges stencils by is taken from y - centre, and the median made its choice up to 17 times worse
    (the bump's second derivative). Dividing by the scale loses nothing."""
    if not len(y):
        return 0.0, 1.0
    largest = float(np.max(np.abs(y)))
    if largest == 0.0:
        return 0.0, 1.0
    w = y / largest
    centre = float(np.mean(w))
    low, middle, high = np.percentile(w, [25.0, 50.0, 75.0])
    if abs(centre - middle) > high - low:  # outliers dragged the mean out of the bulk
        centre = float(middle)
    deviation = float(np.std(w))
    if deviation == 0.0:
        return centre * largest, max(abs(centre) * largest, 1e-300)
    # Subnormal y (5e-324): the deviation rounds to 0 or loses its digits; any positive scale of y's size
    # serves, and the largest |value| is one that is representable.
    scale = deviation * largest
    return centre * largest, scale if scale >= np.finfo(float).tiny else largest


def _frozen(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def prepare(t: object, y: object) -> Prepared:
    """The checked and scaled samples (DataError for unusable input), kept for the next call with the same
    arrays. Samples with fewer than two distinct t are checked but have span 0 (the caller refuses them)."""
    key = (id(t), id(y))
    with _lock:
        found = _prepared.get(key)
        if found is not None and isinstance(t, np.ndarray) and isinstance(y, np.ndarray) and found.holds(t, y):
            _prepared.move_to_end(key)
            return found
    t_checked, y_checked = checked_arrays(t, y)
    n = len(t_checked)
    with np.errstate(over="ignore", invalid="ignore"):  # a span beyond double range: refused by the caller
        span = float(t_checked[-1] - t_checked[0]) if n else 0.0
        u = (t_checked - t_checked[0]) / span if span > 0 else np.zeros(n)
    y_centre, y_scale = location_and_scale(y_checked)
    v = (y_checked - y_centre) / y_scale
    sigma = estimate_noise(u, v) if span > 0 else 0.0
    prepared = Prepared(t_checked, y_checked, _frozen(u), _frozen(v), span, y_centre, y_scale, sigma,
                        (t_checked.copy(), y_checked.copy()))
    if t_checked is t and y_checked is y:  # the caller's own arrays: found again by their identity
        with _lock:
            _prepared[key] = prepared
            _prepared.move_to_end(key)
            while len(_prepared) > PREPARED:
                _prepared.popitem(last=False)
    return prepared


def memo(u: np.ndarray, key: tuple, make: Callable[[], T]) -> T:
    """make(), kept beside the prepared data set whose u this is (a frozen array); computed anew otherwise."""
    owner = None
    if not u.flags.writeable:
        with _lock:
            owner = next((p for p in _prepared.values() if p.u is u), None)
            if owner is not None and key in owner._memo:
                owner._memo.move_to_end(key)
                return owner._memo[key]
    value = make()
    if owner is not None and _nbytes(value) <= MEMO_BYTES:
        with _lock:
            owner._memo[key] = value
            while len(owner._memo) > MEMO_ITEMS or sum(_nbytes(v) for v in owner._memo.values()) > MEMO_BYTES:
                owner._memo.popitem(last=False)
    return value


def clear() -> None:
    """Forget every prepared data set (tests, and memory)."""
    with _lock:
        _prepared.clear()
