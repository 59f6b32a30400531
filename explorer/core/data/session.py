"""One data-mode computation for the window: the chosen method first, then the others to compare with,
then, where the truth is known, the error against smoothing; as stages a newer request can cut short.

Moving a control changes the chosen method's derivative only: the other methods at their automatic
settings, and the chosen method's error against smoothing (which varies the moved parameter itself), are
the same as for the last move. A SampleSet keeps them (`Kept`), so that a move costs one derivative. What
is computed anew is computed one derivative at a time, with a checkpoint (None) between them where a newer
request drops the rest: a drag never waits for a comparison it has made stale.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from ..inputs import Flag, NamedValues, OneOf, Real, Whole, declare
from ..limits import MAX_NAME_LENGTH
from .differentiate import differentiate_with
from .errors import DataError
from .evaluation import SWEPT, SmoothingSweep, disagreement, rmse, sweep_steps
from .methods import METHOD_NAMES
from .result import SampleDerivative

SWEEP_VALUES = 15  # parameter values in the error-against-smoothing sweep (each one is a full derivative)
KEPT_BYTES = 128 << 20  # what a SampleSet keeps of automatic results and sweeps for the next move, at most


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


class Kept:
    """What a SampleSet's requests computed that the next one would compute again, by what it was computed
    from: each method's result (or failure) at its automatic settings, and error-against-smoothing sweeps;
    the least recently used go beyond KEPT_BYTES. Each is what the computation gives anew."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: OrderedDict[tuple, tuple[object, int]] = OrderedDict()

    def find(self, key: tuple) -> object | None:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return None
            self._items.move_to_end(key)
            return found[0]

    def keep(self, key: tuple, value: object) -> None:
        size = _held_bytes(value)
        with self._lock:
            self._items[key] = (value, size)
            self._items.move_to_end(key)
            while len(self._items) > 1 and sum(held for _, held in self._items.values()) > KEPT_BYTES:
                self._items.popitem(last=False)


def _held_bytes(value: object) -> int:
    """The memory a kept value holds beyond the samples (a result's t and y are the SampleSet's)."""
    if isinstance(value, SampleDerivative):
        return value.derivative.nbytes + (0 if value.fit is None else value.fit.nbytes)
    if isinstance(value, SmoothingSweep):
        return value.values.nbytes + value.rmse.nbytes
    return len(str(value))


@dataclass(frozen=True, eq=False)
class SampleSet:
    """The samples on screen and, for synthetic data, the exact derivatives (order -> values at t)."""

    t: np.ndarray
    y: np.ndarray
    source: str
    notes: tuple[str, ...] = ()
    exact: dict[int, np.ndarray] = field(default_factory=dict)
    kept: Kept = field(default_factory=Kept, repr=False)  # for the next request on these samples
    t_label: str = "t"  # the panels' t axis: with the unit and origin when the file's t held dates and times

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


def data_stages(samples: SampleSet, request: DataRequest) -> Iterator[DataStage | None]:
    """The stages of request on samples, with None before each derivative computed after the first stage:
    a checkpoint, where a newer request drops the rest (see the module's notes). DataError (one line) when
    the chosen method cannot run."""
    exact = samples.exact.get(request.order)
    if request.parameters:
        chosen = differentiate_with(samples.t, samples.y, request.order, request.method, dict(request.parameters),
                                    samples.notes)
    else:
        chosen = _automatic(samples, request.order, request.method, samples.notes)
    error = None if exact is None else np.abs(chosen.derivative - exact)
    yield ChosenStage(request.request_id, chosen, error)
    if request.compare:
        results: dict[str, SampleDerivative] = {}
        failures: dict[str, str] = {}
        for name in METHOD_NAMES:
            if name == chosen.method:
                results[name] = chosen
                continue
            if samples.kept.find(_automatic_key(request.order, name)) is None:
                yield None
            try:
                results[name] = _automatic(samples, request.order, name)
            except DataError as exc:
                failures[name] = str(exc)
        errors = {} if exact is None else {n: np.abs(r.derivative - exact) for n, r in results.items()}
        rmses = {} if exact is None else {n: rmse(r.derivative, exact) for n, r in results.items()}
        spread = disagreement(list(results.values())) if exact is None and len(results) > 1 else None
        yield CompareStage(request.request_id, results, failures, errors, rmses, spread)
    if exact is not None and chosen.method in SWEPT:
        fixed = {k: v for k, v in chosen.parameters.items() if k != SWEPT[chosen.method]}
        key = ("sweep", request.order, chosen.method, tuple(fixed.items()))
        sweep = samples.kept.find(key)
        if not isinstance(sweep, SmoothingSweep):
            automatic = samples.kept.find(_automatic_key(request.order, chosen.method)) if not fixed else None
            try:
                sweep = yield from sweep_steps(samples.t, samples.y, exact, request.order, chosen.method, SWEEP_VALUES,
                                               automatic if isinstance(automatic, SampleDerivative) else None, **fixed)
            except DataError:
                return
            samples.kept.keep(key, sweep)
        yield SweepStage(request.request_id, sweep)


def _automatic_key(order: int, method: str, notes: tuple[str, ...] = ()) -> tuple:
    """What a method's result at its automatic settings is kept by."""
    return ("automatic", order, method, notes)


def _automatic(samples: SampleSet, order: int, method: str, notes: tuple[str, ...] = ()) -> SampleDerivative:
    """The method's result at its automatic settings (DataError if it cannot run), kept with the samples."""
    key = _automatic_key(order, method, notes)
    found = samples.kept.find(key)
    if found is None:
        try:
            found = differentiate_with(samples.t, samples.y, order, method, {}, notes)
        except DataError as exc:
            found = str(exc)
        samples.kept.keep(key, found)
    if isinstance(found, str):
        raise DataError(found)
    assert isinstance(found, SampleDerivative)
    return found
