"""Parameters chosen from the data alone, per method, and the automatic choice of a method.

- noise: sigma from the samples (noise.py), on y scaled to unit deviation;
- fornberg points and savgol window/degree: an empirical bias-variance trade-off (Ruppert's EBBS): the
  bias of an estimate is measured against a less biased one on the same samples (two more points, or
  two more degrees), less the noise that difference carries; the variance is sigma^2 sum w^2, exact for a
  linear estimate. Evaluated at up to RISK_POINTS samples spread over the data, then applied to all;
- spline lam and the Kalman model's q and sigma: maximum marginal likelihood of the same Gaussian model
  the smoother assumes (for the spline: Wahba's generalised maximum likelihood, GML), over log lam on a
  grid then refined, on up to LIKELIHOOD_SAMPLES samples spread over the data (the model is in
  continuous time, so q and r keep their meaning on a subset); where that fit leaves residuals far above the
  noise estimate (the signal's pace changes over t, which one prior cannot follow), r is the noise estimate's
  and lam the likeliest for it (`fit_within_noise`);
- tv alpha: the discrepancy principle: the largest alpha whose fit leaves residuals no larger than the
  noise (RMS = sigma), or than TV_CLOSEST times the closest fit's where that is above the noise, found by
  bisection on log alpha, on up to DISCREPANCY_SAMPLES samples.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from scipy.linalg import LinAlgError

from ..limits import MAX_SAVGOL_DEGREE, MAX_SAVGOL_WINDOW, MAX_STENCIL_POINTS
from . import statespace
from .local_fit import savgol_pairs
from .methods import Value
from .noise import MAD_TO_SIGMA, estimate_noise
from .stencils import fornberg_weights_rows, window_starts
from .trend_filter import trend_filter

RISK_POINTS = 1500
MIN_SIGMA = 1e-12  # noise deviation (y scaled to unit deviation) below which samples count as exact
SAVGOL_RISK_POINTS = 600  # each Savitzky-Golay candidate costs window * degree per point
SAVGOL_WINDOWS = 24  # candidate windows, geometric from 3 to the largest allowed
LIKELIHOOD_SAMPLES = 2000
DISCREPANCY_SAMPLES = 2000
TV_CLOSEST = 1.5  # tv's alpha: residuals within this factor of the closest fit's when sigma is below it


@dataclass(frozen=True)
class Choice:
    """Parameters chosen for one method, and why, in words."""

    parameters: dict[str, Value]
    reason: str
    risk: float | None = None  # estimated mean squared error of the derivative (scaled units), if known


def spread(n: int, count: int) -> np.ndarray:
    """Up to count indices spread evenly over 0..n-1, both ends included."""
    if n <= count:
        return np.arange(n)
    return np.unique(np.round(np.linspace(0, n - 1, count)).astype(np.int64))


def _aligned_difference(n: int, starts_a: np.ndarray, weights_a: np.ndarray, starts_b: np.ndarray,
                        weights_b: np.ndarray) -> np.ndarray:
    """sum_j (a_j - b_j)^2 of two stencils per row, placed on the samples they touch."""
    low = np.minimum(starts_a, starts_b)
    width = int(max(np.max(starts_a - low) + weights_a.shape[1], np.max(starts_b - low) + weights_b.shape[1]))
    dense = np.zeros((len(low), width))
    rows = np.arange(len(low))[:, None]
    dense[rows, (starts_a - low)[:, None] + np.arange(weights_a.shape[1])] += weights_a
    dense[rows, (starts_b - low)[:, None] + np.arange(weights_b.shape[1])] -= weights_b
    return np.einsum("ij,ij->i", dense, dense)


def _stencil(u: np.ndarray, width: int, order: int, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    starts = window_starts(len(u), width, points)
    index = starts[:, None] + np.arange(width)
    return starts, fornberg_weights_rows(u[index] - u[points, None], order)


def _risk(bias_sq: np.ndarray, difference_var: np.ndarray, variance: np.ndarray, sigma: float) -> float:
    """Estimated mean squared error: squared bias (less the noise in its estimate, floored at 0) + variance."""
    bias = max(float(np.mean(bias_sq - sigma**2 * difference_var)), 0.0)
    return bias + sigma**2 * float(np.mean(variance))


def choose_fornberg(u: np.ndarray, v: np.ndarray, order: int, sigma: float) -> Choice:
    n = len(u)
    points = spread(n, RISK_POINTS)
    widths = [w for w in range(order + 1 + order % 2, min(MAX_STENCIL_POINTS, n) + 1, 2)]  # odd: centred
    if not widths:
        widths = [min(n, order + 1)]
    best: tuple[float, int] | None = None
    for width in widths:
        reference = width + 2
        if reference > n:
            risk = math.inf if best else 0.0
        else:
            sa, wa = _stencil(u, width, order, points)
            sb, wb = _stencil(u, reference, order, points)
            da = np.einsum("ij,ij->i", wa, v[sa[:, None] + np.arange(width)])
            db = np.einsum("ij,ij->i", wb, v[sb[:, None] + np.arange(reference)])
            risk = _risk((da - db) ** 2, _aligned_difference(n, sa, wa, sb, wb), np.einsum("ij,ij->i", wa, wa), sigma)
        if best is None or risk < best[0]:
            best = (risk, width)
    assert best is not None
    return Choice({"points": best[1]}, f"points = {best[1]} by estimated bias and noise", best[0])


def choose_savgol(u: np.ndarray, v: np.ndarray, order: int, sigma: float,
                  given: Mapping[str, Value] | None = None) -> Choice:
    given = given or {}
    n = len(u)
    points = spread(n, SAVGOL_RISK_POINTS)
    degrees = [int(given["degree"])] if "degree" in given else list(range(order + 1, MAX_SAVGOL_DEGREE + 1))
    if "window" in given:  # judged only when the samples hold it (longer, the method itself says so)
        windows = np.array([int(given["window"])] if int(given["window"]) <= n else [], dtype=np.int64)
    else:
        top = min(MAX_SAVGOL_WINDOW, n if n % 2 else n - 1)
        windows = np.unique(np.geomspace(3, max(top, 3), SAVGOL_WINDOWS).astype(np.int64) | 1)
        windows = windows[windows <= top]
    best: tuple[float, int, int] | None = None
    for window in windows:
        usable = [degree for degree in degrees if window > degree + 2]
        if not usable:
            continue
        for degree, (value, value_ref, own, difference) in savgol_pairs(u, v, int(window), usable, order,
                                                                        points).items():
            risk = _risk((value - value_ref) ** 2, difference, own, sigma)
            if best is None or risk < best[0]:
                best = (risk, int(window), degree)
    if best is None and "window" in given:  # the user's window, too short for a reference fit: kept
        window = int(given["window"])
        degree = degrees[0] if "degree" in given else max(order, min(degrees[0], window - 1))
        return Choice({"window": window, "degree": degree},
                      f"degree {degree}: a window of {window} is too short to judge degrees by a fit two degrees up")
    if best is None:  # too few samples for any reference fit: the smallest window that fits the degree
        degree = degrees[0]
        window = min(n if n % 2 else n - 1, degree + 2 | 1)
        return Choice({"window": window, "degree": degree}, "the only window the samples allow")
    risk, window, degree = best
    return Choice({"window": window, "degree": degree},
                  f"window = {window}, degree = {degree} by estimated bias and noise", risk)


def _subset(u: np.ndarray, v: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    index = spread(len(u), count)
    return u[index], v[index]


def ml_lam(u: np.ndarray, v: np.ndarray, m: int, r: float | None = None) -> tuple[float, float]:
    """(lam, r) maximising the marginal likelihood of the m-state model: r profiled out unless given."""
    lam, r, _ = ml_fit(u, v, m, r)
    return lam, r


def ml_fit(u: np.ndarray, v: np.ndarray, m: int, r: float | None = None) -> tuple[float, float, float]:
    """(lam, r, -2 log likelihood at the maximum, on the subset used)."""
    us, vs = _subset(u, v, LIKELIHOOD_SAMPLES)
    h = float(np.median(np.diff(us)))
    low = math.log10(max(1e-6 * h ** (2 * m - 1), 1e-300))
    high = 8.0  # beyond the span: the fit is then a polynomial of degree m - 1 (what a cubic needs)
    grid = np.arange(low, high + 1e-9, 2.0)
    evaluated: dict[float, tuple[float, float | None]] = {}  # lam: (-2 log L, rss), each lam solved once
    structures: statespace.Structures = {}  # the smoother's structure per mesh: many lam share one

    def value(x: float) -> float:
        lam = 10.0**x
        if lam not in evaluated:
            evaluated[lam] = statespace.likelihood(us, vs, m, lam, r, structures)
        return evaluated[lam][0]

    values = [value(x) for x in grid]
    best = int(np.argmin(values))
    if math.isfinite(values[best]):
        x = _refined(value, float(grid[best]), float(grid[0]), float(grid[-1]))
    else:
        x = float(grid[-1])
    lam = 10.0**x
    best_value = value(x)
    if r is None:
        rss = evaluated[lam][1]
        if rss is None:  # no converged solve on the first mesh: smooth's coarser one
            result, _ = statespace.smooth(us, vs, m, lam, orders=())
            rss = result.rss
        r = max(rss / max(len(us) - m, 1), 0.0)
    return lam, r, best_value


# the likelihood's fit is a misfit when its residuals' robust deviation exceeds this many times the noise
# estimate (on the bench's signals it is 0.7-1.3 times, over all the samples; outliers raise the likelihood's r,
# not this)
MISFIT = 3.0
MISFIT_PARTS = 8  # ... in one of this many consecutive parts of the samples
WITHIN_NOISE = 1.5  # ... while another part's is within this many times the noise estimate


def fit_within_noise(u: np.ndarray, v: np.ndarray, m: int, sigma: float) -> tuple[float, float, bool]:
    """(lam, r, refitted): the m-state model's lam and r of greatest likelihood, unless its fit leaves residuals
    whose robust deviation (1.4826 times their median absolute value) is over MISFIT times sigma in one part of
    the samples and within WITHIN_NOISE times it in another: then lam of greatest likelihood with r = sigma^2
    (refitted True). The model's prior is the same over all t, and where the signal moves fast over a part of it
    (log t on log-spaced t), the likelihood took that part for noise (r 200 times sigma^2) and smoothed it flat:
    derivatives 0.74-1.02 of their RMS off, against 0.03 at the noise estimate's r."""
    lam, r, _ = ml_fit(u, v, m)
    if sigma <= 0:
        return lam, r, False
    us, vs = _subset(u, v, LIKELIHOOD_SAMPLES)
    try:
        fit, _ = statespace.smooth(us, vs, m, lam, orders=())
    except (LinAlgError, ValueError):
        return lam, r, False
    # the misfit of a signal whose pace changes is where it moves fast: some part of t fits within the noise,
    # another far from it; residuals above the noise everywhere are the noise estimate's error (correlated noise,
    # a line's rounding at unit deviation), where the likelihood's r is the better estimate
    parts = [MAD_TO_SIGMA * float(np.median(np.abs(part))) for part in np.array_split(vs - fit.fit, MISFIT_PARTS)]
    if not (min(parts) <= WITHIN_NOISE * sigma and max(parts) > MISFIT * sigma):
        return lam, r, False
    lam, _ = ml_lam(u, v, m, sigma**2)
    return lam, sigma**2, True


