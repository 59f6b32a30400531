"""The data command's contract: exit 0 with a summary, JSON or a CSV that NumPy reads back; exit 2 with one
`error:` line for anything unusable."""

import json
import subprocess
import sys

import numpy as np
import pytest

from explorer.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def position(tmp_path):
    t = np.linspace(0, 2, 200)
    y = 0.5 * 9.81 * t**2 + np.random.default_rng(0).normal(0, 1e-3, len(t))
    rows = "\n".join(f"{a!r},{b!r}" for a, b in zip(t[::-1].tolist(), y[::-1].tolist(), strict=True))  # descending
    path = tmp_path / "drop.csv"
    path.write_text("# a falling ball\ntime,height,unused\n" + rows.replace("\n", ",x\n") + ",x\n")
    return path, t


def test_json_has_every_sample_and_what_was_used(capsys, position):
    path, t = position
    code, out, err = run(capsys, "data", str(path), "--t", "time", "--y", "height", "--order", "2", "--json")
    assert code == 0 and err == ""
    report = json.loads(out)
    assert {"t", "derivative", "method", "parameters", "reason", "order", "warnings"} <= set(report)
    assert report["t"] == sorted(report["t"]) and len(report["derivative"]) == len(report["t"]) == 200
    assert report["order"] == 2 and report["method"] == "kalman" and "sigma" in report["parameters"]
    assert any("sorted" in w for w in report["warnings"])
    assert np.median(report["derivative"]) == pytest.approx(9.81, rel=0.02)


def test_summary_table_and_method_parameters(capsys, position):
    path, _ = position
    code, out, _ = run(capsys, "data", str(path), "--y", "2", "--method", "savgol", "--param", "window=31")
    assert code == 0
    assert "by savgol: window = 31, degree = " in out and "(auto)" in out and "why:" in out
    assert "rows were sorted" in out and "more rows" in out
    lines = out.splitlines()
    heading = next(k for k, line in enumerate(lines) if line.strip().startswith("t "))
    assert float(lines[heading + 1].split()[0]) == 0.0


def test_csv_output_round_trips_through_numpy(capsys, position, tmp_path):
    path, t = position
    target = tmp_path / "out.csv"
    code, out, _ = run(capsys, "data", str(path), "--y", "height", "-o", str(target))
    assert code == 0 and out.strip() == f"wrote {target}"
    lines = target.read_text().splitlines()
    assert lines[0].startswith("# derivative-explorer data: file ") and "method kalman" in lines[0]
    assert lines[1] == "t,y,dy/dt"
    table = np.loadtxt(target, delimiter=",", skiprows=2)
    assert table.shape == (200, 3) and np.array_equal(table[:, 0], t)
    assert np.max(np.abs(table[:, 2] - 9.81 * t)[5:-5]) < 0.2


