"""Data mode driven through the real window: open, paste, make samples, differentiate, export."""

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QGuiApplication

TIMEOUT_MS = 30_000


def settled_data(qtbot, window):
    data = window.data
    qtbot.waitUntil(lambda: data.chosen is not None and data.chosen.request_id == data._computing
                    and (not data.model.state.compare or data.compared is not None), timeout=TIMEOUT_MS)
    return data


def write_csv(path, t, y, header="time,position"):
    rows = "\n".join(f"{float(a)!r},{float(b)!r}" for a, b in zip(t, y, strict=True))
    path.write_text(f"{header}\n{rows}\n")


def open_csv(qtbot, window, path, t, y, header="time,position"):
    """Write t and y to path, open it in the window and wait for its results."""
    write_csv(path, t, y, header)
    window.open_data(str(path))
    return settled_data(qtbot, window)


def test_a_csv_file_gives_velocity_and_acceleration_by_several_methods(qtbot, window, tmp_path):
    t = np.linspace(0, 2, 401)
    data = open_csv(qtbot, window, tmp_path / "motion.csv", t, 3 * t**2 - t)
    assert window.mode() == "data" and window.pages.currentWidget() is data.view
    result = data.chosen.result
    np.testing.assert_allclose(result.derivative[5:-5], 6 * t[5:-5] - 1, rtol=1e-6, atol=1e-6)
    assert set(data.compared.results) >= {"gradient", "savgol", "spline"}
    assert data.view.controls.t_column.currentText() == "time"
    assert "motion.csv" in data.view.controls.source.text()
    data.model.update(order=2)
    data = settled_data(qtbot, window)
    np.testing.assert_allclose(np.nanmedian(data.chosen.result.derivative), 6.0, rtol=1e-3)


def test_a_file_of_timestamps_is_differentiated_per_its_unit_and_says_so(qtbot, window, tmp_path):
    minutes = np.arange(0, 300, 2.5)
    stamps = np.datetime64("2024-06-01T08:00:00") + (minutes * 60).astype("timedelta64[s]")
    temperature = 20 + 0.04 * minutes  # 0.04 degrees per minute
    rows = "\n".join(f"{s},{v!r}" for s, v in zip(np.datetime_as_string(stamps), temperature.tolist(), strict=True))
    (tmp_path / "log.csv").write_text("timestamp,temperature\n" + rows + "\n")
    window.open_data(str(tmp_path / "log.csv"))
    data = settled_data(qtbot, window)
    np.testing.assert_allclose(data.chosen.result.derivative, 0.04, rtol=1e-6)
    label = "t (minutes since 2024-06-01T08:00:00)"
    panels = data.view.panels
    assert [plot.getAxis("bottom").labelText for plot in (panels.data_plot, panels.derivative_plot)] == [label] * 2
    assert panels.sweep_plot.getAxis("bottom").labelText == "t (minutes)"  # the narrow residuals panel
    assert data.view.controls.t_column.currentText() == "timestamp"
    assert "timestamp read as dates and times: t in minutes since 2024-06-01T08:00:00" in \
        data.view.controls.notes.text()
    window.export_to(str(tmp_path / "out.csv"), window._writer())
    first = (tmp_path / "out.csv").read_text().splitlines()[0]
    assert first.startswith("# samples: ") and "log.csv; derivative order 1" in first
    assert first.endswith("; t (minutes since 2024-06-01T08:00:00)")
    table = np.loadtxt(tmp_path / "out.csv", delimiter=",", skiprows=2)
    np.testing.assert_array_equal(table[:, 0], minutes)


@pytest.mark.parametrize("scale", [1e-300, 1e-9, 1.0, 1e12, 1e300])
def test_the_legends_sit_above_every_curve_not_over_them(qtbot, window, tmp_path, scale):
    # Rising to the right and left: the curves' highest values are at the legend's corner.
    import pyqtgraph as pg

    t = np.linspace(-1, 1, 201)
    write_csv(tmp_path / "parabola.csv", t, scale * (t**2 - 0.5 * t))
    window.resize(1024, 700)
    window.open_data(str(tmp_path / "parabola.csv"))
    data = settled_data(qtbot, window)
    panels = data.view.panels
    qtbot.waitUntil(lambda: panels.derivative_plot.vb.height() > 0, timeout=TIMEOUT_MS)
    data.compute()  # again, now that the panels are laid out at this size
    data = settled_data(qtbot, window)
    window.repaint()
    for plot, legend, items in ((panels.data_plot, panels.data_legend, [panels.samples, *panels.fits.values()]),
                                (panels.derivative_plot, panels.derivative_legend, panels.derivatives.values())):
        highest = max(np.nanmax(item.getData()[1]) for item in items if item.getData()[1] is not None
                      and len(item.getData()[1]))
        legend_bottom = legend.mapToScene(legend.boundingRect().bottomLeft()).y()
        curves_top = plot.vb.mapViewToScene(pg.Point(0.0, highest)).y()
        assert legend_bottom < curves_top  # scene y grows downwards
        assert curves_top - legend_bottom < 0.25 * plot.vb.height()  # and the room left is not wasted
    assert panels.error_plot.getAxis("left").labelText == "max − min"  # no truth: the methods' spread


