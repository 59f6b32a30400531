"""The window's inputs as one model, and the two-way bindings that tie each widget to one of its fields.

The state is a DerivativeRequest, so every input the model holds is declared once (core/request.py)
with its default and bounds. A widget edit updates the model; a model update (a preset, a restored
session) writes every bound widget; the window listens to the model only, never to the widgets.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import fields, replace
from typing import Any

from PySide6.QtCore import QObject, Signal, SignalInstance

from ..core.inputs import BoundedReal, Whole, declared_inputs, input_of
from ..core.request import DerivativeRequest

COALESCE_SECONDS = 1.0  # changes to the same inputs closer than this are one undo step
MAX_UNDO = 200


@contextlib.contextmanager
def signals_blocked(obj: QObject) -> Iterator[None]:
    """obj's signals held back for the block, and restored to what they were even if it raises."""
    previous = obj.blockSignals(True)
    try:
        yield
    finally:
        obj.blockSignals(previous)


class InputModel(QObject):
    """The current inputs; `changed` carries the names of the fields an update changed.

    Every update is a step that undo() takes back; a burst of changes to the same fields (typing, a slider
    drag) is one step.
    """

    changed = Signal(frozenset)
    historyChanged = Signal()  # what undo or redo can do has changed

    def __init__(self, state: Any = None, parent: QObject | None = None):
        super().__init__(parent)
        # Any frozen dataclass whose inputs are declared (core/inputs.py); the formula mode's request by default.
        self._state = state if state is not None else DerivativeRequest()
        self._type = type(self._state)
        self._names = {f.name for f in fields(self._type)}
        self._past: list[Any] = []
        self._future: list[Any] = []
        self._last_step: tuple[frozenset, float] = (frozenset(), -math.inf)  # names and time of the last step

    @property
    def state(self) -> Any:
        return self._state

    def value(self, name: str) -> Any:
        return getattr(self._state, name)

    def update(self, **values: Any) -> None:
        """Set any number of fields at once; `changed` is emitted once, naming those that differ."""
        unknown = set(values) - self._names
        if unknown:
            raise KeyError(f"no input named {', '.join(sorted(unknown))}")
        specs = dict(declared_inputs(self._type))
        for name, value in values.items():
            problem = specs[name].problem(value) if name in specs else None
            if problem is not None:
                raise ValueError(problem)
        changed = frozenset(name for name, value in values.items() if getattr(self._state, name) != value)
        if changed:
            now = time.monotonic()
            names, when = self._last_step
            if not (changed == names and now - when < COALESCE_SECONDS):
                self._past = [*self._past[-(MAX_UNDO - 1):], self._state]
            self._last_step = (changed, now)
            self._future.clear()
            self._state = replace(self._state, **values)
            self.changed.emit(changed)
            self.historyChanged.emit()

    def forget_history(self) -> None:
        """Start the undo history here (after restoring a session: undo must not go back to the defaults)."""
        self._past.clear()
        self._future.clear()
        self._last_step = (frozenset(), -math.inf)
        self.historyChanged.emit()

    def can_undo(self) -> bool:
        return bool(self._past)

    def can_redo(self) -> bool:
        return bool(self._future)

    def undo(self) -> None:
        """Back to the inputs before the last step."""
        if self._past:
            self._future.append(self._state)
            self._move_to(self._past.pop())

    def redo(self) -> None:
        """Forward again to the inputs an undo took back."""
        if self._future:
            self._past.append(self._state)
            self._move_to(self._future.pop())

    def _move_to(self, state: Any) -> None:
        changed = frozenset(f.name for f in fields(self._type)
                            if getattr(state, f.name) != getattr(self._state, f.name))
        self._state = state
        self._last_step = (frozenset(), -math.inf)  # the next edit is a step of its own
        if changed:
            self.changed.emit(changed)
        self.historyChanged.emit()


def bind(model: InputModel, name: str, edited: SignalInstance, read: Callable[[], Any],
         write: Callable[[Any], None]) -> None:
    """Tie one widget to model field `name`: `edited` (the widget's signal) stores read() in the model;
    a model change of the field calls write(value). The widget takes the model's value at once.

    A guard rather than blocked signals: writing must keep the widget's own reactions (the editor
    still validates a restored expression), only the echo back into the model is skipped.
    """
    writing = False

    def store(*_: object) -> None:
        if not writing:
            model.update(**{name: read()})

    def show(changed: frozenset) -> None:
        nonlocal writing
        if name not in changed:
            return
        writing = True
        try:
            write(model.value(name))
        finally:
            writing = False

    edited.connect(store)
    model.changed.connect(show)
    show(frozenset({name}))


def bind_box(model: InputModel, name: str, box: Any) -> None:
    """bind() for a spin box, which also takes its range from the field's declaration."""
    spec = input_of(type(model.state), name)
    if isinstance(spec, (BoundedReal, Whole)):
        box.setRange(spec.low, spec.high)
    bind(model, name, box.valueChanged, box.value, box.setValue)
