import math

import numpy as np
from PySide6.QtCore import QPointF

from explorer.core.request import Method


def hover(window, crosshair, x, y):
    crosshair.moved(crosshair.plot.vb.mapViewToScene(QPointF(x, y)))
    return crosshair.text


def test_hovering_the_top_panel_reads_the_nearest_curve_at_the_mouse(window, settled):
    top = window.crosshairs[0]
    text = hover(window, top, 1.0, math.cos(1.0) + 0.01)  # near f' = cos(x)
    assert text.startswith("x = 1")
    name, value = text.splitlines()[1].split(": ")
    assert name != "f(x)" and abs(float(value) - math.cos(1.0)) < 1e-3
    text = hover(window, top, 1.0, math.sin(1.0))  # on f itself
    assert text.splitlines()[1].startswith("f(x): ") and abs(float(text.split(": ")[-1]) - math.sin(1.0)) < 1e-3
    assert top.label.isVisible() and abs(top.vertical.value() - 1.0) < 1e-9


def test_log_panels_read_in_their_own_units_and_leaving_hides_the_crosshair(window, settled):
    sweep = window.crosshairs[2]
    h = math.log10(1e-5)
    central = window.panels.sweep_items[Method.CENTRAL]
    xs, ys = central.getData()
    y = float(np.interp(h, xs, ys))
    text = hover(window, sweep, h, y)
    assert text.startswith("h = 1e-05") and "Central difference" in text.splitlines()[1]
    assert float(text.split(": ")[-1]) == float(f"{10**y:.3g}")
    sweep.moved(QPointF(-10.0, -10.0))  # outside every panel
    assert not sweep.label.isVisible()