@pytest.mark.parametrize("scale", [1e-6, 1.0, 1e9])
def test_the_chosen_derivative_fills_its_panel_when_another_method_amplifies_noise(qtbot, window, tmp_path, scale):
    # Noisy samples on random t: gradient and short stencils swing a hundred times wider than a smoother.
    rng = np.random.default_rng(4)
    t = np.sort(rng.uniform(0, 600, 400))
    y = scale * (20 + 15 * (1 - np.exp(-t / 150)) + rng.normal(0, 0.15, t.size))
    write_csv(tmp_path / "oven.csv", t, y)
    window.resize(1280, 800)
    window.open_data(str(tmp_path / "oven.csv"))
    data = settled_data(qtbot, window)
    panels = data.view.panels
    chosen = data.chosen.result.derivative
    others = [r.derivative for name, r in data.compared.results.items() if name != data.chosen.result.method]
    assert max(np.ptp(d[np.isfinite(d)]) for d in others) > 20 * np.ptp(chosen)  # the case at hand
    low, high = panels.derivative_plot.viewRange()[1]
    assert low <= chosen.min() and chosen.max() <= high  # all of the chosen derivative in view
    assert np.ptp(chosen) > 0.3 * (high - low)  # and not squashed into a line


def test_samples_are_made_in_the_worker_and_a_bad_formula_keeps_the_samples_on_screen(qtbot, window, tmp_path,
                                                                                      monkeypatch):
    import threading

    from explorer.ui import data_mode

    threads = []
    make = data_mode.make_synthetic
    monkeypatch.setattr(data_mode, "make_synthetic",
                        lambda *args: threads.append(threading.current_thread()) or make(*args))
    window.set_mode("data")
    window.data.synthetic("sin(x)", -3.0, 3.0, 300, "jittered", 1e-3, 7)
    assert window.data.samples is None  # not made on the GUI thread: it comes from the worker
    data = settled_data(qtbot, window)
    assert threads and threads[0] is not threading.main_thread()
    shown = data.samples
    np.testing.assert_allclose(data.samples.exact[1], np.cos(data.samples.t))
    said = []
    data.message.connect(said.append)
    for bad in ("log(x)", "sin(", "sqrt(x - 10)"):  # undefined at -3, not a formula, undefined throughout
        said.clear()
        window.data.synthetic(bad, -3.0, 3.0, 300, "even", 0.0, 1)
        qtbot.waitUntil(lambda: said and said[-1].startswith("cannot make samples: "), timeout=TIMEOUT_MS)
        assert window.statusBar().currentMessage().startswith("cannot make samples: ")
        assert data.samples is shown and data.chosen is not None


def test_methods_that_cannot_compare_are_said_after_the_chosen_one(qtbot, window, tmp_path):
    data = open_csv(qtbot, window, tmp_path / "four.csv", np.arange(4.0), np.arange(4.0) ** 2)
    chosen = data.chosen.result
    assert set(data.compared.failures) == {"tv", "kalman"}
    assert window.statusBar().currentMessage() == (
        f"{chosen.method}: {chosen.describe_parameters()}; not compared: tv (needs at least 5 samples at distinct t; "
        "there are 4); kalman (needs at least 5 samples at distinct t; there are 4)")


