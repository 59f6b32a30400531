"""The panels survive what numerics produce: zeros and NaN on log axes, infinities, poles."""

import math
import re

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtGui import QFontMetricsF, QImage, QPainter

from explorer.core.numeric.error_analysis import StepSweep
from explorer.core.pipeline import CurveResult, ErrorResult, SweepResult
from explorer.core.request import Method
from explorer.ui.plot_panels import (
    ERROR_FLOOR,
    LEFT_AXIS_WIDTH,
    LEGEND_GAP,
    PlotPanels,
    connections,
    for_display,
    for_log_axis,
    power_of_ten,
    robust_range,
    steady_range,
)


def test_log_values_floor_zeros_and_gap_nan_inf_and_overshoot():
    values = np.array([0.0, 1e-30, 1e-3, np.nan, np.inf, -np.inf, 1e9])
    shown = for_log_axis(values, ceiling=1e6)
    np.testing.assert_array_equal(shown[:3], [ERROR_FLOOR, ERROR_FLOOR, 1e-3])
    assert np.isnan(shown[3:]).all()


def test_robust_range_ignores_a_pole():
    x = np.linspace(-1, 1, 1001)
    with np.errstate(divide="ignore"):
        spiky = np.where(np.abs(x) < 0.003, 1e12, np.sin(x))
    low, high = robust_range([spiky])
    assert -1.2 < low < -0.8 and 0.8 < high < 1.6


def test_robust_range_shows_the_curve_between_poles_and_all_of_a_steep_one():
    x = np.linspace(-2, 4, 2000)
    low, high = robust_range([1 / np.cos(x) ** 2])  # tan': two poles, a few percent of points huge
    assert low < 1 and 5 < high < 100
    x = np.linspace(-5, 5, 2000)
    low, high = robust_range([np.exp(x)])  # steep but no pole: nothing cut
    assert low <= 0 and high >= np.exp(5) * 0.95


@pytest.mark.parametrize("scale", [1e-300, 1e-20, 1.0, 1e20, 1e300])
def test_robust_range_fits_a_curve_at_any_scale(scale):
    x = np.linspace(-3, 3, 1000)
    low, high = robust_range([scale * np.sin(x)])  # 1e-20 sin(x) was judged flat and drawn on -1..1
    assert -1.3 * scale < low < -0.9 * scale and 0.9 * scale < high < 1.3 * scale


def test_robust_range_near_the_double_limit_is_finite():
    # exp over 705..709.78 and its derivatives reach 1.7e308: the padded range overflowed to [-inf, inf], which
    # pyqtgraph refuses (the export to PNG failed with a traceback)
    values = np.exp(np.linspace(705, 709.78, 500))
    low, high = robust_range([values, -values], top_share=0.3, bottom_share=0.1)
    assert math.isfinite(high - low) and low < -1e307 and high > 1e307


@pytest.mark.parametrize("shift", [-300.0, -12.0, 0.0, 7.0, 290.0])  # decades: tiny and huge errors alike
def test_an_error_axis_stays_put_for_small_changes_and_refits_for_large_ones(shift):
    def wanted(low, high):  # the range fitted to values from 10^low to 10^high
        return steady_range((math.inf, -math.inf), [np.array([low, high]) + shift], below=0.5, above=1.0)

    current = wanted(-9.0, -4.0)
    assert current == (shift - 9.5, shift - 3.0)
    assert steady_range(current, [], below=0.5, above=1.0) is None  # nothing to show: left alone
    for low, high in ((-9.0, -4.0), (-9.2, -3.6), (-8.0, -5.0), (-7.0, -4.0)):  # a nudge, or within the slack
        assert steady_range(current, [np.array([low, high]) + shift], below=0.5, above=1.0) is None
    for low, high in ((-9.0, -3.4), (-9.4, -4.0), (-6.0, -4.0), (-1.0, 2.0), (-30.0, -29.0)):
        assert steady_range(current, [np.array([low, high]) + shift], below=0.5, above=1.0) == wanted(low, high)


def test_the_error_panel_keeps_its_range_while_errors_move_a_little(qtbot):
    panels = PlotPanels()
    qtbot.addWidget(panels)
    x = np.linspace(0, 1, 50)
    errors = 1e-6 * (1 + x)
    panels.show_errors(ErrorResult(1, x, {Method.CENTRAL: errors}, {}))
    fitted = panels.error_plot.viewRange()[1]
    assert fitted[0] <= -6 and fitted[1] >= math.log10(2e-6)  # holds the errors
    panels.show_errors(ErrorResult(2, x, {Method.CENTRAL: errors * 1.5}, {}))  # a slider nudge
    assert panels.error_plot.viewRange()[1] == fitted
    panels.show_errors(ErrorResult(3, x, {Method.CENTRAL: np.logspace(-12, -2, 50)}, {}))  # past both ends
    refitted = panels.error_plot.viewRange()[1]
    assert refitted[0] <= -12 and refitted[1] >= -2
    panels.show_errors(ErrorResult(4, x, {Method.CENTRAL: np.full(50, 1e-2)}, {}))  # 10 decades narrower
    narrow = panels.error_plot.viewRange()[1]
    assert narrow[0] > -3 and narrow[1] >= -2


