"""What the top panel shows of the calculus: tangent and secants, a Taylor polynomial, the critical points
(listed here too: a click moves the sweep point there)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QWidget,
)

from ..core.calculus.polynomial import polynomial_text
from ..core.calculus.stage import CalculusResult
from ..core.display import exact_text
from .calculus_overlay import CHORD_COLOR, SECANT_COLOR, TANGENT_COLOR, TAYLOR_COLOR
from .formula_view import derivative_name

KIND_MARKS = {"minimum": "min", "maximum": "max", "inflection": "inflection"}
LIST_ROWS = 5  # rows of the critical point list shown before it scrolls
ZERO_SHARE = 1e-12  # of f's largest |f| over the range: below it a value is shown as 0


class CalculusControls(QGroupBox):
    """The calculus switches (bound to the input model) and the list of critical points."""

    pointChosen = Signal(float)  # the x of a critical point the user clicked

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Calculus at the sweep point", parent)
        self.tangents = QCheckBox("Tangent, secant and chord")
        self.tangents.setToolTip("the tangent (slope f′ exact), the forward difference's secant through f(x) and "
                                 "f(x+h), the central chord through f(x−h) and f(x+h), and the stencil's points;\n"
                                 "move the h slider to watch the secant turn into the tangent")
        self.taylor = QSpinBox()
        self.taylor.setSpecialValueText("off")
        self.taylor.setToolTip("degree of the Taylor polynomial at the sweep point; the band marks where it "
                               "stays within 1% of f's spread")
        self.extrema = QCheckBox("Critical points")
        self.extrema.setToolTip("minima and maxima (f′ changes sign) and inflection points (f″ changes sign), "
                                "from the exact derivatives")
        self.points = QListWidget()
        self.points.setToolTip("click a point to move the sweep there")
        self.points.setMaximumHeight(self.points.fontMetrics().height() * LIST_ROWS + 8)
        self.points.itemActivated.connect(self._chosen)
        self.points.itemClicked.connect(self._chosen)
        self.extrema.toggled.connect(self.points.setVisible)
        # What the top panel's lines and marks are, in their colours: they have no place in its legend.
        # Each mark joined to its words by non-breaking spaces: wrapped at 1024x700, a line ended in a lone "╍".
        entries = ((TANGENT_COLOR, "━ tangent"), (SECANT_COLOR, "╍ secant (forward, h)"),
                   (CHORD_COLOR, "╍ chord (central)"), (TAYLOR_COLOR, "╍ Taylor, shaded where within 1%"),
                   (None, "▲ max"), (None, "▼ min"), (None, "● inflection"))
        self.key = QLabel(" &nbsp; ".join(
            (f'<span style="color:{color}">{words.replace(" ", "&nbsp;")}</span>' if color
             else words.replace(" ", "&nbsp;")) for color, words in entries))
        self.key.setWordWrap(True)
        self.key.setToolTip("the key to the calculus drawn on the top panel")
        form = QFormLayout(self)
        form.addRow(self.key)
        form.addRow(self.tangents)
        form.addRow("Taylor degree", self.taylor)
        form.addRow(self.extrema)
        form.addRow(self.points)
        # f as a polynomial: its coefficients and the derivative's, as numpy.poly1d and its deriv() give them.
        self.polynomial = QLabel()
        self.polynomial.setWordWrap(True)
        self.polynomial.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.polynomial.setToolTip("coefficients from the highest power down, as numpy.poly1d(c) takes them; "
                                   "the derivative's are numpy.poly1d(c).deriv(n).coeffs")
        self.polynomial.hide()
        form.addRow(self.polynomial)
        self._shown: tuple = ()  # the critical points listed, to leave the list alone when they are the same

    def show_result(self, result: CalculusResult, order: int = 1) -> None:
        self.show_polynomial(result.polynomial, result.polynomial_derivative, order)
        shown = (result.critical, result.critical_count, self.extrema.isChecked())
        if shown == self._shown:  # a slider move: the same points (refilling the list relays it out)
            return
        self._shown = shown
        self.points.clear()
        for point in result.critical:
            # sin at -pi is 1.2e-16 in doubles: a value far below f's own scale reads as the 0 it stands for.
            scale = max(result.f_scale, *(abs(p.y) for p in result.critical))
            y = 0.0 if abs(point.y) < ZERO_SHARE * scale else point.y
            # x in full: a range 1e-3 wide at 1e6 needs more than ten digits to tell its points apart; + 0.0
            # turns -0.0 into 0.
            item = QListWidgetItem(f"{KIND_MARKS[point.kind]:<10} x = {exact_text(point.x + 0.0)}, f = {y:.6g}")
            item.setData(Qt.ItemDataRole.UserRole, point.x)
            self.points.addItem(item)
        hidden = result.critical_count - len(result.critical)
        if hidden > 0:
            self.points.addItem(QListWidgetItem(f"… and {hidden} more"))
        if self.extrema.isChecked() and result.critical_count == 0:
            self.points.addItem(QListWidgetItem("none in this range"))

    def clear_points(self) -> None:
        self.points.clear()
        self._shown = ()

    def show_polynomial(self, coefficients: np.ndarray | None, derivative: np.ndarray | None = None,
                        order: int = 1) -> None:
        """Say f's coefficients and its order-th derivative's, or nothing when f is not a polynomial."""
        self.polynomial.setVisible(coefficients is not None)
        if coefficients is None or derivative is None:
            self.polynomial.setText("")
            return
        self.polynomial.setText(
            f"f is a polynomial: {polynomial_text(coefficients)}\n"
            f"coefficients {_listed(coefficients)}\n"
            f"{derivative_name(order)} = {polynomial_text(derivative)}\n"
            f"coefficients {_listed(derivative)}")

    def _chosen(self, item: QListWidgetItem) -> None:
        x = item.data(Qt.ItemDataRole.UserRole)
        if x is not None:
            self.pointChosen.emit(float(x))


def _listed(coefficients: np.ndarray) -> str:
    return "[" + ", ".join(f"{c:.12g}" for c in coefficients) + "]"
