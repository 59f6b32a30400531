"""What a derivative computation is asked to do: methods and the frozen request that crosses threads."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from enum import StrEnum

from .inputs import Choices, Flag, NamedValues, OptionalReal, Real, Text, Whole, declare, field_problems
from .limits import (
    MAX_ACCURACY,
    MAX_LENGTH,
    MAX_NAME_LENGTH,
    MAX_NOISE,
    MAX_ORDER,
    MAX_PARAMETERS,
    MAX_POINTS,
    MAX_STEP,
    MAX_TAYLOR_DEGREE,
    MIN_POINTS,
    MIN_STEP,
    RANGE_LIMIT,
)

EPS = sys.float_info.epsilon


class Method(StrEnum):
    """A way of computing the derivative."""

    SYMBOLIC = "symbolic"
    FORWARD = "forward"
    BACKWARD = "backward"
    CENTRAL = "central"
    RICHARDSON = "richardson"
    COMPLEX = "complex"
    AUTODIFF = "autodiff"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def uses_step(self) -> bool:
        """True for the methods whose result depends on the step size h."""
        return self not in (Method.SYMBOLIC, Method.AUTODIFF)


_LABELS = {
    Method.SYMBOLIC: "Symbolic (exact)",
    Method.FORWARD: "Forward difference",
    Method.BACKWARD: "Backward difference",
    Method.CENTRAL: "Central difference",
    Method.RICHARDSON: "Richardson extrapolation",
    Method.COMPLEX: "Complex step",
    Method.AUTODIFF: "Automatic (autograd)",
}

STEP_METHODS = tuple(m for m in Method if m.uses_step)


@dataclass(frozen=True)
class DerivativeRequest:
    """Everything one computation needs; immutable so it can cross the thread boundary safely.

    Each user input is a field declared with its Input (default, bounds, stored form): settings, the
    window's bindings and the command line all take it from here.
    """

    expression: str = declare(Text("function", "sin(x)", max_length=MAX_LENGTH))
    variable: str = "x"
    order: int = declare(Whole("derivative order", 1, low=1, high=MAX_ORDER))
    x_min: float = declare(Real("x from", -6.0, low=-RANGE_LIMIT, high=RANGE_LIMIT))
    x_max: float = declare(Real("x to", 6.0, low=-RANGE_LIMIT, high=RANGE_LIMIT))
    points: int = declare(Whole("points", 2000, low=MIN_POINTS, high=MAX_POINTS))
    step: float = declare(Real("step h", 1e-5, low=MIN_STEP, high=MAX_STEP, positive=True))
    accuracy: int = declare(Whole("accuracy order p", 2, low=1, high=MAX_ACCURACY))
    methods: tuple[Method, ...] = declare(Choices("methods", tuple(Method), options=tuple(Method)))
    parameters: tuple[tuple[str, float], ...] = declare(NamedValues(
        "parameters", (), value=Real("parameter value", 1.0, low=-RANGE_LIMIT, high=RANGE_LIMIT),
        max_name_length=MAX_NAME_LENGTH, max_count=MAX_PARAMETERS))
    # Where the error-versus-h sweep is taken; None: a point inside the range.
    probe: float | None = declare(OptionalReal("sweep point", None, low=-RANGE_LIMIT, high=RANGE_LIMIT))
    # Standard deviation of noise on every sample of f, as in measured data.
    noise: float = declare(Real("noise sigma", 0.0, low=0.0, high=MAX_NOISE))
    # What the top panel shows at the sweep point, and the critical points of the range.
    tangents: bool = declare(Flag("tangent and secants", True))
    taylor_degree: int = declare(Whole("Taylor degree", 0, low=0, high=MAX_TAYLOR_DEGREE))
    extrema: bool = declare(Flag("critical points", True))
    # Each step method's own estimate of its error over the grid (View > Estimated error bands): computed
    # only while shown, as it costs about as much as the methods themselves.
    error_bands: bool = declare(Flag("estimated error bands", False))
    request_id: int = field(default=0, compare=False)

    def problems(self) -> list[str]:
        """Why this request cannot be computed, in words; empty when it can."""
        found = field_problems(self)
        if not found and not self.x_min < self.x_max:
            found.append("x range: x from must be less than x to")
        elif not found and ((self.x_max - self.x_min) / (self.points - 1)
                            <= 4 * EPS * max(abs(self.x_min), abs(self.x_max))):
            found.append("x range too narrow for its magnitude: neighbouring points would coincide")
        return found

    @property
    def probe_point(self) -> float:
        """The x of the error-versus-h sweep: the requested probe, or a generic point 30% into the range."""
        if self.probe is not None:
            return float(self.probe)
        # Not the midpoint: symmetric ranges put it at 0, where many derivatives vanish or are special.
        return self.x_min + 0.3 * (self.x_max - self.x_min)

    def summary(self) -> str:
        """One line saying what was computed, for the head of an exported file."""
        parts = [f"f({self.variable}) = {self.expression}", f"derivative order {self.order}",
                 f"{self.variable} from {self.x_min!r} to {self.x_max!r}, {self.points} points",
                 f"h = {self.step!r}", f"accuracy p = {self.accuracy}"]
        parts += [f"{name} = {value!r}" for name, value in self.parameters]
        if self.noise:
            parts.append(f"noise sigma = {self.noise!r}")
        return "; ".join(parts)

    def parameter_values(self, names: tuple[str, ...]) -> tuple[float, ...]:
        """Values for the named parameters, 1.0 for any not given."""
        given = dict(self.parameters)
        return tuple(float(given.get(name, 1.0)) for name in names)
