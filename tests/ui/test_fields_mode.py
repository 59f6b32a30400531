"""Several variables mode driven through the real window: maps, arrows, error map, a clicked point, descent,
exports, settings; each checked against analytic truth."""

import os

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from explorer.core.fields.session import DescentStage, ErrorStage, MapStage, PointStage
from explorer.core.request import Method

TIMEOUT_MS = 30_000


def settled_fields(qtbot, window):
    fields = window.fields
    qtbot.waitUntil(lambda: not fields._timer.isActive() and fields.settled() and fields._job > 0
                    and "compare" in fields.stages, timeout=TIMEOUT_MS)
    return fields


def show(qtbot, window, **inputs):
    window.set_mode("fields")
    window.fields.model.update(**inputs)
    return settled_fields(qtbot, window)


def test_ctrl_3_opens_the_mode_and_the_map_is_f_on_the_grid_with_the_analytic_arrows(qtbot, window):
    qtbot.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert window.mode() == "fields" and window.pages.currentWidget() is window.fields.view
    fields = show(qtbot, window, expression="sin(x)*cos(y)", grid=80, arrows=10, x_min=-3.0, x_max=3.0,
                  y_min=-2.0, y_max=2.0)
    stage = fields.stages["map"]
    assert isinstance(stage, MapStage)
    x, y = stage.field_map.x, stage.field_map.y
    drawn = fields.view.panels.f_image.image.T  # the image is drawn transposed (x first)
    np.testing.assert_allclose(drawn, np.sin(x)[None, :] * np.cos(y)[:, None], rtol=1e-14, atol=1e-15)
    a = stage.arrows
    np.testing.assert_allclose(a.gx, np.cos(a.x)[None, :] * np.cos(a.y)[:, None], atol=1e-14)
    np.testing.assert_allclose(a.gy, -np.sin(a.x)[None, :] * np.sin(a.y)[:, None], atol=1e-14)
    # every arrow drawn points along the gradient at its centre
    segments = np.column_stack(fields.view.panels.arrow_item.getData())
    shafts = segments.reshape(-1, 6, 2)[:, :2]  # (tail, tip), then the head's two strokes
    centres = shafts.mean(axis=1)
    direction = shafts[:, 1] - shafts[:, 0]
    exact = np.array([np.cos(centres[:, 0]) * np.cos(centres[:, 1]), -np.sin(centres[:, 0]) * np.sin(centres[:, 1])]).T
    cosine = np.sum(direction * exact, axis=1) / (np.linalg.norm(direction, axis=1) * np.linalg.norm(exact, axis=1))
    assert len(shafts) > 50 and np.min(cosine) > 1 - 1e-9
    assert len(fields.view.panels.contour_item.getData()[0]) > 100


def test_the_error_map_is_log10_of_the_error_and_a_slider_move_keeps_the_map(qtbot, window):
    fields = show(qtbot, window, expression="sin(x)*cos(y)", grid=60, method="central", step=1e-3,
                  partial="df/dx")
    errors = fields.stages["errors"]
    assert isinstance(errors, ErrorStage) and errors.method is Method.CENTRAL
    central = errors.maps.errors[Method.CENTRAL]
    assert 1e-6 < np.nanmax(central) < 2.7e-6  # h^2/6 |f'''| with h = 1e-3 max(|x|, 1), |x| <= 4
    np.testing.assert_allclose(fields.view.panels.error_image.image.T, np.log10(np.maximum(central, 1e-18)))
    map_stage = fields.stages["map"]
    fields.view.controls.slider.set_step(1e-2)
    settled_fields(qtbot, window)
    assert fields.stages["map"] is map_stage  # f is not recomputed for a new h
    assert fields.stages["errors"].step == pytest.approx(1e-2)
    assert np.nanmax(fields.stages["errors"].maps.errors[Method.CENTRAL]) == pytest.approx(
        100 * np.nanmax(central), rel=0.05)  # second order: 10x the step, 100x the error


