"""The methods over samples, each with its parameters declared once (name, default, bounds), and how each
is applied to arrays.

Every method works on t scaled to [0, 1] and y scaled to unit deviation (`differentiate_samples` does the
scaling and scales the result back), so each parameter's bounds hold for any data: t in epoch seconds or
nanoseconds, y in metres or volts. Parameters with a default of None are chosen from the data
(`choice.py`) unless the caller gives them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from scipy.linalg import LinAlgError

from ..limits import MAX_SAVGOL_DEGREE, MAX_SAVGOL_WINDOW, MAX_STENCIL_POINTS
from . import statespace
from .errors import DataError
from .local_fit import savgol_derivatives
from .stencils import fornberg_derivative, gradient_derivative
from .trend_filter import trend_filter

Value = float | int


@dataclass(frozen=True)
class Parameter:
    """One parameter of a method: its bounds, whether it is a whole number (odd), and whether it is swept
    geometrically (log). default None means "chosen from the data"."""

    name: str
    label: str
    low: float
    high: float
    default: Value | None = None
    integer: bool = False
    odd: bool = False
    log: bool = False
    help: str = ""
    y_units: bool = False  # given in y's units (the methods see it divided by y's scale)

    def problem(self, value: object) -> str | None:
        """Why value cannot be used, in words; None when it can."""
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            return f"{self.name} must be a number, not {value!r}"
        number = float(value)
        if not math.isfinite(number):
            return f"{self.name} must be finite, not {value!r}"
        if self.integer and number != round(number):
            return f"{self.name} must be a whole number, not {value!r}"
        if not self.low <= number <= self.high:
            return f"{self.name} must be within [{self.low:g}, {self.high:g}], not {number:g}"
        if self.odd and round(number) % 2 == 0:
            return f"{self.name} must be odd, not {round(number)}"
        return None

    def checked(self, value: object) -> Value:
        """value in its stored type, or DataError saying why not."""
        problem = self.problem(value)
        if problem is not None:
            raise DataError(problem)
        return int(round(float(value))) if self.integer else float(value)  # type: ignore[arg-type]

    def grid(self, count: int) -> np.ndarray:
        """count values spanning the bounds (geometric for log parameters, distinct odd/whole numbers)."""
        values = np.geomspace(self.low, self.high, count) if self.log else np.linspace(self.low, self.high, count)
        if self.integer:
            values = np.unique(np.round(values))
            if self.odd:
                values = np.unique(values - (values % 2 == 0))
                values = values[values >= self.low]
        return values


@dataclass(frozen=True)
class Estimate:
    """A method's result on scaled data: the derivative at every sample and, if the method has one, the fit."""

    derivative: np.ndarray
    fit: np.ndarray | None


Apply = Callable[[np.ndarray, np.ndarray, int, Mapping[str, Value]], Estimate]


@dataclass(frozen=True)
class SampleMethod:
    """A way to differentiate samples: its parameters and the function applying it to scaled arrays."""

    name: str
    label: str
    parameters: tuple[Parameter, ...]
    apply: Apply
    minimum: Callable[[int], int]  # fewest samples the method needs for a derivative of this order
    summary: str

    def parameter(self, name: str) -> Parameter:
        for parameter in self.parameters:
            if parameter.name == name:
                return parameter
        known = ", ".join(p.name for p in self.parameters) or "none"
        raise DataError(f"{self.name} has no parameter {name!r} (its parameters: {known})")


# -- the methods ------------------------------------------------------------------------------------------


def _gradient(u: np.ndarray, v: np.ndarray, order: int, p: Mapping[str, Value]) -> Estimate:
    edge = int(p["edge_order"])
    if len(u) <= edge:
        raise DataError(f"gradient with edge_order {edge} needs more than {edge} samples")
    return Estimate(gradient_derivative(u, v, order, edge), None)


def _fornberg(u: np.ndarray, v: np.ndarray, order: int, p: Mapping[str, Value]) -> Estimate:
    points = int(p["points"])
    if points <= order:
        raise DataError(f"a derivative of order {order} needs a stencil of more than {order} points, not {points}")
    if points > len(u):
        raise DataError(f"a stencil of {points} points needs at least {points} samples; there are {len(u)}")
    return Estimate(fornberg_derivative(u, v, order, points), None)


def _savgol(u: np.ndarray, v: np.ndarray, order: int, p: Mapping[str, Value]) -> Estimate:
    window, degree = int(p["window"]), int(p["degree"])
    if degree < order:
        raise DataError(f"a degree-{degree} polynomial has no derivative of order {order}; use degree >= {order}")
    if window <= degree:
        raise DataError(f"a window of {window} points cannot fit a polynomial of degree {degree}")
    if window > len(u):
        raise DataError(f"a window of {window} points needs at least {window} samples; there are {len(u)}")
    found = savgol_derivatives(u, v, window, degree, (order, 0))
    return Estimate(found[order], found[0])