@pytest.mark.parametrize("header", [",time,speed", '"","time","speed"'])  # pandas' to_csv, R's write.csv
def test_a_file_with_row_numbers_first_shows_the_columns_it_read(qtbot, window, tmp_path, header):
    t = np.linspace(0, 2, 60)
    start = 1 if header.startswith('"') else 0
    pairs = zip(t.tolist(), (t**3).tolist(), strict=True)
    rows = "\n".join(f"{k + start},{a!r},{b!r}" for k, (a, b) in enumerate(pairs))
    (tmp_path / "frame.csv").write_text(f"{header}\n{rows}\n")
    window.open_data(str(tmp_path / "frame.csv"))
    data = settled_data(qtbot, window)
    np.testing.assert_array_equal(data.samples.t, t)
    controls = data.view.controls
    assert (controls.t_column.currentText(), controls.y_column.currentText()) == ("time", "speed")
    np.testing.assert_allclose(data.chosen.result.derivative, 3 * t**2, rtol=1e-9, atol=1e-12)


def test_samples_near_the_largest_double_are_drawn_on_finite_ranges(qtbot, window, tmp_path):
    t = np.linspace(-1, 1, 201)
    write_csv(tmp_path / "huge.csv", t, 1e308 * (t**2 - 0.5 * t))  # up to 1.5e308: widths overflow
    window.open_data(str(tmp_path / "huge.csv"))
    data = settled_data(qtbot, window)
    panels = data.view.panels
    window.repaint()
    for plot in (panels.data_plot, panels.derivative_plot):
        low, high = plot.viewRange()[1]
        assert np.isfinite(high - low) and high > low


def test_a_method_and_its_parameter_can_be_set_and_reset(qtbot, window, tmp_path):
    t = np.linspace(0, 1, 301)
    data = open_csv(qtbot, window, tmp_path / "s.csv", t, np.sin(4 * t))
    data.model.update(method="savgol")
    data = settled_data(qtbot, window)
    assert data.chosen.result.method == "savgol" and "window" in data.view.controls.parameter_boxes
    data.view.controls.parameter_boxes["window"].setValue(21)
    data = settled_data(qtbot, window)
    assert data.chosen.result.parameters["window"] == 21 and "window" not in data.chosen.result.automatic
    data.view.controls.reset.click()
    data = settled_data(qtbot, window)
    assert "window" in data.chosen.result.automatic


def test_samples_of_the_formula_have_truth_errors_and_an_error_against_smoothing(qtbot, window):
    window.set_mode("data")
    window.data.synthetic("sin(x)", -3.0, 3.0, 300, "jittered", 1e-3, 7)
    data = settled_data(qtbot, window)
    assert window.mode() == "data" and data.samples.truth
    qtbot.waitUntil(lambda: data.swept is not None, timeout=TIMEOUT_MS)
    sweep = data.swept.sweep
    assert np.isfinite(sweep.rmse).sum() > 3 and sweep.automatic_rmse < 0.05
    errors = data.compared.errors
    assert all(np.nanmedian(e) < 0.2 for e in errors.values())
    x, y = data.view.panels.sweep.getData()
    assert len(x) == len(sweep.values)


def test_pasted_columns_and_a_bad_file_keep_what_was_there(qtbot, window, tmp_path):
    QGuiApplication.clipboard().setText("1\t2\n2\t4\n3\t6\n4\t8\n5\t10\n6\t12\n7\t14\n8\t16\n")
    window.paste_data()
    data = settled_data(qtbot, window)
    np.testing.assert_allclose(data.chosen.result.derivative, 2.0, rtol=1e-9)
    (tmp_path / "junk.csv").write_bytes(b"\x00\x01\x02 binary junk")
    before = data.samples
    window.open_data(str(tmp_path / "junk.csv"))
    qtbot.waitUntil(lambda: "junk.csv" in window.statusBar().currentMessage()
                    and "reading" not in window.statusBar().currentMessage(), timeout=TIMEOUT_MS)
    assert data.samples is before  # nothing lost
    window.open_data(str(tmp_path / "missing.csv"))
    qtbot.waitUntil(lambda: "missing.csv" in window.statusBar().currentMessage()
                    and "reading" not in window.statusBar().currentMessage(), timeout=TIMEOUT_MS)
    assert data.samples is before


def test_the_data_csv_export_reads_back(qtbot, window, tmp_path):
    t = np.linspace(0, 1, 101)
    data = open_csv(qtbot, window, tmp_path / "in.csv", t, t**3)
    out = tmp_path / "out.csv"
    window.export_to(str(out), window._writer())
    text = out.read_text()
    assert text.startswith("# samples: ") and "method" in text.splitlines()[0]
    table = np.genfromtxt(out, delimiter=",", skip_header=1, names=True)
    np.testing.assert_array_equal(table["t"], t)
    np.testing.assert_allclose(table[data.chosen.result.method], data.chosen.result.derivative)
    picture = tmp_path / "out.png"
    window.export_to(str(picture), window._writer())
    assert picture.read_bytes().startswith(b"\x89PNG")


