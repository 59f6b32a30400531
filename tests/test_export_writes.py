"""Every export goes through one atomic write: a file is reported written only when all of it is on
disk; any failure keeps the old file, leaves no temporary file and names the user's path."""

from __future__ import annotations

import errno
import os
import resource
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from explorer import cli
from explorer.core.export import atomic
from explorer.core.export.atomic import atomic_path, shown_path, write_atomically
from explorer.core.export.tables import ExportError, curves_csv, write_csv, write_sweep_csv
from explorer.core.expression.parser import parse_expression
from explorer.core.pipeline import DerivativeResults, collect_results, derivatives_needed
from explorer.core.request import DerivativeRequest, Method
from explorer.core.symbolic.derivatives import SymbolicDerivatives, derivative_chain

REPO = Path(__file__).resolve().parents[1]
OLD = b"the old file\n"
TEMPORARY = ".explorer-"  # how temporary files start


def results_for(expression: str, **request) -> DerivativeResults:
    request = DerivativeRequest(expression, **{"x_min": -1.0, "x_max": 1.0, "points": 51, **request})
    parsed = parse_expression(request.expression)
    chain = derivative_chain(parsed.expr, parsed.variable, derivatives_needed(request))
    return collect_results(request, SymbolicDerivatives(parsed, (parsed.expr, *chain)))


def assert_untouched(folder: Path, target: Path, content: bytes | None = OLD) -> None:
    """target holds content (or does not exist when content is None) and no temporary file is left."""
    if content is None:
        assert not os.path.lexists(target)
    else:
        assert target.read_bytes() == content
    assert not [name for name in os.listdir(folder) if name.startswith(TEMPORARY)]


def assert_names_the_path(exc: BaseException, path) -> None:
    message = str(exc)
    assert shown_path(path) in message and TEMPORARY not in message, message


def one_error_line(stderr: str) -> None:
    assert stderr.startswith("error: ") and stderr.count("\n") == 1 and "Traceback" not in stderr, stderr


# -- the write itself ---------------------------------------------------------------------

def test_a_new_file_has_the_data_and_the_usual_mode(tmp_path):
    target = tmp_path / "new.bin"
    previous = os.umask(0o027)
    try:
        write_atomically(target, b"\x00data" * 1000)
    finally:
        os.umask(previous)
    assert target.read_bytes() == b"\x00data" * 1000
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert os.listdir(tmp_path) == ["new.bin"]


def test_a_replaced_file_keeps_its_mode(tmp_path):
    target = tmp_path / "kept.csv"
    target.write_bytes(OLD)
    target.chmod(0o604)
    write_atomically(target, b"new")
    assert target.read_bytes() == b"new" and stat.S_IMODE(target.stat().st_mode) == 0o604


def test_short_writes_are_continued(tmp_path, monkeypatch):
    real_write = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: real_write(fd, bytes(data[:777])))
    data = os.urandom(3 * 1024 * 1024 + 5)
    write_atomically(tmp_path / "big.bin", data)
    monkeypatch.undo()
    assert (tmp_path / "big.bin").read_bytes() == data


@pytest.mark.parametrize("failure", [OSError(errno.ENOSPC, "No space left on device"),
                                     OSError(errno.EIO, "Input/output error"),
                                     OSError(errno.EFBIG, "File too large")])
def test_disk_full_after_some_bytes_keeps_the_old_file(tmp_path, monkeypatch, failure):
    target = tmp_path / "data.csv"
    target.write_bytes(OLD)
    real_write = os.write
    calls = []

    def fill_up(fd, data):
        calls.append(len(data))
        if len(calls) > 1:
            raise failure
        return real_write(fd, bytes(data[:1000]))  # some of it fits

    monkeypatch.setattr(os, "write", fill_up)
    with pytest.raises(OSError) as caught:
        write_atomically(target, b"x" * 100_000)
    monkeypatch.undo()
    assert caught.value.errno == failure.errno and failure.strerror in str(caught.value)
    assert_names_the_path(caught.value, target)
    assert_untouched(tmp_path, target)


