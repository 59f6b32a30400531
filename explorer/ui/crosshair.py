"""Hover readout for a plot: a crosshair at the mouse, its coordinates, and the nearest curve's value there."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QPointF, Qt

NAMED_CURVES = Callable[[], dict[pg.PlotCurveItem, str]]


def _number(value: float, log: bool) -> str:
    return f"{10.0**value:.3g}" if log else f"{value:.6g}"


def value_at(curve: pg.PlotCurveItem, x: float) -> float:
    """The curve's y at x, linearly between its samples; NaN outside them or in a gap."""
    xs, ys = curve.getData()
    if xs is None or len(xs) < 2 or not curve.isVisible():
        return math.nan
    index = int(np.searchsorted(xs, x))
    if index <= 0 or index >= len(xs):
        return math.nan
    x0, x1, y0, y1 = xs[index - 1], xs[index], ys[index - 1], ys[index]
    if not (np.isfinite(y0) and np.isfinite(y1)) or x1 == x0:
        return math.nan
    return float(y0 + (y1 - y0) * (x - x0) / (x1 - x0))


class Crosshair(QObject):
    """Follows the mouse over `plot`; the label names the curve nearest the mouse and its value at that x."""

    def __init__(self, plot: pg.PlotItem, curves: NAMED_CURVES, x_name: str, y_name: str,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.plot, self.curves, self.x_name, self.y_name = plot, curves, x_name, y_name
        pen = pg.mkPen((90, 90, 90), width=1, style=Qt.PenStyle.DashLine)
        self.vertical = pg.InfiniteLine(angle=90, movable=False, pen=pen)
        self.horizontal = pg.InfiniteLine(angle=0, movable=False, pen=pen)
        self.label = pg.TextItem(color="k", fill=pg.mkBrush(255, 255, 255, 225), anchor=(0, 1))
        for item in (self.vertical, self.horizontal, self.label):
            item.setZValue(1000)
            plot.addItem(item, ignoreBounds=True)
        self.hide()
        self.text = ""
        plot.scene().sigMouseMoved.connect(self.moved)

    def hide(self) -> None:
        for item in (self.vertical, self.horizontal, self.label):
            item.hide()

    def moved(self, position: QPointF) -> None:
        view = self.plot.vb
        if not view.sceneBoundingRect().contains(position):
            self.hide()
            return
        point = view.mapSceneToView(position)
        self.show_at(point.x(), point.y())

    def show_at(self, x: float, y: float) -> None:
        """Put the crosshair at (x, y) in the plot's coordinates (decades on a log axis)."""
        log_x, log_y = self.plot.vb.state["logMode"]
        lines = [f"{self.x_name} = {_number(x, log_x)}, {self.y_name} = {_number(y, log_y)}"]
        nearest = min(((abs(v - y), name, v) for curve, name in self.curves().items()
                       if math.isfinite(v := value_at(curve, x))), default=None)
        if nearest is not None:
            lines.append(f"{nearest[1]}: {_number(nearest[2], log_y)}")
        self.text = "\n".join(lines)
        self.label.setText(self.text)
        self.vertical.setValue(x)
        self.horizontal.setValue(y)
        # Keep the label inside the view: left of the mouse in the right half, below it in the top half.
        (x_low, x_high), (y_low, y_high) = self.plot.vb.viewRange()
        self.label.setAnchor((1 if x > (x_low + x_high) / 2 else 0, 0 if y > (y_low + y_high) / 2 else 1))
        self.label.setPos(x, y)
        for item in (self.vertical, self.horizontal, self.label):
            item.show()
