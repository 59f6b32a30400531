"""The look every panel's axes share: black axes and labels, light opaque grid lines under the curves."""

from __future__ import annotations

import pyqtgraph as pg

from .method_styles import GRID_COLOR


def style_axes(plot: pg.PlotItem, grid: bool = True) -> None:
    """Black axes and tick labels, no SI prefix ("(x1e-12)" beside a log axis reads as a unit), and with grid
    light grey grid lines at the major ticks, opaque: translucent ones (pyqtgraph's alpha) made Qt's raster
    engine blend every line on every repaint, several milliseconds per panel."""
    if grid:
        plot.showGrid(x=True, y=True, alpha=1.0)
    for name in ("bottom", "left"):
        axis = plot.getAxis(name)
        axis.setPen("k")
        axis.setTextPen("k")
        axis.enableAutoSIPrefix(False)
        if grid:
            axis.setTickPen(pg.mkPen(GRID_COLOR))
            axis.setStyle(tickAlpha=255, maxTickLevel=1)
            axis.setZValue(-1000)  # opaque grid lines must lie under the curves, not over them