def test_disk_full_in_a_csv_export(tmp_path, monkeypatch):
    target = tmp_path / "data.csv"
    target.write_bytes(OLD)

    def full(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(OSError, match="No space left") as caught:
        write_csv(target, results_for("sin(x)"))
    monkeypatch.undo()
    assert_names_the_path(caught.value, target)
    assert_untouched(tmp_path, target)


def test_a_failing_fsync_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "data.csv"
    target.write_bytes(OLD)

    def broken(fd):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "fsync", broken)
    with pytest.raises(OSError, match="Input/output error"):
        write_atomically(target, b"new")
    monkeypatch.undo()
    assert_untouched(tmp_path, target)


@pytest.mark.parametrize("interrupt_on_call", [1, 2])
def test_ctrl_c_mid_write_keeps_the_old_file(tmp_path, monkeypatch, interrupt_on_call):
    target = tmp_path / "plot.svg"
    target.write_bytes(OLD)
    real_write = os.write
    calls = []

    def interrupted(fd, data):
        calls.append(1)
        if len(calls) == interrupt_on_call:
            raise KeyboardInterrupt
        return real_write(fd, bytes(data[:10]))

    monkeypatch.setattr(os, "write", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomically(target, b"<svg>" * 100)
    monkeypatch.undo()
    assert_untouched(tmp_path, target)


def test_a_read_only_file_is_not_replaced(tmp_path):
    target = tmp_path / "kept.png"
    target.write_bytes(OLD)
    target.chmod(0o444)
    with pytest.raises(PermissionError, match="read-only") as caught:
        write_atomically(target, b"new")
    assert_names_the_path(caught.value, target)
    assert_untouched(tmp_path, target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o444


def test_nothing_is_written_in_a_read_only_folder(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    (folder / "old.csv").write_bytes(OLD)
    folder.chmod(0o555)
    try:
        for name in ("new.csv", "old.csv"):
            with pytest.raises(PermissionError) as caught:
                write_atomically(folder / name, b"new")
            assert_names_the_path(caught.value, folder / name)
        assert_untouched(folder, folder / "new.csv", None)
        assert_untouched(folder, folder / "old.csv")
    finally:
        folder.chmod(0o755)


def test_a_symbolic_link_is_kept_and_the_file_it_points_to_replaced(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    real = elsewhere / "real.csv"
    real.write_bytes(OLD)
    real.chmod(0o640)
    link = tmp_path / "link.csv"
    link.symlink_to(os.path.join("elsewhere", "real.csv"))
    chain = tmp_path / "chain.csv"
    chain.symlink_to("link.csv")
    write_atomically(link, b"first")
    assert link.is_symlink() and os.readlink(link) == os.path.join("elsewhere", "real.csv")
    assert real.read_bytes() == b"first" and stat.S_IMODE(real.stat().st_mode) == 0o640
    write_atomically(chain, b"second")
    assert chain.is_symlink() and link.is_symlink() and real.read_bytes() == b"second"
    assert sorted(os.listdir(tmp_path)) == ["chain.csv", "elsewhere", "link.csv"]
    assert os.listdir(elsewhere) == ["real.csv"]  # the temporary file was beside the real file


def test_a_dangling_link_creates_the_file_it_names(tmp_path):
    link = tmp_path / "link.csv"
    link.symlink_to("made.csv")
    write_atomically(link, b"new")
    assert link.is_symlink() and (tmp_path / "made.csv").read_bytes() == b"new"


@pytest.mark.parametrize("length", [250, 255])
def test_long_names_up_to_the_file_system_limit(tmp_path, length):
    target = tmp_path / ("n" * (length - 4) + ".csv")
    write_atomically(target, OLD)
    write_atomically(target, b"replaced")
    assert target.read_bytes() == b"replaced" and os.listdir(tmp_path) == [target.name]


def test_a_name_too_long_for_the_file_system_says_so(tmp_path):
    target = tmp_path / ("n" * 300 + ".csv")
    with pytest.raises(OSError) as caught:
        write_atomically(target, b"data")
    assert caught.value.errno == errno.ENAMETOOLONG
    assert_names_the_path(caught.value, target)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("kind", [bytes, "surrogates", "pathlike"])
def test_names_that_are_not_utf8(tmp_path, kind):
    raw = os.fsencode(tmp_path) + b"/caf\xe9-\xff.csv"
    path = {bytes: raw, "surrogates": os.fsdecode(raw), "pathlike": Path(os.fsdecode(raw))}[kind]
    write_atomically(path, b"one")
    write_atomically(path, b"two")
    assert os.listdir(os.fsencode(tmp_path)) == [b"caf\xe9-\xff.csv"]
    with open(raw, "rb") as stream:
        assert stream.read() == b"two"
    assert shown_path(path).endswith("caf\\xe9-\\xff.csv")  # printable whatever the terminal


def test_a_non_utf8_name_in_an_error_is_printable(tmp_path):
    missing = os.fsencode(tmp_path) + b"/no-such-folder/caf\xe9.png"
    with pytest.raises(FileNotFoundError) as caught:
        write_atomically(missing, b"data")
    str(caught.value).encode("utf-8")  # no lone surrogates
    assert "caf\\xe9.png" in str(caught.value)


def test_a_directory_is_not_replaced(tmp_path):
    target = tmp_path / "folder.csv"
    target.mkdir()
    with pytest.raises(IsADirectoryError) as caught:
        write_atomically(target, b"data")
    assert_names_the_path(caught.value, target)
    assert target.is_dir() and os.listdir(tmp_path) == ["folder.csv"]


@pytest.mark.parametrize("exists", [True, False])
def test_a_name_ending_in_a_separator_is_not_a_file(tmp_path, exists):
    # The system refuses open("kept.csv/", "w"): the name can only be a folder. The file beside it, when
    # there is one, stays as it was and nothing else is created.
    target = tmp_path / "kept.csv"
    if exists:
        target.write_bytes(OLD)
    for write in (lambda path: write_atomically(path, b"data"), lambda path: atomic_path(path).__enter__()):
        with pytest.raises(IsADirectoryError) as caught:
            write(str(target) + os.sep)
        assert_names_the_path(caught.value, str(target) + os.sep)
        assert_untouched(tmp_path, target, OLD if exists else None)
    assert os.listdir(tmp_path) == (["kept.csv"] if exists else [])


def test_a_special_file_is_not_replaced(tmp_path):
    target = tmp_path / "pipe.csv"
    os.mkfifo(target)
    with pytest.raises(OSError, match="not a regular file") as caught:
        write_atomically(target, b"data")
    assert_names_the_path(caught.value, target)
    assert stat.S_ISFIFO(os.lstat(target).st_mode) and os.listdir(tmp_path) == ["pipe.csv"]


def test_a_missing_folder_is_named(tmp_path):
    target = tmp_path / "missing" / "data.csv"
    with pytest.raises(FileNotFoundError) as caught:
        write_atomically(target, b"data")
    assert_names_the_path(caught.value, target)
    assert os.listdir(tmp_path) == []


def test_a_file_where_a_folder_should_be(tmp_path):
    (tmp_path / "file").write_bytes(OLD)
    with pytest.raises(NotADirectoryError) as caught:
        write_atomically(tmp_path / "file" / "data.csv", b"data")
    assert_names_the_path(caught.value, tmp_path / "file" / "data.csv")


def test_atomic_path_fails_like_write_atomically(tmp_path):
    target = tmp_path / "kept.png"
    target.write_bytes(OLD)
    target.chmod(0o444)
    with pytest.raises(PermissionError), atomic_path(target):
        pass
    assert_untouched(tmp_path, target)
    with atomic_path(tmp_path / "link-free.png") as temporary:
        assert os.path.basename(temporary).startswith(TEMPORARY)
        Path(temporary).write_bytes(b"new")
    assert (tmp_path / "link-free.png").read_bytes() == b"new"


# -- what the exports write --------------------------------------------------------------

def test_csv_reads_back_as_the_computed_values(tmp_path):
    results = results_for("exp(x)*sin(x)")
    target = tmp_path / "data.csv"
    write_csv(target, results)
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0] == f"# {results.request.summary()}"
    header = lines[1].split(",")
    table = np.loadtxt(target, delimiter=",", skiprows=2)
    assert table.shape == (results.request.points, len(header))
    np.testing.assert_array_equal(table[:, 0], results.curves.x)  # %.17g: every double exactly
    np.testing.assert_array_equal(table[:, 1], results.curves.f)
    for method, values in results.curves.derivatives.items():
        np.testing.assert_array_equal(table[:, header.index(method.value)], values)
    for method, values in results.errors.absolute.items():
        np.testing.assert_array_equal(table[:, header.index(f"{method.value}_abs_error")], values)
    assert target.read_bytes() == curves_csv(results).encode("utf-8")


def test_sweep_csv_reads_back_as_the_computed_sweep(tmp_path):
    results = results_for("log(x)", x_min=0.5, x_max=3.0)
    target = tmp_path / "sweep.csv"
    write_sweep_csv(target, results)
    lines = target.read_text(encoding="utf-8").splitlines()
    sweep = results.sweep.sweep
    assert lines[:2] == [f"# {results.request.summary()}", f"# error against step h at x = {sweep.probe!r}"]
    header = lines[2].split(",")
    table = np.loadtxt(target, delimiter=",", skiprows=3)
    np.testing.assert_array_equal(table[:, 0], sweep.h)
    np.testing.assert_array_equal(table[:, header.index("central_abs_error")], sweep.errors[Method.CENTRAL])
    np.testing.assert_array_equal(table[:, header.index("central_truncation")], sweep.truncation[Method.CENTRAL])


def test_results_without_the_stage_asked_for_are_refused_naming_the_path(tmp_path):
    bare = DerivativeResults(DerivativeRequest("sin(x)"))
    with pytest.raises(ExportError, match="nothing has been computed") as caught:
        write_csv(tmp_path / "a.csv", bare)
    assert_names_the_path(caught.value, tmp_path / "a.csv")
    with pytest.raises(ExportError, match="no error-against-h sweep"):
        write_sweep_csv(tmp_path / "b.csv", bare)
    assert os.listdir(tmp_path) == []


@pytest.fixture(scope="module")
def drawn(qapp):
    """A headless PlotPanels showing sin(x), and the results it shows."""
    from PySide6.QtCore import Qt

    from explorer.ui.export import HEADLESS_SIZE, show_results
    from explorer.ui.plot_panels import PlotPanels

    results = results_for("sin(x)", x_min=-6.0, x_max=6.0, points=400)
    panels = PlotPanels()
    panels.resize(HEADLESS_SIZE)
    panels.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    panels.show()
    show_results(panels, results)
    qapp.processEvents()
    yield panels, results
    panels.close()
    panels.deleteLater()


def test_png_reads_back_as_the_panels(drawn, tmp_path):
    from PySide6.QtGui import QImage

    from explorer.ui.export import export_results

    panels, results = drawn
    target = tmp_path / "plot.png"
    export_results(results, panels, target)
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    image = QImage(str(target))
    assert not image.isNull() and (image.width(), image.height()) == (panels.width(), panels.height())


def test_svg_reads_back_as_xml_with_the_curves(drawn, tmp_path):
    from explorer.ui.export import export_results

    panels, results = drawn
    target = tmp_path / "plot.svg"
    export_results(results, panels, target)
    root = ET.parse(target).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert len(list(root.iter("{http://www.w3.org/2000/svg}path"))) > 20
    assert target.read_text(encoding="utf-8").rstrip().endswith("</svg>")


def test_a_picture_qt_cannot_make_is_an_error_and_writes_nothing(drawn, tmp_path, monkeypatch):
    from PySide6.QtGui import QPainter

    from explorer.ui import export

    panels, results = drawn
    target = tmp_path / "plot.svg"
    target.write_bytes(OLD)
    monkeypatch.setattr(QPainter, "begin", lambda self, device: False)
    with pytest.raises(ExportError, match="SVG") as caught:
        export.export_results(results, panels, target)
    assert_names_the_path(caught.value, target)
    assert_untouched(tmp_path, target)

    class Unsaveable:
        def save(self, device, fmt):
            device.write(b"\x89PNG half")  # part of an image, then the encoder gives up
            return False

    monkeypatch.setattr(panels, "grab", Unsaveable)
    target = tmp_path / "plot.png"
    target.write_bytes(OLD)
    with pytest.raises(ExportError, match="PNG"):
        export.export_results(results, panels, target)
    assert_untouched(tmp_path, target)


def test_pictures_go_through_the_one_atomic_write(drawn, tmp_path, monkeypatch):
    from explorer.ui import export

    panels, results = drawn
    seen = []
    monkeypatch.setattr(export, "write_atomically", lambda path, data: seen.append((path, data[:5])))
    export.export_results(results, panels, tmp_path / "a.png")
    export.export_results(results, panels, tmp_path / "a.svg")
    assert [data for _, data in seen] == [b"\x89PNG\r", b"<?xml"]
    assert os.listdir(tmp_path) == []


# -- the command line ------------------------------------------------------------------

def run_export(args: list, cwd: Path, file_size_limit: int | None = None) -> subprocess.CompletedProcess:
    def limit() -> None:
        if file_size_limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_size_limit, file_size_limit))

    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONDONTWRITEBYTECODE": "1",
                   "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "explorer", "export", *args], cwd=cwd, env=environment,
                          capture_output=True, preexec_fn=limit, timeout=120)