def click(qtbot, panels, x, y, shift=False):
    """A left click on the map at (x, y), through the scene's click signal as pyqtgraph delivers it."""
    from pyqtgraph.GraphicsScene.mouseEvents import MouseClickEvent

    plot = panels.map_plot
    scene_pos = plot.vb.mapViewToScene(QPointF(x, y))

    class Press:
        def scenePos(self):  # noqa: N802
            return scene_pos

        def screenPos(self):  # noqa: N802
            return scene_pos

        def button(self):
            return Qt.MouseButton.LeftButton

        def buttons(self):
            return Qt.MouseButton.LeftButton

        def modifiers(self):
            return Qt.KeyboardModifier.ShiftModifier if shift else Qt.KeyboardModifier.NoModifier

    panels.scene().sigMouseClicked.emit(MouseClickEvent(Press()))


def test_a_clicked_point_shows_the_analytic_partials_and_the_hessian_directions(qtbot, window):
    fields = show(qtbot, window, expression="x^3*y + 2*y^2", x_min=-2.0, x_max=2.0, y_min=-2.0, y_max=2.0, grid=50,
                  angle=0.0)
    click(qtbot, fields.view.panels, 0.75, -1.25)
    settled_fields(qtbot, window)
    state = fields.model.state
    x, y = state.point_x, state.point_y
    assert x == pytest.approx(0.75, abs=0.02) and y == pytest.approx(-1.25, abs=0.02)
    stage = fields.stages["point"]
    assert isinstance(stage, PointStage) and tuple(stage.point) == (x, y)
    table = fields.view.table
    exact = [3 * x**2 * y, x**3 + 4 * y, 6 * x * y, 3 * x**2, 4.0, 3 * x**2 * y]  # D_u f along +x is df/dx
    for column, value in enumerate(exact):
        assert table.cell_value(Method.SYMBOLIC, column) == pytest.approx(value, rel=1e-12, abs=1e-12)
        central = table.cell_value(Method.CENTRAL, column)
        assert central == pytest.approx(value, rel=1e-4, abs=1e-4)
        assert table.cell_error(Method.CENTRAL, column) == pytest.approx(abs(central - value), rel=1e-6, abs=1e-15)
    assert table.cell_value(Method.COMPLEX, 2) is None  # the complex step gives first partials only
    hessian = np.array([[6 * x * y, 3 * x**2], [3 * x**2, 4.0]])
    eigen = stage.eigen
    np.testing.assert_allclose(eigen.values, np.linalg.eigvalsh(hessian), rtol=1e-12)
    first = np.array(fields.view.panels.eigen_items[0].getData())  # (2 coordinates, 2 ends)
    direction = first[:, 1] - first[:, 0]
    np.testing.assert_allclose(hessian @ direction, eigen.values[0] * direction, atol=1e-9)
    line = stage.slice
    np.testing.assert_allclose(line.exact, 3 * line.points[0] ** 2 * y, rtol=1e-12)


def test_descent_on_a_bowl_converges_below_two_over_l_and_diverges_above(qtbot, window):
    fields = show(qtbot, window, expression="x^2 + 3y^2", method="symbolic", learning_rate=0.1, descent_steps=200,
                  start_x=2.0, start_y=1.0, momentum=0.0, x_min=-3.0, x_max=3.0, y_min=-2.0, y_max=2.0)
    descent = fields.stages["descent"]
    assert isinstance(descent, DescentStage)
    assert descent.bound.bound == pytest.approx(1 / 3) and descent.bound.constant
    assert not descent.path.diverged and np.max(np.abs(descent.path.path[-1])) < 1e-10
    x, y = fields.view.panels.path_item.getData()
    np.testing.assert_array_equal(np.column_stack([x, y]), descent.path.path)
    assert "2/L = 0.3333" in fields.view.controls.bound.text()
    click(qtbot, fields.view.panels, -1.5, 1.0, shift=True)  # a new start
    settled_fields(qtbot, window)
    assert fields.stages["descent"].path.path[0] == pytest.approx([-1.5, 1.0], abs=0.03)
    fields.model.update(learning_rate=0.5)
    settled_fields(qtbot, window)
    diverged = fields.stages["descent"].path
    assert diverged.diverged and "diverged" in diverged.reason
    assert "above" in fields.view.controls.bound.text()
    assert "diverged" in window.statusBar().currentMessage()
    # the path drawn stops where it leaves the view far behind; f along it shows the growth
    drawn_x, _ = fields.view.panels.path_item.getData()
    assert 1 < len(drawn_x) < len(diverged.path)