def test_dropping_a_file_opens_it_and_data_mode_is_remembered(qtbot, make_window, tmp_path):
    window = make_window()
    t = np.linspace(0, 1, 51)
    write_csv(tmp_path / "drop.csv", t, 2 * t)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path / "drop.csv"))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    settled_data(qtbot, window)
    window.close()
    again = make_window()
    data = settled_data(qtbot, again)
    assert again.mode() == "data" and "drop.csv" in data.samples.source
    again.set_mode("formula")


@pytest.mark.parametrize("method, stored", [("savgol", "window=1e300"), ("auto", "bogus=1"),
                                            ("fornberg", "window=7"), ("kalman", "q=-1"), ("gradient", "edge_order=3")])
def test_stored_method_parameters_the_method_refuses_fall_back_to_automatic(qtbot, settings, make_window, tmp_path,
                                                                          method, stored):
    # A finite number under a method's name passed the stored form's check, yet every computation then failed
    # ("window must be within [3, 2001]") and the data mode opened with nothing computed.
    t = np.linspace(0, 1, 51)
    write_csv(tmp_path / "data.csv", t, np.sin(t))
    settings.setValue("view/mode", "data")
    settings.setValue("data/recent", f'["{tmp_path / "data.csv"}"]')
    settings.setValue("data/method", method)
    settings.setValue("data/parameters", stored)
    window = make_window()
    data = settled_data(qtbot, window)
    assert data.model.state.method == method and data.model.state.parameters == ()
    assert [note for note in data.startup_notes if "method parameters" in note and "unusable" in note]
    assert data.chosen.result is not None
    np.testing.assert_allclose(data.chosen.result.derivative[5:-5], np.cos(t[5:-5]), atol=1e-2)
    window.set_mode("formula")


def test_stored_method_parameters_the_method_takes_are_restored(qtbot, settings, make_window, tmp_path):
    t = np.linspace(0, 1, 51)
    write_csv(tmp_path / "data.csv", t, np.sin(t))
    settings.setValue("view/mode", "data")
    settings.setValue("data/recent", f'["{tmp_path / "data.csv"}"]')
    settings.setValue("data/method", "savgol")
    settings.setValue("data/parameters", "window=7")
    window = make_window()
    data = settled_data(qtbot, window)
    assert data.model.state.parameters == (("window", 7.0),) and data.startup_notes == []
    window.set_mode("formula")


@pytest.mark.parametrize("mode", ["formula", "data"])
def test_ctrl_1_and_ctrl_2_switch_modes(qtbot, window, mode):
    key = Qt.Key.Key_1 if mode == "formula" else Qt.Key.Key_2
    window.set_mode("data" if mode == "formula" else "formula")
    qtbot.keyClick(window, key, Qt.KeyboardModifier.ControlModifier)
    assert window.mode() == mode
    assert window.timing.isVisible() == (mode == "formula")  # the formula's timing, only beside the formula


def test_made_samples_name_their_columns_and_every_control_fits_a_small_window(qtbot, window):
    window.resize(1024, 700)
    window.set_mode("data")
    window.data.synthetic("sin(x)", -3.0, 3.0, 200, "even", 1e-2, 0)
    settled_data(qtbot, window)
    controls = window.data.view.controls
    assert (controls.t_column.currentText(), controls.y_column.currentText()) == ("t", "y")
    assert not controls.t_column.isEnabled()  # made, not read: nothing to choose
    scroll = window.data.view.widget(0)
    qtbot.waitUntil(lambda: controls.width() <= scroll.viewport().width())  # nothing cut off on the right
    panels = window.data.view.panels
    assert panels.mapTo(window, panels.rect().topRight()).x() < window.width()  # the plots end in the window


def test_a_log_axis_over_less_than_a_decade_labels_only_1_2_5(qtbot):  # qtbot: an axis needs the application
    import math

    from explorer.ui.plot_panels import PanelAxis

    axis = PanelAxis("left")
    values = [math.log10(v) for v in (0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.1, 0.2)]
    labels = axis.logTickStrings(values, 1.0, 0.1)
    shown = [text for text in labels if text]
    assert len(shown) == 4 and all(text for text, v in zip(labels, values) if round(10 ** v, 6) in (0.02, 0.05, 0.1, 0.2))