REFINE_STEPS = (1.0, 0.5, 0.25)  # decades: the likelihood's optimum is refined on this lattice about the grid's best


def _refined(value: Callable[[float], float], x: float, low: float, high: float) -> float:
    """The minimum of value(log10 lam) near the grid's best x: the best of x +- each step in turn (a fixed
    lattice, not an adaptive search: values that differ by rounding, e.g. for y at another scale, then give
    the same or a nearby point), then the vertex of the parabola through the last three."""
    best = value(x)
    for step in REFINE_STEPS:
        for trial in (x - step, x + step):
            if low <= trial <= high:
                found = value(trial)
                if found < best:
                    x, best = trial, found
    step = REFINE_STEPS[-1]
    if not (low <= x - step and x + step <= high):
        return x
    left, right = value(x - step), value(x + step)
    curvature = left + right - 2.0 * best
    if not (math.isfinite(curvature) and curvature > 0):
        return x
    vertex = x + 0.5 * step * (left - right) / curvature  # within +-step/2: the middle value is the least
    return vertex if value(vertex) <= best else x


def choose_spline(u: np.ndarray, v: np.ndarray, order: int) -> Choice:
    lam, _ = ml_lam(u, v, 2)
    return Choice({"lam": lam}, f"lam = {lam:.3g} by maximum likelihood (GML)")