def test_the_descent_gradient_from_any_method_and_noisy_samples(qtbot, window):
    fields = show(qtbot, window, expression="x^2 + 3y^2", method="central", step=1e-3, noise=0.0,
                  learning_rate=0.1, descent_steps=100, start_x=2.0, start_y=1.0)
    central = fields.stages["descent"].path
    assert np.max(np.abs(central.path[-1])) < 1e-8
    fields.model.update(noise=1e-3)  # noisy samples: sigma / h = 1 in every gradient component
    settled_fields(qtbot, window)
    noisy = fields.stages["descent"]
    assert noisy.noise == 1e-3 and np.max(np.abs(noisy.path.path[-1])) > 1e-3  # it wanders near the minimum
    fields.model.update(method="complex", noise=0.0)
    settled_fields(qtbot, window)
    assert np.max(np.abs(fields.stages["descent"].path.path[-1])) < 1e-8


def test_a_bad_expression_keeps_the_last_maps_and_says_why(qtbot, window):
    fields = show(qtbot, window, expression="x*y", grid=30)
    before = fields.stages["map"]
    fields.view.controls.expression.setText("x*y +")
    qtbot.waitUntil(lambda: fields.view.controls.problem.isVisible(), timeout=TIMEOUT_MS)
    assert fields.stages["map"] is before
    fields.view.controls.variables.setText("x")
    qtbot.waitUntil(lambda: "two variables" in fields.view.controls.problem.text(), timeout=TIMEOUT_MS)
    fields.model.update(variables="x, y", expression="a*x*y")
    settled_fields(qtbot, window)
    assert fields.view.controls.parameters.box("a").value() == 1.0
    fields.view.controls.parameters.box("a").setValue(3.0)
    settled_fields(qtbot, window)
    m = fields.stages["map"].field_map
    np.testing.assert_allclose(m.values, 3.0 * np.outer(m.y, m.x), rtol=1e-14)


def test_the_csv_export_reads_back_as_f_and_its_analytic_partials(qtbot, window, tmp_path):
    show(qtbot, window, expression="x^2*y + sin(y)", grid=25, x_min=-1.0, x_max=2.0, y_min=0.0,
                  y_max=3.0, method="forward", partial="df/dy", step=1e-4)
    out = tmp_path / "map.csv"
    window.export_to(str(out), window._writer())
    assert out.read_text().startswith("# f = x^2*y + sin(y)")
    table = np.genfromtxt(out, delimiter=",", skip_header=1, names=True)
    x, y = table["x"], table["y"]
    assert len(x) == 25 * 25
    np.testing.assert_allclose(table["f"], x**2 * y + np.sin(y), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(table["dfdx"], 2 * x * y, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(table["dfdy"], x**2 + np.cos(y), rtol=1e-14, atol=1e-15)
    names = table.dtype.names
    by_method = next(n for n in names if n.startswith("dfdy_by_forward"))
    error = next(n for n in names if n.startswith("error_of"))
    np.testing.assert_allclose(np.abs(table[by_method] - (x**2 + np.cos(y))), table[error], rtol=1e-6, atol=1e-12)
    for suffix in ("png", "svg"):
        picture = tmp_path / f"map.{suffix}"
        window.export_to(str(picture), window._writer())
        assert picture.stat().st_size > 1000


def test_a_failing_export_leaves_no_file_and_says_so(qtbot, window, tmp_path, monkeypatch):
    """The disk fills up half way through the CSV: no file (not half of one), no temporary, and the window
    says it was not written."""
    import errno

    from PySide6.QtWidgets import QFileDialog, QMessageBox

    show(qtbot, window, expression="x*y", grid=100)
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "map.csv"
    real_write = os.write

    def full_disk(handle, data):
        if len(data) > 1000:
            real_write(handle, bytes(data[:1000]))
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(handle, data)

    monkeypatch.setattr(os, "write", full_disk)
    with pytest.raises(OSError, match="map.csv"):
        window.export_to(str(target), window._writer())
    assert list(folder.iterdir()) == []
    warnings = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "CSV data (*.csv)"))
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: warnings.append(a[2]))
    window.statusBar().showMessage(f"wrote {target}")  # an earlier success must not stand
    window._export_dialog("CSV data (*.csv)", window._writer())
    assert "was not written" in window.statusBar().currentMessage() and "space" in warnings[0]
    assert list(folder.iterdir()) == []


