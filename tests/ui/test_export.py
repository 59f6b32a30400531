"""Export what the window shows: PNG, SVG (vector, valid XML), CSV; atomically; also without a window."""

import os
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QGraphicsItem

from explorer.core.export.atomic import atomic_path
from explorer.core.expression.parser import parse_expression
from explorer.core.pipeline import derivatives_needed
from explorer.core.request import DerivativeRequest, Method
from explorer.core.symbolic.derivatives import SymbolicDerivatives, derivative_chain
from explorer.ui.export import ExportError, export_headless
from explorer.ui.method_styles import EXACT_COLOR, METHOD_COLORS

SVG = "{http://www.w3.org/2000/svg}"


def drawn_colors(path):
    """Lower-case stroke colours of every SVG element (Qt writes them as attributes)."""
    root = ET.parse(path).getroot()
    assert root.tag == f"{SVG}svg"
    return {el.get("stroke", "").lower() for el in root.iter()} | {el.get("fill", "").lower() for el in root.iter()}


def test_png_is_the_panels_as_shown(window, tmp_path):
    path = tmp_path / "plots.png"
    window.export_to(str(path))
    image = QImage(str(path))
    assert not image.isNull()
    assert (image.width(), image.height()) == (window.panels.width(), window.panels.height())
    # Not blank: the central-difference green appears somewhere.
    pixels = np.frombuffer(image.convertToFormat(QImage.Format.Format_RGB888).constBits(), dtype=np.uint8)
    rgb = pixels[: image.height() * image.bytesPerLine()].reshape(image.height(), -1)[:, : image.width() * 3]
    colours = rgb.reshape(-1, 3)
    assert np.any(np.all(colours == (0x00, 0x9E, 0x73), axis=1))


def test_svg_is_valid_xml_with_a_path_per_curve(window, tmp_path):
    path = tmp_path / "plots.svg"
    window.export_to(str(path))
    root = ET.parse(path).getroot()
    paths = list(root.iter(f"{SVG}path")) + list(root.iter(f"{SVG}polyline"))
    assert len(paths) > 20
    colors = drawn_colors(path)
    for method in (Method.CENTRAL, Method.FORWARD, Method.AUTODIFF):
        assert METHOD_COLORS[method].lower() in colors
    assert "|error| against" in path.read_text()  # titles are text, not pixels
    # The curves the window keeps as pictures for quick repaints are lines in the file (as many pictures as
    # with no item kept as one), and kept as pictures on screen afterwards.
    assert EXACT_COLOR.lower() in colors
    images = len(list(root.iter(f"{SVG}image")))
    cached = [item for item in window.panels.scene().items()
              if item.cacheMode() != QGraphicsItem.CacheMode.NoCache]
    assert window.panels.sweep_items[Method.CENTRAL] in cached
    for item in cached:
        item.setCacheMode(QGraphicsItem.CacheMode.NoCache)
    window.export_to(str(tmp_path / "uncached.svg"))
    for item in cached:
        item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    assert images == len(list(ET.parse(tmp_path / "uncached.svg").getroot().iter(f"{SVG}image")))


def test_csv_has_x_f_derivatives_and_errors(window, tmp_path):
    path = tmp_path / "data.csv"
    window.export_to(str(path))
    about, header = path.read_text().splitlines()[:2]
    assert about == f"# {window.request.summary()}" and about.startswith("# f(x) = sin(x); derivative order 1")
    header = header.split(",")
    assert header[:3] == ["x", "f", "symbolic"]
    assert "central" in header and "central_abs_error" in header and "symbolic_abs_error" not in header
    table = np.genfromtxt(path, delimiter=",", skip_header=2)
    assert table.shape == (window.domain.points.value(), len(header))
    x = table[:, 0]
    np.testing.assert_allclose(table[:, 1], np.sin(x), atol=1e-15)
    np.testing.assert_allclose(table[:, header.index("central")], np.cos(x), atol=1e-8)
    errors = table[:, header.index("central_abs_error")]
    np.testing.assert_allclose(errors, np.abs(table[:, header.index("central")] - table[:, 2]), atol=1e-20)
    relative = table[:, header.index("central_rel_error")]
    np.testing.assert_allclose(relative, errors / np.abs(table[:, 2]), rtol=1e-12)


