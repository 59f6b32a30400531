"""Several variables mode: f(x, y) over a rectangle, how wrong each method's partials are, a point, a descent.

The controls (left) are bound to a FieldRequest model; the panels (right) show f as a heat map with contour
lines and gradient arrows, the chosen method's |error| at h on a log colour scale, the slice of f through
the clicked point with the directional derivative, and f along the gradient descent; the table below gives
every partial at the point by every method with its error.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..core.fields.context import FIELD_METHODS
from ..core.fields.session import PARTIALS, CompareStage, DescentStage, ErrorStage, MapStage, PointStage
from ..core.request import Method
from .busy_row import BusyRow
from .controls_scroll import ControlsScroll
from .domain_controls import number_box, resolve_within
from .expression_editor import set_text_from_start
from .input_model import InputModel, bind, bind_box
from .method_styles import METHOD_COLORS
from .parameter_controls import ParameterControls
from .plot_panels import ERROR_FLOOR, RoomForLegend, extent, panel_axes, power_of_ten
from .plot_style import let_title_squeeze, set_title, shortened, style_axes
from .probe_readout import error_text  # an exact 0 reads "0", as in the one-variable table
from .step_slider import StepSlider

PATH_COLOR = "#D81B60"
POINT_COLOR = "#FFFFFF"
CONTOUR_PEN = pg.mkPen((255, 255, 255, 150), width=1)
ARROW_PEN = pg.mkPen((20, 20, 20, 220), width=1.2)
EIGEN_COLORS = ("#1E88E5", "#FFC107")  # the Hessian's first and second eigen-direction
FAR = 100.0  # a descent is drawn on the map until it leaves the rectangle by this many widths
CELL_PADDING = 8  # pixels of a point table cell its text cannot have (Qt elides text within 6 of the edges)
MIN_DIGITS = 4  # significant digits of a value in a point table cell however narrow its column
TITLE_POINTS = 10.0  # two-line titles over four panels: a point smaller than the other modes'
# Examples: (name, expression, rectangle, descent start, learning rate)
EXAMPLES = (
    ("bowl x² + 3y² (2/L = 1/3)", "x^2 + 3y^2", (-3.0, 3.0, -2.0, 2.0), (2.5, 1.5), 0.1),
    ("waves on a bowl", "sin(x)*cos(y) + (x^2 + 3y^2)/10", (-4.0, 4.0, -3.0, 3.0), (3.0, 2.5), 0.1),
    ("saddle x² − y²", "x^2 - y^2", (-2.0, 2.0, -2.0, 2.0), (1.5, 0.01), 0.1),
    ("Rosenbrock valley", "(1 - x)^2 + 100(y - x^2)^2", (-2.0, 2.0, -1.0, 3.0), (-1.5, 2.0), 0.001),
    ("abs: a kink", "abs(x) + y^2/2", (-2.0, 2.0, -2.0, 2.0), (1.5, 1.5), 0.3),
)
DEFAULT_VARIABLES = ("x", "y")
_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def partial_symbol(partial: str, variables: tuple[str, str] = DEFAULT_VARIABLES) -> str:
    """A partial of PARTIALS ("d2f/dxdy") as mathematics in the field's own variables: ∂²f/∂u∂v for u, v (the
    axes said u and v while titles, table and the error-map choice said x and y)."""
    counts = PARTIALS[partial]
    power = {1: ""} | {k: str(k).translate(_SUPERSCRIPTS) for k in range(2, 10)}
    below = "".join(f"∂{name}{power[k]}" for name, k in zip(variables, counts, strict=True) if k)
    return f"∂{power[sum(counts)]}f/{below}"



def _plot(layout: pg.GraphicsLayoutWidget, row: int, col: int, x: str, y: str, grid: bool = False) -> pg.PlotItem:
    plot = layout.addPlot(row=row, col=col, axisItems=panel_axes())
    plot.setLabel("bottom", x)
    plot.setLabel("left", y)
    style_axes(plot, grid)  # the maps have none: the colours and contours are the grid there
    let_title_squeeze(plot)
    return plot


def _title(plot: pg.PlotItem, text: str) -> None:
    set_title(plot, text, TITLE_POINTS)


def _bar(label: str, colormap: str) -> pg.ColorBarItem:
    bar = pg.ColorBarItem(colorMap=pg.colormap.get(colormap), interactive=False, width=14, pen="k")
    bar.axis.setPen("k")
    bar.axis.setTextPen("k")
    bar.axis.setLabel(label, color="k")
    return bar


def _decade_ticks(values, scale, spacing) -> list[str]:
    """Colour bar ticks of log10 |error| written as the errors themselves (10⁻⁸), not their logs."""
    return [power_of_ten(int(v)) if float(v).is_integer() else f"{10 ** v:.1g}" for v in values]


def _image_rect(x: np.ndarray, y: np.ndarray) -> QRectF:
    """The rectangle an image of values at x, y covers: each value's pixel centred on its point."""
    dx = (x[-1] - x[0]) / max(len(x) - 1, 1)
    dy = (y[-1] - y[0]) / max(len(y) - 1, 1)
    return QRectF(x[0] - dx / 2, y[0] - dy / 2, x[-1] - x[0] + dx, y[-1] - y[0] + dy)


