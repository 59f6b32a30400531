"""How good a derivative of samples is: against the truth when it is known, and by its own evidence when not.

- `smoothing_sweep`: RMSE of one method's derivative against the exact one over a grid of its smoothing
  parameter, the automatic choice marked: the data-mode counterpart of the error-against-h V curve
  (`sweep_steps`: the same, one derivative at a time, for a caller that may stop between them).
- `residuals` (y minus the method's fit) and `disagreement` (the spread of several methods' derivatives at
  each sample): what is left to judge by when there is no truth.
"""

from __future__ import annotations

import math
from collections.abc import Generator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .differentiate import differentiate_with
from .errors import DataError
from .methods import METHODS, Value
from .result import SampleDerivative

# The parameter each method's sweep varies (the others stay at their automatic values).
SWEPT = {"gradient": "edge_order", "fornberg": "points", "savgol": "window", "spline": "lam", "tv": "alpha",
         "kalman": "q"}
DECADES = 5.0  # log parameters are swept this many decades either side of the automatic value


def rmse(estimate: np.ndarray, exact: np.ndarray) -> float:
    """Root mean square of estimate - exact over the samples where both are finite (NaN if none)."""
    both = np.isfinite(estimate) & np.isfinite(exact)
    if not both.any():
        return math.nan
    return float(np.sqrt(np.mean((estimate[both] - exact[both]) ** 2)))


@dataclass(frozen=True, eq=False)
class SmoothingSweep:
    """RMSE against the truth of one method over values of one parameter; the automatic value marked."""

    method: str
    parameter: str
    values: np.ndarray
    rmse: np.ndarray  # NaN where the method could not be applied with that value
    automatic_value: Value
    automatic_rmse: float
    fixed: Mapping[str, Value]  # the other parameters, as chosen automatically (or given)

    @property
    def best(self) -> tuple[Value, float]:
        """(value, rmse) of the least error on the grid (the automatic value included)."""
        candidates = [(float(v), float(e)) for v, e in zip(self.values, self.rmse, strict=True) if math.isfinite(e)]
        candidates.append((float(self.automatic_value), self.automatic_rmse))
        return min(candidates, key=lambda pair: pair[1] if math.isfinite(pair[1]) else math.inf)


def sweep_values(method: str, automatic: Value, n: int, count: int) -> np.ndarray:
    parameter = METHODS[method].parameter(SWEPT[method])
    if parameter.log and not parameter.integer:
        centre = math.log10(float(automatic))
        low = max(math.log10(parameter.low), centre - DECADES)
        high = min(math.log10(parameter.high), centre + DECADES)
        return np.logspace(low, high, count)
    high = min(parameter.high, n if n % 2 or not parameter.odd else n - 1)
    if parameter.log:
        values = np.unique(np.round(np.geomspace(parameter.low, max(high, parameter.low), count)))
    else:
        values = np.arange(parameter.low, high + 1)
    if parameter.odd:
        values = np.unique(values - (values % 2 == 0))
        values = values[values >= parameter.low]
    return values


def smoothing_sweep(t: np.ndarray, y: np.ndarray, exact: np.ndarray, order: int, method: str, count: int = 25,
                    **given: Value) -> SmoothingSweep:
    """Error against smoothing: method's derivative RMSE against exact over a grid of its main parameter."""
    steps = sweep_steps(t, y, exact, order, method, count, None, **given)
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value


def sweep_steps(t: np.ndarray, y: np.ndarray, exact: np.ndarray, order: int, method: str, count: int,
                automatic: SampleDerivative | None, **given: Value) -> Generator[None, None, SmoothingSweep]:
    """smoothing_sweep one derivative at a time: None before each (where a caller may stop), the sweep as
    the generator's value. automatic: the method's result with `given` and the rest chosen from the data,
    if the caller has it already."""
    if method not in SWEPT:
        raise DataError(f"unknown method {method!r}")
    if automatic is None:
        yield
        automatic = differentiate_with(t, y, order, method, given)
    name = SWEPT[method]
    fixed = {k: v for k, v in automatic.parameters.items() if k != name}
    values = sweep_values(method, automatic.parameters[name], len(t), count)
    errors = np.full(len(values), np.nan)
    for k, value in enumerate(values):
        yield
        chosen = int(value) if METHODS[method].parameter(name).integer else float(value)
        try:
            result = differentiate_with(t, y, order, method, {**fixed, name: chosen})
        except DataError:
            continue
        errors[k] = rmse(result.derivative, exact)
    return SmoothingSweep(method, name, values, errors, automatic.parameters[name],
                          rmse(automatic.derivative, exact), fixed)


def residuals(result: SampleDerivative) -> np.ndarray | None:
    """y minus the method's fit (None for methods without a fit)."""
    return result.residuals


def disagreement(results: Sequence[SampleDerivative]) -> np.ndarray:
    """At each sample, the spread (max - min) of the derivatives of several results on the same samples."""
    if not results:
        raise DataError("disagreement needs at least one result")
    stacked = np.vstack([r.derivative for r in results])
    # NaN where no method has a value (nanmax would warn about such a sample, on stderr of the CLI too)
    known = ~np.isnan(stacked)
    with np.errstate(invalid="ignore", over="ignore"):
        highest = np.where(known, stacked, -np.inf).max(axis=0)
        lowest = np.where(known, stacked, np.inf).min(axis=0)
        return np.where(known.any(axis=0), highest - lowest, np.nan)
