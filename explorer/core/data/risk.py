"""The automatic choice of a method for noisy samples: candidates compared by their estimated error.

Every smoothing method here is linear in y: its derivative at the samples is D y for a matrix D. For such
an estimate, with independent noise of deviation sigma and a reference R y whose bias is small,

    mean (D y - R y)^2 - sigma^2 mean ||d_i - r_i||^2  estimates  mean (D f - R f)^2 ~ the squared bias,

and sigma^2 mean ||d_i||^2 is the variance (d_i, r_i: the rows of D and R). Their sum estimates the mean
squared error of the derivative; it is the bias-variance estimate Savitzky-Golay's window is chosen by
(choice.py, Ruppert's EBBS), extended to any linear method by writing the rows out. All candidates are
judged against one reference, the Savitzky-Golay fit two degrees above the one chosen, over the same
window, so their estimates are comparable.

The candidates: Savitzky-Golay with its window and degree chosen by that estimate, and the Kalman/RTS
smoother of 3, 4 and 5 states at the lam = r / q of greatest likelihood and at ten times it (the likelihood
chooses the smoothing best for the values, and the derivatives often want more). On our synthetic set this
choice came within about 1.45x of the best tuned method in the median (the likelihood's Kalman alone: 1.74x).

The Kalman rows come from one application of the smoother's preconditioner (its banded factor, with the
polynomial null space solved exactly), without the conjugate-gradient steps (the derivative itself is the
converged one): on random t with little smoothing they can be off by 20%, which only blurs the noise
terms of the estimate. The rows are dense (n x n), so with more than RISK_SAMPLES samples the comparison
runs on that many spread over the data (the Kalman model is in continuous time: its lam and model carry
over to all the samples; a chosen Savitzky-Golay has its window chosen again on all of them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.linalg import LinAlgError

from . import choice, statespace
from .methods import Value
from .stencils import window_starts

RISK_SAMPLES = 600  # samples the candidates are compared on (their rows are dense: n^2 numbers each)
AUTO_MODELS = (3, 4, 5)  # Kalman models (states) among the candidates
LAM_FACTORS = (1.0, 10.0)  # ... each at these multiples of its maximum-likelihood lam


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


def estimated_risk(rows: np.ndarray, value: np.ndarray, reference: np.ndarray, reference_v: np.ndarray,
                   sigma: float) -> float:
    """Estimated mean squared error of the derivative `value` (= rows @ v) (see the module's notes)."""
    difference = rows - reference
    bias = float(np.mean((value - reference_v) ** 2)) - sigma**2 * float(np.mean(np.sum(difference**2, axis=1)))
    return max(bias, 0.0) + sigma**2 * float(np.mean(np.sum(rows**2, axis=1)))


def candidates(u: np.ndarray, v: np.ndarray, order: int, sigma: float) -> list[Candidate]:
    """Every candidate with its estimated risk, on (up to RISK_SAMPLES of) the samples."""
    index = choice.spread(len(u), RISK_SAMPLES)
    us, vs = u[index], v[index]
    found = choice.choose_savgol(us, vs, order, sigma)
    window, degree = int(found.parameters["window"]), int(found.parameters["degree"])
    reference = savgol_rows(us, window, degree + 2, order)
    reference_v = reference @ vs
    own = savgol_rows(us, window, degree, order)
    out = [Candidate("savgol", dict(found.parameters), estimated_risk(own, own @ vs, reference, reference_v, sigma),
                     f"Savitzky-Golay (window {window} of {len(us)} samples, degree {degree})")]
    for m in AUTO_MODELS:
        lam, r, _ = choice.ml_fit(us, vs, m)
        noise = math.sqrt(max(r, choice.MIN_SIGMA**2))
        for factor in LAM_FACTORS:
            try:
                rows = kalman_rows(us, m, lam * factor, order)
                _, derivatives = statespace.smooth(us, vs, m, lam * factor, orders=(order,))
            except (LinAlgError, ValueError):
                continue
            risk = estimated_risk(rows, derivatives[order], reference, reference_v, sigma)
            if math.isfinite(risk):
                how = ("smoothing of greatest likelihood" if factor == 1
                       else f"{factor:g} times the smoothing of greatest likelihood")
                out.append(Candidate("kalman", {"model": m, "q": noise**2 / (lam * factor), "sigma": noise}, risk,
                                     f"Kalman/RTS, {m} states, {how}"))
    return out


def choose_method(u: np.ndarray, v: np.ndarray, order: int, sigma: float) -> tuple[Candidate, int]:
    """The candidate of least estimated risk, and how many were compared."""
    found = candidates(u, v, order, sigma)
    return min(found, key=lambda c: c.risk), len(found)