def arrow_segments(x: np.ndarray, y: np.ndarray, gx: np.ndarray, gy: np.ndarray) -> np.ndarray:
    """The gradient arrows as line segments (pairs of points, for connect='pairs'): each centred on its grid
    point, as long as 0.85 of a cell at the largest |gradient| and proportionally shorter elsewhere, with a
    two-stroke head. Points where the gradient is undefined get no arrow."""
    cell = min((x[-1] - x[0]) / max(len(x) - 1, 1), (y[-1] - y[0]) / max(len(y) - 1, 1))
    px, py = np.meshgrid(x, y)
    px, py, gx, gy = px.ravel(), py.ravel(), np.asarray(gx).ravel(), np.asarray(gy).ravel()
    keep = np.isfinite(gx) & np.isfinite(gy)
    px, py, gx, gy = px[keep], py[keep], gx[keep], gy[keep]
    norm = np.hypot(gx, gy)
    largest = float(np.max(norm)) if norm.size else 0.0
    if not largest > 0 or not math.isfinite(largest):
        return np.empty((0, 2))
    scale = 0.85 * cell / largest
    vx, vy = gx * scale, gy * scale
    tail = np.column_stack([px - vx / 2, py - vy / 2])
    tip = np.column_stack([px + vx / 2, py + vy / 2])
    out = [tail, tip]
    for turn in (0.45, -0.45):  # the head's two strokes, back from the tip at +-26 degrees, 30% as long
        c, s = math.cos(math.pi - turn), math.sin(math.pi - turn)
        back = np.column_stack([c * vx - s * vy, s * vx + c * vy]) * 0.3
        out += [tip, tip + back]
    # interleave: (tail, tip), (tip, head1), (tip, head2) for every arrow
    return np.stack(out, axis=1).reshape(-1, 2)


