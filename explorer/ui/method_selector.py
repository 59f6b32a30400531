"""The method checklist, the finite-difference accuracy order and the noise on the samples of f."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QAbstractSpinBox, QCheckBox, QFormLayout, QGroupBox, QSpinBox, QVBoxLayout, QWidget

from ..core.limits import MAX_ACCURACY
from ..core.request import Method
from .domain_controls import number_box
from .method_styles import METHOD_COLORS


def color_swatch(color: str, size: int = 12) -> QIcon:
    """A small filled square of color, to tie a checkbox to its curves."""
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(color))
    return QIcon(pixmap)


class MethodSelector(QGroupBox):
    """One checkbox per method, coloured like its curves, and the accuracy order p."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Methods", parent)
        layout = QVBoxLayout(self)
        self.boxes: dict[Method, QCheckBox] = {}
        for method in Method:
            box = QCheckBox(method.label)
            box.setIcon(color_swatch(METHOD_COLORS[method]))
            box.setChecked(True)
            box.toggled.connect(self.changed)
            layout.addWidget(box)
            self.boxes[method] = box
        self.accuracy = QSpinBox()
        self.accuracy.setRange(1, MAX_ACCURACY)
        self.accuracy.setValue(2)
        self.accuracy.setToolTip("accuracy order p of the finite differences: truncation error ~ h^p")
        self.accuracy.valueChanged.connect(self.changed)
        self.noise = number_box(0.0)
        self.noise.setMinimum(0.0)
        self.noise.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.NoButtons)  # typed: 1e-6, not stepped
        self.noise.setToolTip("standard deviation of noise added to every sample of f, as in measured data;\n"
                              "only the finite differences work from samples")
        self.noise.valueChanged.connect(self.changed)
        form = QFormLayout()
        form.addRow("Accuracy order p", self.accuracy)
        form.addRow("Noise σ on f", self.noise)
        layout.addLayout(form)

    def show_unavailable(self, reasons: dict[Method, str]) -> None:
        """Grey out each method that cannot give a result now, with the reason in its tooltip; the user's
        choice (checked or not) is kept for when it can again."""
        for method, box in self.boxes.items():
            reason = reasons.get(method)
            box.setEnabled(reason is None)
            # Said beside it too: a greyed box alone reads as switched off, and a tooltip is found by few.
            text = method.label if reason is None else f"{method.label} (not available)"
            if box.text() != text:  # called for every new set of curves: a slider move changes none of it
                box.setText(text)
            box.setToolTip(f"not available: {reason}" if reason else "")

    def methods(self) -> tuple[Method, ...]:
        """The checked methods, in the enum's order."""
        return tuple(m for m, box in self.boxes.items() if box.isChecked())

    def set_methods(self, methods: tuple[Method, ...]) -> None:
        for method, box in self.boxes.items():
            box.setChecked(method in methods)
