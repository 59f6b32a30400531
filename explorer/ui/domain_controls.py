"""Where and what to differentiate: the x range, the number of points and the derivative order."""

from __future__ import annotations

import math
import re

from PySide6.QtCore import QSize
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QDoubleSpinBox, QFormLayout, QGroupBox, QSpinBox, QWidget

from ..core.display import RANGE_RESOLUTION, resolved
from ..core.limits import MAX_ORDER, MAX_POINTS, MIN_POINTS, RANGE_LIMIT

MAX_DECIMALS = 323  # Qt's limit: DBL_MAX_10_EXP + DBL_DIG
SIGNIFICANT_DIGITS = 10
BAD_INPUT_STYLE = "QAbstractSpinBox { border: 2px solid #B00020; }"
# What may still become a number while it is being typed: "-", "1.", "6.6e", "6.6e-". ASCII digits only, as
# for the expressions and the command line: Python's float() also reads "1_000", "٣" and fullwidth digits.
_PARTIAL_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d*)?([eE][+-]?\d*)?", re.ASCII)
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", re.ASCII)


def _typed_number(text: str) -> float:
    """A number typed in a box, written in the usual notations (ValueError for anything else)."""
    stripped = text.strip()
    if not _NUMBER.fullmatch(stripped):
        raise ValueError(f"{stripped[:30]!r} is not a number")
    return float(stripped)


class NumberBox(QDoubleSpinBox):
    """A spin box for any real number: shown to ten significant digits, typed as 0.25, -6 or 6.674e-11.

    QDoubleSpinBox rounds to a fixed number of decimals (4 would turn 6.674e-11 into 0); with
    the most decimals Qt allows it keeps the double, and the text is formatted here instead.
    More digits where a number within a narrow range needs them (set_resolution).
    """

    resolution = 0.0  # numbers this far apart are written differently (0: ten digits always)

    def set_resolution(self, resolution: float) -> None:
        """Write the value with as many digits as tell it from a number `resolution` away: ten digits wrote
        both ends of [1e6, 1e6 + 1e-4] as 1000000, and the sweep point 1000000.0003 as 1000000."""
        if resolution != self.resolution:
            self.resolution = resolution
            if not self.hasFocus():  # never rewrite what is being typed
                self.lineEdit().setText(self.textFromValue(self.value()))

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        # Qt sizes a spin box for its longest possible text: with 323 decimals that is wider than a small
        # screen's control column. Room for 6.674e-11 or -1000000 is enough; the box scrolls beyond.
        hint = super().sizeHint()
        return QSize(min(hint.width(), self.fontMetrics().horizontalAdvance("-0.000000000e-000") + 40),
                     hint.height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        hint = super().minimumSizeHint()
        return QSize(min(hint.width(), self.fontMetrics().horizontalAdvance("-0.0000e-00") + 30), hint.height())

    def textFromValue(self, value: float) -> str:  # noqa: N802 - Qt's name
        return resolved(value, self.resolution, least=SIGNIFICANT_DIGITS)

    def valueFromText(self, text: str) -> float:  # noqa: N802 - Qt's name
        try:
            return _typed_number(text)
        except ValueError:
            return self.value()

    def validate(self, text: str, position: int) -> tuple[QValidator.State, str, int]:
        stripped = text.strip()
        try:
            value = _typed_number(stripped)
        except ValueError:
            state = QValidator.State.Intermediate if _PARTIAL_NUMBER.fullmatch(stripped) else QValidator.State.Invalid
        else:
            if not math.isfinite(value):
                state = QValidator.State.Invalid
            elif self.minimum() <= value <= self.maximum():
                state = QValidator.State.Acceptable
            else:
                state = QValidator.State.Intermediate
        return state, text, position


def resolve_within(low: NumberBox, high: NumberBox) -> None:
    """Keep the two ends of a range written with the digits that tell them apart, as they change."""

    def resolve() -> None:
        resolution = abs(high.value() - low.value()) * RANGE_RESOLUTION
        low.set_resolution(resolution)
        high.set_resolution(resolution)

    low.valueChanged.connect(resolve)
    high.valueChanged.connect(resolve)
    resolve()


def number_box(value: float) -> NumberBox:
    """A box for a real number within ±RANGE_LIMIT that reports its value when typing is done."""
    box = NumberBox()
    box.setDecimals(MAX_DECIMALS)
    box.setRange(-RANGE_LIMIT, RANGE_LIMIT)
    box.setValue(value)
    box.setKeyboardTracking(False)  # recompute when typing is done, not at every digit
    return box


class DomainControls(QGroupBox):
    """x_min, x_max, points and derivative order (bound to the window's input model)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Domain", parent)
        self.x_min = number_box(-5.0)
        self.x_max = number_box(5.0)
        self.points = QSpinBox()
        self.points.setRange(MIN_POINTS, MAX_POINTS)
        self.points.setValue(2000)
        self.points.setSingleStep(500)
        self.points.setKeyboardTracking(False)
        self.order = QSpinBox()
        self.order.setRange(1, MAX_ORDER)
        self.order.setToolTip(f"which derivative: 1 is f', 2 is f'', up to {MAX_ORDER}")
        form = QFormLayout(self)
        # One row each: side by side, two number boxes did not fit a small screen's control column.
        form.addRow("x from", self.x_min)
        form.addRow("x to", self.x_max)
        form.addRow("Points", self.points)
        form.addRow("Derivative order", self.order)
        resolve_within(self.x_min, self.x_max)

    def show_range_problem(self, problem: str) -> None:
        """Outline both ends of the range in red with the problem as their tooltip; "" clears it."""
        for box in (self.x_min, self.x_max):
            box.setStyleSheet(BAD_INPUT_STYLE if problem else "")
            box.setToolTip(problem)

    def set_range(self, x_min: float, x_max: float) -> None:
        """Set both ends, as a user typing them would."""
        self.x_min.setValue(x_min)
        self.x_max.setValue(x_max)