@pytest.mark.parametrize("name", ["f.svg", "f.png", "f.csv"])
def test_a_file_size_limit_is_an_error_not_a_truncated_file(tmp_path, name):
    target = tmp_path / name
    target.write_bytes(OLD)
    done = run_export(["sin(x)", "-o", name], tmp_path, file_size_limit=20_000)  # every format is larger
    stderr = done.stderr.decode()
    assert done.returncode == 2 and done.stdout == b"", stderr
    one_error_line(stderr)
    assert f"cannot write {name}: File too large" in stderr
    assert_untouched(tmp_path, target)
    assert os.listdir(tmp_path) == [name]


def test_the_command_line_writes_a_non_utf8_name(tmp_path):
    done = run_export(["x^2", "--points", "11", "-o", b"caf\xe9.csv"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == b"wrote caf\\xe9.csv\n"
    assert os.listdir(os.fsencode(tmp_path)) == [b"caf\xe9.csv"]
    assert (tmp_path / os.fsdecode(b"caf\xe9.csv")).read_text().startswith("# f(x) = x")


@pytest.mark.parametrize("case", ["read-only", "directory", "missing folder", "trailing separator"])
def test_command_line_failures_are_one_line_naming_the_path(tmp_path, monkeypatch, capsys, case):
    monkeypatch.chdir(tmp_path)
    if case == "read-only":
        output = "kept.csv"
        (tmp_path / output).write_bytes(OLD)
        (tmp_path / output).chmod(0o444)
    elif case == "directory":
        output = "folder.csv"
        (tmp_path / output).mkdir()
    elif case == "trailing separator":
        output = "kept.csv/"
        (tmp_path / "kept.csv").write_bytes(OLD)
    else:
        output = "missing/data.csv"
    code = cli.main(["export", "sin(x)", "--points", "20", "-o", output])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    one_error_line(captured.err)
    assert f"cannot write {output}: " in captured.err
    if case in ("read-only", "trailing separator"):
        assert_untouched(tmp_path, tmp_path / output.rstrip("/"))


def test_a_picture_that_cannot_be_made_is_one_line_from_the_command_line(tmp_path, monkeypatch, capsys):
    from explorer.ui import export

    def no_picture(panels):
        raise ExportError("Qt could not start drawing the SVG image")

    monkeypatch.setattr(export, "render_svg", no_picture)
    code = cli.main(["export", "sin(x)", "--points", "20", "-o", str(tmp_path / "p.svg")])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    one_error_line(captured.err)
    assert "p.svg" in captured.err and "SVG" in captured.err
    assert os.listdir(tmp_path) == []


def test_the_atomic_write_and_the_tables_load_no_qt():
    """The atomic write and the tables live in core: importing them loads no Qt."""
    script = ("import sys; import explorer.core.export.atomic, explorer.core.export.tables; "
              "print(any(m.startswith('PySide6') for m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert done.stdout.strip() == "False", done.stderr


def test_no_import_cycle_between_the_app_and_the_export():
    script = ("import explorer.ui.export as e, explorer.ui.app as a; "
              "print(a.ensure_application is e.ensure_application)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, timeout=60,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.stdout.strip() == "True", done.stderr
    source = (REPO / "explorer" / "ui" / "export.py").read_text()
    assert "from .app " not in source and "import app" not in source
    assert atomic.write_atomically is write_atomically


CONTROL_CHARACTERS = "\n\r\t\x1b\x07\u2028"


@pytest.mark.parametrize("name", ["two\nlines", "carriage\rreturn", "escape\x1b[31mred", "tab\t", "separator\u2028line",
                                  "bell\x07"])
@pytest.mark.parametrize("command", ["export", "data", "grid"])
def test_a_name_with_control_characters_is_one_line_escaped_in_every_message(tmp_path, monkeypatch, capsys, name,
                                                                               command):
    # The name was printed as it is: "cannot write two\nlines.csv: ..." was two lines (and an escape sequence
    # recoloured the terminal). Control characters are shown escaped, as bytes that are not UTF-8 are.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in.csv").write_text("t,y\n0,1\n1,2\n2,5\n3,7\n")
    (tmp_path / "grid.csv").write_text("1,2,3\n4,5,6\n7,8,9\n")
    inputs = {"export": ["sin(x)", "--points", "20"], "data": ["in.csv"], "grid": ["grid.csv"]}[command]
    code = cli.main([command, *inputs, "-o", name + ".csv"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.out.startswith("wrote ") and not any(c in captured.out[:-1] for c in CONTROL_CHARACTERS)
    assert (tmp_path / (name + ".csv")).read_text().startswith("# ")
    for output in ("missing/" + name + ".csv", name + ".txt" if command != "grid" else "missing/" + name):
        code = cli.main([command, *inputs, "-o", output])
        captured = capsys.readouterr()
        assert code == 2 and captured.out == ""
        one_error_line(captured.err)
        assert not any(c in captured.err[:-1] for c in CONTROL_CHARACTERS), captured.err


@pytest.mark.parametrize("name", ["no\nsuch.csv", "no\x1bsuch.csv"])
@pytest.mark.parametrize("command", ["data", "grid"])
def test_an_input_file_with_control_characters_in_its_name_is_one_error_line(tmp_path, monkeypatch, capsys, name,
                                                                            command):
    monkeypatch.chdir(tmp_path)
    code = cli.main([command, name])
    captured = capsys.readouterr()
    assert code == 2
    one_error_line(captured.err)
    assert not any(c in captured.err[:-1] for c in CONTROL_CHARACTERS), captured.err


def test_shown_path_escapes_control_characters_and_keeps_printable_text():
    assert shown_path("a\nb\x1b\u2028 é.csv") == "a\\nb\\x1b\\u2028 é.csv"
    assert shown_path(b"caf\xe9\n.csv") == "caf\\xe9\\n.csv"


@pytest.mark.parametrize("name", ["grad.png", "grad.svg", "grad.txt", "grad", "grad.csv."])
def test_grid_writes_csv_only_under_a_csv_name(tmp_path, monkeypatch, capsys, name):
    # grid -o grad.png wrote the CSV table under a picture's name and said "wrote grad.png"; a name whose suffix
    # is not .csv is refused, as export and data refuse one they cannot write, and nothing is written.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "grid.csv").write_text("1,2,3\n4,5,6\n7,8,9\n")
    code = cli.main(["grid", "grid.csv", "-o", name])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    one_error_line(captured.err)
    assert "use .csv" in captured.err
    assert sorted(os.listdir(tmp_path)) == ["grid.csv"]


@pytest.mark.parametrize("command, content", [("data", "t,y\n0,1\n1,2\n2,5\n3,7\n"),
                                              ("grid", "1,2,3\n4,5,6\n7,8,9\n")])
@pytest.mark.parametrize("spelling", ["same", "dotted", "absolute", "link to it", "its link", "hard link"])
def test_the_output_is_never_the_input_file(tmp_path, monkeypatch, capsys, command, content, spelling):
    # data in.csv -o in.csv replaced the samples with the derivative's table: the file the user had was gone. The
    # output may not be the input file, however it is spelled (a link to it included); the input stays as it was.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in.csv").write_text(content)
    if spelling == "link to it":
        (tmp_path / "link.csv").symlink_to("in.csv")
    if spelling == "its link":
        (tmp_path / "link.csv").symlink_to("in.csv")
    if spelling == "hard link":
        os.link(tmp_path / "in.csv", tmp_path / "hard.csv")
    read, written = {"same": ("in.csv", "in.csv"), "dotted": ("in.csv", "./in.csv"),
                     "absolute": ("in.csv", str(tmp_path / "in.csv")), "link to it": ("in.csv", "link.csv"),
                     "its link": ("link.csv", "in.csv"), "hard link": ("in.csv", "hard.csv")}[spelling]
    code = cli.main([command, read, "-o", written])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    one_error_line(captured.err)
    assert "input" in captured.err
    assert (tmp_path / "in.csv").read_text() == content
    assert not [name for name in os.listdir(tmp_path) if name.startswith(TEMPORARY)]


@pytest.mark.parametrize("expression", ["sin(x)\n+ x", "sin(x)\r\n+ x", "sin(x)\r+ x", "sin(x)\u2028+ x",
                                        "sin(x)\x0b+ x"])
@pytest.mark.parametrize("kind", ["curves", "sweep"])
def test_a_line_break_in_what_heads_a_csv_stays_inside_its_comment(tmp_path, expression, kind):
    # The expression (and a data file's name) may hold a line break, which the parser reads as a space: the
    # "# f(x) = sin(x)" line was cut there and "+ x; derivative order 1; ..." stood uncommented before the
    # header, so the file written and reported did not read back as a table. Every line above the header is
    # now a comment.
    results = results_for(expression)
    target = tmp_path / "data.csv"
    (write_csv if kind == "curves" else write_sweep_csv)(target, results)
    text = target.read_bytes().decode("utf-8")
    lines = text.split("\n")
    comments = [line for line in lines if line.startswith("#")]
    assert lines[len(comments)].startswith("x," if kind == "curves" else "h,")
    assert "f(x) = sin(x) + x" in comments[0]
    assert not any(c in text for c in "\r\u2028\x0b")
    table = np.loadtxt(target, delimiter=",", skiprows=len(comments) + 1)
    assert table.shape[1] == len(lines[len(comments)].split(","))
