"""Where and what to differentiate: the x range, the number of points and the derivative order."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDoubleSpinBox, QFormLayout, QGroupBox, QHBoxLayout, QSpinBox, QWidget

from ..core.symbolic import MAX_ORDER

MAX_UI_POINTS = 200_000
RANGE_LIMIT = 1e6


def number_box(value: float) -> QDoubleSpinBox:
    """A box for a real number within ±RANGE_LIMIT that reports its value when typing is done."""
    box = QDoubleSpinBox()
    box.setRange(-RANGE_LIMIT, RANGE_LIMIT)
    box.setDecimals(4)
    box.setValue(value)
    box.setKeyboardTracking(False)  # recompute when typing is done, not at every digit
    return box


class DomainControls(QGroupBox):
    """x_min, x_max, points and derivative order; `changed` fires on any edit."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Domain", parent)
        self.x_min = number_box(-5.0)
        self.x_max = number_box(5.0)
        self.points = QSpinBox()
        self.points.setRange(2, MAX_UI_POINTS)
        self.points.setValue(2000)
        self.points.setSingleStep(500)
        self.points.setKeyboardTracking(False)
        self.order = QSpinBox()
        self.order.setRange(1, MAX_ORDER)
        self.order.setToolTip(f"which derivative: 1 is f', 2 is f'', up to {MAX_ORDER}")
        span = QHBoxLayout()
        span.addWidget(self.x_min)
        span.addWidget(self.x_max)
        form = QFormLayout(self)
        form.addRow("x from / to", span)
        form.addRow("Points", self.points)
        form.addRow("Derivative order", self.order)
        for box in (self.x_min, self.x_max, self.points, self.order):
            box.valueChanged.connect(self.changed)

    def set_range(self, x_min: float, x_max: float) -> None:
        """Set both ends at once, emitting `changed` once."""
        self.blockSignals(True)
        self.x_min.setValue(x_min)
        self.x_max.setValue(x_max)
        self.blockSignals(False)
        self.changed.emit()

    def problem(self) -> str:
        """Why the domain cannot be used, or ""."""
        return "" if self.x_min.value() < self.x_max.value() else "x from must be less than x to"
