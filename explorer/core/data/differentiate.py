"""One entry point: `differentiate_samples(t, y, order, method="auto", **params) -> SampleDerivative`.

It checks its input once, scales t to [0, 1] and y to unit deviation (so every method and bound works the
same for epoch seconds and nanoseconds, metres and microvolts), fills every parameter the caller did not
give from the data (choice.py), applies the method and scales the derivative back.

`auto` chooses the method as well, from the data alone:
- samples that finite differences already resolve to 1 part in 10^6 (exact or nearly exact data) take
  Fornberg stencils with the width of least estimated error: no smoothing is needed, and none is done;
- samples that a polynomial of degree 1-7 fits within their noise take that polynomial's derivative (the
  Kalman model at its polynomial limit, or Savitzky-Golay over all the samples above degree 4);
- otherwise the candidate of least estimated derivative error (risk.py): Savitzky-Golay with its window and
  degree by their bias-variance estimate, and the Kalman/RTS smoother of 3, 4 or 5 states at its
  maximum-likelihood lam and ten times it, each judged by its bias against the 4- and 5-state smoothers at
  their likelihood's lam (the two estimates averaged) plus its noise, written out from its rows.
  docs/benchmarks.md has the numbers.
Parameters given with `auto` pick the first method that has them all (lam: the spline) and fill the rest.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from types import MappingProxyType

import numpy as np

from ..limits import MAX_DATA_ORDER, MAX_STENCIL_POINTS, MIN_SAMPLE_SPACING
from . import choice, risk
from .errors import DataError
from .methods import METHOD_NAMES, METHODS, SampleMethod, Value, method_named
from .prepared import prepare
from .result import SampleDerivative

# the methods whose results are relative to v's size (auto's judgements, the smoothers' floors): a line this
# many times the rest of v is taken out before them and added back after (_dominant_line)
DOMINANT_LINE = 1e4
DETRENDED = ("auto", "spline", "kalman")
EXACT_RELATIVE_ERROR = 1e-6  # auto: finite differences this accurate (RMS, relative) need no smoothing
ROUNDING = 4 * float(np.finfo(float).eps)  # noise of exact samples: their rounding, relative to max |y|


def _checked_order(order: int) -> None:
    if isinstance(order, bool) or order not in range(1, MAX_DATA_ORDER + 1):
        raise DataError(f"order must be 1 (velocity) or 2 (acceleration), not {order!r}")


def _checked_parameters(method: SampleMethod, given: Mapping[str, object]) -> dict[str, Value]:
    return {name: method.parameter(name).checked(value) for name, value in given.items()}


def _pick_for_parameters(names: set[str]) -> SampleMethod:
    for name in METHOD_NAMES:
        method = METHODS[name]
        if names <= {p.name for p in method.parameters}:
            return method
    raise DataError(f"no method has the parameters {', '.join(sorted(names))}")


def parameters_problem(method: str, given: Mapping[str, object]) -> str | None:
    """Why given cannot be the parameters of method (for auto, of the method it picks for their names), in
    words; None when they can. What a stored session is checked with before it is restored."""
    try:
        chosen = _pick_for_parameters(set(given)) if method == "auto" else method_named(method)
        _checked_parameters(chosen, given)
    except DataError as exc:
        return str(exc)
    return None


def _fill(method: SampleMethod, u: np.ndarray, v: np.ndarray, order: int, sigma: float,
          given: dict[str, Value]) -> tuple[dict[str, Value], str, set[str]]:
    """Every parameter of method: given ones kept, the rest from its default or chosen from the data."""
    name = method.name
    if name == "fornberg" and "points" not in given:
        found = choice.choose_fornberg(u, v, order, sigma)
    elif name == "savgol" and not {"window", "degree"} <= set(given):
        found = choice.choose_savgol(u, v, order, sigma, given)
    elif name == "spline" and "lam" not in given:
        found = choice.choose_spline(u, v, order)
    elif name == "tv" and "alpha" not in given:
        found = choice.choose_tv(u, v, order, sigma, given)
    elif name == "kalman" and not {"q", "sigma"} <= set(given):
        found = choice.choose_kalman(u, v, order, sigma, given)
    else:
        found = choice.Choice({}, "")
    values = {p.name: p.default for p in method.parameters if p.default is not None}
    if name == "tv":
        values["degree"] = order + 1
    values.update(found.parameters)
    values.update(given)
    missing = [p.name for p in method.parameters if p.name not in values]
    if missing:  # pragma: no cover - every parameter without a default has a chooser above
        raise DataError(f"{name}: no value for {', '.join(missing)}")
    chosen = {k for k in found.parameters if k not in given and method.parameter(k).default != found.parameters[k]}
    return values, found.reason, chosen


def _scaled_in(method: SampleMethod, params: Mapping[str, Value], y_scale: float) -> dict[str, Value]:
    return {k: (v / y_scale if method.parameter(k).y_units else v) for k, v in params.items()}


def _scaled_out(method: SampleMethod, params: Mapping[str, Value], y_scale: float) -> dict[str, Value]:
    return {k: (v * y_scale if method.parameter(k).y_units else v) for k, v in params.items()}


def differentiate_samples(t: object, y: object, order: int = 1, method: str = "auto", *,
                          warnings: tuple[str, ...] = (), **params: Value) -> SampleDerivative:
    """The order-th derivative (1 or 2) of the samples y(t) at every t by `method` (auto, gradient, fornberg,
    savgol, spline, tv, kalman); params override what would be chosen (names and bounds: methods.py;
    sigma in y's units). warnings (e.g. what loading dropped) are passed on into the result.
    Raises DataError for unusable input, in one line."""
    return differentiate_with(t, y, order, method, params, warnings)


def differentiate_with(t: object, y: object, order: int, method: str, params: Mapping[str, Value],
                       warnings: tuple[str, ...] = ()) -> SampleDerivative:
    """differentiate_samples with the parameters as a mapping (what a window's controls hold)."""
    data = prepare(t, y)
    _checked_order(order)
    t, y = data.t, data.y
    automatic_method = method == "auto"
    chosen = _pick_for_parameters(set(params)) if automatic_method and params else None
    sample_method = chosen or (None if automatic_method else method_named(method))
    n = len(t)
    span, y_centre, y_scale = data.span, data.y_centre, data.y_scale
    candidate = sample_method or METHODS["fornberg"]  # auto takes stencils when too few samples for more
    need = max(candidate.minimum(order), 2)
    if n < need or span <= 0:
        raise DataError(f"{candidate.name if sample_method else 'a derivative of order ' + str(order)} needs at "
                        f"least {need} samples at distinct t; there are {n}")
    _resolvable(data.t, data.u, span)
    u, v, sigma = data.u, data.v, data.sigma
    notes: list[str] = []
    line = None  # (intercept, slope) in v's units, taken out first (see _dominant_line)
    line_scale = y_scale
    if method in DETRENDED:
        found = _dominant_line(u, v)
        if found is not None:
            intercept, slope, rest = found
            line = (intercept, slope)
            v = (v - (intercept + slope * u)) / rest
            sigma, y_scale = sigma / rest, y_scale * rest

    if sample_method is None:  # auto: the method too
        with _one_line("choosing the method"):
            sample_method, given, reason_head = _auto_method(u, v, order, sigma)
    else:
        given = _scaled_in(sample_method, _checked_parameters(sample_method, params), y_scale)
        reason_head = sample_method.label + (f" (auto: the method with {', '.join(sorted(params))})"
                                             if chosen else "")
    if n < sample_method.minimum(order):
        raise DataError(f"{sample_method.name} needs at least {sample_method.minimum(order)} samples for order "
                        f"{order}; there are {n}")
    with _one_line(sample_method.name):
        values, why, from_data = _fill(sample_method, u, v, order, sigma, given)
        estimate = sample_method.apply(u, v, order, values)
    with np.errstate(over="ignore"):  # y near 1e308: the derivative is inf, said in a note below
        derivative = _per_span(estimate.derivative * y_scale, span, order)
        if line is not None and order == 1:
            derivative = derivative + _per_span(np.float64(line[1] * line_scale), span, 1)
    fit = None if estimate.fit is None else y_centre + y_scale * estimate.fit
    if fit is not None and line is not None:
        fit = fit + line_scale * (line[0] + line[1] * u)
    if not np.all(np.isfinite(derivative)):
        notes.append(f"{int(np.sum(~np.isfinite(derivative)))} derivative values are not finite")
        derivative = np.where(np.isfinite(derivative), derivative, np.nan)
    shown = _scaled_out(sample_method, values, y_scale)
    automatic = tuple(k for k in values if k in from_data or (automatic_method and not chosen and k not in params))
    reason = _reason(reason_head, why, sample_method, shown, sigma * y_scale, span)
    return SampleDerivative(t, y, order, derivative, sample_method.name, MappingProxyType(shown), automatic, reason,
                            sigma * y_scale, fit, tuple(warnings) + tuple(notes))


def _dominant_line(u: np.ndarray, v: np.ndarray) -> tuple[float, float, float] | None:
    """(intercept, slope, rest) of v's least-squares line when it outweighs the rest of v (its RMS, `rest`)
    DOMINANT_LINE times or more, else None. The smoothers' floors and auto's judgements are relative to v:
    under a trend 1e6 times the signal, auto's second derivative was 13% off and at 1e8 its first 14 times
    the signal's (stencils on what looked like exact samples); without the line, v is the signal."""
    if len(u) < 3:
        return None
    slope, intercept = np.polyfit(u - 0.5, v, 1)
    intercept -= 0.5 * slope
    rest = float(np.sqrt(np.mean((v - (intercept + slope * u)) ** 2)))
    size = abs(intercept) + abs(slope)
    if not (rest > 0 and math.isfinite(size) and size >= DOMINANT_LINE * rest):
        return None
    return float(intercept), float(slope), rest


def _auto_method(u: np.ndarray, v: np.ndarray, order: int, sigma: float
                 ) -> tuple[SampleMethod, dict[str, Value], str]:
    fitted = risk.exact_polynomial(u, v, order)  # exact samples of a polynomial: its fit, exact to rounding
    if fitted is not None:
        return METHODS["savgol"], dict(fitted.parameters), f"auto: {fitted.description}"
    stencil = choice.choose_fornberg(u, v, order, sigma)
    if stencil.risk is not None:
        points = int(stencil.parameters["points"])
        if points < MAX_STENCIL_POINTS:
            # what looks like noise in exact samples is the signal itself: if a wider stencil shows the samples
            # to be exact, judge the width by rounding alone
            rounding = choice.choose_fornberg(u, v, order, ROUNDING * float(np.max(np.abs(v))))
            if rounding.risk is not None and rounding.risk < stencil.risk:
                stencil, points = rounding, int(rounding.parameters["points"])
        estimate = METHODS["fornberg"].apply(u, v, order, {"points": points})
        with np.errstate(over="ignore"):  # derivatives near 1e308: the scale is inf, and the stencils stay
            scale = float(np.sqrt(np.mean(estimate.derivative**2)))
        error = math.sqrt(stencil.risk) if stencil.risk is not None else math.inf
        if error == 0.0 or (scale > 0 and error <= EXACT_RELATIVE_ERROR * scale):
            how = (f"estimated error {error / scale:.1e} of the derivative's RMS" if scale > 0
                   else "they fit a polynomial exactly")
            return (METHODS["fornberg"], {"points": points},
                    f"auto: Fornberg stencils, since finite differences already resolve these samples ({how})")
    if len(u) < 2 * max(risk.AUTO_MODELS):  # too few samples to tell noise from signal: stencils, as they are
        return (METHODS["fornberg"], dict(stencil.parameters),
                f"auto: Fornberg stencils, since {len(u)} samples are too few to estimate noise and smoothing")
    best, compared = risk.choose_method(u, v, order, sigma)
    how = (f"auto: {best.description}" if not compared else
           f"auto: {best.description}, the least estimated error of {compared} candidates "
           "(Savitzky-Golay and Kalman/RTS smoothers, bias against the 4- and 5-state smoothers plus noise)")
    if best.method == "savgol" and compared and len(u) > risk.RISK_SAMPLES:  # window chosen again on all samples
        return METHODS["savgol"], {}, how
    return METHODS[best.method], dict(best.parameters), how


@contextmanager
def _one_line(what: str) -> Iterator[None]:
    """A numerical failure inside a method as one DataError line, not a traceback: samples at the edge of what
    a method handles can still meet one (tv at order 2 on t = 0, 1e-9, 1e-6, 1e-3, 0.5, 1 merges its close
    samples down to too few and took the maximum of nothing)."""
    try:
        yield
    except DataError:
        raise
    except (ArithmeticError, ValueError) as exc:  # numpy's LinAlgError is a ValueError
        raise DataError(f"{what} failed on these samples ({type(exc).__name__}: {str(exc)[:120]}); "
                        "try another method") from None


def _resolvable(t: np.ndarray, u: np.ndarray, span: float) -> None:
    """DataError unless the samples' scaled times u = (t - t0) / span are finite and at least MIN_SAMPLE_SPACING
    apart: t = 0 and 1e-300 beside t = 4 are one point at that scale, and the methods divided by their spacing
    or its powers, 0 (a ZeroDivisionError, an SVD that did not converge, stencils of inf and NaN)."""
    if not math.isfinite(span):
        raise DataError(f"t runs from {t[0]:g} to {t[-1]:g}: its span is beyond double range")
    close = np.flatnonzero(np.diff(u) < MIN_SAMPLE_SPACING)
    if close.size:
        i = int(close[0])
        raise DataError(f"t = {t[i]:.17g} and t = {t[i + 1]:.17g} are too close to tell apart beside the span of t "
                        f"({span:g}): less than {MIN_SAMPLE_SPACING:g} of it; merge or drop one of them")


def _per_span(values, span: float, power: int):
    """values / span^power as doubles, one division at a time: t spanning 1e300 (or 1e-300) overflowed the
    float span**2 (OverflowError, ZeroDivisionError) although the result is 0 (or inf, then said in a note)."""
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        for _ in range(power):
            values = values / np.float64(span)
    return values


def _reason(head: str, why: str, method: SampleMethod, shown: Mapping[str, Value], noise: float, span: float) -> str:
    parts = [head]
    if why:
        parts.append(why)
    if method.name == "spline":
        lam = float(shown["lam"])
        parts.append(f"scipy's lam on your t: {_per_span(np.float64(lam), 1 / span, 3):.3g}")
    parts.append(f"noise sigma ≈ {noise:.3g} estimated from the data")
    return "; ".join(parts)