def test_log_axes_write_every_power_of_ten_alike(qtbot):
    assert [power_of_ten(k) for k in (-16, -4, 0, 1, 2)] == ["10⁻¹⁶", "10⁻⁴", "1", "10", "10²"]
    panels = PlotPanels()
    qtbot.addWidget(panels)  # closed and deleted by pytest-qt, not by the interpreter's exit
    axis = panels.sweep_plot.getAxis("bottom")
    assert axis.tickStrings([-6.0, -4.0, -2.0], 1.0, 2.0) == ["10⁻⁶", "10⁻⁴", "10⁻²"]


def test_long_curves_are_thinned_for_display_keeping_spikes_and_gaps():
    x = np.linspace(0, 1, 200_001)
    y = np.sin(2 * np.pi * x)
    y[123_457] = 50.0  # a one-point spike
    y[150_000:152_000] = np.nan  # a gap wider than a bin
    shown_x, shown_y = for_display(x, y, limit=4000)
    assert shown_x.size <= 4100 and shown_x.size == shown_y.size
    assert np.nanmax(shown_y) == 50.0 and np.nanmin(shown_y) == pytest.approx(-1.0, abs=1e-6)
    assert np.isnan(shown_y[(shown_x > 0.7505) & (shown_x < 0.7595)]).all()
    assert np.all(np.diff(shown_x) >= 0)
    short = np.linspace(0, 1, 2000)
    assert for_display(short, short)[0] is short  # the usual N is drawn as it is


def test_curves_are_not_joined_across_a_gap_or_a_pole():
    x = np.linspace(-2, 4, 2000)
    y = np.tan(x)
    joined = connections(y, span=50.0)
    crossing = np.flatnonzero(~joined[:-1])
    assert len(crossing) == 2  # one break at pi/2 and one at -pi/2, nowhere else
    np.testing.assert_allclose(np.sort(x[crossing]), [-np.pi / 2, np.pi / 2], atol=0.01)
    assert not joined[-1]  # the last point has no next one
    # Without a pole, only gaps break the line: pyqtgraph's own "finite" mode, its fast path.
    assert connections(np.array([1.0, np.nan, 2.0, 3.0, -3.0]), span=10.0) == "finite"  # -3..3 is inside the view


def test_panels_draw_zero_nan_and_infinite_errors_without_trouble(qtbot):
    panels = PlotPanels()
    qtbot.addWidget(panels)
    panels.resize(900, 600)
    panels.show()
    x = np.linspace(-1, 1, 5)
    derivative = np.array([1.0, np.inf, np.nan, 2.0, 3.0])
    curves = CurveResult(1, x, x**2, {Method.SYMBOLIC: derivative, Method.CENTRAL: derivative}, Method.SYMBOLIC, {})
    panels.show_curves(curves, order=1, fit_view=True)
    errors = ErrorResult(1, x, {Method.CENTRAL: np.array([0.0, np.nan, np.inf, 1e-12, 0.0])}, {})
    panels.show_errors(errors)
    h = np.logspace(-16, -1, 61)
    sweep = StepSweep(0.3, h, {Method.CENTRAL: np.where(h < 1e-8, 0.0, h**2)}, {Method.CENTRAL: (1e-8, 0.0)},
                      {Method.CENTRAL: h**2}, {Method.CENTRAL: 1e-14 / h})
    panels.show_sweep(SweepResult(1, 1e-5, sweep))
    panels.grab()  # paints every item: must not raise on log10 of zero or NaN

    _, drawn = panels.curve_items[Method.CENTRAL].getData()
    assert np.isnan(drawn[1]) and np.isnan(drawn[2])  # infinity became a gap
    # Log panels hold decades: log10 of the values, with exact zeros at the floor.
    _, error = panels.error_items[Method.CENTRAL].getData()
    assert np.nanmin(error) == math.log10(ERROR_FLOOR) and np.isnan(error[1:3]).all()
    _, roundoff = panels.roundoff_items[Method.CENTRAL].getData()
    assert np.isnan(roundoff[0]) and math.isclose(roundoff[-1], -13)  # 100 at h = 1e-16 is far above the measured errors: cut, not drawn
    assert panels.optimum_methods == (Method.CENTRAL,)
    h_star, error_at_h_star = panels.optimum_item.getData()
    assert h_star[0] == -8 and error_at_h_star[0] == math.log10(ERROR_FLOOR)
    assert math.isclose(panels.h_marker.value(), -5.0)
    # Methods no longer computed are emptied, not left stale.
    panels.show_errors(ErrorResult(2, x, {}, {}))
    assert len(panels.error_items[Method.CENTRAL].getData()[1]) == 0