def test_unknown_suffix_is_refused(window, tmp_path):
    with pytest.raises(ExportError, match="use .png, .svg or .csv"):
        window.export_to(str(tmp_path / "plots.pdf"))
    assert not any(tmp_path.glob("*plots*"))


def test_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "kept.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as temporary:
        with open(temporary, "w") as stream:
            stream.write("half")
        raise RuntimeError("disk full")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["kept.csv"]


@pytest.mark.parametrize("suffix", [".png", ".svg", ".csv"])
def test_headless_export_needs_no_window(qapp, tmp_path, suffix):
    request = DerivativeRequest("x^3", x_min=-1, x_max=1, points=101)
    parsed = parse_expression(request.expression)
    chain = derivative_chain(parsed.expr, parsed.variable, derivatives_needed(request))
    symbolic = SymbolicDerivatives(parsed, (parsed.expr, *chain))
    path = tmp_path / f"out{suffix}"
    export_headless(request, symbolic, path)
    assert path.stat().st_size > 100
    if suffix == ".svg":
        assert METHOD_COLORS[Method.CENTRAL].lower() in drawn_colors(path)
    elif suffix == ".png":
        assert QImage(str(path)).width() > 1000
    else:
        assert path.read_text().startswith(f"# {request.summary()}\n")
        table = np.genfromtxt(path, delimiter=",", names=True, skip_header=1)
        np.testing.assert_allclose(table["symbolic"], 3 * table["x"] ** 2, atol=1e-12)


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_headless_export_of_values_near_the_double_limit(qapp, tmp_path, recwarn, suffix):
    # exp up to 1.7e308: the top panel's range overflowed to [-inf, inf] and pyqtgraph raised; the theory
    # lines' overflow was a RuntimeWarning on the command line's error stream
    request = DerivativeRequest("exp(x)", x_min=705, x_max=709.78, points=201)
    parsed = parse_expression(request.expression)
    chain = derivative_chain(parsed.expr, parsed.variable, derivatives_needed(request))
    path = tmp_path / f"out{suffix}"
    export_headless(request, SymbolicDerivatives(parsed, (parsed.expr, *chain)), path)
    assert path.stat().st_size > 100
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_exported_file_gets_the_usual_mode_not_the_temporary_files(tmp_path):
    target = tmp_path / "new.csv"
    previous = os.umask(0o022)
    try:
        with atomic_path(target) as temporary:
            open(temporary, "w").close()
    finally:
        os.umask(previous)
    assert target.stat().st_mode & 0o777 == 0o644  # mkstemp's file was 0600


def test_a_name_typed_without_suffix_gets_the_chosen_filters():
    from explorer.ui.export import with_chosen_suffix

    assert with_chosen_suffix("/tmp/plot", "SVG image (*.svg)") == "/tmp/plot.svg"
    assert with_chosen_suffix("/tmp/plot.png", "SVG image (*.svg)") == "/tmp/plot.png"  # typed wins
    assert with_chosen_suffix("/tmp/plot", "PNG image (*.png);;SVG image (*.svg)") == "/tmp/plot.png"
    assert with_chosen_suffix("/tmp/plot", "") == "/tmp/plot"


def test_ctrl_e_asks_where_writes_there_and_remembers_the_folder(qtbot, window, tmp_path, monkeypatch):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QFileDialog

    asked = []

    def answer(parent, title, suggestion, filters):
        asked.append(suggestion)
        return str(tmp_path / "mine"), "CSV data (*.csv)"

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(answer))
    qtbot.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: (tmp_path / "mine.csv").exists())
    assert asked[0].endswith("derivative.csv")
    header = (tmp_path / "mine.csv").read_text().splitlines()[1]
    assert header.startswith("x,f")
    qtbot.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(asked) == 2)
    assert asked[1] == str(tmp_path / "derivative.csv")  # the folder of the last export