def _smoothed(u: np.ndarray, v: np.ndarray, order: int, m: int, lam: float, name: str) -> Estimate:
    try:
        fit, derivatives = statespace.smooth(u, v, m, lam, orders=(order,))
    except LinAlgError as exc:
        if "did not converge" in str(exc):
            raise DataError(f"{name}: the solve did not converge at this much smoothing ({exc}); "
                            "use less smoothing or fewer states") from None
        raise DataError(f"{name}: the smoothing is too weak for this spacing (the system is singular); "
                        "use more smoothing") from None
    return Estimate(derivatives[order], fit.fit)


def _spline(u: np.ndarray, v: np.ndarray, order: int, p: Mapping[str, Value]) -> Estimate:
    return _smoothed(u, v, order, 2, float(p["lam"]), "spline")


def _kalman(u: np.ndarray, v: np.ndarray, order: int, p: Mapping[str, Value]) -> Estimate:
    return _smoothed(u, v, order, int(p["model"]), kalman_lam(p), "kalman")


def _tv(u: np.ndarray, v: np.ndarray, order: int, p: Mapping[str, Value]) -> Estimate:
    degree = int(p["degree"])
    if degree < order and degree < 1:
        raise DataError("degree must be at least 1")
    fit, derivatives = trend_filter(u, v, float(p["alpha"]), degree, (order,))
    return Estimate(derivatives[order], fit)


def kalman_lam(p: Mapping[str, Value]) -> float:
    """lam = r / q of the Kalman model from its parameters (sigma on scaled y)."""
    return float(p["sigma"]) ** 2 / float(p["q"])


GRADIENT = SampleMethod(
    "gradient", "np.gradient",
    (Parameter("edge_order", "edge order", 1, 2, default=1, integer=True,
               help="accuracy order of the one-sided differences at the two ends (numpy's edge_order)"),),
    _gradient, lambda order: 2 + (order - 1),
    "np.gradient on the samples' own t (applied twice for order 2): second order inside, no smoothing",
)
FORNBERG = SampleMethod(
    "fornberg", "Fornberg stencils",
    (Parameter("points", "stencil points", 2, MAX_STENCIL_POINTS, integer=True,
               help="samples in each stencil (centred, one-sided at the ends); "
                    "exact for polynomials of lower degree"),),
    _fornberg, lambda order: order + 1,
    "finite differences with weights for each neighbourhood's own spacing (Fornberg 1988): no smoothing",
)
SAVGOL = SampleMethod(
    "savgol", "Savitzky-Golay",
    (Parameter("window", "window (samples)", 3, MAX_SAVGOL_WINDOW, integer=True, odd=True, log=True,
               help="samples in each local fit"),
     Parameter("degree", "degree", 1, MAX_SAVGOL_DEGREE, integer=True, help="degree of the local polynomial")),
    _savgol, lambda order: order + 2,
    "a least-squares polynomial in t over each sample's window, differentiated at the sample",
)
SPLINE = SampleMethod(
    "spline", "smoothing spline",
    (Parameter("lam", "lam", 1e-30, 1e3, log=True,
               help="weight of the integral of g''^2 on t scaled to [0, 1] (scipy's lam on your t is lam * span^3)"),),
    _spline, lambda order: 3,
    "the cubic smoothing spline (as scipy.interpolate.make_smoothing_spline), differentiated",
)
TV = SampleMethod(
    "tv", "total variation",
    (Parameter("alpha", "alpha", 1e-16, 1e2, log=True,
               help="weight of the total variation of g's degree-th derivative "
                    "(t scaled to [0, 1], y to unit deviation)"),
     Parameter("degree", "degree", 1, 3, integer=True,
               help="g is piecewise polynomial of this degree (1: total variation of the derivative itself)")),
    _tv, lambda order: order + 4,
    "trend filtering: a fit whose degree-th derivative has small total variation (l1), differentiated",
)
KALMAN = SampleMethod(
    "kalman", "Kalman (RTS)",
    (Parameter("q", "process noise q", 1e-30, 1e80, log=True,
               help="spectral density of the white noise on the model's highest derivative "
                    "(t scaled to [0, 1], y to unit deviation)"),
     Parameter("sigma", "measurement noise", 1e-300, math.inf, log=True, y_units=True,
               help="standard deviation of the noise on y, in y's units"),
     Parameter("model", "model", 2, 5, default=3, integer=True,
               help="states: 2 constant velocity, 3 constant acceleration, 4 constant jerk, 5 constant snap")),
    _kalman, lambda order: 5,
    "Rauch-Tung-Striebel smoother of a constant-acceleration model (or velocity, or jerk): the posterior "
    "mean of position, velocity and acceleration",
)

METHODS: dict[str, SampleMethod] = {m.name: m for m in (GRADIENT, FORNBERG, SAVGOL, SPLINE, TV, KALMAN)}
METHOD_NAMES = tuple(METHODS)


def method_named(name: str) -> SampleMethod:
    try:
        return METHODS[name]
    except KeyError:
        raise DataError(f"unknown method {name!r}; choose auto, {', '.join(METHOD_NAMES)}") from None