class FieldPanels(pg.GraphicsLayoutWidget):
    """The map of f, the |error| map, the slice through the point and f along the descent."""

    pointChosen = Signal(float, float)
    startChosen = Signal(float, float)
    painted = Signal()  # a repaint finished: what the panels hold is on screen

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent, show=False)
        self.setBackground("w")
        self.variables = DEFAULT_VARIABLES  # of the map shown: the partials are named after them
        self.map_plot = _plot(self, 0, 0, "x", "y")
        self.map_plot.setAspectLocked(True)
        self.f_image = pg.ImageItem()
        self.map_plot.addItem(self.f_image)
        self.f_bar = _bar("", "viridis")  # the title says the colours are f; a label here sat beside the next map
        self.f_bar.setImageItem(self.f_image, insert_in=self.map_plot)
        self.contour_item = pg.PlotDataItem(pen=CONTOUR_PEN, connect="pairs")
        self.arrow_item = pg.PlotDataItem(pen=ARROW_PEN, connect="pairs")
        self.slice_item = pg.PlotDataItem(pen=pg.mkPen("w", width=1.5, style=Qt.PenStyle.DashLine))
        self.eigen_items = [pg.PlotDataItem(pen=pg.mkPen(color, width=3)) for color in EIGEN_COLORS]
        self.path_item = pg.PlotDataItem(pen=pg.mkPen(PATH_COLOR, width=2))
        self.start_item = pg.ScatterPlotItem(size=11, symbol="s", pen=pg.mkPen("k"), brush=pg.mkBrush(PATH_COLOR))
        self.end_item = pg.ScatterPlotItem(size=11, symbol="star", pen=pg.mkPen("k"), brush=pg.mkBrush(PATH_COLOR))
        self.point_item = pg.ScatterPlotItem(size=10, symbol="o", pen=pg.mkPen("k", width=1.5),
                                             brush=pg.mkBrush(POINT_COLOR))
        for item in (self.contour_item, self.arrow_item, self.slice_item, *self.eigen_items, self.path_item,
                     self.start_item, self.end_item, self.point_item):
            self.map_plot.addItem(item)

        self.error_plot = _plot(self, 0, 1, "x", "y")
        self.error_plot.setAspectLocked(True)
        self.error_image = pg.ImageItem()
        self.error_plot.addItem(self.error_image)
        self.error_bar = _bar("|error|", "inferno")
        self.error_bar.axis.tickStrings = _decade_ticks  # log10 |error| shown as 10⁻⁸
        self.error_bar.setImageItem(self.error_image, insert_in=self.error_plot)
        self.error_point = pg.ScatterPlotItem(size=10, symbol="o", pen=pg.mkPen("w", width=1.5), brush=None)
        self.error_plot.addItem(self.error_point)
        self.error_plot.setXLink(self.map_plot)
        self.error_plot.setYLink(self.map_plot)

        self.slice_plot = _plot(self, 1, 0, "s (distance along the line)", "value", grid=True)
        self.slice_legend = self.slice_plot.addLegend(offset=(5, 5), labelTextColor="k", brush=(255, 255, 255, 190))
        self.slice_f = self.slice_plot.plot(pen=pg.mkPen("#444444", width=2), name="f on the line")
        self.slice_exact = self.slice_plot.plot(pen=pg.mkPen("#B8B8B8", width=5), name="D_u f exact")
        self.slice_method = self.slice_plot.plot(pen=pg.mkPen(METHOD_COLORS[Method.CENTRAL], width=1.5),
                                                 name="D_u f by method")
        self._slice_room = RoomForLegend(self.slice_plot, self.slice_legend)
        self.slice_here = pg.InfiniteLine(0.0, angle=90, pen=pg.mkPen("k", style=Qt.PenStyle.DotLine))
        self.slice_plot.addItem(self.slice_here)

        self.descent_plot = _plot(self, 1, 1, "iteration", "f", grid=True)
        self.descent_curve = self.descent_plot.plot(pen=pg.mkPen(PATH_COLOR, width=2))
        self.ci.layout.setRowStretchFactor(0, 3)
        self.ci.layout.setRowStretchFactor(1, 2)
        _title(self.map_plot, "f(x, y)")
        _title(self.error_plot, "|error| map")
        _title(self.slice_plot, "along a line through the point")
        _title(self.descent_plot, "f along the gradient descent")
        self.scene().sigMouseClicked.connect(self._clicked)
        self.rectangle: QRectF | None = None
        # The map is fitted to its rectangle again when the panels change size, until the user zooms or pans
        # (with the aspect locked, a fit made at another size would leave the map small in a wide margin).
        self._map_fitted = False
        for plot in (self.map_plot, self.error_plot):
            plot.vb.sigRangeChangedManually.connect(self._user_moved_map)
        self._slice_method: Method | None = None  # whose D_u f the slice's legend names
        self.error_log: np.ndarray | None = None  # log10 |error| as drawn

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().paintEvent(event)
        self.painted.emit()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if getattr(self, "_map_fitted", False):  # (pyqtgraph resizes before __init__ has set it)
            self._fit_map()

    def _user_moved_map(self, *_args) -> None:
        self._map_fitted = False

    def _fit_map(self) -> None:
        r = self.rectangle
        if r is None:
            return
        self.map_plot.setRange(xRange=(r.left(), r.right()), yRange=(r.top(), r.bottom()), padding=0.02)
        self._map_fitted = True

    # -- clicks ------------------------------------------------------------------------------------------
    def _clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        for plot in (self.map_plot, self.error_plot):
            if plot.vb.sceneBoundingRect().contains(event.scenePos()):
                where = plot.vb.mapSceneToView(event.scenePos())
                shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
                (self.startChosen if shift else self.pointChosen).emit(float(where.x()), float(where.y()))
                event.accept()
                return

    # -- stages ------------------------------------------------------------------------------------------
    def show_map(self, stage: MapStage, expression: str) -> None:
        m = stage.field_map
        finite = m.values[np.isfinite(m.values)]
        self.f_image.setImage(m.values.T, autoLevels=False)
        self.f_image.setRect(_image_rect(m.x, m.y))
        if finite.size:
            low, high = np.percentile(finite, [1, 99]) if finite.size > 100 else (finite.min(), finite.max())
            if not high > low:
                low, high = low - 0.5, high + 0.5
            self.f_bar.setLevels((float(low), float(high)))
        segments = stage.contours.all_segments()
        self.contour_item.setData(segments[:, 0], segments[:, 1])
        a = stage.arrows
        arrows = arrow_segments(a.x, a.y, a.gx, a.gy)
        self.arrow_item.setData(arrows[:, 0], arrows[:, 1])
        rectangle = _image_rect(m.x, m.y)
        if rectangle != self.rectangle:
            self.rectangle = rectangle
            self._fit_map()
        x, y = self.variables = stage.variables
        for plot in (self.map_plot, self.error_plot):
            plot.setLabel("bottom", x)
            plot.setLabel("left", y)
        _title(self.map_plot, f"f = {shortened(expression, 34)}<br>colours and contours of f, arrows ∇f")

    def show_errors(self, stage: ErrorStage) -> None:
        maps = stage.maps
        name = partial_symbol(stage.partial, self.variables)
        component = stage.grid_component
        if component is not None:
            assert stage.grid is not None  # a component only with a grid
            self._show_error_image(stage.grid.errors[component], maps.x, maps.y)
            _title(self.error_plot, f"|error| of {name} by np.gradient of the grid<br>"
                                    f"(edge_order {stage.grid.edge_order}; log colour scale)")
            return
        if stage.grid_note:
            _title(self.error_plot, f"{stage.grid_note}: {name}<br>needs a method's map")
            self.error_image.clear()
            self.error_log = None
            return
        errors = maps.errors.get(stage.method)
        if errors is None:
            self.error_image.clear()
            self.error_log = None
            reason = maps.notes.get(stage.method, "no value")
            _title(self.error_plot, f"{stage.method.value} gives no {name} here:<br>{shortened(reason, 40)}")
            return
        self._show_error_image(errors, maps.x, maps.y)
        exact = "exact" if stage.method in (Method.SYMBOLIC, Method.AUTODIFF) else f"h = {stage.step:.3g}"
        _title(self.error_plot, f"|error| of {name} by {stage.method.value}<br>({exact}; log colour scale)")

    def _show_error_image(self, errors: np.ndarray, x: np.ndarray, y: np.ndarray) -> None:
        """|error| over the grid as log10 on the error map, its colour bar fitted to whole decades."""
        with np.errstate(all="ignore"):
            logged = np.log10(np.maximum(np.where(np.isfinite(errors), errors, np.nan), ERROR_FLOOR))
        self.error_log = logged
        self.error_image.setImage(logged.T, autoLevels=False)
        self.error_image.setRect(_image_rect(x, y))
        finite = logged[np.isfinite(logged)]
        if finite.size:
            low, high = math.floor(float(finite.min())), math.ceil(float(finite.max()))
            self.error_bar.setLevels((low, max(high, low + 1)))

    def show_point(self, stage: PointStage) -> None:
        x, y = (float(v) for v in stage.point)
        self.point_item.setData([x], [y])
        self.error_point.setData([x], [y])
        line = stage.slice
        self.slice_item.setData(line.points[0], line.points[1])
        eigen = stage.eigen
        if self.rectangle is not None and np.all(np.isfinite(eigen.vectors)):
            reach = 0.12 * min(self.rectangle.width(), self.rectangle.height())
            for k, item in enumerate(self.eigen_items):
                v = eigen.vectors[:, k]
                item.setData([x - reach * v[0], x + reach * v[0]], [y - reach * v[1], y + reach * v[1]])
        else:
            for item in self.eigen_items:
                item.setData([], [])
        self.slice_f.setData(line.s, line.f)
        self.slice_exact.setData(line.s, line.exact)
        self.slice_method.setData(line.s, line.by_method)
        if line.method is not self._slice_method:  # the legend re-lays itself out: only for a new method
            self._slice_method = line.method
            self.slice_method.setPen(pg.mkPen(METHOD_COLORS[line.method], width=1.5))
            self.slice_legend.removeItem(self.slice_method)
            self.slice_legend.addItem(self.slice_method, f"D_u f by {line.method.value}")
        degrees = math.degrees(math.atan2(line.direction[1], line.direction[0]))
        _title(self.slice_plot, f"along the line through ({x:.3g}, {y:.3g}) at {degrees:.0f}°")
        self._slice_room.fit([extent(np.asarray(v, dtype=float)) for v in (line.f, line.exact, line.by_method)
                              if v is not None])

    def show_descent(self, stage: DescentStage) -> None:
        path = stage.path
        if path is None:
            for item in (self.path_item, self.start_item, self.end_item):
                item.setData([], [])
            self.descent_curve.setData([], [])
            why = (stage.problem or "").removeprefix("no descent: ")
            _title(self.descent_plot, "no descent:<br>" + shortened(why, 45))
            return
        points = path.path
        if self.rectangle is not None:  # far outside, a diverging path is only overflow to draw
            r = self.rectangle
            far = FAR * max(r.width(), r.height())
            inside = np.all(np.isfinite(points), axis=1) & (np.abs(points[:, 0] - r.center().x()) < far) & (
                np.abs(points[:, 1] - r.center().y()) < far)
            shown = int(np.argmin(inside)) if not np.all(inside) else len(points)
            points = points[:max(shown, 1)]
        self.path_item.setData(points[:, 0], points[:, 1])
        self.start_item.setData([path.path[0, 0]], [path.path[0, 1]])
        self.end_item.setData([points[-1, 0]], [points[-1, 1]])
        values = path.values
        finite = values[np.isfinite(values)]
        log = bool(finite.size) and bool(np.all(finite > 0))
        self.descent_plot.setLogMode(y=log)
        iterations = np.arange(len(values))
        self.descent_curve.setData(iterations, np.where(np.isfinite(values), values, np.nan))
        self.descent_plot.setLabel("left", "f (log scale)" if log else "f")
        self.descent_plot.enableAutoRange()
        bound = stage.bound.bound
        if math.isfinite(bound):
            rate = path.learning_rate
            compare = "&lt;" if rate < bound else "&gt;"  # the title is HTML
            kind = "" if stage.bound.constant else " at the start"
            limit = f"lr {rate:.3g} {compare} 2/L = {bound:.3g}{kind}"
        else:
            limit = "2/L: no bound from curvature here"
        ending = path.reason.replace("took all", "all")
        _title(self.descent_plot, f"f along the descent ({path.method.value}): {ending}<br>{limit}")