def test_a_settle_or_a_checkpoint_gives_way_to_a_newer_job_at_once(qtbot):
    """A job that yields Settle waits for a newer job before its follow-up work; None is a checkpoint, sent to
    no one: a newer job drops the rest there."""
    from explorer.ui.stage_worker import Settle, StageWorker

    worker = StageWorker()
    worker.start()
    received, computed = [], []
    worker.stage.connect(lambda job, stage: received.append((job, stage)))

    def slow():
        yield "chosen"
        yield Settle(60.0)  # only a newer job ends this wait in time
        computed.append("compare")
        yield "compare"

    def checkpoints():
        yield "chosen"
        for k in range(1000):
            yield None
            computed.append(k)
            threading.Event().wait(0.01)
        yield "sweep"

    import threading

    try:
        worker.submit(1, slow)
        qtbot.waitUntil(lambda: received == [(1, "chosen")], timeout=5000)
        worker.submit(2, checkpoints)
        qtbot.waitUntil(lambda: (2, "chosen") in received and len(computed) >= 3, timeout=5000)
        worker.submit(3, lambda: iter(["last"]))
        qtbot.waitUntil(lambda: (3, "last") in received, timeout=5000)
        assert received == [(1, "chosen"), (2, "chosen"), (3, "last")]  # no None, no stale follow-up
        assert "compare" not in computed and len(computed) < 1000
    finally:
        worker.stop()


def test_dragging_a_parameter_computes_each_move_and_the_comparison_only_once_it_stops(qtbot, window, monkeypatch):
    """Each move of a control is answered by its own derivative at once. The comparison and the error against
    smoothing wait until the moves stop: a move made meanwhile would make them stale, and begun, they would
    hold up the next move until their current derivative ended."""
    from explorer.core.data import evaluation, session
    from explorer.ui import data_mode

    monkeypatch.setattr(data_mode, "FOLLOW_UP_SECONDS", 2.0)  # longer than a move here takes, on any machine
    window.set_mode("data")
    window.data.synthetic("sin(x)", 0.0, 12.0, 20_000, "jittered", 1e-2, 4)
    data = settled_data(qtbot, window)
    calls = []
    for module in (session, evaluation):
        original = module.differentiate_with
        monkeypatch.setattr(module, "differentiate_with",
                            lambda *a, original=original, **k: calls.append((a[3], dict(a[4]))) or original(*a, **k))
    kinds = []
    data.worker.stage.connect(lambda job, stage: kinds.append((job, type(stage).__name__)))
    moves = (101.0, 103.0, 105.0, 107.0, 109.0)
    for window_length in moves:  # the first move also changes the method: nothing of savgol is kept yet
        before = data._job
        data.model.update(method="savgol", parameters=(("window", window_length),))
        qtbot.waitUntil(lambda before=before: data.chosen is not None and data.chosen.request_id > before,
                        timeout=TIMEOUT_MS)
    made_during_the_drag = len(calls)
    last = data._job
    data = settled_data(qtbot, window)
    qtbot.waitUntil(lambda: (last, "SweepStage") in kinds, timeout=TIMEOUT_MS)
    assert data.chosen.result.parameters["window"] == 109
    assert calls[:made_during_the_drag] == [("savgol", {"window": w}) for w in moves]  # each move's own only
    assert [(job, kind) for job, kind in kinds if job != last and kind != "ChosenStage"] == []
    assert len(calls) > made_during_the_drag  # the comparison and sweep, once the moves stopped


def test_long_curves_are_drawn_at_the_pixels_resolution_and_a_move_leaves_the_unchanged_ones_alone(qtbot, window):
    """Every curve of samples draws what its pixels can show (pyqtgraph's plot reset both options when the
    item was added after setting them, and 10^5 samples were drawn whole); a move of a control sets the
    chosen method's curves only: the exact derivative, the axes' labels and the legends stay as they were."""
    window.set_mode("data")
    window.data.synthetic("sin(x)", 0.0, 12.0, 20_000, "jittered", 1e-2, 4)
    data = settled_data(qtbot, window)
    panels = data.view.panels
    lines = [panels.samples_line, panels.exact, panels.spread, panels.sweep, *panels.fits.values(),
             *panels.derivatives.values(), *panels.errors.values()]
    assert all(item.opts["autoDownsample"] and item.opts["clipToView"] for item in lines)
    data.model.update(method="savgol", parameters=(("window", 101.0),))
    data = settled_data(qtbot, window)
    exact, label = panels.exact.yData, panels.derivative_plot.getAxis("left").label.toPlainText()
    x_range = panels.data_plot.viewRange()[0]
    data.model.update(parameters=(("window", 103.0),))
    data = settled_data(qtbot, window)
    assert data.chosen.result.parameters["window"] == 103
    assert panels.exact.yData is exact  # not set again: still the picture kept of it
    assert panels.derivative_plot.getAxis("left").label.toPlainText() == label
    assert panels.data_plot.viewRange()[0] == x_range
    np.testing.assert_array_equal(panels.derivatives["savgol"].yData, data.chosen.result.derivative)


