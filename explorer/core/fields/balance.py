"""Steps balanced from f's own derivatives at each point: the product stencil's error model, minimised.

For one variable, steps.balanced balances the truncation C h^p f^(n+p) against the round-off. A product
stencil for d^n f / dx^counts has one truncation term per differentiated variable i,

    |C_i| h_i^p M_i,   M_i = |d^(counts + p e_i) f| + w_i h_i |d^(counts + (p+1) e_i) f|

(M_i bounds the derivative over the stencil's width w_i, so a derivative that happens to vanish at the point
does not get an enormous step), and products of them for pairs of variables,

    |C_i C_j| h_i^p h_j^p |d^(counts + p e_i + p e_j) f|,

formally of higher order, but not small when the steps are: for d2(exp(xy))/dxdy near 0 the single terms
vanish (d4 f/dx3dy = y^2 ...) and the pair term, with d6 f/dx3dy3 = 6, alone limits the steps. Against them
stands the round-off (R eps |f| + sqrt(sum w^2) sigma) / prod h_i^n_i.

The steps are found in two stages: the single terms alone have a closed-form minimum (each truncation term
is n_i / p times the round-off there), solved with M_i updated a few times; then all steps are scaled by one
factor t that minimises the whole model (with the pair terms), a convex function of log t, by Newton's
method. A variable with no truncation at all (f a polynomial of low degree in it) keeps its given step.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np

from ..numeric import finite_difference as fd
from ..numeric import steps as step_sizes
from .stencils import ProductStencil

NEWTON_ITERATIONS = 12
MAX_LOG_STEP = 2.0  # Newton moves log t by at most this per iteration (a factor e^2)

Magnitude = Callable[[tuple[int, ...]], "np.ndarray | None"]  # counts -> |d^counts f| at the points, or None


def balanced_steps(stencil: ProductStencil, magnitude: Magnitude, f_abs: np.ndarray, fixed: np.ndarray,
                   noise: float = 0.0) -> np.ndarray | None:
    """The steps (d, ...) minimising the error model at each point; `fixed` (d, ...) are the steps kept along
    variables with no truncation. NaN at points where the balance is not known (f or a derivative
    undefined, f = 0 without noise, no truncation along any variable); None when the derivatives needed for
    the single terms are not available (SymPy gave up)."""
    counts = stencil.counts
    p = stencil.accuracy
    axes = [i for i, k in enumerate(counts) if k]
    widths = np.max(np.abs(stencil.offsets_array), axis=0)
    coefficients = [abs(c) for c in stencil.error_coefficients]

    def raised(extra: dict[int, int]) -> tuple[int, ...]:
        return tuple(k + extra.get(i, 0) for i, k in enumerate(counts))

    higher, beyond = {}, {}
    for i in axes:
        values = magnitude(raised({i: p}))
        if values is None:
            return None
        higher[i] = values
        more = magnitude(raised({i: p + 1}))
        beyond[i] = np.zeros_like(values) if more is None else np.where(np.isfinite(more), more, 0.0)

    with np.errstate(all="ignore"):
        spread = stencil.roundoff_coefficient * fd.EPS * f_abs + stencil.noise_coefficient * noise
        log_spread = np.log(spread)
        free = {i: (higher[i] > 0) | (beyond[i] > 0) for i in axes}  # has truncation: its step is balanced
        log_fixed = {i: np.log(fixed[i]) for i in axes}

        def closed_form(m: dict[int, np.ndarray]) -> dict[int, np.ndarray]:
            log_a = {i: np.log(counts[i] / (p * coefficients[i] * m[i])) for i in axes}
            n_free = sum(np.where(free[i], counts[i], 0) for i in axes)
            rest = sum(np.where(free[i], counts[i] / p * log_a[i], counts[i] * log_fixed[i]) for i in axes)
            log_rho = p / (n_free + p) * (log_spread - rest)
            return {i: np.where(free[i], (log_a[i] + log_rho) / p, log_fixed[i]) for i in axes}

        start = {i: np.where(higher[i] > 0, higher[i], beyond[i] * widths[i] * fixed[i]) for i in axes}
        log_h = closed_form(start)
        for _ in range(step_sizes.BALANCE_ITERATIONS):  # M_i depends on h_i: settle it (damped)
            new = closed_form({i: higher[i] + beyond[i] * widths[i] * np.exp(log_h[i]) for i in axes})
            log_h = {i: 0.5 * (log_h[i] + new[i]) for i in axes}

        n_free = sum(np.where(free[i], counts[i], 0) for i in axes)
        if len(axes) == 1:  # no pair terms: the closed form is the minimum
            out = np.ones((len(counts),) + np.shape(f_abs))
            out[axes[0]] = np.exp(log_h[axes[0]])
            known = np.isfinite(spread) & (spread > 0) & np.isfinite(higher[axes[0]]) & np.isfinite(out[axes[0]])
            return np.where(n_free == 0, fixed, np.where(known, out, np.nan))

        # Stage two: one factor t on the free steps, against every term including the pairs.
        terms = []  # (coefficient at t = 1, power of t)
        for size in (1, 2):
            for subset in itertools.combinations(axes, size):
                if size == 1:
                    values, extra = higher[subset[0]], {subset[0]: beyond[subset[0]]}
                else:
                    values = magnitude(raised({i: p for i in subset}))
                    if values is None:
                        continue
                    extra = {}
                    for i in subset:
                        more = magnitude(raised({j: p + (1 if j == i else 0) for j in subset}))
                        if more is not None:
                            extra[i] = np.where(np.isfinite(more), more, 0.0)
                scale = np.prod([coefficients[i] * np.exp(p * log_h[i]) for i in subset], axis=0)
                power = sum(np.where(free[i], p, 0) for i in subset)
                terms.append((scale * values, power))
                for i, more in extra.items():
                    terms.append((scale * more * widths[i] * np.exp(log_h[i]), power + np.where(free[i], 1, 0)))
        roundoff = np.exp(log_spread - sum(counts[i] * log_h[i] for i in axes))
        # Start at the smallest of the two-term balances (round-off against one term): the minimum lies at or
        # above it, where the round-off term (convex, falling) dominates, and Newton climbs to it.
        u = np.zeros(np.shape(f_abs))
        starts = [np.log(n_free * roundoff / (q * c)) / (q + n_free) for c, q in terms]
        starts = [np.where(np.isfinite(v) & (q > 0), v, np.inf) for v, (_, q) in zip(starts, terms, strict=True)]
        if starts:
            first = np.min(starts, axis=0)
            u = np.where(np.isfinite(first), first, 0.0)
        for _ in range(NEWTON_ITERATIONS):
            slope = -n_free * roundoff * np.exp(-n_free * u)
            curvature = n_free**2 * roundoff * np.exp(-n_free * u)
            for c, q in terms:
                c = np.where(np.isfinite(c), c, 0.0)
                grow = c * np.exp(q * u)
                slope = slope + q * grow
                curvature = curvature + q * q * grow
            move = np.clip(-slope / curvature, -MAX_LOG_STEP, MAX_LOG_STEP)
            u = np.where(np.isfinite(move), u + move, u)

        known = np.isfinite(spread) & (spread > 0) & (n_free > 0) & np.isfinite(u)
        for i in axes:
            known &= np.isfinite(higher[i]) & np.isfinite(log_h[i])
        out = np.ones((len(counts),) + np.shape(f_abs))  # variables not differentiated: offsets all 0
        for i in axes:
            out[i] = np.exp(log_h[i] + np.where(free[i], u, 0.0))
        # no truncation along any variable: the given steps (exact up to round-off whatever the step)
        return np.where(n_free == 0, fixed, np.where(known, out, np.nan))
