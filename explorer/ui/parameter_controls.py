"""Values for the expression's parameters (every name other than x): one box per name, default 1."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QDoubleSpinBox, QFormLayout, QGroupBox, QLabel, QWidget

from .domain_controls import number_box

DEFAULT_VALUE = 1.0
NEW_STYLE = "QAbstractSpinBox { background: #FFF3B0; }"  # a new parameter's box, for a moment
HIGHLIGHT_MS = 4000


class ParameterControls(QGroupBox):
    """Shows a box for each parameter of the current expression; values are kept by name across edits."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Parameters", parent)
        self._form = QFormLayout(self)
        self._boxes: dict[str, QDoubleSpinBox] = {}
        self._remembered: dict[str, float] = {}  # values of names no longer in the expression
        self.new_names: tuple[str, ...] = ()  # the names whose boxes the last change added
        self._calm = QTimer(self, singleShot=True, interval=HIGHLIGHT_MS)
        self._calm.timeout.connect(self._calm_boxes)
        self.setToolTip("names other than x in the expression are parameters")
        self.hide()

    def _calm_boxes(self) -> None:
        """Take the highlight off the boxes of new names."""
        for box in self._boxes.values():
            box.setStyleSheet("")

    def set_names(self, names: tuple[str, ...]) -> None:
        """Show a box for each name (in order); a name seen before gets its old value back."""
        if tuple(self._boxes) == names:
            return
        for name, box in self._boxes.items():
            self._remembered[name] = box.value()
        while self._form.rowCount():
            self._form.removeRow(0)
        shown_before = set(self._boxes)
        self._boxes = {}
        for name in names:
            box = number_box(self._remembered.get(name, DEFAULT_VALUE))
            box.setSingleStep(0.1)
            box.valueChanged.connect(self.changed)
            self._form.addRow(QLabel(name), box)
            self._boxes[name] = box
        self.setVisible(bool(names))
        new = [name for name in names if name not in shown_before]
        self._announce(new)

    def _announce(self, new: list[str]) -> None:
        """A name that just became a parameter is shown where the user looks: its box highlighted for a
        moment, with why it is there in its tooltip (a typo such as `sinx` becomes a parameter too)."""
        self.new_names = tuple(new)
        for name in new:
            box = self._boxes[name]
            box.setStyleSheet(NEW_STYLE)
            box.setToolTip(f"{name} is a parameter (a name other than x), {box.value():g} until you change it")
            box.valueChanged.connect(lambda _=0.0, b=box: b.setStyleSheet(""))
        if new:
            self._calm.start()

    def box(self, name: str) -> QDoubleSpinBox:
        """The box holding the value of parameter `name` (KeyError if it is not shown)."""
        return self._boxes[name]

    def values(self) -> tuple[tuple[str, float], ...]:
        """(name, value) for every parameter shown."""
        return tuple((name, box.value()) for name, box in self._boxes.items())

    def set_values(self, values: tuple[tuple[str, float], ...]) -> None:
        """Remember values by name (a restored session); boxes shown now take them at once."""
        self._remembered.update(dict(values))
        for name, value in values:
            if name in self._boxes:
                self._boxes[name].blockSignals(True)
                self._boxes[name].setValue(value)
                self._boxes[name].blockSignals(False)