def held(request, monkeypatch, name="load_samples"):
    """Make the data mode's calls of name (its file reads, or data_stages: its computations) wait for the
    returned event: work that is still under way, for sure. Released at the end of the test in any case."""
    import threading

    from explorer.ui import data_mode

    release = threading.Event()
    request.addfinalizer(release.set)  # before the window's worker is stopped
    original = getattr(data_mode, name)

    def waiting(*args, **kwargs):
        release.wait(TIMEOUT_MS / 1000)
        return original(*args, **kwargs)

    monkeypatch.setattr(data_mode, name, waiting)
    return release


@pytest.mark.parametrize("second", ["good", "ragged"])
def test_a_control_moved_while_a_file_is_read_neither_drops_the_file_nor_the_move(qtbot, window, tmp_path, request,
                                                                                  monkeypatch, second):
    # The move's computation replaced the read in the worker: the file never opened, and nothing said so.
    t = np.linspace(0, 1, 101)
    data = open_csv(qtbot, window, tmp_path / "first.csv", t, t**3)
    first = data.samples
    if second == "good":
        write_csv(tmp_path / "second.csv", t, 5 * t**2)
    else:
        (tmp_path / "second.csv").write_text("t,y\n0,1\n1,2,3\n2,3\n")
    release = held(request, monkeypatch)
    window.open_data(str(tmp_path / "second.csv"))
    data.model.update(order=2)
    release.set()
    qtbot.waitUntil(lambda: "reading" not in window.statusBar().currentMessage(), timeout=TIMEOUT_MS)
    data = settled_data(qtbot, window)
    assert data.chosen.result.order == 2
    if second == "good":
        assert "second.csv" in data.view.controls.source.text()
        np.testing.assert_allclose(data.chosen.result.derivative, 10.0, rtol=1e-6)
    else:
        assert data.samples is first and "first.csv" in data.view.controls.source.text()
        np.testing.assert_allclose(data.chosen.result.derivative[5:-5], 6 * t[5:-5], rtol=1e-4)
        assert "ragged" in window.statusBar().currentMessage()


def export_through_the_dialog(window, monkeypatch, path):
    """File ▸ Export as the user does it: (the status line, the warnings shown)."""
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    warnings = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text: warnings.append(text))
    window._export_dialog("CSV data (*.csv)", window._writer())
    return window.statusBar().currentMessage(), warnings


@pytest.mark.parametrize("rows", [20, 101, 300])
def test_new_samples_are_never_exported_with_the_derivative_of_the_old_ones(qtbot, window, tmp_path, request,
                                                                            monkeypatch, rows):
    # The last result was kept with new samples until theirs came, or for good when the method failed on them:
    # the CSV paired the new t with the old derivative, or the export crashed when their lengths differed.
    t = np.linspace(0, 1, 101)
    data = open_csv(qtbot, window, tmp_path / "first.csv", t, 5 * t)
    data.model.update(method="savgol", parameters=(("window", 51.0), ("degree", 2.0)))
    data = settled_data(qtbot, window)
    release = held(request, monkeypatch, "data_stages")  # the export is asked for before the new samples' result
    t2 = np.linspace(0, 1, rows)
    write_csv(tmp_path / "second.csv", t2, t2**2)
    window.open_data(str(tmp_path / "second.csv"))
    qtbot.waitUntil(lambda: "second.csv" in data.view.controls.source.text(), timeout=TIMEOUT_MS)
    out = tmp_path / "out.csv"
    status, warnings = export_through_the_dialog(window, monkeypatch, out)
    assert not out.exists() and "not written" in status and "no data has been differentiated" in warnings[0]
    release.set()
    if rows < 51:  # savgol's window of 51 cannot run on 20 samples: nothing to export but the error
        qtbot.waitUntil(lambda: "51" in window.statusBar().currentMessage(), timeout=TIMEOUT_MS)
        status, warnings = export_through_the_dialog(window, monkeypatch, out)
        assert not out.exists() and "not written" in status and "no data has been differentiated" in warnings[0]
    else:
        data = settled_data(qtbot, window)
        status, warnings = export_through_the_dialog(window, monkeypatch, out)
        assert warnings == [] and status.startswith("wrote")
        table = np.genfromtxt(out, delimiter=",", skip_header=1, names=True)
        np.testing.assert_array_equal(table["t"], t2)
        np.testing.assert_allclose(table["savgol"], 2 * t2, atol=1e-6)


