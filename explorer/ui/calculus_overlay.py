"""The calculus drawn on the top panel: tangent, secant and chord at the sweep point, the stencil's points,
the Taylor polynomial with where it holds, and the critical points."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from ..core.calculus.stage import CalculusResult
from .plot_style import show_curve

TANGENT_COLOR = "#222222"
SECANT_COLOR = "#D55E00"
CHORD_COLOR = "#0072B2"
TAYLOR_COLOR = "#7A3DB8"
KIND_SYMBOLS = {"minimum": "t", "maximum": "t1", "inflection": "o"}  # t1: triangle up at a maximum, t: down
LINE_SPAN = 0.25  # of the visible x range each line covers around the sweep point


class CalculusOverlay:
    """Items on a plot (the top panel) showing a CalculusResult; hidden where the result has nothing."""

    def __init__(self, plot: pg.PlotItem):
        self.plot = plot

        def curve(color: str, width: float, style=Qt.PenStyle.SolidLine, z: float = 5) -> pg.PlotCurveItem:
            item = pg.PlotCurveItem(pen=pg.mkPen(color, width=width, style=style))
            item.setZValue(z)
            plot.addItem(item, ignoreBounds=True)
            return item

        self.tangent = curve(TANGENT_COLOR, 1.5)
        self.forward = curve(SECANT_COLOR, 1.2, Qt.PenStyle.DashLine)
        self.chord = curve(CHORD_COLOR, 1.2, Qt.PenStyle.DashDotLine)
        self.taylor = curve(TAYLOR_COLOR, 1.5, Qt.PenStyle.DashLine, z=4)
        self.points = pg.ScatterPlotItem(size=7, pen=pg.mkPen("k"), brush=pg.mkBrush(SECANT_COLOR))
        self.stencil = pg.ScatterPlotItem(size=6, symbol="s", pen=pg.mkPen(CHORD_COLOR), brush=pg.mkBrush("w"))
        self.critical = pg.ScatterPlotItem(size=11, pen=pg.mkPen("k"), brush=pg.mkBrush("#F0E442"))
        for item in (self.points, self.stencil, self.critical):
            item.setZValue(6)
            plot.addItem(item, ignoreBounds=True)
        self.band = pg.LinearRegionItem(movable=False, brush=pg.mkBrush(122, 61, 184, 25),
                                        pen=pg.mkPen(None))
        self.band.setZValue(-10)
        plot.addItem(self.band, ignoreBounds=True)
        self.result: CalculusResult | None = None
        self.clear()

    def clear(self) -> None:
        for item in (self.tangent, self.forward, self.chord, self.taylor):
            item.setData([], [])
        for scatter in (self.points, self.stencil, self.critical):
            scatter.setData([], [])
        self.band.hide()
        self.result = None
        self._critical: tuple = ()

    def show(self, result: CalculusResult) -> None:
        self.result = result
        low, high = self.plot.viewRange()[0]
        half = LINE_SPAN * (high - low) / 2
        xs = np.array([result.probe - half, result.probe + half])
        # A slider move changes the secant, chord and stencil only: what stays is not refilled (a refill
        # redraws the item, and a scatter item costs about as much to refill as to draw).
        for item, line in ((self.tangent, result.tangent), (self.forward, result.forward), (self.chord, result.chord)):
            show_curve(item, xs, None if line is None else line.at(xs))
        for scatter, points in ((self.points, result.secant_points), (self.stencil, result.stencil)):
            _show_points(scatter, points)
        if result.taylor is None:
            show_curve(self.taylor, None, None)
            self.band.hide()
        else:
            # A polynomial of high degree runs to 1e30 within the range: what leaves the view by far is
            # not drawn (it would only slow the drawing down).
            y_low, y_high = self.plot.viewRange()[1]
            margin = 2 * (y_high - y_low)
            values = result.taylor[1]
            with np.errstate(invalid="ignore"):
                shown = np.where((values > y_low - margin) & (values < y_high + margin), values, np.nan)
            show_curve(self.taylor, result.taylor[0], shown)
            if result.taylor_interval is not None:
                self.band.setRegion(result.taylor_interval)
                self.band.show()
            else:
                self.band.hide()
        if result.critical != self._critical:  # a slider move keeps them: no new symbols to lay out
            self._critical = result.critical
            if result.critical:
                self.critical.setData([p.x for p in result.critical], [p.y for p in result.critical],
                                      symbol=[KIND_SYMBOLS[p.kind] for p in result.critical], tip=None)
            else:
                self.critical.setData([], [])


def _show_points(scatter: pg.ScatterPlotItem, points: np.ndarray | None) -> None:
    """Give scatter the points (a 2 x K array of x and y), or none; the same points again are left alone."""
    x, y = (np.empty(0), np.empty(0)) if points is None else (points[0], points[1])
    held = scatter.data
    if len(held) == len(x) and np.array_equal(held["x"], x) and np.array_equal(held["y"], y):
        return
    scatter.setData(x, y)
