"""The look every panel's axes share: black axes and labels, light opaque grid lines under the curves."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from .method_styles import GRID_COLOR

TITLE_POINTS = 11.0  # a panel title's size


def set_title(plot: pg.PlotItem, text: str, points: float = TITLE_POINTS) -> None:
    """Set a panel's title in black; the same text again is skipped (a new title re-lays out its panel)."""
    if plot.titleLabel.text != text:
        plot.setTitle(text, color="k", size=f"{points:g}pt")


def set_label(plot: pg.PlotItem, axis: str, text: str) -> None:
    """Set an axis label; the same text again is skipped (a new label re-lays out the panel's axes)."""
    if plot.getAxis(axis).labelText != text:
        plot.setLabel(axis, text)


def shortened(text: str, limit: int) -> str:
    """text cut to limit characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def style_axes(plot: pg.PlotItem, grid: bool = True) -> None:
    """Black axes and tick labels, no SI prefix ("(x1e-12)" beside a log axis reads as a unit), and with grid
    light grey grid lines at the major ticks, opaque: translucent ones (pyqtgraph's alpha) made Qt's raster
    engine blend every line on every repaint, several milliseconds per panel."""
    if grid:
        plot.showGrid(x=True, y=True, alpha=1.0)
    for name in ("top", "right"):  # hidden, but linked: each range change would re-lay out their labels
        plot.getAxis(name).enableAutoSIPrefix(False)
    for name in ("bottom", "left"):
        axis = plot.getAxis(name)
        axis.setPen("k")
        axis.setTextPen("k")
        axis.enableAutoSIPrefix(False)
        if grid:
            axis.setTickPen(pg.mkPen(GRID_COLOR))
            axis.setStyle(tickAlpha=255, maxTickLevel=1)
            axis.setZValue(-1000)  # opaque grid lines must lie under the curves, not over them


def let_title_squeeze(plot: pg.PlotItem) -> None:
    """Keep a title from setting its panel's minimum width to its text's width (pyqtgraph does so on
    every text change and resize): two long titles side by side made the scene wider than a narrow
    window, and the sweep panel was cut off at the right. Squeezed, the title's ends are cut instead.

    Nor its preferred width: panels side by side share a row by their preferred widths, so the longer
    title took the wider panel, and a title shortened to fit its panel shrank the panel further (at
    1024 x 700 the error-against-h panel lost its axis title's end). Side by side, panels are now equal."""
    label = plot.titleLabel
    update_min = label.updateMin

    def text_height_only() -> None:
        update_min()
        label.setMinimumWidth(0)
        hints = getattr(label, "_sizeHint", None)  # pyqtgraph's own record, which sizeHint() answers from
        for which in (Qt.SizeHint.MinimumSize, Qt.SizeHint.PreferredSize):
            if hints and which in hints:
                hints[which] = (0, hints[which][1])

    label.updateMin = text_height_only  # pyqtgraph calls it as self.updateMin()


def show_curve(item: pg.PlotCurveItem, x: np.ndarray | None, y: np.ndarray | None,
               connect: np.ndarray | str = "finite") -> None:
    """Give item new data in its axes' units, or empty it when y is None or all gaps; the same data again is
    left alone (a refill makes Qt redraw the item and re-measure its bounds)."""
    has_data = item.xData is not None and len(item.xData) > 0
    if y is None or not np.isfinite(y).any():
        if has_data:
            item.setData([], [])
    else:
        assert x is not None  # callers give x with every y
        if not (has_data and np.array_equal(item.xData, x) and np.array_equal(item.yData, y, equal_nan=True)):
            item.setData(x, y, connect=connect)
