"""The logarithmic step-size slider with an editable readout."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QSlider, QWidget

from ..core.limits import MAX_STEP, MIN_STEP

TICKS_PER_DECADE = 100


def step_to_position(step: float) -> int:
    """Slider position of step (log10 scaled)."""
    return round(math.log10(min(max(step, MIN_STEP), MAX_STEP)) * TICKS_PER_DECADE)


def position_to_step(position: int) -> float:
    """Step size at a slider position."""
    return 10.0 ** (position / TICKS_PER_DECADE)


class StepSlider(QWidget):
    """The base step h from 1e-16 to 1e-1 on a log scale; typing a number in the readout moves the slider.

    h is relative to the scale of x: at x each method steps h * max(|x|, s0) (s0 = 1 on ranges reaching
    |x| >= 1; on smaller ones the range's magnitude, or f's own scale where that is much larger: exp(x) on
    [1e-9, 2e-9]), so one h suits x = 1e8 and x = 1e-6 alike, and the
    sweep's h* (in the same units) can be taken over as it is."""

    stepChanged = Signal(float)

    def __init__(self, step: float = 1e-5, parent: QWidget | None = None):
        super().__init__(parent)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(step_to_position(MIN_STEP), step_to_position(MAX_STEP))
        self.slider.setPageStep(TICKS_PER_DECADE)
        self.slider.setSingleStep(TICKS_PER_DECADE // 10)
        self.slider.setToolTip("step size h (logarithmic): a base step, at x each method steps h·max(|x|, s₀), "
                               "s₀ = 1 unless the range lies within |x| < 1 (then its size, or f's own scale "
                               "where that is much larger)")
        self.readout = QLineEdit()
        self.readout.setFixedWidth(self.readout.fontMetrics().horizontalAdvance("0.000e-16") + 16)
        self.readout.setToolTip(f"type a base step between {MIN_STEP:g} and {MAX_STEP:g} (at x: h·max(|x|, s₀))")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("h"))
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.readout)
        self._step = step
        self.set_step(step)
        self.slider.valueChanged.connect(self._slider_moved)
        self.readout.editingFinished.connect(self._readout_edited)

    def step(self) -> float:
        return self._step

    def set_step(self, step: float) -> None:
        """Show step on the slider and readout; emits stepChanged when it differs from the current one."""
        step = min(max(float(step), MIN_STEP), MAX_STEP)
        self.slider.blockSignals(True)
        self.slider.setValue(step_to_position(step))
        self.slider.blockSignals(False)
        self.readout.setText(f"{step:.3g}")
        if step != self._step:
            self._step = step
            self.stepChanged.emit(step)

    def _slider_moved(self, position: int) -> None:
        self.set_step(position_to_step(position))

    def _readout_edited(self) -> None:
        try:
            step = float(self.readout.text())
        except ValueError:
            step = self._step
        if not math.isfinite(step) or step <= 0:
            step = self._step
        self.set_step(step)