@pytest.mark.parametrize("stored", [["/no/such", "folder"], "/no/such/folder", 12.5, "bad\x00name", "x" * 5000])
def test_a_stored_folder_that_is_not_one_opens_the_dialogs_at_home(qtbot, window, monkeypatch, stored):
    # A hand-edited settings file: an INI list ("a,b") was shown to the dialog as "['a', 'b']/derivative.csv".
    from PySide6.QtCore import QDir, Qt
    from PySide6.QtWidgets import QFileDialog

    asked = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda _p, _t, where, _f: (asked.append(where)
                                                                                               or ("", ""))))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda _p, _t, where, _f: (asked.append(where)
                                                                                               or ("", ""))))
    window.settings.setValue("export/folder", stored)
    window.settings.setValue("data/folder", stored)
    qtbot.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    window._open_data_dialog()
    assert asked == [str(Path(QDir.homePath()) / "derivative.csv"), QDir.homePath()]


def test_ctrl_shift_e_writes_the_error_against_h_sweep(qtbot, window, tmp_path, monkeypatch):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QFileDialog

    target = tmp_path / "sweep.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *args: (str(target), "CSV data (*.csv)")))
    qtbot.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(target.exists)
    lines = target.read_text().splitlines()
    sweep = window.panels.sweep.sweep
    assert lines[0] == f"# {window.request.summary()}"
    assert lines[1] == f"# error against step h at x = {sweep.probe!r}"
    header = lines[2].split(",")
    assert header[0] == "h" and "central_abs_error" in header and "central_truncation" in header
    table = np.genfromtxt(target, delimiter=",", skip_header=3)
    np.testing.assert_array_equal(table[:, 0], sweep.h)
    np.testing.assert_array_equal(table[:, header.index("central_abs_error")], sweep.errors[Method.CENTRAL])


def test_h_star_diamonds_explain_themselves():
    from explorer.ui.plot_panels import optimum_tip

    assert optimum_tip(-6.0, -11.0, "Central difference") == "Central difference\nh* = 1e-06\n|error| there = 1e-11"


def test_csv_is_the_windows_latest_results_not_the_widgets(window, tmp_path):
    from dataclasses import replace

    from explorer.core.pipeline import collect_results

    request = replace(window.request, expression="x^3")
    parsed = parse_expression(request.expression)
    chain = derivative_chain(parsed.expr, parsed.variable, derivatives_needed(request))
    window.results = collect_results(request, SymbolicDerivatives(parsed, (parsed.expr, *chain)))
    path = tmp_path / "data.csv"
    window.export_to(str(path))
    assert path.read_text().startswith("# f(x) = x^3")  # the panels still show sin(x)
    table = np.genfromtxt(path, delimiter=",", names=True, skip_header=1)
    np.testing.assert_allclose(table["symbolic"], 3 * table["x"] ** 2, rtol=1e-12)
    window.results = None
    with pytest.raises(ExportError, match="nothing has been computed") as caught:
        window.export_to(str(tmp_path / "none.csv"))
    assert str(tmp_path / "none.csv") in str(caught.value)
    assert not (tmp_path / "none.csv").exists()


@pytest.mark.parametrize("name", ["plots.png", "plots.svg", "data.csv"])
def test_a_failed_export_warns_naming_the_file_and_never_says_wrote(qtbot, window, tmp_path, monkeypatch, name):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    target = tmp_path / name
    target.write_bytes(b"old")
    target.chmod(0o444)
    warnings = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *args: (str(target), "")))
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda parent, title, text: warnings.append(text)))
    window.statusBar().showMessage("wrote an earlier file")
    key = Qt.Key.Key_S if name.endswith((".png", ".svg")) else Qt.Key.Key_E
    qtbot.keyClick(window, key, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(warnings) == 1)
    assert str(target) in warnings[0] and "read-only" in warnings[0] and ".explorer-" not in warnings[0]
    assert "wrote" not in window.statusBar().currentMessage()
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == [name]


def test_an_exported_picture_says_what_it_shows(qtbot, window, settled, tmp_path):
    import xml.etree.ElementTree as ElementTree

    window.editor.set_text("tanh(x)*x")
    window.domain.order.setValue(2)
    window.slider.set_step(1e-3)
    settled(window)
    title = window.panels.curves_plot.titleLabel.text
    assert "tanh(x)*x" in title and "f″(x)" in title  # on screen: the function and the derivative
    target = tmp_path / "panels.svg"
    window.export_to(str(target))
    texts = "".join(t for t in ElementTree.parse(target).getroot().itertext())
    assert "tanh(x)*x" in texts and "h = 0.001" in texts
    assert window.panels.curves_plot.titleLabel.text == title  # the window's own title is back
