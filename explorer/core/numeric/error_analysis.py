"""How wrong each method is: errors against x, and against the step size h with theory lines."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..limits import MIN_STEP, SWEEP_MAX_STEP
from ..request import Method
from .finite_difference import EPS
from .methods import MethodContext
from .steps import step_scale

SWEEP_POINTS = 65  # four per decade over 1e-16 .. 1


def step_grid(points: int = SWEEP_POINTS) -> np.ndarray:
    """Logarithmically spaced base steps from MIN_STEP to SWEEP_MAX_STEP (a decade past the slider)."""
    return np.logspace(np.log10(MIN_STEP), np.log10(SWEEP_MAX_STEP), points)


def absolute_error(estimate: np.ndarray, exact: np.ndarray | float) -> np.ndarray:
    """|estimate - exact|, NaN where either is undefined."""
    with np.errstate(all="ignore"):
        return np.abs(np.asarray(estimate) - np.asarray(exact))


def relative_error(estimate: np.ndarray, exact: np.ndarray) -> np.ndarray:
    """|estimate - exact| / |exact|; NaN where the exact value is 0 (relative error is undefined there)."""
    exact = np.asarray(exact)
    with np.errstate(all="ignore"):
        return np.where(exact != 0, absolute_error(estimate, exact) / np.abs(exact), np.nan)


OPTIMUM_REACH = 2  # grid steps each side (half a decade on the sweep's grid) that h* must be good over


def optimum(h: np.ndarray, errors: np.ndarray) -> tuple[float, float] | None:
    """(h*, error at h*): the step of least error in a sweep; None when no error is finite.

    Each step is judged by the worst error within OPTIMUM_REACH grid steps of it. With exact steps, the
    differences of f are whole ulps and round-off can come out exactly right, at one step or at a few
    in a row (the Runge function at -0.4: exact at 1e-14, 1.8e-14 and 3.2e-14, errors of 1e-3 a step
    away); such a dip is luck, not a step to recommend, and h* belongs where the V bottoms out.
    """
    finite = np.isfinite(errors)
    if not finite.any():
        return None
    # An undefined neighbour (the stencil left f's domain) is no neighbour: it neither helps nor harms.
    known = np.where(finite, errors, -np.inf)
    padded = np.concatenate((np.full(OPTIMUM_REACH, -np.inf), known, np.full(OPTIMUM_REACH, -np.inf)))
    worst = np.max([padded[k:k + known.size] for k in range(2 * OPTIMUM_REACH + 1)], axis=0)
    index = int(np.argmin(np.where(finite, worst, np.inf)))
    return float(h[index]), float(errors[index])


@dataclass(frozen=True, eq=False)
class StepSweep:
    """Error at one x for each method over a grid of base steps h0 (the slider's units: at the probe a
    method takes h0 * s(probe), made exact there), with the theory that explains it."""

    probe: float
    h: np.ndarray  # base steps h0
    errors: dict[Method, np.ndarray]
    optimum: dict[Method, tuple[float, float]]  # (base step h0*, error there)
    truncation: dict[Method, np.ndarray]  # C h^p |f^(n+p)(x0)|, h the step taken
    roundoff: dict[Method, np.ndarray]  # (sum|w| eps |f(x0)| + sqrt(sum w^2) noise) / h^n
    scale: float = 1.0  # s(probe) = max(|probe|, s0): the step taken is about h0 times this


def sweep_steps(
    context: MethodContext, methods: tuple[Method, ...], probe: float, h: np.ndarray, reference: float
) -> StepSweep:
    """Errors of every method at x = probe for every base step in h (one vectorised call per method)."""
    x0 = np.array([probe])
    column = h[:, None]
    scale = float(step_scale(x0, context.step_floor)[0])
    f0 = float(np.abs(context.f(x0))[0])
    errors: dict[Method, np.ndarray] = {}
    optima: dict[Method, tuple[float, float]] = {}
    truncation: dict[Method, np.ndarray] = {}
    roundoff: dict[Method, np.ndarray] = {}
    n = context.order
    for method in methods:
        if method is Method.SYMBOLIC or context.unavailable(method):
            continue
        taken = context.steps(method, x0, column)[:, 0] if method.uses_step else h
        estimate = context.derivative(method, x0, taken[:, None])[:, 0]
        errors[method] = absolute_error(estimate, reference)
        best = optimum(h, errors[method]) if method.uses_step else None
        if best is not None:
            optima[method] = best
        # Where f or its derivatives are near the double limit (exp(x) at x = 700, 1e300 x) the theory lines
        # overflow to inf at large h (truncation) or tiny h (round-off: h^n underflows to 0 on [-1e-300, 0] at
        # order 5), and where a derivative is infinite (log's third at 1e-300) truncation is inf * 0 at tiny h:
        # gaps in the lines, not warnings on the command line's error stream.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            if method is Method.COMPLEX:
                third = context.exact_derivative(3, x0)
                if third is not None:
                    truncation[method] = np.abs(third[0]) / 6 * taken**2
                roundoff[method] = np.full_like(h, EPS * abs(reference))
            elif method.uses_step:
                stencil = context.stencil(method)
                higher = context.exact_derivative(n + stencil.accuracy, x0)
                if higher is not None:
                    truncation[method] = abs(stencil.error_coefficient * higher[0]) * taken**stencil.accuracy
                spread = stencil.roundoff_coefficient * EPS * f0 + stencil.noise_coefficient * context.noise
                roundoff[method] = spread / taken**n
    return StepSweep(probe=probe, h=h, errors=errors, optimum=optima, truncation=truncation, roundoff=roundoff,
                     scale=scale)
