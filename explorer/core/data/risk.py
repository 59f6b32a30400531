"""The automatic choice of a method for noisy samples: candidates compared by their estimated error.

First, samples that a global polynomial of degree 1-7 fits within their noise (`polynomial`: an F-test
against four more degrees, and residuals no larger than about the noise) take that polynomial (the Kalman
model at its polynomial limit, or Savitzky-Golay over all the samples above degree 4): no smoother at
finite smoothing comes near the polynomial's accuracy there, and the estimates below cannot resolve errors
that small.

Otherwise: every smoothing method here is linear in y: its derivative at the samples is D y for a matrix D.
For such an estimate, with independent noise of deviation sigma and a reference R y whose bias is small,

    mean (D y - R y)^2 - sigma^2 mean ||d_i - r_i||^2  estimates  mean (D f - R f)^2 ~ the squared bias,

and sigma^2 mean ||d_i||^2 is the variance (d_i, r_i: the rows of D and R). Their sum estimates the mean
squared error of the derivative; it is the bias-variance estimate Savitzky-Golay's window is chosen by
(choice.py, Ruppert's EBBS), extended to any linear method by writing the rows out. All candidates are
judged against the same references, the Kalman/RTS smoothers of 4 and 5 states at their lam of greatest
likelihood (the most flexible models, smoothed for the values: little bias), the two estimates averaged,
so a candidate is never judged only against itself. Averaged, not the larger kept and floored at 0: each
estimate is unbiased, and only differences between candidates matter, in which the references' own noise,
common to all candidates, then cancels; a maximum or a floor adds an amount growing with each estimate's
noise (2.4 times the true error of an unbiased candidate, on average, in tests/data). (A Savitzky-Golay
fit two degrees above the chosen one over the same window, the earlier reference, shares that candidate's
bias where the window spans the data: a chirp's second derivative at 5% noise was taken 17x off the best.)

The candidates: Savitzky-Golay with its window and degree chosen by that estimate, and the Kalman/RTS
smoother of 3, 4 and 5 states at the lam = r / q of greatest likelihood and at ten times it (the likelihood
chooses the smoothing best for the values, and the derivatives often want more; r is the noise estimate's
where the likelihood's own leaves residuals far above it, choice.fit_within_noise). bench/data_accuracy.py
and docs/benchmarks.md have the numbers.

The Kalman rows come from one application of the smoother's preconditioner (its banded factor, with the
polynomial null space solved exactly where smoothing is stiff), without the conjugate-gradient steps (the
derivative itself is the converged one): on random t with little smoothing they can be off by 20%, which
only blurs the noise terms of the estimate. The rows are dense (n x n), so with more than RISK_SAMPLES
samples the comparison runs on that many spread over the data (the Kalman model is in continuous time:
its lam and model carry over to all the samples; a chosen Savitzky-Golay has its window chosen again on all
of them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.linalg import LinAlgError
from scipy.stats import f as f_distribution

from ..limits import MAX_SAVGOL_DEGREE, MAX_SAVGOL_WINDOW
from . import choice, statespace
from .methods import Value
from .stencils import window_starts

RISK_SAMPLES = 600  # samples the candidates are compared on (their rows are dense: n^2 numbers each)
AUTO_MODELS = (3, 4, 5)  # Kalman models (states) among the candidates
LAM_FACTORS = (1.0, 10.0)  # ... each at these multiples of its maximum-likelihood lam
REFERENCE_MODELS = (4, 5)  # the bias is estimated against these models at their maximum-likelihood lam
POLYNOMIAL_DEGREES = tuple(range(1, MAX_SAVGOL_DEGREE + 1))  # global polynomials tried first (see polynomial)
POLYNOMIAL_LAM = 1e8  # lam (t scaled to [0, 1]) at which the m-state smoother is the polynomial of degree m - 1
EXTRA_DEGREES = 4  # a polynomial fits if this many more degrees do not fit significantly better (F-test) ...
LACK_OF_FIT_LEVEL = 1e-3  # ... at this level (strong evidence: a true polynomial is rarely refused)
# ... and its residual variance is at most this times sigma^2 (plus two deviations of the residual variance,
# sqrt(2 / dof)): a coarse check, since the noise estimate is itself off by up to ~40% (a minimum of three MADs)
LACK_OF_FIT = 1.5
EXACT_FIT = 64  # exact_polynomial: residuals within this many ulps of the samples' size are their rounding
POLYNOMIAL_SAMPLES = 10_000  # samples (spread over the data) the polynomial test is made on


@dataclass(frozen=True)
class Candidate:
    method: str
    parameters: dict[str, Value]
    risk: float
    description: str


def savgol_rows(u: np.ndarray, window: int, degree: int, order: int) -> np.ndarray:
    """(n, n): row i holds the weights of the order-th derivative at u_i of its window's least-squares
    polynomial of degree `degree` (any degree: the reference may exceed the method's own limit)."""
    n = len(u)
    starts = window_starts(n, window)
    index = starts[:, None] + np.arange(window)
    tw = u[index]
    scale = tw[:, -1] - tw[:, 0]
    x = (tw - u[:, None]) / scale[:, None]
    basis = x[:, :, None] ** np.arange(degree + 1)  # (n, window, degree + 1), centred at each point
    weights = np.linalg.pinv(basis)[:, order, :] * (math.factorial(order) / scale[:, None] ** order)
    rows = np.zeros((n, n))
    rows[np.arange(n)[:, None], index] = weights
    return rows


def kalman_rows(u: np.ndarray, m: int, lam: float, order: int) -> np.ndarray:
    """(n, n): the order-th derivative at every sample of the m-state smoother's posterior mean, as a
    matrix applied to y (one banded factorisation, n right-hand sides)."""
    n = len(u)
    system = statespace._System(u, np.zeros(n), m, lam)
    band, _ = system.band()
    _, _, precondition = statespace.preconditioner(system, band)
    k = len(system.mesh.knots)
    rhs = np.zeros((m * k, n))
    if system.simple:
        rhs[np.arange(n) * m, np.arange(n)] = 1.0
    else:
        assert system.observe is not None
        first = system.mesh.element * m
        for a in range(2 * m):
            rhs[first + a, np.arange(n)] += system.observe[:, a]
    states = precondition(rhs).reshape(k, m, n)
    mesh = system.mesh
    if system.simple and order < m:
        return states[:, order, :] / mesh.h**order
    rho_at = mesh.rho[mesh.element]
    basis = statespace._hermite_values(mesh.s, m, order) * np.tile(rho_at[:, None] ** np.arange(m), 2)
    pair = np.concatenate([states[:-1], states[1:]], axis=1)[mesh.element]
    return np.einsum("ia,iaj->ij", basis, pair) / ((rho_at * mesh.h) ** order)[:, None]


def estimated_risk(rows: np.ndarray, value: np.ndarray, references: list[tuple[np.ndarray, np.ndarray]],
                   sigma: float) -> float:
    """Estimated mean squared error of the derivative `value` (= rows @ v) (see the module's notes): its squared
    bias against each reference (rows, values), averaged over them, plus its variance.

    The bias estimates are averaged, not floored at 0 nor maximised: each is the squared bias plus noise of
    mean zero, so their mean has the least spread, and a floor or a maximum would add to every candidate an
    amount that grows with its estimate's noise (penalising some candidates for noise, not for error). The
    sum can then fall below the variance, rarely below 0; only the order of the candidates is used."""
    bias = 0.0
    for reference, reference_v in references:
        difference = rows - reference
        bias += (float(np.mean((value - reference_v) ** 2))
                 - sigma**2 * float(np.mean(np.sum(difference**2, axis=1))))
    return bias / max(len(references), 1) + sigma**2 * float(np.mean(np.sum(rows**2, axis=1)))


def candidates(u: np.ndarray, v: np.ndarray, order: int, sigma: float) -> list[Candidate]:
    """Every candidate with its estimated risk, on (up to RISK_SAMPLES of) the samples."""
    index = choice.spread(len(u), RISK_SAMPLES)
    us, vs = u[index], v[index]
    found = choice.choose_savgol(us, vs, order, sigma)
    window, degree = int(found.parameters["window"]), int(found.parameters["degree"])
    own = savgol_rows(us, window, degree, order)
    pending = [(Candidate("savgol", dict(found.parameters), math.nan,
                          f"Savitzky-Golay (window {window} of {len(us)} samples, degree {degree})"), own, own @ vs)]
    references = []
    for m in AUTO_MODELS:
        lam, r, refitted = choice.fit_within_noise(us, vs, m, sigma)
        noise = math.sqrt(max(r, choice.MIN_SIGMA**2))
        likely = "smoothing of greatest likelihood" + (" for the estimated noise" if refitted else "")
        for factor in LAM_FACTORS:
            try:
                rows = kalman_rows(us, m, lam * factor, order)
                _, derivatives = statespace.smooth(us, vs, m, lam * factor, orders=(order,))
            except (LinAlgError, ValueError):
                continue
            if not np.all(np.isfinite(rows)):
                continue
            how = likely if factor == 1 else f"{factor:g} times the {likely}"
            pending.append((Candidate("kalman", {"model": m, "q": noise**2 / (lam * factor), "sigma": noise},
                                      math.nan, f"Kalman/RTS, {m} states, {how}"), rows, derivatives[order]))
            if m in REFERENCE_MODELS and factor == 1:
                references.append((rows, derivatives[order]))
    if not references:  # no Kalman reference solved: the Savitzky-Golay fit two degrees up, over the same window
        reference = savgol_rows(us, window, degree + 2, order)
        references.append((reference, reference @ vs))
    out = []
    for candidate, rows, value in pending:
        risk = estimated_risk(rows, value, references, sigma)
        if math.isfinite(risk):
            out.append(Candidate(candidate.method, candidate.parameters, risk, candidate.description))
    return out


def _residuals_by_degree(u: np.ndarray, v: np.ndarray, top: int) -> np.ndarray:
    """residual[p]: the sum of squares v's least-squares polynomial of degree p leaves, p = 0..top (Legendre
    columns on u scaled to [-1, 1], orthonormalised: nested by degree, each taken out of what the ones before
    left). Of the residual itself: v.v less the sum of the squared coefficients cancelled to 0 below about
    1e-8 of a trend (y = 1e8 t + sin 2 pi t passed as a straight line)."""
    x = 2.0 * (u - u[0]) / (u[-1] - u[0]) - 1.0
    q, _ = np.linalg.qr(np.polynomial.legendre.legvander(x, top))
    along = q.T @ v
    left = v.copy()
    residual = np.empty(top + 1)
    for k in range(top + 1):
        left -= along[k] * q[:, k]
        residual[k] = float(left @ left)
    return residual


def _widest_window(total: int) -> int:
    """The widest Savitzky-Golay window over `total` samples: all of them (one fewer if even), at most the limit."""
    return min(total if total % 2 else total - 1, MAX_SAVGOL_WINDOW)


def polynomial(u: np.ndarray, v: np.ndarray, sigma: float) -> Candidate | None:
    """The least-squares polynomial over all the samples for the least degree in POLYNOMIAL_DEGREES that fits
    them within their noise, None if none does: up to degree 4 the Kalman smoother at its polynomial limit
    (lam -> infinity: degree m - 1), above it Savitzky-Golay over all the samples (a window of all of them,
    one fewer if their number is even; degrees above 4 are skipped when that exceeds the window's limit).

    When samples are a polynomial plus noise, the polynomial's derivative has no bias and the least variance,
    yet no smoother at finite lam comes near it, and the bias estimates of the risk cannot tell candidates
    apart at that level (their references' noise or bias is far larger): so this test comes first. A degree
    fits when (1) adding EXTRA_DEGREES more degrees does not reduce the residuals significantly (an F-test at
    level LACK_OF_FIT_LEVEL: a lack of fit as small as the noise, yet smooth, is what biases the derivative),
    and (2) its residual variance is not grossly above sigma^2 (what higher degrees cannot fit either)."""
    total = len(u)
    window = _widest_window(total)
    index = choice.spread(total, POLYNOMIAL_SAMPLES)  # the test on a spread subset: plenty to detect a misfit
    u, v = u[index], v[index]
    n = len(u)
    top = min(max(POLYNOMIAL_DEGREES) + EXTRA_DEGREES, n // 4 - 1)  # at least 4 samples per coefficient
    if sigma <= 0 or top < min(POLYNOMIAL_DEGREES) + EXTRA_DEGREES:
        return None
    residual = _residuals_by_degree(u, v, top)
    for degree in POLYNOMIAL_DEGREES:
        if degree + EXTRA_DEGREES > top:
            break
        if degree > max(AUTO_MODELS) - 1 and window < total - 1:
            continue
        dof = n - degree - 1
        richer = degree + EXTRA_DEGREES
        richer_dof = n - richer - 1
        variance = max(float(residual[degree]), 0.0) / dof
        richer_variance = max(float(residual[richer]), 1e-300) / richer_dof
        drop = (max(float(residual[degree] - residual[richer]), 0.0) / EXTRA_DEGREES) / richer_variance
        if not (drop <= float(f_distribution.ppf(1.0 - LACK_OF_FIT_LEVEL, EXTRA_DEGREES, richer_dof))
                and variance <= sigma**2 * (LACK_OF_FIT + 2.0 * math.sqrt(2.0 / dof))):
            continue
        why = (f"the least-squares polynomial of degree {degree}, whose residuals are within the noise (RMS "
               f"{math.sqrt(variance) / sigma:.2f} sigma) and which {EXTRA_DEGREES} more degrees do not fit "
               "significantly better")
        if degree > max(AUTO_MODELS) - 1:
            return Candidate("savgol", {"window": window, "degree": degree}, sigma**2 * (degree + 1) / total,
                             f"Savitzky-Golay over all {total} samples (window {window}): {why}")
        noise = math.sqrt(max(variance, choice.MIN_SIGMA**2))
        lam = min(POLYNOMIAL_LAM, noise**2 / 1e-30)  # q within its bounds
        return Candidate("kalman", {"model": degree + 1, "q": noise**2 / lam, "sigma": noise},
                         sigma**2 * (degree + 1) / total,
                         f"Kalman/RTS, {degree + 1} states at its polynomial limit: {why}")
    return None


def exact_polynomial(u: np.ndarray, v: np.ndarray, order: int) -> Candidate | None:
    """For samples that lie on a polynomial of degree at most MAX_SAVGOL_DEGREE to rounding (t^2, a cubic:
    exact samples, as from a formula or a simulation), that polynomial's least-squares fit: Savitzky-Golay of
    that degree over all of them (or the widest window allowed). Its derivative is exact to rounding, where
    stencils on the samples divide their rounding by h^order (5 000 samples of a cubic at random t: 3e-6 of
    the second derivative). None when no degree fits that well, or too few samples to tell (two per
    coefficient at least)."""
    total = len(u)
    index = choice.spread(total, POLYNOMIAL_SAMPLES)
    us, vs = u[index], v[index]
    n = len(us)
    top = min(MAX_SAVGOL_DEGREE, n // 2 - 1)
    size = float(np.max(np.abs(vs)))
    if top < 1 or not (math.isfinite(size) and size > 0):
        return None
    residual = _residuals_by_degree(us, vs, top)
    for degree in range(1, top + 1):
        rms = math.sqrt(float(residual[degree]) / n)
        if rms <= EXACT_FIT * float(np.finfo(float).eps) * size:
            degree = max(degree, order)
            window = _widest_window(total)
            return Candidate("savgol", {"window": window, "degree": degree}, 0.0,
                             f"the samples lie on a polynomial of degree {degree} to rounding (residuals "
                             f"{rms / size:.0e} of their size): Savitzky-Golay of that degree over "
                             + (f"all {total} samples" if window >= total - 1 else f"windows of {window}"))
    return None


def choose_method(u: np.ndarray, v: np.ndarray, order: int, sigma: float) -> tuple[Candidate, int]:
    """The candidate of least estimated risk, and how many were compared (0: a polynomial fits the samples
    within their noise, see `polynomial`)."""
    fitted = polynomial(u, v, sigma)
    if fitted is not None:
        return fitted, 0
    found = candidates(u, v, order, sigma)
    return min(found, key=lambda c: c.risk), len(found)
