"""Data mode: differentiate samples from a file, pasted text or the formula (with known truth).

The controls (left) are bound to a DataRequest model; the panels (right) show the samples with each
method's fit, the derivative by the chosen method and the others, and how wrong or how uncertain it is:
the error against the truth and the error against smoothing when the samples were made from the formula,
the methods' spread and the fit's residuals when they were not.
"""

from __future__ import annotations

import re

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGraphicsItem,
    QGroupBox,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ..core.data.evaluation import SWEPT
from ..core.data.methods import METHOD_NAMES, METHODS, Parameter
from ..core.data.session import ChosenStage, CompareStage, DataRequest, SampleSet, SweepStage
from ..core.display import RANGE_RESOLUTION, resolved
from .busy_row import BusyRow
from .controls_scroll import ControlsScroll
from .domain_controls import NumberBox, number_box
from .input_model import InputModel, bind, bind_box
from .plot_panels import ERROR_FLOOR, RoomForLegend, extent, panel_axes, steady_range
from .plot_style import let_title_squeeze, set_label, set_title, style_axes

# Colour-blind-safe (Okabe-Ito), one per method; the chosen method is also drawn wider.
DATA_COLORS = {"gradient": "#E69F00", "fornberg": "#56B4E9", "savgol": "#009E73", "spline": "#CC79A7",
               "tv": "#D55E00", "kalman": "#0072B2"}
SAMPLE_COLOR = "#777777"
EXACT_COLOR = "#B8B8B8"
SCATTER_LIMIT = 5000  # samples drawn as dots up to this many; beyond, as a line
# The derivative panel's y shows the chosen method (and the truth) whole; the other methods only as far as this
# share of that span (or of its size, if flat) beyond each end: a method that amplifies noise a hundredfold
# (gradient, short stencils on uneven t) would otherwise squash the chosen derivative to a flat line.
OTHERS_SLACK = 0.5


def _plot(layout: pg.GraphicsLayoutWidget, row: int, col: int, title: str, x: str, y: str, colspan: int = 1,
          log_y: bool = False, log_x: bool = False) -> pg.PlotItem:
    plot = layout.addPlot(row=row, col=col, colspan=colspan, axisItems=panel_axes())
    set_title(plot, title)
    plot.setLabel("bottom", x)
    plot.setLabel("left", y)
    plot.setLogMode(x=log_x, y=log_y)
    style_axes(plot)
    let_title_squeeze(plot)  # a long title must not make the panels wider than a small window
    return plot


def _line(plot: pg.PlotItem, color: str, width: float = 1.0, style=Qt.PenStyle.SolidLine) -> pg.PlotDataItem:
    # about one min-max pair of points per pixel column ("peak" keeps both): pyqtgraph's default of five
    # draws 2.5 times as many points, for the same picture
    item = pg.PlotDataItem(pen=pg.mkPen(color, width=width, style=style), connect="finite", autoDownsampleFactor=1.0)
    plot.addItem(item)
    # A million samples: draw what the pixels can show (peaks kept), only what is in view. After addItem,
    # which gives the item its plot's settings (both off): set before it, they were lost, and 10^5 samples
    # were drawn whole, 60-130 ms a curve wider than 1 px.
    item.setDownsampling(auto=True, method="peak")
    item.setClipToView(True)
    return item


def _positive(values: np.ndarray) -> np.ndarray:
    """Values for a log axis (the items take the log themselves): exact zeros at ERROR_FLOOR, gaps as NaN."""
    with np.errstate(all="ignore"):
        return np.maximum(np.where(np.isfinite(values), values, np.nan), ERROR_FLOOR)


