"""An error estimate for every finite-difference value, without an exact answer to compare with.

Measured data have no exact derivative, so each value D(h) comes with an estimate of its error from the
same samples: the value again at half and at twice the step, as scipy.differentiate and numdifftools do with
their extrapolation tables. With truncation error C h^p,

    D(h) - D(h/2) = C h^p (1 - 2^-p) + (round-off and noise of both),
    D(2h) - D(h) = C h^p (2^p - 1) + (round-off and noise of both),

so either difference, divided by its factor, estimates the truncation error of D(h); the first carries the
half step's round-off (2^n times larger than D(h)'s), the second hardly any beyond D(h)'s, and the larger
of the two is taken. Added to it is the round-off (and noise) bound of D(h) itself, so that differences that
happen to be small (round-offs alike) still leave a floor.
bench/error_estimate.py calibrates this: how often it bounds the true error and by how much it overstates.
"""

from __future__ import annotations

import numpy as np

from ..request import Method
from . import finite_difference as fd
from . import steps as step_sizes
from .methods import MethodContext

# How much each part of the estimate is trusted, chosen on bench/error_estimate.py's calibration set and
# checked on its held-out set (docs/benchmarks.md). The halving difference estimates the truncation to
# first order only, so it is right as often as it is short: half again above it bounds it. The round-off
# bound R eps max|f| / h^n is a worst case that real round-off rarely reaches, and the difference already
# carries the half step's larger round-off, so half of the bound is enough of a floor. Two standard
# deviations hold ~95% of normal noise. The complex step's value is as good as an evaluation of f: a few ulps.
TRUNCATION_SAFETY = 1.5
ROUNDOFF_SAFETY = 0.5
NOISE_SAFETY = 2.0
COMPLEX_ULPS = 4.0
# The absolute resolution of any double: a value of f below it (x^2 at 1e-200 is 1e-400) is rounded to 0
# or to a few subnormal steps, whatever its relative precision. The estimate counts it in full (sum |w_j|
# of it over h^n), or samples that all underflowed to 0 would estimate their derivative's error as 0.
SUBNORMAL_STEP = float(np.finfo(float).smallest_subnormal)
COMPLEX_ACCURACY = 2  # Im f(x + ih) / h = f'(x) - h^2 f'''(x) / 6 + ...


def estimated_error(context: MethodContext, method: Method, x: np.ndarray, h: np.ndarray | float,
                    value: np.ndarray | None = None) -> np.ndarray:
    """The estimated |error| of method's value at x with step h (the step actually used, as
    MethodContext.steps gives it; it may broadcast against x). `value` is that value if already known.
    NaN where there is no value, and for the methods without a step (symbolic, autodiff: exact up to
    rounding)."""
    x = np.asarray(x, dtype=float)
    h = np.asarray(h, dtype=float)
    shape = np.broadcast_shapes(x.shape, h.shape)
    if not method.uses_step or context.unavailable(method) is not None:
        return np.full(shape, np.nan)
    if value is None:
        value = context.derivative(method, x, h)
    with np.errstate(all="ignore"):
        if method is Method.COMPLEX:
            fine = context.derivative(method, x, h / 2)
            truncation = TRUNCATION_SAFETY * np.abs(value - fine) / (1 - 2.0**-COMPLEX_ACCURACY)
            # No cancellation: Im f is as accurate as any evaluation of f, a few ulps of the result, and no
            # finer than a subnormal step (h f' below it underflows: x^3 + x^2 at 1e-300).
            return truncation + COMPLEX_ULPS * fd.EPS * np.abs(value) + SUBNORMAL_STEP / h
        stencil = context.stencil(method)
        n, p = stencil.derivative_order, stencil.accuracy
        # Two companion values, each seeing what the other can miss. D(h) - D(h/2) = C h^p (1 - 2^-p) carries
        # the half step's round-off, 2^n times D(h)'s: it shows round-off beyond the bound R eps |f| below (sin(10x)
        # rounds 10x first, an error of about eps |x f'|), but at higher orders that round-off is as large as
        # the truncation and can cancel it (the fourth derivative of 1/x, p = 1: a third of the estimates fell
        # short). D(2h) - D(h) = C h^p (2^p - 1) carries 2^-n of D(h)'s round-off: the truncation itself. The
        # larger of the two is taken.
        double = step_sizes.representable(x, 2 * h, stencil.denominator)
        half = step_sizes.representable(x, h / 2, stencil.denominator)
        # Where h is already the least step x allows (an ulp of 1e15 is 0.125), halving leaves it as it
        # is, and the two values would agree whatever their error: the double step alone serves there.
        halved = half < h
        other, scale = fd.apply_stencil_with_scale(context.f, x, np.where(halved, half, double), stencil)
        doubled, double_scale = fd.apply_stencil_with_scale(context.f, x, double, stencil)
        truncation = TRUNCATION_SAFETY * np.fmax(np.abs(value - other) / np.where(halved, 1 - 2.0**-p, 2.0**p - 1),
                                                 np.abs(value - doubled) / (2.0**p - 1))
        scale = np.fmax(scale, double_scale)
        if not np.all(halved):
            truncation = np.maximum(truncation, _least_step_truncation(context, stencil, x, h, ~halved))
        spread = (ROUNDOFF_SAFETY * stencil.roundoff_coefficient * fd.EPS * scale
                  + NOISE_SAFETY * stencil.noise_coefficient * context.noise)
        # Scaled by sum |w_j| / h^n first: a fraction of a subnormal step would round to 0.
        underflow = stencil.roundoff_coefficient / h**n * SUBNORMAL_STEP
        return truncation + spread / h**n + underflow


def _least_step_truncation(context: MethodContext, stencil: fd.Stencil, x: np.ndarray, h: np.ndarray,
                           where: np.ndarray) -> np.ndarray:
    """Where h is the least step x allows, it may be far above any step the function's own scale wants (sin at
    1e17: h = 16, more than two periods), and D(h) and D(2h) are then both noise that can agree by chance (an
    estimate of 0.02 beside an error of 0.9). There the leading truncation term bounds it instead, when SymPy
    gave f^(n+p): C h^p times its largest |value| over the stencil's points (0 elsewhere, and without it)."""
    q = stencil.derivative_order + stencil.accuracy
    xs, hs = np.broadcast_arrays(x, h)
    bound = np.zeros(xs.shape)
    at, steps = xs[where], hs[where]
    nodes = at[None, :] + stencil.offsets_array[:, None] * steps[None, :]
    higher = context.exact_derivative(q, nodes.ravel())
    if higher is None:
        return bound
    size = np.abs(np.broadcast_to(higher, nodes.size).reshape(nodes.shape))
    largest = np.where(np.isnan(size), 0.0, size).max(axis=0)
    bound[where] = TRUNCATION_SAFETY * abs(stencil.error_coefficient) * steps**stencil.accuracy * largest
    return bound