def test_the_mode_and_its_inputs_are_remembered(qtbot, make_window):
    window = make_window()
    fields = show(qtbot, window, expression="x^2 - y^2", learning_rate=0.05, grid=40)
    window.close()
    again = make_window()
    assert again.mode() == "fields"
    settled_fields(qtbot, again)
    state = again.fields.model.state
    assert state.expression == "x^2 - y^2" and state.learning_rate == 0.05 and state.grid == 40
    assert fields is not again.fields
    again.set_mode("formula")


def test_cancel_keeps_what_is_on_screen(qtbot, window):
    fields = show(qtbot, window, expression="x*y", grid=20)
    before = fields.stages["map"]
    job = fields._job
    fields.model.update(grid=500, expression="sin(x*y)*exp(-x^2)")
    qtbot.waitUntil(lambda: fields._job > job, timeout=TIMEOUT_MS)
    fields.cancel()
    assert "cancelled" in window.statusBar().currentMessage()
    qtbot.wait(300)
    shown = fields.stages["map"]
    assert shown is before or shown.field_map.values.shape == (500, 500)  # a whole stage, the old or the new
    assert not fields.view.controls.busy.isVisible()


def test_a_job_paused_after_a_stage_goes_on_only_once_the_window_painted(qtbot, monkeypatch):
    """The worker sends the picture's last stage, then waits for the window's paint before its next Python
    work (which would share the GIL with the painting); a newer job or the bound ends the wait too."""
    from explorer.ui import paint_gate
    from explorer.ui.stage_worker import StageWorker

    monkeypatch.setattr(paint_gate, "PAINT_WAIT_SECONDS", 60.0)  # only the paint ends this wait

    worker = StageWorker()
    worker.start()
    computed, received = [], []
    worker.stage.connect(lambda _job, stage: received.append(stage))

    def job():
        for name in ("map", "errors", "point"):
            computed.append(name)
            yield name

    try:
        worker.submit(1, job, pause_after=lambda stage: stage == "errors")
        qtbot.waitUntil(lambda: received == ["map", "errors"], timeout=5000)
        qtbot.wait(50)
        assert computed == ["map", "errors"]  # the point waits for the paint
        worker.painted()
        qtbot.waitUntil(lambda: received == ["map", "errors", "point"], timeout=5000)
    finally:
        worker.stop()


def test_np_gradient_of_the_grid_replaces_the_method_map_and_is_exported(qtbot, window, tmp_path):
    fields = show(qtbot, window, expression="sin(x)*cos(y)", grid=60, method="central", partial="df/dx")
    fields.view.controls.sampled.setChecked(True)
    fields = settled_fields(qtbot, window)
    errors = fields.stages["errors"]
    assert errors.grid is not None
    np.testing.assert_allclose(fields.view.panels.error_image.image.T,
                               np.log10(np.maximum(errors.grid.errors[0], 1e-18)))
    assert "np.gradient" in fields.view.panels.error_plot.titleLabel.text
    path = tmp_path / "grid.csv"
    fields.export(str(path))
    lines = path.read_text().splitlines()
    assert "df/dx by np.gradient (edge_order 2)" in lines[1]
    table = np.loadtxt(lines[2:], delimiter=",")
    x, y, grid_dfdx = table[:, 0], table[:, 1], table[:, 5]
    exact = np.cos(x) * np.cos(y)
    np.testing.assert_allclose(np.abs(grid_dfdx - exact), table[:, 6], atol=1e-12)
    assert np.max(table[:, 6]) < 0.01  # second order on a 60-point grid over 8 units


@pytest.mark.parametrize("scale", [1e-6, 1.0, 1e5])
def test_the_map_fills_its_panel_at_any_window_size_until_the_user_zooms(qtbot, window, scale):
    fields = show(qtbot, window, expression="x^2 + y^2", grid=40, x_min=-4 * scale, x_max=4 * scale,
                  y_min=-3 * scale, y_max=3 * scale)
    panels = fields.view.panels

    def fills() -> bool:
        (x0, x1), (y0, y1) = panels.map_plot.viewRange()
        r = panels.rectangle
        holds = x0 <= r.left() and x1 >= r.right() and y0 <= r.top() and y1 >= r.bottom()
        # With the aspect locked, one side of the map meets the panel (but for the 2% padding)
        snug = min((x1 - x0) / r.width(), (y1 - y0) / r.height()) < 1.1
        return holds and snug

    for size in ((1920, 1080), (1024, 700), (1400, 900)):
        window.resize(*size)
        qtbot.waitUntil(lambda: panels.map_plot.vb.width() > 0, timeout=TIMEOUT_MS)
        panels.grab()  # lays the panels out at this size
        assert fills(), size
    panels.map_plot.vb.sigRangeChangedManually.emit([True, True])  # as a wheel zoom does
    panels.map_plot.setRange(xRange=(0, scale), yRange=(0, scale), padding=0)
    window.resize(1024, 700)
    panels.grab()
    (x0, x1), _ = panels.map_plot.viewRange()
    assert x1 - x0 < 3 * scale  # the user's zoom is kept