class DataPanels(pg.GraphicsLayoutWidget):
    """SampleSet and fits; derivatives; error (or spread) against t; error against smoothing (or residuals)."""

    painted = Signal()  # a repaint finished: what the panels hold is on screen

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent, show=False)
        self.setBackground("w")
        self.data_plot = _plot(self, 0, 0, "samples and each method's fit", "t", "y", colspan=2)
        self.derivative_plot = _plot(self, 1, 0, "derivative by each method", "t", "dy/dt", colspan=2)
        self.error_plot = _plot(self, 2, 0, "|error| against t", "t", "|error|", log_y=True)
        self.sweep_plot = _plot(self, 2, 1, "error against smoothing", "parameter", "RMSE", log_x=True, log_y=True)
        self.derivative_plot.setXLink(self.data_plot)
        # Not setXLink for the half-width error panel: it aligns by pixel and would show half the range.
        self.data_plot.sigXRangeChanged.connect(lambda _, x_range: self.error_plot.setXRange(*x_range, padding=0))
        self.error_plot.disableAutoRange()  # x follows the samples' panel; y is set by _fit_error_range
        self.data_legend = self.data_plot.addLegend(offset=(10, 5), labelTextColor="k", colCount=4,
                                                    brush=(255, 255, 255, 150))
        self.derivative_legend = self.derivative_plot.addLegend(offset=(10, 5), labelTextColor="k", colCount=4,
                                                                brush=(255, 255, 255, 150))
        self.samples = pg.ScatterPlotItem(size=4, pen=None, brush=pg.mkBrush(SAMPLE_COLOR))
        self.samples_line = _line(self.data_plot, SAMPLE_COLOR)
        self.data_plot.addItem(self.samples)
        self.data_legend.addItem(self.samples, "samples")
        self.exact = _line(self.derivative_plot, EXACT_COLOR, 5)
        self.fits = {name: _line(self.data_plot, color, 1.5) for name, color in DATA_COLORS.items()}
        self.derivatives = {name: _line(self.derivative_plot, color, 1.2) for name, color in DATA_COLORS.items()}
        self.errors = {name: _line(self.error_plot, color, 1.0) for name, color in DATA_COLORS.items()}
        self.spread = _line(self.error_plot, "#444444", 1.0)
        self.sweep = _line(self.sweep_plot, "#333333", 1.5)
        # A data item, not a scatter item: it follows the panel's log axes like the curve it marks.
        self.sweep_choice = pg.PlotDataItem(pen=None, symbol="d", symbolSize=12, symbolPen="k",
                                            symbolBrush=pg.mkBrush("#F0E442"))
        self.sweep_plot.addItem(self.sweep_choice)
        self.ci.layout.setRowStretchFactor(0, 2)
        self.ci.layout.setRowStretchFactor(1, 2)
        self.ci.layout.setRowStretchFactor(2, 2)
        # What a move of a control leaves alone is kept as a picture and copied at each repaint: the samples
        # and the wide exact derivative (a wide line is Qt's slowest to draw)
        for item in (self.samples, self.samples_line.curve, self.exact.curve):
            item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.shown_methods: tuple[str, ...] = ()
        # (least, greatest) of what each panel draws, for ranges that leave room for the legends
        self._data_extents: dict[str, tuple[float, float] | None] = {}
        self._derivative_extents: dict[str, tuple[float, float] | None] = {}
        self._emphasised = ""  # the chosen method: its curves drawn wide, its derivative held whole by the panel's y
        self._exact_shown: np.ndarray | None = None  # the exact derivative the wide grey curve holds
        # x is the samples' span, set with them: auto-ranged, it was found again from every curve after each
        # move and re-laid out the axes when it came out a rounding apart
        self._data_room = RoomForLegend(self.data_plot, self.data_legend, follow_x=False)
        self._derivative_room = RoomForLegend(self.derivative_plot, self.derivative_legend, follow_x=False)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().paintEvent(event)
        self.painted.emit()

    def clear_results(self, keep_exact: bool = False) -> None:
        """Empty every result's curve (the exact derivative too unless keep_exact); those already empty are
        left alone (emptying again invalidates what is kept as a picture)."""
        for item in (*self.fits.values(), *self.derivatives.values(), *self.errors.values(), self.spread,
                     self.sweep, self.sweep_choice, *(() if keep_exact else (self.exact,))):
            if item.yData is not None and len(item.yData):
                item.setData([], [])
        if not keep_exact:
            self._exact_shown = None

    def show_samples(self, samples: SampleSet) -> None:
        self.clear_results()
        if len(samples.t) <= SCATTER_LIMIT:
            self.samples.setData(samples.t, samples.y)
            self.samples_line.setData([], [])
        else:
            self.samples.setData([], [])
            self.samples_line.setData(samples.t, samples.y)
        self._data_extents = {"samples": extent(samples.y)}
        self._derivative_extents = {}
        span = extent(samples.t)
        if span is not None:  # (the derivatives' panel is x-linked to this one)
            self.data_plot.setXRange(*span, padding=0.02)
        self._data_room.fit(list(self._data_extents.values()))
        self._derivative_room.fit([])
        # What the samples are is said under Samples (and in exports): the title stays short enough to read.
        set_title(self.data_plot, f"{len(samples.t)} samples and each method's fit")

    def _legend(self, legend: pg.LegendItem, items: dict[str, pg.PlotDataItem], names: tuple[str, ...]) -> None:
        if tuple(label.text for _, label in legend.items if label.text in DATA_COLORS) == names:
            return  # the same methods' rows again: nothing to lay out anew
        for name in DATA_COLORS:
            legend.removeItem(items[name])
        for name in names:
            legend.addItem(items[name], name)

    def show_chosen(self, stage: ChosenStage, samples: SampleSet, order: int) -> None:
        """The chosen method's derivative, fit and error; what a move of its control leaves alone (the pens,
        the exact curve, titles, labels, legends, a range that still holds the curves) is not set again, so
        that it is neither laid out again nor drawn again instead of copied."""
        result = stage.result
        if self._emphasised != result.method:
            self._emphasised = result.method
            for name in DATA_COLORS:
                self.fits[name].setPen(pg.mkPen(DATA_COLORS[name], width=2.5 if name == result.method else 1.2))
                self.derivatives[name].setPen(pg.mkPen(DATA_COLORS[name],
                                                       width=2.5 if name == result.method else 1.0))
        exact = samples.exact.get(order)
        same_exact = exact is not None and exact is self._exact_shown
        self.clear_results(keep_exact=same_exact)
        self._show_method(result.method, result, stage.error)
        if not same_exact:
            self.exact.setData(samples.t, exact if exact is not None else [])
            self._exact_shown = exact
        self._data_extents = {"samples": extent(samples.y)}
        self._derivative_extents = {"exact": None if exact is None else extent(exact)}
        self._record(result.method, result)
        names = (result.method,)
        self._legend(self.derivative_legend, self.derivatives, names)
        self._legend(self.data_legend, self.fits, tuple(n for n in names if result.fit is not None))
        self.shown_methods = names
        prime = "dy/dt" if order == 1 else "d²y/dt²"
        for plot in (self.data_plot, self.derivative_plot, self.error_plot):
            set_label(plot, "bottom", samples.t_label)
        set_title(self.derivative_plot, f"{prime} by {result.method}")
        set_label(self.derivative_plot, "left", prime)
        set_title(self.error_plot, "|error| against t (truth known)" if exact is not None
                  else "spread of the methods (max − min)")
        set_label(self.error_plot, "left", "|error|" if exact is not None else "max − min")
        set_title(self.sweep_plot, "error against smoothing" if exact is not None else "residuals y − fit")
        if self.sweep_plot.getAxis("left").logMode != (exact is not None) or self.sweep_plot.getAxis("bottom").logMode:
            self.sweep_plot.setLogMode(x=False, y=exact is not None)
        if exact is None and result.fit is not None:
            self.sweep.setData(samples.t, result.y - result.fit)
            # The narrow panel: t's unit without its origin, which the panels above give in full.
            set_label(self.sweep_plot, "bottom", re.sub(r" since [^)]*", "", samples.t_label))
            set_label(self.sweep_plot, "left", "y − fit")
        self._fit_ranges(steady=True)
        self._fit_error_range()
        self.scene().prepareForPaint()  # the ranges' knock-on updates now, not in a second repaint

    def _record(self, name: str, result) -> None:
        self._data_extents[name] = None if result.fit is None else extent(result.fit)
        self._derivative_extents[name] = extent(result.derivative)

    def _fit_ranges(self, steady: bool = False) -> None:
        self._data_room.fit(list(self._data_extents.values()), steady)
        self._derivative_room.fit(self._derivative_span(), steady)

    def _derivative_span(self) -> list[tuple[float, float] | None]:
        """The extents the derivative panel's y is fitted to: the chosen method's and the truth's whole, every
        other method's clipped to OTHERS_SLACK beyond them."""
        core = [self._derivative_extents.get(name) for name in ("exact", self._emphasised)]
        ends = [end for end in core if end is not None]
        if not ends:
            return list(self._derivative_extents.values())
        low, high = min(end[0] for end in ends), max(end[1] for end in ends)
        with np.errstate(over="ignore"):  # near the largest double the span is infinite: nothing is clipped
            slack = OTHERS_SLACK * max(high - low, abs(low), abs(high))
        others = [end for name, end in self._derivative_extents.items()
                  if name not in ("exact", self._emphasised) and end is not None]
        clipped = [(min(max(a, low - slack), high), max(min(b, high + slack), low)) for a, b in others]
        return [*ends, *clipped]

    def _fit_error_range(self) -> None:
        """y of the |error| (or spread) panel around what it draws, kept still while that stays inside (x
        follows the samples' panel): set, not auto-ranged, which ran inside each repaint and asked for a
        second one."""
        drawn = [item.yData for item in (*self.errors.values(), self.spread)]  # as given, before the log axis's
        ends = [extent(values) for values in drawn if values is not None and len(values)]
        decades = [np.log10(np.array(end)) for end in ends if end is not None]  # the range needs only these
        y_range = steady_range(self.error_plot.viewRange()[1], decades, below=0.3, above=0.5)
        if y_range is not None:
            self.error_plot.setYRange(*y_range, padding=0)

    def _show_method(self, name: str, result, error: np.ndarray | None) -> None:
        if result.fit is not None:
            self.fits[name].setData(result.t, result.fit)
        self.derivatives[name].setData(result.t, result.derivative)
        if error is not None:
            self.errors[name].setData(result.t, _positive(error))

    def show_compare(self, stage: CompareStage) -> None:
        """The other methods at their automatic settings, beside the chosen method's (show_chosen first)."""
        for name, result in stage.results.items():
            self._show_method(name, result, stage.errors.get(name))
            self._record(name, result)
        names = tuple(n for n in METHOD_NAMES if n in stage.results)
        self._legend(self.derivative_legend, self.derivatives, names)
        self._legend(self.data_legend, self.fits, tuple(n for n in names if stage.results[n].fit is not None))
        self._fit_ranges()
        if stage.spread is not None:
            first = next(iter(stage.results.values()))
            self.spread.setData(first.t, _positive(stage.spread))
        self._fit_error_range()
        self.scene().prepareForPaint()
        set_title(self.derivative_plot,
                  f"derivative by {self._emphasised} (wide) and the others at their automatic settings")
        self.shown_methods = names

    def show_sweep(self, stage: SweepStage) -> None:
        sweep = stage.sweep
        parameter = METHODS[sweep.method].parameter(sweep.parameter)
        log_x = parameter.log and not parameter.integer
        self.sweep_plot.setLogMode(x=log_x, y=True)
        self.sweep.setData(sweep.values, _positive(sweep.rmse))
        chosen_rmse = float(_positive(np.array([sweep.automatic_rmse]))[0])
        self.sweep_choice.setData([float(sweep.automatic_value)], [chosen_rmse])
        set_label(self.sweep_plot, "bottom", f"{sweep.method}: {parameter.label}")
        set_label(self.sweep_plot, "left", "RMSE of the derivative")
        set_title(self.sweep_plot, "error against smoothing (◆ automatic)")
        self.sweep_plot.enableAutoRange()


