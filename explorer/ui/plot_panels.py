"""The three plots: f and its derivatives, |error| against x, and |error| against h; items are reused."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPen
from PySide6.QtWidgets import QGraphicsItem

from ..core.display import RANGE_RESOLUTION, resolved, resolved_all
from ..core.limits import MIN_STEP, SWEEP_MAX_STEP
from ..core.numeric.error_analysis import StepSweep
from ..core.pipeline import CurveResult, ErrorResult, SweepResult
from ..core.request import STEP_METHODS, DerivativeRequest, Method
from .formula_view import derivative_name
from .method_styles import EXACT_COLOR, FUNCTION_COLOR, MARKER_COLOR, METHOD_COLORS, method_pen
from .plot_style import TITLE_POINTS, let_title_squeeze, set_title, shortened, show_curve, style_axes

ERROR_FLOOR = 1e-18  # exact zeros are drawn here on the log axes (log 0 does not exist)
THEORY_HEADROOM = 100.0  # theory lines are cut this far above the largest measured error
OUTLIER_CUTS = (1.0, 2.5, 5.0, 10.0)  # percent cut from each end of panel 1's values, tried in turn
LEFT_AXIS_WIDTH = 64  # pixels: room for tick labels like -1.5e+06 and the axis title
RANGE_SLACK = 2.0  # decades an error axis may exceed its data before it is refitted
STEADY_SLACK = 1.5  # times the fitted height a linear axis kept still may be before it is refitted
DISPLAY_POINTS = 4000  # points per curve worth drawing (twice a wide panel's pixels)
ERROR_TITLES = {False: f"|error| against x (exact 0 drawn at {ERROR_FLOOR:g})",
                True: f"relative error against x (exact 0 drawn at {ERROR_FLOOR:g})"}
ROUNDOFF_LABELS = {False: "round-off ε|f|/hⁿ", True: "round-off + noise σ/hⁿ"}  # as the dotted lines are drawn
LEGEND_COLUMNS = 8  # at most (f and seven methods on one row); fewer when panel 1 is narrow
LEGEND_COLUMN_GAP = 12  # pixels a legend column needs beyond its widest entry
LEGEND_OFFSET = (10, 5)  # pixels from the top left corner of panel 1 to its legend
LEGEND_GAP = 6  # pixels between the legend (or the sweep line's label) and the nearest point of the curves
LABEL_LIFT = 2  # pixels between the bottom of panel 1 and the sweep line's label
BAND_ALPHA = 60  # of 255: estimated-error bands let the curves show through
HEADLINE_CHARS = 48  # of the function in the top panel's title; a longer one is cut there


def finite_or_nan(values: np.ndarray) -> np.ndarray:
    """values as float with ±inf replaced by NaN (gaps), so ranges and drawing ignore them."""
    values = np.asarray(values, dtype=float)
    return np.where(np.isfinite(values), values, np.nan)


def for_log_axis(values: np.ndarray, ceiling: float = math.inf) -> np.ndarray:
    """Positive values for a log axis: zeros raised to ERROR_FLOOR, NaN/inf and values above ceiling become gaps."""
    values = finite_or_nan(values)
    with np.errstate(invalid="ignore"):
        return np.where(values <= ceiling, np.maximum(values, ERROR_FLOOR), np.nan)


def robust_range(arrays: list[np.ndarray], top_share: float = 0.0,
                 bottom_share: float = 0.0) -> tuple[float, float] | None:
    """A y range holding the bulk of the finite values: next to poles, the spikes leave the view.

    The outer percentiles are cut further in (1%, then 2.5, 5, 10) while the middle 80% of the values
    would fill less than a third of the range, which is what a few points racing to infinity do.
    The top `top_share` and bottom `bottom_share` of the range are left free of values (for labels).
    """
    finite = [a[np.isfinite(a)] for a in arrays]
    values = np.concatenate(finite) if finite else np.empty(0)
    if values.size == 0:
        return None
    # Worked out in units of the largest |value|: near the double limit (exp(x) up to x = 709) the widths and
    # paddings overflowed to an infinite range, which pyqtgraph refuses; and a curve of size 1e-20 was judged
    # flat against an absolute 1e-12 and drawn as a line on a range of +-1.
    scale = float(np.max(np.abs(values))) or 1.0
    values = values / scale
    bulk_low, bulk_high = np.percentile(values, (10, 90))
    for cut in OUTLIER_CUTS:
        low, high = np.percentile(values, (cut, 100 - cut))
        if bulk_high - bulk_low >= (high - low) / 3:
            break
    if high - low < 1e-12:
        low, high = low - 1.0, high + 1.0
    else:
        pad = 0.05 * (high - low)
        low, high = _leave_free(low - pad, high + pad, min(max(top_share, 0.0), 0.5),
                                min(max(bottom_share, 0.0), 0.2))
    return _in_doubles(low, high, scale)


def _leave_free(low: float, high: float, top_share: float, bottom_share: float) -> tuple[float, float]:
    """low..high widened so that the values fill it but for its top and bottom shares (for labels, legends)."""
    whole = (high - low) / (1 - top_share - bottom_share)
    return low - bottom_share * whole, high + top_share * whole


def _in_doubles(low: float, high: float, scale: float) -> tuple[float, float]:
    """A range worked out in units of scale, back in the values' units: within half the largest double either
    way, so that its width is finite too (pyqtgraph refuses an infinite range)."""
    limit = np.finfo(float).max / 2
    with np.errstate(over="ignore"):
        return float(np.clip(low * scale, -limit, limit)), float(np.clip(high * scale, -limit, limit))


def decade_range(decades: list[np.ndarray], below: float = 0.3, above: float = 0.5) -> tuple[float, float] | None:
    """(low, high) of a log axis around values already in decades (log10_of), padded by below/above decades."""
    values = np.concatenate([np.ravel(a) for a in decades]) if decades else np.empty(0)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return None
    return float(values.min() - below), float(values.max() + above)


def steady_range(current: tuple[float, float], decades: list[np.ndarray], below: float, above: float,
                 slack: float = RANGE_SLACK) -> tuple[float, float] | None:
    """The range to set on a log axis for values in decades (decade_range with its padding), or None to keep
    `current`: while current still shows every value with at least half its padding and is at most `slack`
    decades taller than the fit. Dragging the slider then leaves the axis still instead of re-ticking it (and
    re-laying out every curve) at each move; a change beyond that refits."""
    fitted = decade_range(decades, below, above)
    if fitted is None:
        return None
    low, high = fitted[0] + below / 2, fitted[1] - above / 2
    holds = current[0] <= low and current[1] >= high
    if holds and (current[1] - current[0]) <= (fitted[1] - fitted[0]) + slack:
        return None
    return fitted


LABELS_SHARE = 0.9  # of a horizontal axis' length its tick labels may take
LABEL_GAP = 8.0  # pixels between two tick labels
SPREAD_TRIES = 6  # at most 10^2 times pyqtgraph's spacing


class PanelAxis(pg.AxisItem):
    """Every panel's axis. Linear ticks get the digits that tell them apart: pyqtgraph writes six, so every tick
    between 1e8 and 1e8 + 1 read "1e+08". A log axis gets a grid line per power of ten only: pyqtgraph's
    2..9 of every decade make grey bands."""

    least_width: int | None = None  # a vertical axis' width while its tick labels fit in it (hold_width)

    def hold_width(self, width: int) -> None:
        """Keep a vertical axis `width` pixels wide, wider only while its tick labels need more room. A width
        following every new function's labels re-lays out the panels (a second full repaint); a fixed one made
        pyqtgraph leave out every label wider than the axis: exp(x) on [1e-9, 2e-9], ticked 1.0000000012 and
        so on, had a value axis without a single number."""
        self.least_width = width
        self.setWidth(width)

    def _updateWidth(self):  # noqa: N802 - pyqtgraph's name
        if self.least_width is not None:
            # pyqtgraph's own sum for an axis sized to its labels (textWidth: the widest label last drawn)
            needed = self.textWidth + self.style["tickTextOffset"][0] + max(0, self.style["tickLength"])
            if self.label.isVisible():
                needed += self.label.boundingRect().height() * 0.8
            self.fixedWidth = max(self.least_width, math.ceil(needed))
        super()._updateWidth()

    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph's name
        labels = super().tickStrings(values, scale, spacing)  # log axes: logTickStrings below
        if self.logMode or len(set(labels)) == len(labels):
            return labels
        return resolved_all([value * scale for value in values])

    def tickSpacing(self, minVal, maxVal, size):  # noqa: N802, N803 - pyqtgraph's names
        """pyqtgraph's spacing, with the labelled ticks spread out (1, 2, 5 times 10^k) until their labels take
        at most LABELS_SHARE of a horizontal axis: pyqtgraph draws every major label, and "100000000.2" next
        to "100000000.4" overlapped in a narrow panel."""
        levels = super().tickSpacing(minVal, maxVal, size)
        if self.logMode or self.orientation not in ("bottom", "top") or not levels or size <= 0:
            return levels
        metrics = QFontMetricsF(self.style["tickFont"] or self.font())

        def ticks(spacing: float) -> list[float]:
            first = math.ceil((minVal - offset) / spacing) * spacing + offset
            return [first + k * spacing for k in range(int((maxVal - first) / spacing) + 1)]

        spacing, offset = levels[0]
        for _ in range(SPREAD_TRIES):
            values = ticks(spacing)
            texts = self.tickStrings(values, self.scale, spacing)
            if sum(metrics.horizontalAdvance(text) + LABEL_GAP for text in texts) <= LABELS_SHARE * size:
                break
            wider = spacing * (2.5 if f"{spacing:.1e}"[0] == "2" else 2)  # 1 -> 2 -> 5 -> 10
            if len(ticks(wider)) < 2:  # two labels at least, crowded or not
                break
            spacing = wider
        return [(spacing, offset), *levels[1:]] if spacing != levels[0][0] else levels

    def logTickValues(self, minVal, maxVal, size, stdTicks):  # noqa: N802, N803 - pyqtgraph's names
        decades = [(spacing, values) for spacing, values in stdTicks if spacing >= 1.0]
        return decades or super().logTickValues(minVal, maxVal, size, stdTicks)

    def logTickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph's name
        """Every power of ten written the same way (10⁻⁴, not 0.0001 next to 10⁻⁶); on a range of less than
        a decade, where pyqtgraph ticks every 2..9, only 1, 2 and 5 are labelled (the others overlapped)."""
        if not all(float(v).is_integer() for v in values):
            labels = super().logTickStrings(values, scale, spacing)
            leading = [round(10 ** (float(v) - math.floor(float(v))), 6) for v in values]
            return [text if lead in (1.0, 2.0, 5.0) else "" for text, lead in zip(labels, leading, strict=True)]
        return [power_of_ten(int(v)) for v in values]


def panel_axes() -> dict[str, PanelAxis]:
    """The bottom and left axes of a new plot (`addPlot(axisItems=...)`); setLogMode makes either a log axis."""
    return {"bottom": PanelAxis("bottom"), "left": PanelAxis("left")}


def optimum_tip(x: float, y: float, data: object) -> str:
    """The tool tip of an h* diamond (its position is in decades on both axes)."""
    return f"{data}\nh* = {10 ** x:.2g}\n|error| there = {10 ** y:.2g}"


def power_of_ten(exponent: int) -> str:
    """1, 10, 10², 10⁻⁵ ... as a tick label."""
    if exponent in (0, 1):
        return "1" if exponent == 0 else "10"
    return "10" + str(exponent).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))


def log10_of(values: np.ndarray, ceiling: float = math.inf) -> np.ndarray:
    """values in the units of a log axis (decades), after for_log_axis."""
    return np.log10(for_log_axis(values, ceiling))


def _curve(plot: pg.PlotItem, pen: QPen) -> pg.PlotCurveItem:
    # PlotCurveItem rather than PlotDataItem: ~8x cheaper to refill, and log axes are handled here
    # (values are passed in decades), so ~30 refills per update stay within a few milliseconds.
    item = pg.PlotCurveItem(pen=pen, connect="finite")
    plot.addItem(item)
    return item


def for_display(x: np.ndarray, y: np.ndarray, limit: int = DISPLAY_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """At most about `limit` points to draw: each bin of neighbouring points keeps its lowest and highest
    value, so spikes and gaps survive. More points than pixels only cost drawing time (200k points took
    220 ms a repaint); exports and the CSV keep every point."""
    if x.size <= limit:
        return x, y
    per_bin = -(-x.size // (limit // 2))
    bins = x.size // per_bin
    cut = bins * per_bin
    values = y[:cut].reshape(bins, per_bin)
    edges = x[:cut].reshape(bins, per_bin)[:, [0, -1]]
    extremes = np.column_stack([np.fmin.reduce(values, axis=1), np.fmax.reduce(values, axis=1)])
    return np.concatenate([edges.ravel(), x[cut:]]), np.concatenate([extremes.ravel(), y[cut:]])


def connections(y: np.ndarray, span: float) -> np.ndarray | str:
    """For each point, whether a line joins it to the next: not across a gap, and not across a pole,
    where the values leap from beyond one edge of a view `span` tall to beyond the other (tan at pi/2).
    "finite" when there is no pole: pyqtgraph draws that case on a path several times faster."""
    finite = np.isfinite(y)
    with np.errstate(invalid="ignore"):
        leap = (np.sign(y[:-1]) != np.sign(y[1:])) & (np.minimum(np.abs(y[:-1]), np.abs(y[1:])) > span)
    if not leap.any():
        return "finite"
    return np.append(finite[:-1] & finite[1:] & ~leap, False)


def _fill(band: pg.FillBetweenItem, x: np.ndarray, low: np.ndarray, high: np.ndarray) -> None:
    """Give a band new edges; points where either edge is undefined are left out of both (a gap)."""
    keep = np.isfinite(low) & np.isfinite(high)
    low, high = np.where(keep, low, np.nan), np.where(keep, high, np.nan)
    xs, low = for_display(x, low)
    _, high = for_display(x, high)
    band.curves[0].setData(xs, low, connect="finite")
    band.curves[1].setData(xs, high, connect="finite")


def _fitting_title(plot: pg.PlotItem, wordings: Sequence[str]) -> str:
    """The first (fullest) of wordings whose text fits the panel's width, else the last (shortest): a title
    wider than its panel is cut at both ends, and its end (where the sweep is, the step taken) matters."""
    font = QFont(plot.titleLabel.item.font())
    font.setPointSizeF(TITLE_POINTS)
    metrics = QFontMetricsF(font)
    # The title is centred over the plot area, not over the axis beside it: measured against the whole panel,
    # a title wider than the plot area by less than the axis ran out of the window at the right.
    title_width = plot.titleLabel.geometry().width()
    room = (title_width if title_width > 0 else plot.width()) - 8  # the text's margins
    return next((text for text in wordings if metrics.horizontalAdvance(text) <= room), wordings[-1])


def fit_legend_columns(legend: pg.LegendItem, room: float) -> bool:
    """Give legend as many columns (up to LEGEND_COLUMNS) as fit in room pixels, so it takes as few rows
    (and hides as little) as it can; True if that changed it."""
    if not legend.items:
        return False
    widest = max(sample.boundingRect().width() + label.boundingRect().width() for sample, label in legend.items)
    columns = int(max(1, min(LEGEND_COLUMNS, room // (widest + LEGEND_COLUMN_GAP))))
    if columns == legend.columnCount:
        return False
    legend.setColumnCount(columns)
    return True


def extent(values: np.ndarray) -> tuple[float, float] | None:
    """(least, greatest) of the finite values, None when there are none."""
    finite = values[np.isfinite(values)]
    return (float(finite.min()), float(finite.max())) if finite.size else None


class RoomForLegend:
    """Keeps a plot's y range holding its curves with room above them for the legend's rows, so the legend
    sits over empty space instead of over the curves' start; fitted again when the panel changes size (the
    legend's share of it changes), until the user zooms or pans. x follows the data (auto range) unless
    follow_x is False (the caller sets it)."""

    def __init__(self, plot: pg.PlotItem, legend: pg.LegendItem, follow_x: bool = True):
        self.plot, self.legend, self.follow_x = plot, legend, follow_x
        self._extents: list[tuple[float, float]] = []
        self._fitted = False
        plot.vb.sigResized.connect(self._resized)
        plot.vb.sigRangeChangedManually.connect(self._user_moved)

    def fit(self, extents: list[tuple[float, float] | None], steady: bool = False) -> None:
        """Fit y to the (least, greatest) extents of what the plot shows (None: nothing of that curve).
        steady: keep the current range while it still holds them with half their margins and is at most
        STEADY_SLACK times as tall as the fit (a control dragged: the axis stays still, and what is kept
        as a picture stays valid, instead of a new range at every move)."""
        self._extents = [e for e in extents if e is not None]
        if self.follow_x and not self.plot.vb.autoRangeEnabled()[0]:
            self.plot.enableAutoRange(axis="x")
        self._apply(steady)

    def _apply(self, steady: bool = False) -> None:
        plot, legend = self.plot, self.legend
        if not self._extents:
            plot.enableAutoRange(axis="y")
            self._fitted = False
            return
        fit_legend_columns(legend, plot.vb.width() - 2 * LEGEND_OFFSET[0])
        # In units of the largest |value| (as robust_range): widths of values near 1e308 overflow, and a
        # curve of size 1e-300 is not flat.
        low, high = min(e[0] for e in self._extents), max(e[1] for e in self._extents)
        scale = max(abs(low), abs(high)) or 1.0
        low, high = low / scale, high / scale
        pad = 0.05 * (high - low) if high - low > 1e-12 else 1.0
        view_height = plot.vb.height()
        share = 0.3 if view_height <= 0 else \
            min(0.5, (LEGEND_OFFSET[1] + legend.boundingRect().height() + LEGEND_GAP) / view_height)
        fitted = _in_doubles(*_leave_free(low - pad, high + pad, share, 0.0), scale)
        if steady and self._fitted:
            needed = _in_doubles(*_leave_free(low - pad / 2, high + pad / 2, share, 0.0), scale)
            current = plot.viewRange()[1]
            if current[0] <= needed[0] and current[1] >= needed[1] and \
                    current[1] - current[0] <= STEADY_SLACK * (fitted[1] - fitted[0]):
                return
        plot.setYRange(*fitted, padding=0)
        self._fitted = True

    def _resized(self, *_args) -> None:
        if self._fitted:
            self._apply()

    def _user_moved(self, *_args) -> None:
        self._fitted = False


class PlotPanels(pg.GraphicsLayoutWidget):
    """One scene holding the three panels, so a single render exports all of them."""

    painted = Signal()  # a repaint finished: what the panels hold is on screen
    probeMoved = Signal(float)  # the user dragged the sweep's x to a new place

    def __init__(self, parent=None):
        super().__init__(parent, show=False)
        self.setBackground("w")
        self.curves_plot = self._add_plot(0, 0, "f and its derivative", "x", "value", colspan=2)
        self.error_plot = self._add_plot(1, 0, ERROR_TITLES[False], "x", "|error|",
                                         log_y=True)
        self.sweep_plot = self._add_plot(1, 1, "|error| against step h", "h (base step: at x, h·max(|x|, s₀))",
                                         "|error|", log_x=True, log_y=True)
        self.ci.layout.setRowStretchFactor(0, 3)
        self.ci.layout.setRowStretchFactor(1, 2)
        # Ranges are set from the data when it arrives: auto-range runs while painting and its range
        # change then asks for a second full repaint of every panel.
        for plot in (self.curves_plot, self.error_plot, self.sweep_plot):
            plot.disableAutoRange()
        self.sweep_plot.setXRange(math.log10(MIN_STEP), math.log10(SWEEP_MAX_STEP), padding=0.02)
        # One x: zooming either shows the same stretch in both. (setXLink aligns by pixel position, and
        # the error panel is half as wide, so it would show half the range.)
        for source, target in ((self.curves_plot, self.error_plot), (self.error_plot, self.curves_plot)):
            source.sigXRangeChanged.connect(lambda _, x_range, target=target: target.setXRange(*x_range, padding=0))

        self.curves_legend = self.curves_plot.addLegend(offset=LEGEND_OFFSET, labelTextColor="k",
                                                        brush=(255, 255, 255, 150), colCount=LEGEND_COLUMNS)
        # Curves over the x grid are drawn 1 px wide: Qt's raster engine draws wider lines ~4x slower,
        # which was most of a frame's time at N = 2000. Only the exact curve is wide, underneath the rest.
        self.function_item = _curve(self.curves_plot, pg.mkPen(FUNCTION_COLOR, width=1, style=Qt.PenStyle.DashLine))
        self.curves_legend.addItem(self.function_item, "f(x)")
        self.curve_items = {m: _curve(self.curves_plot, self._measured_pen(m)) for m in Method}
        self.error_items = {m: _curve(self.error_plot, method_pen(m, 1.0)) for m in Method}
        self.sweep_items = {m: _curve(self.sweep_plot, method_pen(m, 2.0)) for m in Method}
        self.truncation_items = {m: _curve(self.sweep_plot, method_pen(m, 1.2, Qt.PenStyle.DashLine)) for m in Method}
        self.roundoff_items = {m: _curve(self.sweep_plot, method_pen(m, 1.2, Qt.PenStyle.DotLine)) for m in Method}
        # Each step method's estimated error (View > Estimated error bands): its value ± the estimate in the
        # top panel, and in the |error| panel a band from the measured error to the estimate, so a miss shows
        # as the band turning under the curve. Built only while shown.
        self.show_bands = False
        self.band_items: dict[Method, tuple[pg.FillBetweenItem, pg.FillBetweenItem]] = {}
        for method in STEP_METHODS:
            color = QColor(METHOD_COLORS[method])
            color.setAlpha(BAND_ALPHA)
            bands = (pg.FillBetweenItem(pg.PlotCurveItem(), pg.PlotCurveItem(), brush=pg.mkBrush(color)),
                     pg.FillBetweenItem(pg.PlotCurveItem(), pg.PlotCurveItem(), brush=pg.mkBrush(color)))
            for band, plot in zip(bands, (self.curves_plot, self.error_plot), strict=True):
                band.setZValue(0.5)
                band.setVisible(False)
                plot.addItem(band, ignoreBounds=True)
            self.band_items[method] = bands
        # One scatter item for every method's h*: each scatter item costs ~1 ms to fill and to paint.
        self.optimum_item = pg.ScatterPlotItem(symbol="d", size=11, pen="k", hoverable=True, tip=optimum_tip)
        self.sweep_plot.addItem(self.optimum_item)
        self.optimum_methods: tuple[Method, ...] = ()  # whose h* each point of optimum_item is
        self._optima = np.empty((0, 2))  # (h*, error there) of each, as drawn
        for item in self.curve_items.values():
            item.setZValue(2)
        self.curve_items[Method.SYMBOLIC].setZValue(1)  # the wide exact curve underneath the estimates
        # What a slider move leaves alone is kept as a picture and copied at each repaint: the wide exact curve
        # (a wide line is Qt's slowest to draw, about a fifth of a repaint) and the error-against-h curves.
        for item in (self.curve_items[Method.SYMBOLIC], *self.sweep_items.values(),
                     *self.truncation_items.values(), *self.roundoff_items.values()):
            item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self._legend_methods: tuple[Method, ...] = ()
        self._add_sweep_legend()

        self.h_marker = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(MARKER_COLOR, width=1.5),
                                        # At the top: at the slider's h the errors are usually far below it.
                                        label="h", labelOpts={"position": 0.9, "color": MARKER_COLOR,
                                                              "fill": (255, 255, 255, 200)})
        self.sweep_plot.addItem(self.h_marker, ignoreBounds=True)
        # Where the error-against-h sweep is taken: drag it on the top panel, mirrored on |error| against x.
        probe_pen = pg.mkPen(MARKER_COLOR, width=1.5, style=Qt.PenStyle.DashLine)
        self.probe_line = pg.InfiniteLine(angle=90, movable=True, pen=probe_pen,
                                          hoverPen=pg.mkPen(MARKER_COLOR, width=3), label="sweep at x",
                                          labelOpts={"position": 0.01, "color": MARKER_COLOR,
                                                     "fill": (255, 255, 255, 200), "anchors": [(0, 1), (0, 1)]})
        self.probe_line.setToolTip("drag to choose the x where error is measured against h")
        self.probe_line.sigDragged.connect(lambda line: self.probeMoved.emit(float(line.value())))
        self.curves_plot.addItem(self.probe_line, ignoreBounds=True)
        self.error_probe_line = pg.InfiniteLine(angle=90, movable=False, pen=probe_pen)
        self.error_plot.addItem(self.error_probe_line, ignoreBounds=True)
        self.step = math.nan
        self.relative = False  # errors drawn relative to |exact derivative| rather than absolute
        self.curves: CurveResult | None = None
        self.about = ""  # what the curves are of (DerivativeRequest.summary), for exported files
        self._expression = ""  # the function the curves are of, for the title
        self._order = 1  # of the derivative in self.curves
        self.errors: ErrorResult | None = None
        self.sweep: SweepResult | None = None
        self._batching = False  # inside batch(): views are settled at its end
        self._sweep_titles: tuple[str, ...] = ()  # the sweep panel's title, fullest wording first
        self._sweep_drawn: tuple[StepSweep, bool, float] | None = None  # what the sweep panel shows, and how

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().paintEvent(event)
        self.painted.emit()

    # -- construction ----------------------------------------------------
    def _add_plot(self, row: int, col: int, title: str, x_label: str, y_label: str, colspan: int = 1,
                  log_x: bool = False, log_y: bool = False) -> pg.PlotItem:
        plot = self.addPlot(row=row, col=col, colspan=colspan, axisItems=panel_axes())
        let_title_squeeze(plot)
        plot.setLogMode(x=log_x, y=log_y)
        set_title(plot, title)
        plot.setLabel("bottom", x_label)
        plot.setLabel("left", y_label)
        style_axes(plot)
        # A left axis sized to its tick labels re-lays out the panels when they change, and that is a
        # second full repaint for every new function.
        plot.getAxis("left").hold_width(LEFT_AXIS_WIDTH)
        return plot

    @staticmethod
    def _measured_pen(method: Method) -> QPen:
        if method is Method.SYMBOLIC:
            pen = method_pen(method, 5.0)
            pen.setColor(QColor(EXACT_COLOR))  # opaque: translucent wide lines are slow to draw
            return pen
        return method_pen(method, 1.0)

    def _add_sweep_legend(self) -> None:
        # Under the panel, not in it: every corner of an error-against-h plot holds data or a theory line.
        legend = pg.LegendItem(labelTextColor="k", colCount=4, horSpacing=12)
        self.addItem(legend, row=2, col=0, colspan=2)
        self.ci.layout.setAlignment(legend, Qt.AlignmentFlag.AlignRight)
        grey = "#555555"
        legend.addItem(pg.PlotDataItem(pen=pg.mkPen(grey, width=2)), "measured")
        legend.addItem(pg.PlotDataItem(pen=pg.mkPen(grey, width=1.2, style=Qt.PenStyle.DashLine)), "truncation C·hᵖ")
        legend.addItem(pg.PlotDataItem(pen=pg.mkPen(grey, width=1.2, style=Qt.PenStyle.DotLine)),
                       ROUNDOFF_LABELS[False])
        legend.addItem(pg.PlotDataItem(pen=None, symbol="d", symbolSize=11, symbolBrush=grey, symbolPen="k"),
                       "optimum h*")
        legend.setMaximumWidth(legend.boundingRect().width())
        self.sweep_legend = legend

    def describe(self, request: DerivativeRequest) -> None:
        """Take note of what the panels are about to show: for exported files, and for the sweep legend,
        which says whether its dotted lines are round-off alone or round-off and noise."""
        self.about = request.summary()
        self._expression = request.expression
        label = self.sweep_legend.items[2][1]
        wanted = ROUNDOFF_LABELS[request.noise > 0]
        if label.text != wanted:
            label.setText(wanted)
            self._fit_legend_columns()

    def _show_in_legend(self, methods: tuple[Method, ...]) -> None:
        if methods == self._legend_methods:
            return
        for method in self._legend_methods:
            self.curves_legend.removeItem(self.curve_items[method])
        for method in methods:
            # The short names of the CLI and the CSV columns: full labels made the legend cover a third of a
            # small window's panel; the method list beside the plots has them with the same colours.
            self.curves_legend.addItem(self.curve_items[method], method.value)
        self._legend_methods = methods
        self._fit_legend_columns()

    def _fit_legend_columns(self) -> None:
        """As many legend columns as there is room for (up to LEGEND_COLUMNS): over panel 1, fewer rows
        hide fewer curves; under the sweep, a legend wider than the window would push the panel out of it."""
        if getattr(self, "sweep_legend", None) is None:  # resizeEvent comes already during construction
            return
        if self.curves_plot.vb.width() > 0:
            fit_legend_columns(self.curves_legend, self.curves_plot.vb.width() - 2 * LEGEND_OFFSET[0])
        if fit_legend_columns(self.sweep_legend, self.width() - 2 * LEGEND_OFFSET[0]):
            self.sweep_legend.setMaximumWidth(16777215)  # let it take its new shape, then hold it there
            self.sweep_legend.updateSize()
            self.sweep_legend.setMaximumWidth(self.sweep_legend.boundingRect().width())

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if not self.closed:  # close() clears the scene first, then resizes: the legend is gone by then
            self._fit_legend_columns()
            if getattr(self, "_sweep_titles", ()):  # (pyqtgraph resizes before __init__ has set it)
                set_title(self.sweep_plot, _fitting_title(self.sweep_plot, self._sweep_titles))

    # -- updates (GUI thread) --------------------------------------------
    def show_curves(self, result: CurveResult, order: int, fit_view: bool) -> None:
        """Draw f and each method's derivative; fit the y range to the data when fit_view."""
        self.curves, self._order = result, order
        function = finite_or_nan(result.f)
        shown = {m: finite_or_nan(values) for m, values in result.derivatives.items()}
        self._show_in_legend(tuple(shown))  # first: its height decides the room left above the curves
        if fit_view:
            self.curves_plot.setXRange(float(result.x[0]), float(result.x[-1]), padding=0.01)
            self.probe_line.setBounds((float(result.x[0]), float(result.x[-1])))
            y_range = robust_range([shown[m] for m in shown] + [function], *self._label_shares())
            if y_range is not None:
                self.curves_plot.setYRange(*y_range, padding=0)
        low, high = self.curves_plot.viewRange()[1]
        for item, values in ((self.function_item, function), *((i, shown.get(m)) for m, i in self.curve_items.items())):
            if values is None:
                show_curve(item, None, None)
            else:
                x, y = for_display(result.x, values)
                show_curve(item, x, y, connections(y, high - low))
        set_title(self.curves_plot, self.headline(order))
        if result.reference is None:
            self.clear_errors()
        else:
            self._draw_bands()  # the last request's bands go until this one's estimates come
        self._settle_views()

    def headline(self, order: int, step: float | None = None) -> str:
        """The top panel's title: the function, which derivative, and (for a file) the step."""
        expression = shortened(self._expression, HEADLINE_CHARS)
        title = f"f(x) = {expression} and {derivative_name(order)} by each method" if expression else \
            f"f(x) and {derivative_name(order)} by each method"
        return title if step is None else f"{title}, h = {step:.3g}"

    def visible_x_range(self) -> tuple[float, float]:
        """The stretch of x the top two panels show (after the user zoomed or panned)."""
        low, high = self.curves_plot.viewRange()[0]
        return float(low), float(high)

    def fit_view(self) -> None:
        """Undo zooming and panning: show the whole computed range, y fitted to the curves."""
        if self.curves is not None:
            self.show_curves(self.curves, self._order, fit_view=True)

    def _label_shares(self) -> tuple[float, float]:
        """The fractions of panel 1's height its legend takes at the top and the sweep line's label at the
        bottom, so no curve runs under either; the label is put in its place."""
        view_height = self.curves_plot.vb.height()
        if view_height <= 0:
            return 0.3, 0.05  # not laid out yet
        self.probe_line.label.setPosition(LABEL_LIFT / view_height)
        legend = LEGEND_OFFSET[1] + self.curves_legend.boundingRect().height() + LEGEND_GAP
        label = LABEL_LIFT + self.probe_line.label.boundingRect().height() + LEGEND_GAP
        return legend / view_height, label / view_height

    def set_relative(self, relative: bool) -> None:
        """Draw errors relative to |exact derivative| (True) or absolute (False), redrawing what is shown."""
        if relative == self.relative:
            return
        self.relative = relative
        label = "relative error" if relative else "|error|"
        for plot in (self.error_plot, self.sweep_plot):
            plot.setLabel("left", label)
        set_title(self.error_plot, ERROR_TITLES[relative])
        if self.errors is not None:
            self.show_errors(self.errors)
        if self.sweep is not None:
            self.show_sweep(self.sweep)

    def show_errors(self, result: ErrorResult) -> None:
        """Draw |error| (or relative error) against x for every compared method."""
        self.errors = result
        shown = result.relative if self.relative else result.absolute
        decades = {method: log10_of(errors) for method, errors in shown.items()}
        for method, item in self.error_items.items():
            show_curve(item, *((None, None) if method not in decades else for_display(result.x, decades[method])))
        y_range = steady_range(self.error_plot.viewRange()[1], list(decades.values()), below=0.3, above=1.0)
        if y_range is not None:
            self.error_plot.setYRange(*y_range, padding=0)
        self._draw_bands()
        self._settle_views()

    def set_bands(self, shown: bool) -> None:
        """Show (or hide) each step method's estimated error as a band: the value ± estimate in the top panel,
        and from the measured error up to the estimate in the |error| panel."""
        self.show_bands = shown
        self._draw_bands()

    def _draw_bands(self) -> None:
        curves, errors = self.curves, self.errors
        estimated = errors.estimated if errors is not None and curves is not None and \
            errors.request_id == curves.request_id else {}
        reference = None
        if self.relative and curves is not None and curves.reference is not None:
            reference = np.abs(curves.derivatives.get(curves.reference, np.nan))
        for method, (around_value, above_error) in self.band_items.items():
            estimate = estimated.get(method) if self.show_bands else None
            value = curves.derivatives.get(method) if curves is not None and estimate is not None else None
            around_value.setVisible(value is not None)
            above_error.setVisible(value is not None and errors is not None and method in errors.absolute)
            if value is None:
                continue
            assert curves is not None and errors is not None and estimate is not None
            _fill(around_value, curves.x, value - estimate, value + estimate)
            measured = (errors.relative if self.relative else errors.absolute).get(method)
            if measured is not None:
                with np.errstate(all="ignore"):
                    shown = estimate / reference if reference is not None else estimate
                _fill(above_error, curves.x, log10_of(measured), log10_of(shown))

    def show_sweep(self, result: SweepResult) -> None:
        """Draw |error| (or relative error) against h with theory lines and each method's h*."""
        self.sweep = result
        sweep = result.sweep
        # Relative to the exact derivative at the probe: the same curves, divided by one number.
        relative = self.relative and math.isfinite(result.exact) and result.exact != 0
        scale = 1 / abs(result.exact) if relative else 1.0
        # A slider move brings the same sweep (kept per request without its step): only h moves.
        drawn = (sweep, self.relative, scale)
        if self._sweep_drawn is not None and self._sweep_drawn[0] is sweep and self._sweep_drawn[1:] == drawn[1:]:
            self.set_step(result.step)
            return
        self._sweep_drawn = drawn
        finite = [e[np.isfinite(e)] * scale for e in sweep.errors.values()]
        measured = any(f.size for f in finite)
        self._sweep_titles = self._sweep_wordings(sweep, relative, measured)
        set_title(self.sweep_plot, _fitting_title(self.sweep_plot, self._sweep_titles))
        largest = max((float(f.max()) for f in finite if f.size), default=1.0)
        # Theory lines explain measured errors; with none (a probe where f is undefined) they go too.
        ceiling = max(largest, ERROR_FLOOR) * THEORY_HEADROOM if measured else -math.inf
        log_h = np.log10(sweep.h)
        decades = {method: log10_of(errors * scale) for method, errors in sweep.errors.items()}
        for method in Method:
            show_curve(self.sweep_items[method], log_h, decades.get(method))
            for items, lines in ((self.truncation_items, sweep.truncation), (self.roundoff_items, sweep.roundoff)):
                line = lines.get(method)
                show_curve(items[method], log_h, None if line is None else log10_of(line * scale, ceiling))
        self._show_optima(tuple(m for m in Method if m in sweep.optimum), sweep, scale)
        # The measured errors and h* decide the range; theory lines may leave it (they are guides).
        y_range = steady_range(self.sweep_plot.viewRange()[1], list(decades.values()), below=0.5, above=1.0)
        if y_range is not None:
            self.sweep_plot.setYRange(*y_range, padding=0)
        self.set_step(result.step)
        if not self.probe_line.moving:  # a drag in progress wins over the sweep it asked for
            self.probe_line.setValue(sweep.probe)
        self.error_probe_line.setValue(sweep.probe)
        self._settle_views()

    def _show_optima(self, methods: tuple[Method, ...], sweep: StepSweep, scale: float) -> None:
        """Each method's h* as a point; the same points again are left alone (a slider move keeps the sweep,
        and refilling a scatter item costs about as much as drawing it)."""
        optima = np.array([sweep.optimum[m] for m in methods]).reshape(-1, 2) * [1.0, scale]
        if methods == self.optimum_methods and np.array_equal(optima, self._optima):
            return
        self.optimum_methods, self._optima = methods, optima
        self.optimum_item.setData(np.log10(optima[:, 0]), log10_of(optima[:, 1]),
                                  brush=[pg.mkBrush(METHOD_COLORS[m]) for m in methods],
                                  data=[m.label for m in methods])

    def _sweep_wordings(self, sweep: StepSweep, relative: bool, measured: bool) -> tuple[str, ...]:
        """The sweep panel's title, fullest first: what is measured, where, and the step taken there."""
        error = "relative error" if relative else "|error|"
        # As many digits as tell the probe's place within the x range (1e8 + 0.3 is not "1e+08").
        shown_x = extent(self.curves.x) if self.curves is not None else None
        span = shown_x[1] - shown_x[0] if shown_x is not None else 0.0
        where = f"x = {resolved(sweep.probe, span * RANGE_RESOLUTION, least=4)}"
        where += "" if measured else ": no derivative there"
        if self.relative and not relative and measured:
            where += " (absolute: f⁽ⁿ⁾ is 0 here)"
        # The slider's h is a base step: say what it is multiplied by here.
        step = f", step h·{sweep.scale:.3g}" if sweep.scale != 1.0 else ""
        tight = where.replace(" = ", "=", 1) + (f", h·{sweep.scale:.2g}" if sweep.scale != 1.0 else "")
        return (f"{error} against step h at {where}{step}", f"{error} against h at {where}{step}",
                f"{error} at {where}{step}", f"{error} at {tight}")

    def _settle_views(self) -> None:
        """Apply new view ranges now rather than inside the next paint, where their knock-on updates of
        every curve would ask for a second full repaint (once per batch, inside `batch`)."""
        if not self._batching:
            self.scene().prepareForPaint()

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Draw several stages as one: the views are settled once at the end, not after each stage."""
        self._batching = True
        try:
            yield
        finally:
            self._batching = False
            self._settle_views()

    def set_step(self, step: float) -> None:
        """Move the current-h marker (the sweep's x axis is log10 h)."""
        self.step = step
        self.h_marker.setValue(math.log10(step))
        self.h_marker.label.setFormat(f"h = {step:.2g}")

    def clear_errors(self) -> None:
        """Empty the error panels (no reference to measure against)."""
        self.errors = self.sweep = self._sweep_drawn = None
        for items in (self.error_items, self.sweep_items, self.truncation_items, self.roundoff_items):
            for item in items.values():
                show_curve(item, None, None)
        self.optimum_item.setData([], [])
        self.optimum_methods, self._optima = (), np.empty((0, 2))
        self._draw_bands()