def test_a_long_expression_shows_its_start_and_the_slice_legend_sits_above_the_lines(qtbot, window):
    import pyqtgraph as pg

    window.resize(1280, 800)  # (on a smaller screen the panel is too short to keep half of it for the legend)
    expression = "sin(x)*cos(y) + (x^2 + 3y^2)/10 + exp(-(x - 1)^2 - y^2)"
    fields = show(qtbot, window, expression=expression, grid=40)
    box = fields.view.controls.expression
    assert box.text() == expression and box.cursorPosition() == 0
    panels = fields.view.panels
    panels.grab()
    fields.model.update(point_x=1.1)  # the slice again, at this size
    fields = settled_fields(qtbot, window)
    panels.grab()
    line = fields.stages["point"].slice
    highest = max(np.nanmax(v) for v in (line.f, line.exact, line.by_method))
    legend = panels.slice_legend
    legend_bottom = legend.mapToScene(legend.boundingRect().bottomLeft()).y()
    assert legend_bottom < panels.slice_plot.vb.mapViewToScene(pg.Point(0.0, highest)).y()


@pytest.mark.parametrize(("expression", "said"), [
    ("log(-x^2-y^2-1)", "f is undefined everywhere in x from -2 to 2, y from -1 to 1: choose a region where it is "
                        "defined"),
    ("sqrt(x)*y", "f is undefined on 50% of the region (left blank)"),
    ("sqrt(x-1)*y", "f is undefined on 75% of the region (left blank)"),
])
def test_a_map_where_f_is_undefined_says_so(qtbot, window, expression, said):
    said_lines = []
    window.fields.message.connect(said_lines.append)
    fields = show(qtbot, window, expression=expression, grid=100, x_min=-2.0, x_max=2.0, y_min=-1.0, y_max=1.0)
    values = fields.stages["map"].field_map.values
    assert said in said_lines
    if "everywhere" in said:
        assert np.isnan(values).all()
    else:
        assert round(100 * np.isnan(values).mean()) == int(said.split("%")[0].split()[-1])


def test_a_map_defined_everywhere_says_nothing_of_it(qtbot, window):
    said_lines = []
    window.fields.message.connect(said_lines.append)
    show(qtbot, window, expression="x^2+y", grid=50)
    assert not any("undefined" in line for line in said_lines)


def test_the_partials_are_named_in_the_maps_own_variables_and_chosen_by_their_symbol(qtbot, window):
    """With variables u, v the axes said u and v while the error map's title, the table's heads and the
    choice of partial said x and y (and the choice wrote d2f/dxdy where everything else wrote ∂²f/∂x∂y)."""
    fields = show(qtbot, window, expression="sin(u)*v^2", variables="u, v", grid=40, partial="d2f/dxdy")
    view = fields.view
    assert "∂²f/∂u∂v" in view.panels.error_plot.titleLabel.text
    heads = [view.table.table.horizontalHeaderItem(c).text() for c in range(view.table.table.columnCount())]
    assert heads[:5] == ["∂f/∂u", "∂f/∂v", "∂²f/∂u²", "∂²f/∂u∂v", "∂²f/∂v²"] and heads[6] == "∂²f/∂u∂v\nmap max"
    combo = view.controls.partial
    assert combo.currentText() == "∂²f/∂u∂v"
    combo.setCurrentIndex(combo.findText("∂f/∂v"))  # a choice made in the box reaches the computation
    assert fields.model.state.partial == "df/dy"
    settled_fields(qtbot, window)
    assert "∂f/∂v" in view.panels.error_plot.titleLabel.text


