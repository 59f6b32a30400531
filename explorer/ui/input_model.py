"""The window's inputs as one model, and the two-way bindings that tie each widget to one of its fields.

The state is a DerivativeRequest, so every input the model holds is declared once (core/request.py)
with its default and bounds. A widget edit updates the model; a model update (a preset, a restored
session) writes every bound widget; the window listens to the model only, never to the widgets.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import fields, replace
from typing import Any

from PySide6.QtCore import QObject, Signal, SignalInstance

from ..core.inputs import Real, Whole, declared_inputs, input_of
from ..core.request import DerivativeRequest


@contextlib.contextmanager
def signals_blocked(obj: QObject) -> Iterator[None]:
    """obj's signals held back for the block, and restored to what they were even if it raises."""
    previous = obj.blockSignals(True)
    try:
        yield
    finally:
        obj.blockSignals(previous)


class InputModel(QObject):
    """The current inputs; `changed` carries the names of the fields an update changed."""

    changed = Signal(frozenset)

    def __init__(self, state: DerivativeRequest | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self._state = state if state is not None else DerivativeRequest()
        self._names = {f.name for f in fields(DerivativeRequest)}

    @property
    def state(self) -> DerivativeRequest:
        return self._state

    def value(self, name: str) -> Any:
        return getattr(self._state, name)

    def update(self, **values: Any) -> None:
        """Set any number of fields at once; `changed` is emitted once, naming those that differ."""
        unknown = set(values) - self._names
        if unknown:
            raise KeyError(f"no input named {', '.join(sorted(unknown))}")
        specs = dict(declared_inputs(DerivativeRequest))
        for name, value in values.items():
            problem = specs[name].problem(value) if name in specs else None
            if problem is not None:
                raise ValueError(problem)
        changed = frozenset(name for name, value in values.items() if getattr(self._state, name) != value)
        if changed:
            self._state = replace(self._state, **values)
            self.changed.emit(changed)


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
    spec = input_of(DerivativeRequest, name)
    if isinstance(spec, (Real, Whole)):
        box.setRange(spec.low, spec.high)
    bind(model, name, box.valueChanged, box.value, box.setValue)