def choose_kalman(u: np.ndarray, v: np.ndarray, order: int, sigma: float,
                  given: Mapping[str, Value] | None = None) -> Choice:
    """q and sigma (scaled y) by maximum likelihood for the given model (default 3); a given sigma or q is kept."""
    given = given or {}
    model = int(given.get("model", 3))
    chosen: dict[str, Value] = {"model": model}
    if "sigma" in given and "q" in given:
        chosen.update(q=float(given["q"]), sigma=float(given["sigma"]))
        return Choice(chosen, "q and sigma as given")
    if "sigma" in given:
        r = float(given["sigma"]) ** 2
        lam, _ = ml_lam(u, v, model, r)
        chosen.update(q=r / lam, sigma=float(given["sigma"]))
        return Choice(chosen, f"q = {r / lam:.3g} by maximum likelihood, sigma as given")
    if "q" in given:
        lam, r = ml_lam(u, v, model)
        chosen.update(q=float(given["q"]), sigma=math.sqrt(max(r, MIN_SIGMA**2)))
        return Choice(chosen, "sigma by maximum likelihood, q as given")
    lam, r, refitted = fit_within_noise(u, v, model, sigma)
    sigma_ml = math.sqrt(max(r, MIN_SIGMA**2))
    q = sigma_ml**2 / lam
    chosen.update(q=q, sigma=sigma_ml)
    if refitted:
        return Choice(chosen, f"q = {q:.3g} by maximum likelihood with sigma the noise estimate (the likelihood's "
                              f"own sigma left residuals over {MISFIT:g} times the noise: signal taken for noise)")
    return Choice(chosen, f"q = {q:.3g} and sigma by maximum likelihood")