def test_single_column_from_standard_input():
    values = "\n".join(str(v * v) for v in range(50))
    done = subprocess.run([sys.executable, "-m", "explorer", "data", "-", "--json"], input=values, text=True,
                          capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["t"][:3] == [0, 1, 2] and report["derivative"][10] == pytest.approx(20, rel=1e-6)
    assert "row index" in report["warnings"][0]


@pytest.mark.parametrize("content, argv, message", [
    ("", (), "is empty"),
    ("t,y\n", (), "no data rows"),
    ("t,y\n0,1\n", (), "single usable row"),
    ("t,y\n0,1\n1,oops\n", (), "line 3, column 2 (y): 'oops' is not a number"),
    ("t,y\n1,1\n1,2\n", (), "same t"),
    ("t,y\n0,1\n1,2,3\n", (), "ragged"),
    ("t,y\n0,1\n1,2\n2,3\n", ("--y", "nope"), "no column 'nope'"),
    # A column number is digits 0-9, as every number here: int() took ١ (Arabic-Indic 1) for column 1, and
    # raised a ValueError (a traceback) on a superscript ² (str.isdigit) or on more than 4300 digits.
    ("t,y\n0,1\n1,2\n2,3\n", ("--t", "١"), "no column '١'"),
    ("t,y\n0,1\n1,2\n2,3\n", ("--t", "²"), "no column '²'"),
    ("t,y\n0,1\n1,2\n2,3\n", ("--y", "9" * 5000), "no column '9999"),
    ("t,y\n0,1\n1,2\n2,3\n", ("--y", "0" * 30 + "2", "--t", "3"), "column 3 does not exist"),
    ("t,y\n0,1\n1,2\n2,3\n", ("--method", "savgol", "--param", "window=4"), "window must be odd"),
    ("t,y\n0,1\n1,2\n2,3\n", ("--order", "3"), "invalid choice"),
    ("t,y\n0,1\n1,2\n2,3\n", ("--param", "lam"), "name=value"),
    ("t,y\n0,1\n1,2\n2,3\n", ("--json", "-o", "x.csv"), "not allowed"),
])
def test_bad_input_is_exit_2_and_one_error_line(capsys, tmp_path, content, argv, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    code, out, err = run(capsys, "data", str(path), *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: ") and message in err and len(err) < 300


def test_missing_file_directory_and_unwritable_output(capsys, tmp_path, position):
    for target, message in ((tmp_path / "none.csv", "no such file"), (tmp_path, "is a directory")):
        code, _, err = run(capsys, "data", str(target))
        assert code == 2 and message in err and err.count("\n") == 1
    path, _ = position
    code, _, err = run(capsys, "data", str(path), "--y", "2", "-o", str(tmp_path / "missing" / "out.csv"))
    assert code == 2 and err.startswith("error: cannot write") and err.count("\n") == 1


def test_o_png_and_svg_write_the_data_panels_and_another_suffix_is_refused(capsys, position, tmp_path):
    """-o OUT.png / OUT.svg is a picture of the data mode's panels (it wrote the CSV text under that name and
    said so); a suffix that names no format is one error line, and nothing is written."""
    path, _ = position
    for suffix, head in ((".png", b"\x89PNG\r\n\x1a\n"), (".svg", b"<?xml")):
        out_path = tmp_path / f"drop{suffix}"
        code, out, err = run(capsys, "data", str(path), "--t", "time", "--y", "height", "-o", str(out_path))
        assert code == 0 and out.startswith("wrote ") and err == ""
        data = out_path.read_bytes()
        assert data.startswith(head) and len(data) > 10_000
        if suffix == ".svg":
            assert b"<svg" in data and b"samples and each method" in data
    code, out, err = run(capsys, "data", str(path), "-o", str(tmp_path / "drop.txt"))
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1 and "use .csv" in err
    assert not (tmp_path / "drop.txt").exists()


def test_t_whose_span_is_beyond_double_range_is_one_error_line_without_warnings(tmp_path):
    """t = 1e308, -1e308, 0: numpy's overflow warnings went to stderr before the error line."""
    path = tmp_path / "huge.csv"
    path.write_text("t,y\n1e308,1\n-1e308,2\n0,3\n")
    done = subprocess.run([sys.executable, "-m", "explorer", "data", str(path)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1 and "span" in done.stderr


def test_dates_as_t_are_said_in_the_summary_and_the_json(capsys, tmp_path):
    days = np.array(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-05", "2024-01-08"], dtype="datetime64[D]")
    t = (days - days[0]).astype(float)
    path = tmp_path / "prices.csv"
    path.write_text("date,close\n" + "\n".join(f"{d},{2.5 * v + 100!r}" for d, v in zip(days, t.tolist(), strict=True)))
    code, out, err = run(capsys, "data", str(path), "--json")
    assert code == 0, err
    report = json.loads(out)
    assert (report["t_unit"], report["t_origin"], report["t_column"]) == ("days", "2024-01-01", "date")
    np.testing.assert_array_equal(report["t"], t)
    np.testing.assert_allclose(report["derivative"], 2.5, rtol=1e-9)  # per day
    code, out, err = run(capsys, "data", str(path))
    assert code == 0, err
    assert "(t = date (days since 2024-01-01), y = close; 5 samples)" in out.splitlines()[0]
    assert "note: date read as dates and times: t in days since 2024-01-01" in out