def choose_columns(qtbot, window, t_place, y_place):
    """Pick t and y in the column boxes as the user does (each box's activated signal)."""
    controls = window.data.view.controls
    for box, place in ((controls.t_column, t_place), (controls.y_column, y_place)):
        box.setCurrentIndex(place)
    controls.y_column.activated.emit(y_place)
    qtbot.waitUntil(lambda: "reading" not in window.statusBar().currentMessage(), timeout=TIMEOUT_MS)


COLUMN_FILES = {
    # header, rows (k = 0..50), the places of t and y to choose, the derivative expected (None: refused)
    "repeated name": ("t,v,v", lambda k: (0.1 * k, 0.1 * k, 0.5 * k), (0, 2), 5.0),
    "a column named index": ("index,time,pos", lambda k: (2 * k + 1, 0.01 * k, 0.03 * k), (0, 2), 0.015),
    "a column named Row": ("time,Row,pos", lambda k: (0.01 * k, 2 * k + 1, 0.03 * k), (1, 2), 0.015),
    "t and y the same": ("t,a,b", lambda k: (0.1 * k, 0.1 * k, 0.5 * k), (2, 2), None),
    "y the row index": ("y", lambda k: (0.5 * k,), (1, 0), None),
}


@pytest.mark.parametrize("case", list(COLUMN_FILES))
def test_columns_are_chosen_by_their_place_and_a_refused_choice_keeps_the_boxes_with_the_data(qtbot, window,
                                                                                             tmp_path, case):
    # Chosen by name, the second of two columns of one name read the first, and a column named index or row
    # was read as the row index; a choice the file refused left the boxes showing columns that were not used.
    header, row, (t_place, y_place), expected = COLUMN_FILES[case]
    path = tmp_path / "columns.csv"
    path.write_text(header + "\n" + "\n".join(",".join(repr(float(v)) for v in row(k)) for k in range(51)) + "\n")
    window.open_data(str(path))
    data = settled_data(qtbot, window)
    controls = data.view.controls
    before = (data.samples, controls.t_column.currentIndex(), controls.y_column.currentIndex())
    choose_columns(qtbot, window, t_place, y_place)
    if expected is None:
        assert (data.samples, controls.t_column.currentIndex(), controls.y_column.currentIndex()) == before
        status = window.statusBar().currentMessage()
        assert "same column" in status or "row index" in status
        return
    data = settled_data(qtbot, window)
    np.testing.assert_allclose(data.chosen.result.derivative, expected, rtol=1e-9)
    assert (controls.t_column.currentIndex(), controls.y_column.currentIndex()) == (t_place, y_place)
    window.open_data(str(path))  # read again as at first: the boxes show the columns used, by place too
    data = settled_data(qtbot, window)
    t_used = controls.t_column.currentIndex()
    np.testing.assert_array_equal(data.samples.t, [float(row(k)[t_used]) for k in range(51)])


@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize("window_length", [23, 51, 2001])
def test_a_savgol_window_longer_than_the_samples_is_refused_in_one_line(qtbot, window, tmp_path, order,
                                                                         window_length):
    # With the degree left to the data, a window beyond the samples reached the degree's judgement, which
    # indexed outside them: "failed: IndexError: index -31 is out of bounds".
    t = np.linspace(0, 1, 21)
    data = open_csv(qtbot, window, tmp_path / "short.csv", t, t**2)
    data.model.update(order=order, method="savgol")
    data = settled_data(qtbot, window)
    shown = data.view.panels.derivatives["savgol"].yData.copy()
    data.view.controls.parameter_boxes["window"].setValue(window_length)
    qtbot.waitUntil(lambda: not window.statusBar().currentMessage().startswith("savgol:"), timeout=TIMEOUT_MS)
    assert window.statusBar().currentMessage() == (f"a window of {window_length} points needs at least "
                                                   f"{window_length} samples; there are 21")
    np.testing.assert_array_equal(data.view.panels.derivatives["savgol"].yData, shown)  # the last result stays