class DataControls(QWidget):
    """The data mode's controls: where the samples come from, the method and its parameters, progress."""

    cancelRequested = Signal()
    columnsChosen = Signal(int, int)  # the places of t and y in the column boxes (names may repeat)

    def __init__(self, model: InputModel, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = model
        self.source = QLabel("No data yet: File ▸ Open data (Ctrl+O), drop a file here, paste two columns "
                             "(Ctrl+Shift+V), or File ▸ Samples of f(x) with noise.")
        self.source.setWordWrap(True)
        self.notes = QLabel()
        self.notes.setWordWrap(True)
        self.notes.setStyleSheet("color: #7A4B00;")
        self.t_column = QComboBox()
        self.y_column = QComboBox()
        for box in (self.t_column, self.y_column):
            box.activated.connect(lambda _=0: self.columnsChosen.emit(self.t_column.currentIndex(),
                                                                        self.y_column.currentIndex()))
        self.order = QSpinBox()
        self.method = QComboBox()
        self.method.addItems(["auto", *METHOD_NAMES])
        for index, name in enumerate(METHOD_NAMES, start=1):
            self.method.setItemData(index, METHODS[name].summary, Qt.ItemDataRole.ToolTipRole)
        self.compare = QCheckBox("Compare every method (automatic settings)")
        self.parameters = QGroupBox("Parameters (empty: chosen from the data)")
        self.parameter_form = QFormLayout(self.parameters)
        self.parameter_boxes: dict[str, NumberBox] = {}
        self.reset = QPushButton("All automatic")
        self.reset.setToolTip("forget the values you set: every parameter chosen from the data again")
        self.reset.clicked.connect(lambda: self.model.update(parameters=()))
        self.reason = QLabel()
        self.reason.setWordWrap(True)
        self.reason.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.busy = BusyRow()
        self.busy.cancelRequested.connect(self.cancelRequested)

        where = QGroupBox("Samples")
        form = QFormLayout(where)
        form.addRow(self.source)
        form.addRow(self.notes)
        form.addRow("t column", self.t_column)
        form.addRow("y column", self.y_column)
        how = QGroupBox("Derivative")
        how_form = QFormLayout(how)
        how_form.addRow("Order (1 velocity, 2 acceleration)", self.order)
        how_form.addRow("Method", self.method)
        how_form.addRow(self.compare)
        column = QVBoxLayout(self)
        column.addWidget(where)
        column.addWidget(how)
        column.addWidget(self.parameters)
        column.addWidget(self.reset)
        column.addWidget(self.reason)
        column.addWidget(self.busy)
        column.addStretch(1)

        bind_box(model, "order", self.order)
        bind(model, "method", self.method.currentTextChanged, self.method.currentText, self.method.setCurrentText)
        bind(model, "compare", self.compare.toggled, self.compare.isChecked, self.compare.setChecked)

    def set_busy(self, busy: bool) -> None:
        self.busy.set_busy(busy)

    def show_source(self, samples: SampleSet) -> None:
        # The ends to the digits that place them in the span: epoch seconds read "1.7e+09 to 1.7e+09" to six.
        resolution = float(samples.t[-1] - samples.t[0]) * RANGE_RESOLUTION
        first, last = (resolved(value, resolution) for value in (samples.t[0], samples.t[-1]))
        self.source.setText(f"{samples.source}: {len(samples.t)} samples, t from {first} to {last}"
                            + ("; exact derivatives known" if samples.truth else ""))
        self.notes.setText("\n".join(samples.notes))
        self.notes.setVisible(bool(samples.notes))

    def show_columns(self, columns: tuple[str, ...], t_place: int, y_place: int, choosable: bool = True) -> None:
        """The columns to choose t and y from, t and y at these places among them."""
        for box, chosen in ((self.t_column, t_place), (self.y_column, y_place)):
            box.blockSignals(True)
            box.clear()
            box.addItems(list(columns))
            box.setCurrentIndex(chosen)
            box.setEnabled(choosable and len(columns) > 1)
            box.blockSignals(False)

    def show_parameters(self, method: str, used: dict[str, float], automatic: tuple[str, ...]) -> None:
        """One box per parameter of the method in use, holding the value used; editing one fixes it. The same
        method's boxes are kept and given the new values: made anew after each result, the box being stepped
        lost the keyboard's focus (a second Up went nowhere)."""
        parameters = METHODS[method].parameters
        title = f"Parameters of {method} (auto: chosen from the data)"
        if self.parameters.title() != title or list(self.parameter_boxes) != [p.name for p in parameters]:
            self._make_parameter_boxes(parameters)
            self.parameters.setTitle(title)
        for parameter in parameters:
            box = self.parameter_boxes[parameter.name]
            value = float(used.get(parameter.name, parameter.low))
            if box.value() != value:
                box.blockSignals(True)  # what was used, not an edit
                box.setValue(value)
                box.blockSignals(False)
            shown = self.parameter_form.labelForField(box)
            if isinstance(shown, QLabel):
                shown.setText(parameter.label + (" (auto)" if parameter.name in automatic else ""))

    def _make_parameter_boxes(self, parameters: tuple[Parameter, ...]) -> None:
        while self.parameter_form.rowCount():
            self.parameter_form.removeRow(0)
        self.parameter_boxes = {}
        for parameter in parameters:
            box = number_box(parameter.low)
            # the range before any value: number_box's (|value| up to 1e15) would clip a value used beyond it
            box.setRange(parameter.low, min(parameter.high, 1e300))
            box.setToolTip(parameter.help)
            if parameter.integer:
                box.setSingleStep(2 if parameter.odd else 1)
            box.valueChanged.connect(lambda value, name=parameter.name, whole=parameter.integer:
                                     self._parameter_set(name, int(round(value)) if whole else value))
            self.parameter_form.addRow(parameter.label, box)
            self.parameter_boxes[parameter.name] = box

    def _parameter_set(self, name: str, value: float) -> None:
        given = dict(self.model.state.parameters)
        given[name] = float(value)
        if self.model.state.method == "auto":  # a value for one method's parameter means that method
            method = next((m for m in METHOD_NAMES if any(p.name == name for p in METHODS[m].parameters)), "auto")
            self.model.update(method=method, parameters=tuple(given.items()))
        else:
            self.model.update(parameters=tuple(given.items()))


class DataView(QSplitter):
    """The data mode's page: controls on the left, panels on the right."""

    def __init__(self, model: InputModel, parent: QWidget | None = None):
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.controls = DataControls(model)
        scroll = ControlsScroll(self.controls)
        self.panels = DataPanels()
        self.addWidget(scroll)
        self.addWidget(self.panels)
        self.setStretchFactor(1, 1)
        self.setCollapsible(1, False)


__all__ = ["SWEPT", "DataControls", "DataPanels", "DataRequest", "DataView"]