def test_an_exact_zero_error_reads_0_in_the_point_table(qtbot, window):
    """Exact errors read 0.0e+00 (a number in e-notation that looks measured); the one-variable table says 0."""
    fields = show(qtbot, window, expression="x^2 + 3y^2", variables="x, y", grid=40, point_x=1.0, point_y=0.5)
    table = fields.view.table
    row = list(table.table.verticalHeaderItem(r).text() for r in range(table.table.rowCount())).index("autodiff")
    assert table.cell_error(Method.AUTODIFF, 0) == 0.0
    assert table.table.item(row, 0).text() == "0"


def test_the_boxes_and_the_point_caption_say_the_maps_own_variables(qtbot, window):
    """With variables u, v the rectangle's ends read x from ... y to, the point's and the start's boxes x and y,
    and the table's caption At (1, 0.5): now u from, v to, u, start v and At u = 1, v = 0.5."""
    fields = show(qtbot, window, expression="sin(u)*v^2", variables="u, v", grid=40, point_x=1.0, point_y=0.5)
    controls = fields.view.controls
    said = {name: controls.label_of(getattr(controls, name)).text()
            for name in ("x_min", "x_max", "y_min", "y_max", "point_x", "point_y", "start_x", "start_y")}
    assert said == {"x_min": "u from", "x_max": "u to", "y_min": "v from", "y_max": "v to", "point_x": "u",
                    "point_y": "v", "start_x": "start u", "start_y": "start v"}
    assert fields.view.table.caption.text().startswith("At u = 1, v = 0.5: f = ")
    fields.model.update(variables="x, y", expression="sin(x)*y^2")  # and back
    qtbot.waitUntil(lambda: controls.label_of(controls.y_max).text() == "y to", timeout=TIMEOUT_MS)
    settled_fields(qtbot, window)
    assert controls.label_of(controls.start_x).text() == "start x"
    assert fields.view.table.caption.text().startswith("At x = 1, y = 0.5: f = ")


def test_the_momentum_box_is_written_as_the_other_number_boxes(qtbot, window):
    """The momentum box read 0.000 (three fixed decimals) where every other number box reads 0 or 0.1."""
    fields = show(qtbot, window, expression="x^2 + 3y^2", variables="x, y", grid=40, momentum=0.0)
    box = fields.view.controls.momentum
    assert box.text() == "0" == fields.view.controls.noise.text()
    box.lineEdit().selectAll()
    qtbot.keyClicks(box, "0.95")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert fields.model.state.momentum == 0.95 and box.text() == "0.95"
    qtbot.keyClick(box, Qt.Key.Key_Up)  # a step of 0.05, within [0, 0.999]
    assert box.value() == pytest.approx(0.999) and fields.model.state.momentum == pytest.approx(0.999)
    settled_fields(qtbot, window)


def test_at_1024x700_the_point_table_shows_every_heading_and_value_whole(qtbot, window):
    """At 1024x700 the last heading read '∂f/∂x: map ma' and the exact row 0.67415988… (ten digits elided);
    now the heading has two lines and each value as many digits as its column has room for."""
    window.resize(1024, 700)
    fields = show(qtbot, window, expression="sin(x)*cos(y) + (x^2 + 3y^2)/10", variables="x, y", grid=60,
                  point_x=1.0, point_y=0.5)
    table = fields.view.table
    grid, header = table.table, table.table.horizontalHeader()
    room = grid.style().pixelMetric(grid.style().PixelMetric.PM_FocusFrameHMargin) * 2 + 2  # Qt elides within it

    def whole():
        cells = [(r, c) for r in range(grid.rowCount()) for c in range(grid.columnCount())]
        return all(grid.fontMetrics().horizontalAdvance(grid.item(r, c).text()) <= grid.columnWidth(c) - room
                   for r, c in cells)

    for values in (False, True):
        table.values.setChecked(values)
        qtbot.waitUntil(whole, timeout=TIMEOUT_MS)  # (fitted again once the columns have their width)
        for column in range(grid.columnCount()):
            lines = grid.horizontalHeaderItem(column).text().split("\n")
            widest = max(header.fontMetrics().horizontalAdvance(line) for line in lines)
            assert widest <= header.sectionSize(column) - room, lines
        assert header.height() >= len(lines) * header.fontMetrics().height()
        exact = grid.item(0, 0).text()  # the symbolic row: still most of its digits, and the value it is
        assert len(exact.lstrip("-0.")) >= 7 and float(exact) == pytest.approx(table.cell_value(Method.SYMBOLIC, 0),
                                                                               rel=1e-6)
