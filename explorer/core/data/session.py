"""One data-mode computation for the window: the chosen method first, then the others to compare with,
then, where the truth is known, the error against smoothing; as stages a newer request can cut short."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from ..inputs import Flag, NamedValues, OneOf, Real, Whole, declare
from ..limits import MAX_NAME_LENGTH
from .differentiate import differentiate_with
from .errors import DataError
from .evaluation import SWEPT, SmoothingSweep, disagreement, rmse, smoothing_sweep
from .methods import METHOD_NAMES
from .result import SampleDerivative

SWEEP_VALUES = 15  # parameter values in the error-against-smoothing sweep (each one is a full derivative)


@dataclass(frozen=True)
class DataRequest:
    """What to compute from the samples on screen; each input declared once (stored with the session)."""

    order: int = declare(Whole("derivative order (data)", 1, low=1, high=2))
    method: str = declare(OneOf("method (data)", "auto", options=("auto", *METHOD_NAMES)))
    # The user's values for the chosen method's parameters; the others are chosen from the data.
    parameters: tuple[tuple[str, float], ...] = declare(NamedValues(
        "method parameters", (), value=Real("parameter value", 1.0), max_name_length=MAX_NAME_LENGTH,
        max_count=8))
    compare: bool = declare(Flag("compare methods", True))
    request_id: int = field(default=0, compare=False)


@dataclass(frozen=True, eq=False)
class SampleSet:
    """The samples on screen and, for synthetic data, the exact derivatives (order -> values at t)."""

    t: np.ndarray
    y: np.ndarray
    source: str
    notes: tuple[str, ...] = ()
    exact: dict[int, np.ndarray] = field(default_factory=dict)

    @property
    def truth(self) -> bool:
        return bool(self.exact)


@dataclass(frozen=True, eq=False)
class ChosenStage:
    """Stage 1: the chosen method's derivative (and fit), and its error where the truth is known."""

    request_id: int
    result: SampleDerivative
    error: np.ndarray | None


@dataclass(frozen=True, eq=False)
class CompareStage:
    """Stage 2: every method at its automatic settings, their errors or, without truth, their spread."""

    request_id: int
    results: dict[str, SampleDerivative]
    failures: dict[str, str]
    errors: dict[str, np.ndarray]  # |derivative - exact| per method, where the truth is known
    rmse: dict[str, float]
    spread: np.ndarray | None  # max - min of the methods' derivatives at each sample, without truth


@dataclass(frozen=True, eq=False)
class SweepStage:
    """Stage 3 (truth known): the chosen method's RMSE over its smoothing parameter, its choice marked."""

    request_id: int
    sweep: SmoothingSweep


DataStage = ChosenStage | CompareStage | SweepStage


def data_stages(samples: SampleSet, request: DataRequest) -> Iterator[DataStage]:
    """The stages of request on samples; DataError (one line) when the chosen method cannot run."""
    exact = samples.exact.get(request.order)
    given = dict(request.parameters)
    chosen = differentiate_with(samples.t, samples.y, request.order, request.method, given, samples.notes)
    error = None if exact is None else np.abs(chosen.derivative - exact)
    yield ChosenStage(request.request_id, chosen, error)
    if request.compare:
        results: dict[str, SampleDerivative] = {}
        failures: dict[str, str] = {}
        for name in METHOD_NAMES:
            if name == chosen.method:
                results[name] = chosen
                continue
            try:
                results[name] = differentiate_with(samples.t, samples.y, request.order, name, {})
            except DataError as exc:
                failures[name] = str(exc)
        errors = {} if exact is None else {n: np.abs(r.derivative - exact) for n, r in results.items()}
        rmses = {} if exact is None else {n: rmse(r.derivative, exact) for n, r in results.items()}
        spread = disagreement(list(results.values())) if exact is None and len(results) > 1 else None
        yield CompareStage(request.request_id, results, failures, errors, rmses, spread)
    if exact is not None and chosen.method in SWEPT:
        fixed = {k: v for k, v in chosen.parameters.items() if k != SWEPT[chosen.method]}
        try:
            sweep = smoothing_sweep(samples.t, samples.y, exact, request.order, chosen.method, SWEEP_VALUES, **fixed)
        except DataError:
            return
        yield SweepStage(request.request_id, sweep)
