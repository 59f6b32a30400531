"""What the top panel shows of the calculus: tangent and secants, a Taylor polynomial, the critical points
(listed here too: a click moves the sweep point there)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QFormLayout, QGroupBox, QListWidget, QListWidgetItem, QSpinBox, QWidget

from ..core.calculus.stage import CalculusResult

KIND_MARKS = {"minimum": "min", "maximum": "max", "inflection": "inflection"}
LIST_ROWS = 5  # rows of the critical point list shown before it scrolls
ZERO_SHARE = 1e-12  # of the largest |f| among the points: below it a value is shown as 0


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
        form = QFormLayout(self)
        form.addRow(self.tangents)
        form.addRow("Taylor degree", self.taylor)
        form.addRow(self.extrema)
        form.addRow(self.points)

    def show_result(self, result: CalculusResult) -> None:
        self.points.clear()
        for point in result.critical:
            # sin at -pi is 1.2e-16 in doubles: a value far below f's own scale reads as the 0 it stands for.
            y = 0.0 if abs(point.y) < ZERO_SHARE * max(abs(p.y) for p in result.critical) else point.y
            item = QListWidgetItem(f"{KIND_MARKS[point.kind]:<10} x = {point.x:.10g}, f = {y:.6g}")
            item.setData(Qt.ItemDataRole.UserRole, point.x)
            self.points.addItem(item)
        hidden = result.critical_count - len(result.critical)
        if hidden > 0:
            self.points.addItem(QListWidgetItem(f"… and {hidden} more"))
        if self.extrema.isChecked() and result.critical_count == 0:
            self.points.addItem(QListWidgetItem("none in this range"))

    def _chosen(self, item: QListWidgetItem) -> None:
        x = item.data(Qt.ItemDataRole.UserRole)
        if x is not None:
            self.pointChosen.emit(float(x))