class PointTable(QWidget):
    """Every partial at the point by every method, with its |error| against the exact value."""

    PARTIAL_COLUMNS = ("df/dx", "df/dy", "d2f/dx2", "d2f/dxdy", "d2f/dy2")  # then D_u f and the map's maximum
    COLUMNS = (*PARTIAL_COLUMNS, "D_u f", "map max")

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.caption = QLabel("Click the map to inspect a point (shift+click: start the descent there).")
        self.caption.setWordWrap(True)
        self.caption.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = QTableWidget(len(FIELD_METHODS), len(self.COLUMNS))
        self.variables = DEFAULT_VARIABLES
        self.table.setHorizontalHeaderLabels([*(partial_symbol(p) for p in self.PARTIAL_COLUMNS), *self.COLUMNS[-2:]])
        self.table.setVerticalHeaderLabels([m.value for m in FIELD_METHODS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setWordWrap(False)
        font = self.table.font()
        font.setPointSizeF(font.pointSizeF() * 0.9)
        self.table.setFont(font)
        # Rows of one line, fixed: sized to their contents, every cell's new text re-measured its row (a
        # slider move refills 42 cells).
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 6)
        self.values = QCheckBox("values")
        self.values.setToolTip("show each method's values instead of its errors")
        self.values.toggled.connect(self._redraw)
        self._last: tuple[PointStage, float] | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        top = QHBoxLayout()
        top.addWidget(self.caption, 1)
        top.addWidget(self.values)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        self.setMinimumHeight(190)
        # The values' digits are fitted to their columns: written again once the columns have a new width.
        self._refit = QTimer(self, singleShot=True, interval=0)
        self._refit.timeout.connect(self._redraw)
        self.table.horizontalHeader().sectionResized.connect(lambda *_: self._refit.start())

    def name_variables(self, variables: tuple[str, str]) -> None:
        """Head the partials' columns in the map's variables."""
        self.variables = variables
        for column, partial in enumerate(self.PARTIAL_COLUMNS):
            self.table.setHorizontalHeaderItem(column, QTableWidgetItem(partial_symbol(partial, variables)))

    def _redraw(self) -> None:
        if self._last is not None:
            self.show_point(*self._last)

    def show_point(self, stage: PointStage, step: float) -> None:
        report, eigen = stage.report, stage.eigen
        x, y = (float(v) for v in stage.point)
        f = float(report.f)
        reference = report.reference.value if report.reference else "none"
        values = eigen.values
        eigen_text = (f"Hessian eigenvalues {values[0]:.4g} (blue) and {values[1]:.4g} (yellow): {eigen.kind}"
                      if np.all(np.isfinite(values)) else "Hessian undefined here")
        shown = "value" if self.values.isChecked() else f"|error| against {reference} (first row: exact values)"
        vx, vy = self.variables
        self.caption.setText(f"At {vx} = {x:.6g}, {vy} = {y:.6g}: f = {f:.10g}; {eigen_text}. "
                             f"Cells: each method's {shown} at h = {step:.3g}; D_u f: along the line.")
        self._last = (stage, step)
        u = stage.slice.direction
        for row, method in enumerate(FIELD_METHODS):
            gradient = report.gradients.get(method)
            hessian = report.hessians.get(method)
            cells: list[tuple[float, float] | None] = []
            with np.errstate(invalid="ignore", over="ignore"):  # inf - inf where f is undefined at the point
                for i in range(2):
                    cells.append(None if gradient is None else (float(gradient[i]),
                                                                float(abs(gradient[i] - report.exact_gradient[i]))))
                for i, j in ((0, 0), (0, 1), (1, 1)):
                    cells.append(None if hessian is None else (
                        float(hessian[i, j]), float(abs(hessian[i, j] - report.exact_hessian[i, j]))))
            if gradient is None:
                cells.append(None)
            else:
                along = float(u @ gradient)
                cells.append((along, abs(along - float(u @ report.exact_gradient))))
            why = report.notes.get(method.value) or report.notes.get(f"{method.value} hessian") or ""
            for column, cell in enumerate(cells):
                if cell is None:
                    self._set_cell(row, column, "—", why)
                elif method is report.reference:
                    self._set_cell(row, column, self._value_text(cell[0], column),
                                   f"{cell[0]!r}: the exact value; the errors are measured against it", cell)
                else:
                    self._set_cell(row, column, self._value_text(cell[0], column) if self.values.isChecked()
                                   else error_text(cell[1]),
                                   f"value {cell[0]!r}\n|error| {cell[1]:.3e}", cell)

    def _value_text(self, value: float, column: int) -> str:
        """A value with as many significant digits, up to ten, as its column has room for: at ten, at 1024x700
        the exact row read 0.67415988… and -0.1384602… (elided), and the values were as cut."""
        room = self.table.columnWidth(column) - CELL_PADDING
        measure = self.table.fontMetrics().horizontalAdvance
        for digits in range(10, MIN_DIGITS, -1):
            text = f"{value:.{digits}g}"
            if measure(text) <= room:
                return text
        return f"{value:.{MIN_DIGITS}g}"

    def _set_cell(self, row: int, column: int, text: str, tip: str = "",
                  data: tuple[float, float] | None = None) -> None:
        """Fill a cell, reusing its item: a new item per cell per slider move cost more than the move's
        whole computation (QTableWidget.setItem re-lays out the table)."""
        item = self.table.item(row, column)
        if item is None:
            item = QTableWidgetItem()
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(row, column, item)
        item.setText(text)
        item.setToolTip(tip)
        item.setData(Qt.ItemDataRole.UserRole, data)

    def show_compare(self, stage: CompareStage) -> None:
        """The last column: each method's largest |error| of the error map's partial over the whole map."""
        name = partial_symbol(stage.partial, self.variables)
        column = len(self.COLUMNS) - 1
        header = QTableWidgetItem(f"{name}\nmap max")  # on one line, cut at 1024x700 ("∂f/∂x: map ma")
        header.setToolTip(f"each method's largest |error| of {name} over the whole map at h = {stage.step:.3g}")
        self.table.setHorizontalHeaderItem(column, header)
        for row, method in enumerate(FIELD_METHODS):
            if method is stage.maps.reference:
                self._set_cell(row, column, "reference")
            elif method in stage.largest:
                self._set_cell(row, column, error_text(stage.largest[method]),
                               f"median over the map {stage.median[method]:.1e} at h = {stage.step:.3g}")
            else:
                self._set_cell(row, column, "—", stage.maps.notes.get(method, ""))

    def cell_value(self, method: Method, column: int) -> float | None:
        """The number in a cell (for tests): None for a method without a value there."""
        cell = self._cell(method, column)
        return None if cell is None else cell[0]

    def cell_error(self, method: Method, column: int) -> float | None:
        """The |error| in a cell (for tests): None for a method without a value there."""
        cell = self._cell(method, column)
        return None if cell is None else cell[1]

    def _cell(self, method: Method, column: int) -> tuple[float, float] | None:
        item = self.table.item(FIELD_METHODS.index(method), column)
        return None if item is None else item.data(Qt.ItemDataRole.UserRole)


class FieldControls(QWidget):
    """The several-variables controls: f and its variables, the rectangle, the method, the point, the descent."""

    cancelRequested = Signal()

    def __init__(self, model: InputModel, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = model
        self.expression = QLineEdit()
        self.expression.setPlaceholderText("e.g. x^2 + 3y^2")
        self.variables = QLineEdit()
        self.variables.setToolTip("the names that are variables (two for the maps); every other name is a "
                                  "parameter with a box below")
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #B00020;")
        self.problem.hide()
        self.examples = QComboBox()
        self.examples.addItem("Examples…")
        for name, *_ in EXAMPLES:
            self.examples.addItem(name)
        self.examples.activated.connect(self._example)
        self.parameters = ParameterControls()
        self.x_min, self.x_max, self.y_min, self.y_max = (number_box(0.0) for _ in range(4))
        self.grid = QSpinBox()
        self.arrows = QSpinBox()
        self.method = QComboBox()
        for method in FIELD_METHODS:
            self.method.addItem(method.value)
            self.method.setItemData(self.method.count() - 1, method.label, Qt.ItemDataRole.ToolTipRole)
        self.partial = QComboBox()
        for partial in PARTIALS:  # shown as mathematics, kept as its plain name ("d2f/dxdy")
            self.partial.addItem(partial_symbol(partial), partial)
        self.sampled = QCheckBox("np.gradient of the grid's samples")
        self.sampled.setToolTip("the error map of df/dx or df/dy by np.gradient over f sampled on the map's grid "
                                "(edge_order 2; with the noise σ, as measured data on a grid would have)")
        self.noise = number_box(0.0)
        self.noise.setToolTip("standard deviation of noise added to every sample of f the finite differences "
                              "take (noisy measurements); the exact methods need f's formula and have none")
        self.slider = StepSlider()
        self.point_x, self.point_y, self.angle = number_box(0.0), number_box(0.0), number_box(0.0)
        self.start_x, self.start_y = number_box(0.0), number_box(0.0)
        self.learning_rate = number_box(0.1)
        self.descent_steps = QSpinBox()
        self.momentum = number_box(0.0)  # written as the other number boxes are (0, 0.9), not 0.000 (range: bind_box)
        self.momentum.setSingleStep(0.05)
        self.bound = QLabel()
        self.bound.setWordWrap(True)
        self.busy = BusyRow()
        self.busy.cancelRequested.connect(self.cancelRequested)

        function = QGroupBox("Function of several variables")
        form = QFormLayout(function)
        form.addRow("f =", self.expression)
        form.addRow("variables", self.variables)
        form.addRow(self.problem)
        form.addRow(self.examples)
        area = QGroupBox("Map")
        area_form = QFormLayout(area)
        area_form.addRow("x from", self.x_min)
        area_form.addRow("x to", self.x_max)
        area_form.addRow("y from", self.y_min)
        area_form.addRow("y to", self.y_max)
        area_form.addRow("grid points per side", self.grid)
        area_form.addRow("arrows per side", self.arrows)
        how = QGroupBox("Derivatives")
        how_form = QFormLayout(how)
        how_form.addRow("method", self.method)
        how_form.addRow("error map of", self.partial)
        how_form.addRow(self.sampled)
        how_form.addRow("noise σ", self.noise)
        how_form.addRow(self.slider)
        point = QGroupBox("Point (click the map)")
        point_form = QFormLayout(point)
        point_form.addRow("x", self.point_x)
        point_form.addRow("y", self.point_y)
        point_form.addRow("slice direction °", self.angle)
        descent = QGroupBox("Gradient descent (shift+click the map)")
        descent_form = QFormLayout(descent)
        descent_form.addRow("start x", self.start_x)
        descent_form.addRow("start y", self.start_y)
        descent_form.addRow("learning rate", self.learning_rate)
        descent_form.addRow("steps", self.descent_steps)
        descent_form.addRow("momentum", self.momentum)
        descent_form.addRow(self.bound)
        resolve_within(self.x_min, self.x_max)
        resolve_within(self.y_min, self.y_max)
        column = QVBoxLayout(self)
        for group in (function, self.parameters, area, how, point, descent):
            column.addWidget(group)
        column.addWidget(self.busy)
        column.addStretch(1)

        bind(model, "expression", self.expression.textChanged, self.expression.text,
             lambda text: set_text_from_start(self.expression, text))
        bind(model, "variables", self.variables.textChanged, self.variables.text, self.variables.setText)
        bind(model, "parameters", self.parameters.changed, self.parameters.values, self.parameters.set_values)
        for name in ("x_min", "x_max", "y_min", "y_max", "grid", "arrows", "noise", "point_x", "point_y", "angle",
                     "start_x", "start_y", "learning_rate", "descent_steps", "momentum"):
            bind_box(model, name, getattr(self, name))
        bind(model, "method", self.method.currentTextChanged, self.method.currentText, self.method.setCurrentText)
        bind(model, "partial", self.partial.currentIndexChanged, self.partial.currentData,
             lambda partial: self.partial.setCurrentIndex(self.partial.findData(partial)))
        bind(model, "step", self.slider.stepChanged, self.slider.step, self.slider.set_step)
        bind(model, "sampled", self.sampled.toggled, self.sampled.isChecked, self.sampled.setChecked)

    def _example(self, index: int) -> None:
        if index <= 0:
            return
        _, expression, (x0, x1, y0, y1), (sx, sy), rate = EXAMPLES[index - 1]
        self.model.update(expression=expression, variables="x, y", x_min=x0, x_max=x1, y_min=y0, y_max=y1,
                          start_x=sx, start_y=sy, learning_rate=rate, point_x=(x0 + x1) / 4, point_y=(y0 + y1) / 4)
        self.examples.setCurrentIndex(0)

    def name_variables(self, variables: tuple[str, str]) -> None:
        """Name the rectangle's ends, the point's and the start's boxes and the error map's partials in the map's
        variables (with u, v the boxes said x from, y to, start x)."""
        for index, partial in enumerate(PARTIALS):
            self.partial.setItemText(index, partial_symbol(partial, variables))
        for name, boxes in zip(variables, self._named_boxes(), strict=True):
            for box, words in boxes:
                self.label_of(box).setText(words.format(name))

    def _named_boxes(self) -> tuple[tuple[tuple[QWidget, str], ...], ...]:
        """The boxes labelled with a variable's name, the first variable's then the second's."""
        return (((self.x_min, "{} from"), (self.x_max, "{} to"), (self.point_x, "{}"), (self.start_x, "start {}")),
                ((self.y_min, "{} from"), (self.y_max, "{} to"), (self.point_y, "{}"), (self.start_y, "start {}")))

    def label_of(self, box: QWidget) -> QLabel:
        """The label beside a box in its form."""
        group = box.parentWidget()
        assert group is not None
        form = group.layout()
        assert isinstance(form, QFormLayout)
        label = form.labelForField(box)
        assert isinstance(label, QLabel)
        return label

    def set_busy(self, busy: bool) -> None:
        self.busy.set_busy(busy)

    def show_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.setVisible(bool(text))

    def show_bound(self, stage: DescentStage) -> None:
        bound = stage.bound
        if not math.isfinite(bound.bound):
            self.bound.setText("No stability bound from curvature here (the Hessian has no positive eigenvalue).")
            self.bound.setStyleSheet("")
            return
        where = "f is quadratic: exact" if bound.constant else "from the Hessian at the start: a local guide"
        rate = self.model.state.learning_rate
        over = rate > bound.bound
        self.bound.setText(f"Stability bound 2/L = {bound.bound:.4g} (L = {bound.largest_eigenvalue:.4g}; {where})."
                           + (" The learning rate is above it: expect the path to oscillate and grow." if over else ""))
        self.bound.setStyleSheet("color: #B00020;" if over else "")


class FieldsView(QSplitter):
    """The several-variables page: controls on the left, panels and the point table on the right."""

    def __init__(self, model: InputModel, parent: QWidget | None = None):
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.controls = FieldControls(model)
        scroll = ControlsScroll(self.controls)
        self.panels = FieldPanels()
        self.table = PointTable()
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.panels)
        right.addWidget(self.table)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 1)
        right.setCollapsible(0, False)
        self.right = right
        self.addWidget(scroll)
        self.addWidget(right)
        self.setStretchFactor(1, 1)
        self.setCollapsible(1, False)
