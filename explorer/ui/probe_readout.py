"""The numbers behind the sweep panel: each method's value and error at the sweep point, and its best step."""

from __future__ import annotations

import math

from PySide6.QtCore import QPoint, QSize, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..core.display import RANGE_RESOLUTION
from ..core.pipeline import SweepResult
from ..core.request import Method
from .domain_controls import number_box
from .formula_view import derivative_name
from .method_selector import color_swatch
from .method_styles import METHOD_COLORS

# The estimated error comes last: the first five columns read as they always did (and copy as they did).
COLUMNS = ("method", "value", "|error|", "best h*", "|error|\nat h*", "est.\nerror")
COLUMN_SAMPLES = ("richardson", "-0.000123456789012", "8.8e-188", "5.6e-188", "8.8e-188", "8.8e-188")  # widest text
BEST_COLUMN, ESTIMATE_COLUMN = 3, 5
ICON_SIZE = 10


def value_text(value: float) -> str:
    """A derivative value with 12 significant digits; a dash where it is undefined."""
    return f"{value:.12g}" if math.isfinite(value) else "–"


def error_text(error: float) -> str:
    """An error to two significant digits, 0 when exact; a dash where it is undefined."""
    if not math.isfinite(error):
        return "–"
    return f"{error:.1e}" if error else "0"


def step_text(step: float) -> str:
    """A step size as the sweep grid has it (four per decade: 1e-05, 1.8e-05, 3.2e-05, 5.6e-05)."""
    return f"{step:.2g}"


class _Table(QTableWidget):
    """A table whose preferred width is all its columns: the window gives the control column that width
    where it has room (Qt's default hint showed two columns, the errors scrolled out of sight)."""

    preferred_width = 0

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        hint = super().sizeHint()
        return QSize(max(hint.width(), self.preferred_width), hint.height())


