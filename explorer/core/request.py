"""What a derivative computation is asked to do: methods and the frozen request that crosses threads."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum

from .limits import MAX_ACCURACY, MAX_ORDER, MAX_POINTS, MIN_POINTS


class Method(str, Enum):
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
    """Everything one computation needs; immutable so it can cross the thread boundary safely."""

    expression: str
    variable: str = "x"
    order: int = 1
    x_min: float = -5.0
    x_max: float = 5.0
    points: int = 2000
    step: float = 1e-5
    accuracy: int = 2
    methods: tuple[Method, ...] = tuple(Method)
    parameters: tuple[tuple[str, float], ...] = ()
    probe: float | None = None  # where the error-versus-h sweep is taken; None: a point inside the range
    noise: float = 0.0  # standard deviation of noise on every sample of f, as in measured data
    request_id: int = field(default=0, compare=False)

    def problems(self) -> list[str]:
        """Why this request cannot be computed, in words; empty when it can."""
        found = []
        if not 1 <= self.order <= MAX_ORDER:
            found.append(f"derivative order must be 1..{MAX_ORDER}")
        if not (math.isfinite(self.x_min) and math.isfinite(self.x_max) and self.x_min < self.x_max):
            found.append("x range must be finite with min < max")
        if not MIN_POINTS <= self.points <= MAX_POINTS:
            found.append(f"points must be {MIN_POINTS}..{MAX_POINTS}")
        if not (math.isfinite(self.step) and self.step > 0):
            found.append("step h must be a positive number")
        if not 1 <= self.accuracy <= MAX_ACCURACY:
            found.append(f"accuracy order must be 1..{MAX_ACCURACY}")
        if self.probe is not None and not math.isfinite(self.probe):
            found.append("probe point must be finite")
        if not (math.isfinite(self.noise) and self.noise >= 0):
            found.append("noise must be a finite number >= 0")
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