def test_window_survives_a_function_undefined_on_part_of_the_range(qtbot, window, settled):
    window.domain.set_range(-1.0, 4.0)
    window.editor.set_text("log(x)")
    settled(window)
    x, symbolic = window.panels.curve_items[Method.SYMBOLIC].getData()
    assert np.isnan(symbolic[x <= 0]).all()
    np.testing.assert_allclose(symbolic[x > 0], 1 / x[x > 0])
    _, error = window.panels.error_items[Method.CENTRAL].getData()
    assert np.isnan(error[x <= 0]).all() and (error[x > 0.01] >= math.log10(ERROR_FLOOR)).all()


@pytest.mark.parametrize("height", [500, 800])
def test_no_curve_runs_under_the_legend_or_the_sweep_label(qtbot, height):
    # sign(x) (the derivative of |x|) sits at its maximum over half the range, where the legend is.
    panels = PlotPanels()
    qtbot.addWidget(panels)
    panels.resize(900, height)
    panels.show()
    qtbot.waitExposed(panels)
    x = np.linspace(-1, 1, 2001)
    derivatives = {m: np.sign(x) for m in Method if m is not Method.COMPLEX}
    panels.show_curves(CurveResult(1, x, np.abs(x), derivatives, Method.SYMBOLIC, {}), 1, fit_view=True)
    legend = panels.curves_legend
    legend_bottom = legend.mapToScene(legend.boundingRect().bottomLeft()).y()
    curves_top = panels.curves_plot.vb.mapViewToScene(pg.Point(0.0, 1.0)).y()
    # Scene y grows downwards: the legend ends above the curves, and not far above (no wasted room).
    assert 0 < curves_top - legend_bottom < 0.1 * panels.curves_plot.vb.height() + LEGEND_GAP
    # And the sweep line's label sits under the lowest curve, -1 over half the range.
    label = panels.probe_line.label
    label_top = label.mapToScene(label.boundingRect().topLeft()).y()
    curves_bottom = panels.curves_plot.vb.mapViewToScene(pg.Point(0.0, -1.0)).y()
    assert 0 < label_top - curves_bottom < 0.1 * panels.curves_plot.vb.height() + LEGEND_GAP


@pytest.mark.parametrize("width", [500, 800, 1400])
def test_the_legend_takes_as_many_columns_as_fit(qtbot, width):
    panels = PlotPanels()
    qtbot.addWidget(panels)
    panels.resize(width, 700)
    panels.show()
    qtbot.waitExposed(panels)
    x = np.linspace(-1, 1, 11)
    panels.show_curves(CurveResult(1, x, x, {m: x for m in Method}, Method.SYMBOLIC, {}), 1, fit_view=True)
    legend = panels.curves_legend
    assert 1 <= legend.columnCount <= 8
    assert legend.boundingRect().width() <= panels.curves_plot.vb.width()  # no entry cut off at the right
    if width >= 1400:
        assert legend.columnCount == 8  # one row of eight entries over the curves, not two or three
    if width >= 800:
        assert legend.columnCount >= 4


def test_a_narrow_window_squeezes_the_titles_not_the_sweep_panel_off_screen(qtbot):
    panels = PlotPanels()
    qtbot.addWidget(panels)
    panels.resize(560, 600)
    panels.show()
    qtbot.waitExposed(panels)
    x = np.linspace(-1, 1, 11)
    panels.show_curves(CurveResult(1, x, x, {m: x for m in Method}, Method.SYMBOLIC, {}), 1, fit_view=True)
    panels.show_errors(ErrorResult(1, x, {Method.CENTRAL: x * 0 + 1e-9}, {Method.CENTRAL: x * 0 + 1e-9}))
    sweep = StepSweep(0.123456, np.logspace(-16, -1, 61), {Method.CENTRAL: np.logspace(-1, -12, 61)},
                      {Method.CENTRAL: (1e-5, 1e-12)}, {}, {})
    panels.show_sweep(SweepResult(1, 1e-5, sweep))
    qtbot.wait(10)
    view_width = panels.viewport().width()
    assert panels.sweep_plot.geometry().right() <= view_width + 1  # all of the sweep panel is in view
    assert panels.sweep_legend.geometry().right() <= view_width + 1


