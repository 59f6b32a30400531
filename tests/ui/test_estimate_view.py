"""The window shows each value's estimated error, the step taken at the sweep point, and takes h* in one click."""

import math
import re

import numpy as np
import pytest
from PySide6.QtCore import Qt

from explorer.core.request import Method

ESTIMATE = 5  # the readout's column of estimated errors
BEST = 3  # the readout's column of h*


def cells(window, method):
    return [cell.text() for cell in window.readout.items[method]]


def test_the_readout_gives_each_values_estimated_error_and_the_step_taken(qtbot, window, settled):
    window.editor.set_text("exp(x)")
    window.readout.probe.setValue(3.0)  # s(3) = 3 on [-6, 6]: the step taken is 3 h
    window.slider.set_step(1e-3)
    settled(window)
    result = window.readout.result
    assert result.sweep.probe == 3.0 and result.sweep.scale == 3.0
    for method in (Method.FORWARD, Method.BACKWARD, Method.CENTRAL, Method.RICHARDSON):
        row = cells(window, method)
        estimate, error = float(row[ESTIMATE]), float(row[2])
        assert error <= estimate < 10 * error, method  # bounds the true error, by a small factor
    assert cells(window, Method.SYMBOLIC)[ESTIMATE] == "–" and cells(window, Method.AUTODIFF)[ESTIMATE] == "–"
    assert window.readout.scale_label.text() == f"step taken here: h·3 = {3e-3:.3g}"
    # Forward difference (p = 2) on exp at 3 with a step of 3e-3: error h^2/3 e^3, the step taken, not the slider's.
    assert float(cells(window, Method.FORWARD)[2]) == pytest.approx((3e-3) ** 2 / 3 * math.exp(3), rel=0.02)
    assert window.panels.sweep_plot.titleLabel.text.endswith("h·3")  # the step taken, in any wording that fits
    assert "est. error" in window.readout.as_text().splitlines()[2]


def test_use_h_star_is_one_click_and_gives_the_sweeps_least_error(qtbot, window, settled):
    window.editor.set_text("log(x)")
    window.domain.set_range(1e3, 1e5)  # log's scale is x: a base step h0 is h0 * x there
    window.readout.probe.setValue(1e4)
    settled(window)
    h_star, least = window.panels.sweep.sweep.optimum[Method.CENTRAL]
    assert 1e-6 < h_star < 1e-4
    row = list(Method).index(Method.CENTRAL)
    window.readout.table.cellDoubleClicked.emit(row, BEST)
    settled(window)
    assert window.slider.step() == h_star and window.request.step == h_star
    assert float(cells(window, Method.CENTRAL)[2]) == pytest.approx(least, rel=0.05)  # what h* promised
    assert window.panels.sweep.sweep.optimum[Method.CENTRAL] == (h_star, least)  # same units: nothing moved


def test_the_band_toggle_draws_each_estimate_around_its_curve(qtbot, window, settled):
    window.methods.noise.setValue(1e-6)  # measured data: the estimate is all there is to go by
    window.slider.set_step(1e-2)
    settled(window)
    action = window.bands_action
    assert action.isCheckable() and not action.isChecked()
    assert not any(band.isVisible() for pair in window.panels.band_items.values() for band in pair)
    assert window.panels.errors.estimated == {}  # not computed while not shown
    action.trigger()
    settled(window)  # the estimates are computed for the bands once asked for
    assert action.isChecked() and window.panels.show_bands and window.request.error_bands
    assert {Method.FORWARD, Method.CENTRAL, Method.RICHARDSON} <= set(window.panels.errors.estimated)
    around, above = window.panels.band_items[Method.CENTRAL]
    assert around.isVisible() and above.isVisible()
    curves = window.panels.curves
    x, low = around.curves[0].getData()
    _, high = around.curves[1].getData()
    value = np.interp(x, curves.x, curves.derivatives[Method.CENTRAL])
    assert np.all(low <= value + 1e-12) and np.all(value <= high + 1e-12) and np.any(high - low > 1e-6)
    # The exact derivative lies inside the central difference's band nearly everywhere
    inside = (low <= np.cos(x)) & (np.cos(x) <= high)
    assert inside.mean() > 0.95
    action.trigger()
    assert not around.isVisible() and not above.isVisible()


def test_the_slider_says_its_step_is_a_base_step(qtbot, window):
    assert "max(|x|, s₀)" in window.slider.slider.toolTip()
    window.readout.table.setFocus()
    assert Qt.ContextMenuPolicy.CustomContextMenu == window.readout.table.contextMenuPolicy()
    assert window.readout.table.actions()[0].text() == "Copy table"


def test_the_sweep_title_keeps_where_and_which_step_at_any_window_width(qtbot, window, settled):
    """The sweep panel's title is worded to fit its panel: the fullest wording on a wide window, a shorter
    one on a narrow window, always ending with where the sweep is and the step taken there (a title wider
    than its panel loses both ends)."""
    from PySide6.QtGui import QFont, QFontMetricsF

    window.model.update(probe=-2.4)  # s(-2.4) = 2.4 on [-6, 6]: the step taken is 2.4 h
    window.slider.set_step(1e-5)
    titles = {}
    for width in (1920, 1024, 700):
        window.resize(width, 700)
        settled(window)
        qtbot.waitUntil(lambda w=width: window.panels.sweep_plot.width() < w / 2)
        plot = window.panels.sweep_plot
        title = plot.titleLabel.text
        font = QFont(plot.titleLabel.item.font())
        font.setPointSizeF(11)
        assert QFontMetricsF(font).horizontalAdvance(title) <= plot.width(), (width, title)
        assert re.search(r"x ?= ?-2\.4, (step )?h·2\.4$", title), title
        titles[width] = title
    assert titles[1920] == "|error| against step h at x = -2.4, step h·2.4"
    assert len(titles[700]) < len(titles[1920])  # the panel is too narrow for the fullest wording there