class ProbeReadout(QGroupBox):
    """A table of every method at the sweep point: value and |error| at the slider's h, h* and its error,
    and the error each value estimates for itself (no exact answer needed). The sweep point can be typed
    here as well as dragged on the plot; a method's h* becomes the slider's step by a double click on it
    (or from the row's context menu)."""

    probeEdited = Signal(float)  # the user typed a new sweep point
    stepChosen = Signal(float)  # "use h*": a method's best base step, for the slider

    def __init__(self, parent: QWidget | None = None):
        super().__init__("At the sweep point", parent)
        self.probe = number_box(0.0)
        self.probe.setToolTip("the x where the error is measured against h (or drag the line on the top panel)")
        self.probe.valueChanged.connect(self.probeEdited)
        self.step_label = QLabel("")
        # The slider's h is a base step: at x each method steps h * max(|x|, s0); this says how far.
        self.scale_label = QLabel("")
        self.scale_label.setWordWrap(True)
        self.scale_label.setToolTip("steps scale with |x|: at x each method takes h·s(x), s(x) = max(|x|, s₀), "
                                    "rounded so that x + h is exactly a double")
        self.heading = QLabel("")
        self.heading.setWordWrap(True)
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = _Table(len(Method), len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # A control column narrower than the table (a small screen) scrolls the table, not the column.
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.table.setIconSize(QSize(ICON_SIZE, ICON_SIZE))
        self.table.setShowGrid(False)
        self._header_tip(2, "|value − exact| at the slider's step h")
        self._header_tip(
            BEST_COLUMN,
            "the step of least error in the sweep at this point, in the slider's units; double-click to use it")
        self._header_tip(
            ESTIMATE_COLUMN,
            "the error the method estimates for its value from f's samples alone (the value again at half the "
            "step), as with measured data, where there is no exact answer")
        # Fixed sizes, wide enough for any number: an update never re-lays out the window.
        metrics = self.table.fontMetrics()
        widths = [max(metrics.horizontalAdvance(line) for text in pair for line in text.split("\n")) + 10
                  for pair in zip(COLUMNS, COLUMN_SAMPLES, strict=True)]
        widths[0] += ICON_SIZE + 6
        for column, width in enumerate(widths):
            self.table.setColumnWidth(column, width)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(metrics.height() + 6)
        self.items: dict[Method, list[QTableWidgetItem]] = {}
        for row, method in enumerate(Method):
            cells = [QTableWidgetItem() for _ in COLUMNS]
            cells[0].setText(method.value)
            cells[0].setIcon(color_swatch(METHOD_COLORS[method]))
            cells[0].setToolTip(method.label)
            for column, cell in enumerate(cells):
                if column:
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, cell)
            self.items[method] = cells
        frame = 2 * self.table.frameWidth()
        # Its full width where there is room, a scroll bar below where there is not.
        self.table.setMaximumWidth(sum(widths) + frame)
        self.table.preferred_width = sum(widths) + frame
        self.table.setMinimumWidth(min(sum(widths), widths[0] + widths[1]) + frame)
        self.table.setFixedHeight(len(Method) * (metrics.height() + 6)
                                  + self.table.horizontalHeader().sizeHint().height()
                                  + self.table.horizontalScrollBar().sizeHint().height() + frame)
        copy = QAction("Copy table", self.table)
        copy.triggered.connect(self.copy_table)
        self.table.addAction(copy)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.table.cellDoubleClicked.connect(lambda row, _: self.use_best_step(list(Method)[row]))
        self.table.setToolTip("double-click a row to use its h* as the step; right-click to copy the table "
                              "(tab-separated, pastes into a spreadsheet)")
        where = QHBoxLayout()
        where.addWidget(QLabel("x ="))
        where.addWidget(self.probe, 1)
        where.addWidget(self.step_label, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(where)
        layout.addWidget(self.scale_label)
        layout.addWidget(self.heading)
        layout.addWidget(self.table)
        self.result: SweepResult | None = None
        self.clear()

    def _header_tip(self, column: int, tip: str) -> None:
        item = self.table.horizontalHeaderItem(column)
        assert item is not None  # setHorizontalHeaderLabels made one item per column
        item.setToolTip(tip)

    def show_result(self, result: SweepResult, order: int) -> None:
        """Fill the table from a sweep result of a request for the order-th derivative."""
        self.result = result
        sweep = result.sweep
        reference = result.reference.value if result.reference else "reference"
        self.show_probe(sweep.probe)
        self.step_label.setText(f"h = {step_text(result.step)}")
        taken = next((result.steps[m] for m in Method if m in result.steps and m is not Method.COMPLEX), None)
        self.scale_label.setText("" if taken is None else
                                 f"step taken here: h·{sweep.scale:.3g} = {taken:.3g}" if sweep.scale != 1.0 else
                                 f"step taken here: {taken:.3g}")
        self.heading.setText(f"{derivative_name(order)} = {value_text(result.exact)} ({reference})")
        for row, (method, cells) in enumerate(self.items.items()):
            value = result.at_step.get(method)
            self.table.setRowHidden(row, value is None)
            if value is None:
                continue
            best = sweep.optimum.get(method)
            cells[1].setText(value_text(value))
            cells[2].setText("reference" if method is result.reference else error_text(result.error_at_step(method)))
            cells[3].setText(step_text(best[0]) if best else "–")
            cells[3].setToolTip(f"double-click to use h* = {best[0]:.3g} as the step (at this x: "
                                f"{best[0] * sweep.scale:.3g})" if best else "")
            cells[4].setText(error_text(best[1]) if best else "–")
            cells[5].setText(error_text(result.estimates.get(method, math.nan)))

    def show_probe(self, x: float) -> None:
        """Put x in the sweep-point box without reporting it as typed."""
        self.probe.blockSignals(True)
        self.probe.setValue(x)
        self.probe.blockSignals(False)

    def set_range(self, x_min: float, x_max: float) -> None:
        """Limit the sweep point to the plotted range, written to the digits that place it there."""
        self.probe.blockSignals(True)
        self.probe.setRange(x_min, x_max)
        self.probe.blockSignals(False)
        self.probe.set_resolution((x_max - x_min) * RANGE_RESOLUTION)

    def best_step(self, method: Method) -> float | None:
        """method's h* in the shown sweep (base step, the slider's units), None if it has none."""
        best = self.result.sweep.optimum.get(method) if self.result is not None else None
        return best[0] if best else None

    def use_best_step(self, method: Method) -> None:
        """Ask for method's h* as the slider's step ("use h*")."""
        step = self.best_step(method)
        if step is not None:
            self.stepChosen.emit(step)

    def _context_menu(self, position: QPoint) -> None:
        menu = QMenu(self.table)
        row = self.table.rowAt(position.y())
        if row >= 0:
            method = list(Method)[row]
            step = self.best_step(method)
            if step is not None:
                use = menu.addAction(f"Use h* of {method.value} ({step_text(step)}) as the step")
                use.triggered.connect(lambda: self.use_best_step(method))
        menu.addActions(self.table.actions())
        menu.exec(self.table.viewport().mapToGlobal(position))

    def as_text(self) -> str:
        """The heading and the shown rows, tab-separated."""
        where = f"x = {self.probe.value():.6g}, {self.step_label.text()}"
        if self.scale_label.text():
            where += f" ({self.scale_label.text()})"
        rows = [where, self.heading.text(), "\t".join(c.replace("\n", " ") for c in COLUMNS)]
        rows += ["\t".join(cell.text() for cell in cells) for row, cells in enumerate(self.items.values())
                 if not self.table.isRowHidden(row)]
        return "\n".join(rows)

    def copy_table(self) -> None:
        """Put the table on the clipboard as tab-separated text."""
        QGuiApplication.clipboard().setText(self.as_text())

    def clear(self) -> None:
        """No sweep to describe: nothing to measure the errors against (no symbolic or autodiff)."""
        self.result = None
        self.step_label.setText("")
        self.scale_label.setText("")
        self.heading.setText("no sweep: nothing to measure the errors against")
        for row in range(len(Method)):
            self.table.setRowHidden(row, True)