def _tick_labels(plot, axis_name, levels=None):
    """The labels the axis draws at its current range (of its first `levels` levels), and their values."""
    axis = plot.getAxis(axis_name)
    low, high = plot.viewRange()[0 if axis_name in ("bottom", "top") else 1]
    length = axis.width() if axis_name in ("bottom", "top") else axis.height()
    pairs = []
    for spacing, values in axis.tickValues(low, high, length)[:levels]:
        pairs += zip(axis.tickStrings(values, axis.scale, spacing), values, strict=True)
    return pairs


@pytest.mark.parametrize(("low", "width"), [(1e8, 1.0), (-3e12, 0.01), (1e-9, 1e-15), (0.0, 6.0)])
def test_ticks_of_a_narrow_range_far_from_zero_say_where_they_are(window, settled, low, width):
    """Six digits wrote every tick between 1e8 and 1e8 + 1 as "1e+08": each label must read as its own value."""
    window.model.update(expression="sin(x/" + repr(width) + ")", x_min=low, x_max=low + width)
    settled(window)
    for plot in (window.panels.curves_plot, window.panels.error_plot):
        pairs = _tick_labels(plot, "bottom")
        assert len(pairs) >= 2
        texts = [text for text, _ in pairs]
        assert len(set(texts)) == len(texts), texts
        for text, value in pairs:
            assert abs(float(text) - value) <= width * 1e-3 + abs(value) * 1e-15, (text, value)
        axis = plot.getAxis("bottom")  # and the labels fit side by side, even in the narrow error panel
        metrics = QFontMetricsF(axis.style["tickFont"] or axis.font())
        major = [text for text, _ in _tick_labels(plot, "bottom", levels=1)]
        assert sum(metrics.horizontalAdvance(text) for text in major) < axis.width(), major


def test_the_sweep_title_says_where_in_a_narrow_range_far_from_zero(window, settled):
    window.model.update(expression="sin(1000x)", x_min=1e8, x_max=1e8 + 1, probe=1e8 + 0.3)
    settled(window)
    probe = window.panels.sweep.sweep.probe
    title = window.panels.sweep_plot.titleLabel.text
    written = float(re.search(r"x ?= ?([-+0-9.e]+)", title).group(1))
    assert abs(written - probe) <= 1e-3, title  # not "x = 1e+08"


def _drawn_tick_labels(axis) -> list[str]:
    """The tick labels the axis actually paints (pyqtgraph leaves out those that do not fit in it)."""
    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        _, _, texts = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [text for _, _, text in texts]


def test_the_value_axis_widens_for_labels_of_a_narrow_range_near_one(window, settled, qtbot):
    """exp(x) on [1e-9, 2e-9] is ticked 1.0000000010, ...: wider than the value axis, and pyqtgraph drew none."""
    window.model.update(expression="exp(x)", x_min=1e-9, x_max=2e-9)
    settled(window)
    axis = window.panels.curves_plot.getAxis("left")
    window.panels.grab()  # a paint measures the labels; the axis widens, then the next paint draws them
    qtbot.waitUntil(lambda: len(_drawn_tick_labels(axis)) >= 2, timeout=5000)
    assert all(text.startswith("1.0000000") for text in _drawn_tick_labels(axis))
    window.model.update(expression="sin(x)", x_min=-6.0, x_max=6.0)  # short labels again: the usual width
    settled(window)
    window.panels.grab()
    qtbot.waitUntil(lambda: axis.width() == LEFT_AXIS_WIDTH, timeout=5000)


@pytest.mark.parametrize("expression", ["sin(x)", "exp(x)"])
def test_the_two_error_panels_share_their_row_equally(make_window, settled, qtbot, expression):
    """Panels took the row by their titles' widths: the sweep panel's title, shortened to fit, shrank it
    further, and at 1024 x 700 its axis title was cut at the right."""
    window = make_window()
    window.resize(1024, 700)
    window.model.update(expression=expression, x_min=1e-9, x_max=2e-9)
    settled(window)
    qtbot.wait(50)
    panels = window.panels
    assert abs(panels.error_plot.width() - panels.sweep_plot.width()) <= 2
    axis = panels.sweep_plot.getAxis("bottom")
    assert axis.label.boundingRect().width() <= panels.sweep_plot.width()


@pytest.mark.parametrize("size", [(1280, 800), (1400, 900)])
def test_the_sweep_title_fits_over_its_plot_in_a_small_window(make_window, settled, qtbot, size):
    """The title is centred over the plot area, not the whole panel: measured against the panel, a title
    wider than the plot area ran out of the window at the right ("... step h·1e+0" at 1280 x 800)."""
    window = make_window()
    window.resize(*size)
    window.model.update(x_min=1e6, x_max=1e6 + 1e-4, probe=1e6 + 3e-5)
    settled(window)
    qtbot.wait(50)
    label = window.panels.sweep_plot.titleLabel
    assert "1000000.00003" in label.text
    assert label.item.boundingRect().width() <= label.geometry().width() + 1, label.text