def choose_tv(u: np.ndarray, v: np.ndarray, order: int, sigma: float,
              given: Mapping[str, Value] | None = None) -> Choice:
    given = given or {}
    degree = int(given.get("degree", order + 1))
    us, vs = _subset(u, v, DISCREPANCY_SAMPLES)
    target = sigma

    def residual(log_alpha: float) -> float:
        fit, _ = trend_filter(us, vs, 10.0**log_alpha, degree)
        return float(np.sqrt(np.mean((vs - fit) ** 2)))

    lo, hi = -16.0, 2.0  # the bounds of alpha
    closest = residual(lo)
    # Where the fit cannot come within the noise estimate of the samples (sigma under-estimated, or the degree's
    # fits stiff on uneven t), the largest alpha within TV_CLOSEST of the closest fit: the least alpha itself
    # gave a 4th-derivative-wild fit whose second derivative was 850 times the tuned one's (cubic, random t).
    target = max(target, TV_CLOSEST * closest)
    if closest >= target:
        log_alpha = lo
    elif residual(hi) <= target:
        log_alpha = hi
    else:
        for _ in range(24):
            mid = 0.5 * (lo + hi)
            if residual(mid) <= target:
                lo = mid
            else:
                hi = mid
            if hi - lo < 0.05:
                break
        log_alpha = lo
    alpha = 10.0**log_alpha
    return Choice({"alpha": alpha, "degree": degree}, f"alpha = {alpha:.3g}: residuals as large as the noise")


def noise_of(u: np.ndarray, v: np.ndarray) -> float:
    return estimate_noise(u, v)