@pytest.mark.parametrize("method, name, value", [("kalman", "q", 1e40), ("kalman", "q", 1e80), ("kalman", "q", 1e-30),
                                                 ("kalman", "sigma", 1e20), ("spline", "lam", 1e-30),
                                                 ("tv", "alpha", 1e-16), ("savgol", "window", 2001)])
def test_each_parameter_box_holds_the_value_used_at_any_size(qtbot, window, tmp_path, method, name, value):
    # Each box was made with number_box's range (|value| up to 1e15) and its value set before the parameter's
    # own range: a q of 1e40 (or the 1.2e17 auto chooses on 10^5 noisy samples) was shown as 1e15.
    t = np.linspace(0, 1, 2001)
    data = open_csv(qtbot, window, tmp_path / "s.csv", t, np.sin(4 * t))
    data.model.update(method=method, parameters=((name, value),))
    data = settled_data(qtbot, window)
    used = data.chosen.result.parameters
    assert used[name] == value
    for parameter, box in data.view.controls.parameter_boxes.items():
        assert box.value() == pytest.approx(used[parameter], rel=1e-12)


def test_a_parameter_box_keeps_the_keyboard_while_it_is_stepped(qtbot, window, tmp_path):
    # The boxes were made anew for every result: the box stepped with Up lost the focus, and the next Up
    # went nowhere.
    from PySide6.QtWidgets import QApplication

    t = np.linspace(0, 1, 301)
    data = open_csv(qtbot, window, tmp_path / "s.csv", t, np.sin(4 * t))
    data.model.update(method="savgol", parameters=(("window", 21.0),))
    data = settled_data(qtbot, window)
    window.activateWindow()
    data.view.controls.parameter_boxes["window"].setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is data.view.controls.parameter_boxes["window"])
    for expected in (23, 25, 27):
        box = QApplication.focusWidget()
        assert box is data.view.controls.parameter_boxes["window"]
        qtbot.keyClick(box, Qt.Key.Key_Up)
        data = settled_data(qtbot, window)
        assert data.chosen.result.parameters["window"] == expected
        assert data.view.controls.parameter_boxes["window"].value() == expected


@pytest.mark.parametrize("content", ["t,y\n0,1\n1,2,3\n2,3\n", "t,y\n0,1\n1,z\n2,3\n", "t\ty\n0\t1.5\n1\t2,5\n2\t3\n"])
@pytest.mark.parametrize("source", ["file", "paste"])
def test_a_file_or_paste_that_cannot_be_read_is_named_in_its_error(qtbot, window, tmp_path, content, source):
    # "line 3: 3 cells where the data has 2 (a ragged row)" said neither which file nor that it was not opened,
    # while the panels still showed another file.
    t = np.linspace(0, 1, 51)
    data = open_csv(qtbot, window, tmp_path / "good.csv", t, t**2)
    before = data.samples
    if source == "file":
        (tmp_path / "bad.csv").write_text(content)
        window.open_data(str(tmp_path / "bad.csv"))
        named = f"cannot read {tmp_path / 'bad.csv'}: line 3"
    else:
        QGuiApplication.clipboard().setText(content)
        window.paste_data()
        named = "cannot read pasted text: line 3"
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith(named), timeout=TIMEOUT_MS)
    assert data.samples is before and "good.csv" in data.view.controls.source.text()


def test_epoch_seconds_a_millisecond_apart_are_told_apart_on_axes_and_in_the_summary(qtbot, window, tmp_path):
    """t in seconds since 1970 (about 1.7e9) with millisecond steps: six digits wrote every tick and both ends of
    the range as "1.7e+09"."""
    t = 1.7e9 + np.arange(400) * 1e-3
    data = open_csv(qtbot, window, tmp_path / "epoch.csv", t, np.sin(20 * (t - t[0])), header="t,y")
    summary = data.view.controls.source.text()
    first, last = summary.split("t from ")[1].split(" to ")
    assert float(first) == pytest.approx(t[0], abs=1e-4) and float(last.split(";")[0]) == pytest.approx(t[-1], abs=1e-4)
    panels = data.view.panels
    for plot in (panels.data_plot, panels.derivative_plot):
        axis = plot.getAxis("bottom")
        low, high = plot.viewRange()[0]
        for spacing, values in axis.tickValues(low, high, axis.width()):
            texts = axis.tickStrings(values, axis.scale, spacing)
            assert len(set(texts)) == len(texts), texts
            assert all(abs(float(text) - value) <= spacing / 2 for text, value in zip(texts, values, strict=True))
