"""The command line of several variables: `derive --vars` and `gradient` (exit 0 or 2, JSON keys, one error line)."""

import json
import math

import pytest

from explorer.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_derive_a_mixed_partial_as_json(capsys):
    code, out, err = run(capsys, "derive", "exp(x*y)", "--vars", "x,y", "--wrt", "x,y", "--point", "x=1,y=2",
                         "--point", "x=log(8, 2),y=-1e-3", "--json")
    assert code == 0 and err == ""
    report = json.loads(out)
    assert report["variables"] == ["x", "y"] and report["wrt"] == ["x", "y"] and report["order"] == 2
    assert report["partial"] == "d2f/dxdy" and report["reference"] == "symbolic"
    assert set(report) >= {"expression", "derivative", "parameters", "noise", "points", "notes"}
    first, second = report["points"]
    assert first["point"] == {"x": 1.0, "y": 2.0} and "x" not in first
    assert second["point"] == {"x": 3.0, "y": -1e-3}
    assert first["exact"] == pytest.approx(3 * math.exp(2), rel=1e-15)
    methods = first["methods"]
    assert set(methods) == {"symbolic", "forward", "backward", "central", "richardson", "autodiff"}
    assert set(methods["central"]) == {"value", "error_estimate", "h", "abs_error", "rel_error"}
    assert set(methods["central"]["h"]) == {"x", "y"} and methods["symbolic"]["h"] is None
    assert methods["central"]["rel_error"] < 1e-7 and methods["autodiff"]["rel_error"] < 1e-15
    assert report["notes"] == {"complex": "the complex step gives first partial derivatives only"}


def test_derive_second_derivative_in_one_variable_and_the_default_wrt(capsys):
    code, out, _ = run(capsys, "derive", "x^3*y", "--vars", "x,y", "--wrt", "x,x", "--point", "x=2,y=5",
                       "--method", "central", "--json")
    report = json.loads(out)
    assert code == 0 and report["partial"] == "d2f/dx2" and report["points"][0]["exact"] == 60.0
    code, out, _ = run(capsys, "derive", "x^3*y", "--vars", "y,x", "--point", "x=2,y=5", "--json")
    report = json.loads(out)
    assert code == 0 and report["wrt"] == ["y"] and report["points"][0]["exact"] == 8.0
    assert report["points"][0]["methods"]["complex"]["rel_error"] < 1e-15


def test_derive_fields_table(capsys):
    code, out, err = run(capsys, "derive", "a*x*y^2", "--vars", "x,y", "--wrt", "y,y", "--param", "a=3",
                         "--point", "x=1,y=2")
    assert code == 0 and err == ""
    assert "f(x, y) = a*x*y**2" in out and "d2f/dy2 = 2*a*x" in out and "parameters: a = 3" in out
    assert "x = 1, y = 2" in out
    central = next(line for line in out.splitlines() if line.strip().startswith("central"))
    assert float(central.split()[1]) == pytest.approx(6.0, rel=1e-7)


def test_gradient_json(capsys):
    code, out, err = run(capsys, "gradient", "sin(x)*cos(y) + x^2*y^3", "--vars", "x,y", "--point", "x=1,y=2",
                         "--direction", "x=3,y=4", "--json")
    assert code == 0 and err == ""
    report = json.loads(out)
    point = report["points"][0]
    assert point["point"] == {"x": 1.0, "y": 2.0}
    assert {"symbolic", "central", "autodiff", "complex"} <= set(point["gradient"])
    assert {"symbolic", "central", "autodiff"} <= set(point["hessian"]) and "complex" not in point["hessian"]
    gx = math.cos(1) * math.cos(2) + 16
    gy = -math.sin(1) * math.sin(2) + 12
    for method in ("symbolic", "autodiff", "complex"):
        assert point["gradient"][method] == pytest.approx([gx, gy], rel=1e-14)
    assert point["gradient"]["central"] == pytest.approx([gx, gy], rel=1e-9)
    hxy = -math.cos(1) * math.sin(2) + 24
    assert point["hessian"]["symbolic"][0][1] == point["hessian"]["symbolic"][1][0] == pytest.approx(hxy)
    assert point["hessian"]["central"][0][1] == pytest.approx(hxy, rel=1e-6)
    assert point["laplacian"]["symbolic"] == pytest.approx(sum(point["hessian"]["symbolic"][k][k] for k in range(2)))
    assert point["directional"]["symbolic"] == pytest.approx(0.6 * gx + 0.8 * gy)
    assert report["direction"] == {"x": 0.6, "y": 0.8}
    assert max(point["gradient_error"]["central"]) < 1e-8
    assert "complex hessian" in report["notes"]


def test_gradient_table(capsys):
    code, out, err = run(capsys, "gradient", "x*y*z", "--vars", "x,y,z", "--point", "x=1,y=2,z=3")
    assert code == 0 and err == ""
    assert "df/dx" in out and "d2f/dxdy" in out and "d2f/dz2" in out and "laplacian" in out
    symbolic = next(line for line in out.splitlines() if line.strip().startswith("symbolic"))
    assert [float(v) for v in symbolic.split()[1:4]] == [6.0, 3.0, 2.0]


@pytest.mark.parametrize("argv, message", [
    (["derive", "x*y", "--vars", "x,x"], "twice"),
    (["derive", "x*y", "--vars", "x,sin"], "'sin'"),
    (["derive", "x*y", "--vars", "x,y", "--wrt", "z"], "not a variable"),
    (["derive", "x*y", "--vars", "x,y", "--point", "x=1"], "no value for y"),
    (["derive", "x*y", "--vars", "x,y", "--point", "x=1,y=foo"], "not a number"),
    (["derive", "x*y", "--vars", "x,y", "--point", "x=1,y=2,z=3"], "not a variable"),
    (["derive", "x*y", "--vars", "x,y", "--wrt", "x,x,x,x,x,x,x"], "--wrt"),
    (["derive", "x*y", "--wrt", "x"], "need --vars"),
    (["derive", "x*y", "--point", "x=1"], "need --vars"),
    (["derive", "x*y", "--vars", "x,y", "--at", "2"], "--point"),
    (["derive", "x*y", "--vars", "x,y", "--param", "x=2"], "variable, not a parameter"),
    (["derive", "x*y", "--vars", "x,y", "--h", "-1"], "positive"),
    (["derive", "x*y", "--vars", "x,y", "--order", "3", "--wrt", "x,y"], "disagrees"),
    (["derive", "x*y(", "--vars", "x,y"], "column"),
    (["gradient", "x*y"], "--vars"),
    (["gradient", "x*y", "--vars", "x,y", "--direction", "x=0,y=0"], "zero vector"),
    (["gradient", "x*y", "--vars", "x,y", "--noise", "-1"], "noise"),
    (["gradient", "x*y", "--vars", "x,y", "--point", "x=1e300,y=0"], "range"),
    (["gradient", "x*y", "--vars", "x,y", "--direction", "x=3"], "the direction gives no value for y"),
    (["gradient", "x*y", "--vars", "x,y", "--direction", "x=1,x=2,y=1"], "twice in one direction"),
])
def test_bad_input_is_exit_2_and_one_error_line(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1 and message in err


@pytest.mark.parametrize("size", ["1e-300", "1", "1e300"])
def test_a_direction_of_any_size_is_normalised(capsys, size):
    # A direction is normalised, so its size does not matter; it was read as a point and x=1e300,y=1e300 was
    # refused as "x = 1e+300 is out of range (|x| <= 1e+15)". D_u (x^2 + 3 y^2) at (1, 2) along (3, 4)/5 is
    # (3 * 2 + 4 * 12) / 5 = 10.8.
    code, out, err = run(capsys, "gradient", "x^2 + 3y^2", "--vars", "x,y", "--point", "x=1,y=2", "--method",
                         "symbolic", "--direction", f"x=3*{size},y=4*{size}", "--json")
    assert code == 0 and err == ""
    report = json.loads(out)
    assert report["direction"] == {"x": pytest.approx(0.6, rel=1e-15), "y": pytest.approx(0.8, rel=1e-15)}
    assert report["points"][0]["directional"]["symbolic"] == pytest.approx(10.8, rel=1e-15)


def test_noise_with_several_variables(capsys):
    code, out, _ = run(capsys, "derive", "sin(x)*cos(y)", "--vars", "x,y", "--noise", "1e-6", "--point",
                       "x=1,y=0.5", "--json")
    report = json.loads(out)
    assert code == 0 and set(report["notes"]) == {"complex", "autodiff"}
    central = report["points"][0]["methods"]["central"]
    assert central["h"]["x"] > 1e-3 and central["abs_error"] < 1e-4


# -- grid: np.gradient of samples on a grid read from a matrix file ---------------------------------------

def _matrix_file(path, x, y, f, coordinates=True):
    rows = [",".join(["0", *map(repr, map(float, x))])] if coordinates else []
    for j, yj in enumerate(y):
        cells = [repr(float(v)) for v in f[j]]
        rows.append(",".join([repr(float(yj)), *cells] if coordinates else cells))
    path.write_text("\n".join(rows) + "\n")
    return str(path)


@pytest.mark.parametrize("x0, span", [(0.0, 2.0), (1e6, 1e-3), (-3e-7, 1e-9)])
def test_grid_gradient_of_a_quadratic_on_an_uneven_grid_is_exact_at_any_scale(capsys, tmp_path, x0, span):
    """np.gradient with edge_order 2 is exact for a quadratic, even on uneven coordinates; the exact gradient
    from --exact agrees to rounding, and the JSON carries the grid and both gradients."""
    import numpy as np

    rng = np.random.default_rng(3)
    x = x0 + np.sort(np.concatenate([[0.0, 1.0], rng.uniform(0, 1, 9)])) * span
    y = np.linspace(-1, 2, 7) * span
    u = (x - x0)[None, :] / span
    v = y[:, None] / span
    f = 3 * u**2 + 2 * u * v - v**2  # a quadratic in the scaled coordinates
    path = _matrix_file(tmp_path / "grid.csv", x, y, f)
    expression = f"3*((x - {x0!r})/{span!r})^2 + 2*((x - {x0!r})/{span!r})*(y/{span!r}) - (y/{span!r})^2"
    code, out, err = run(capsys, "grid", path, "--coordinates", "--exact", expression, "--json")
    assert code == 0 and err == ""
    report = json.loads(out)
    assert report["x"] == x.tolist() and report["y"] == y.tolist() and report["edge_order"] == 2
    gx, gy = (np.array(report["gradient"][a]) for a in "xy")
    np.testing.assert_allclose(gx, (6 * u + 2 * v) / span + 0 * v, rtol=1e-6, atol=1e-6 / span)
    np.testing.assert_allclose(gy, (2 * u - 2 * v) / span + 0 * u, rtol=1e-6, atol=1e-6 / span)
    assert report["reference"] == "symbolic"
    np.testing.assert_allclose(np.array(report["exact"]["x"]), gx, rtol=1e-6, atol=1e-6 / span)
    assert max(report["max_error"].values()) < 1e-5 / span


def test_grid_csv_reads_back_and_edge_order_1_is_first_order_at_the_edges(capsys, tmp_path):
    import numpy as np

    x = np.linspace(0, 1, 11)
    y = np.linspace(0, 2, 5)
    f = np.exp(x)[None, :] * (1 + y[:, None])
    source = _matrix_file(tmp_path / "m.txt", x, y, f, coordinates=False)
    out_path = tmp_path / "g.csv"
    code, out, err = run(capsys, "grid", source, "--dx", "0.1", "--dy", "0.5", "--edge-order", "1",
                         "--exact", "exp(x)*(1+y)", "-o", str(out_path))
    assert code == 0 and err == "" and str(out_path) in out
    lines = out_path.read_text().splitlines()
    assert lines[0].startswith("# derivative-explorer grid:") and "edge_order 1" in lines[0]
    assert lines[1] == "x,y,f,df/dx,df/dy,exact df/dx,exact df/dy,|error| df/dx,|error| df/dy"
    table = np.loadtxt(lines[2:], delimiter=",")
    assert table.shape == (55, 9)
    np.testing.assert_allclose(table[:, 0], np.tile(x, 5))
    np.testing.assert_allclose(table[:, 5], np.exp(table[:, 0]) * (1 + table[:, 1]), rtol=1e-14)
    first_column = table[np.isclose(table[:, 0], 0.0)]
    assert np.all(first_column[:, 7] > 0.02)  # a one-sided first-order difference at x = 0: error about h/2
    inner = table[np.isclose(table[:, 0], 0.5)]
    assert np.all(inner[:, 7] < 0.01 * (1 + inner[:, 1]))  # central inside: error about h^2/6


@pytest.mark.parametrize("content, message", [
    ("", "no data"), ("1,2,3\n", "2 x 2 needed"), ("1,2\n3\n", "line 2 has 1 cell"), ("1,a\n2,3\n", "not a number"),
    ("\x00\x01\x02", "binary"),
    ("1,2,3,4\n5,6,7,8\n", "at least 3 points along each axis for edge_order 2; this one is 2 x 4 (edge_order 1 needs 2)"),
])
def test_grid_refuses_bad_matrices_in_one_line(capsys, tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content.encode("latin-1"))
    code, out, err = run(capsys, "grid", str(path))
    assert code == 2 and out == "" and err.startswith("error: ") and err.count("\n") == 1
    assert message in err.lower(), err


def test_grid_spacing_beyond_double_range_is_one_line(capsys, recwarn, tmp_path):
    # x = 2 * 1e308 overflowed with two RuntimeWarnings printed above the error line
    path = tmp_path / "edge.csv"
    path.write_text("1,2,3\n4,5,6\n7,8,9\n")
    code, out, err = run(capsys, "grid", str(path), "--dx", "1e308")
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]
    assert code == 2 and err.count("\n") == 1 and "x spacing times the number of points passes double range" in err


def test_grid_refuses_a_missing_file_and_a_directory(capsys, tmp_path):
    for target in (tmp_path / "nothing.csv", tmp_path):
        code, out, err = run(capsys, "grid", str(target))
        assert code == 2 and err.startswith("error: ") and err.count("\n") == 1


def test_derive_with_vars_and_a_given_step(capsys):
    # --h gave the exact methods steps too, and their error estimate asked for a stencil: a traceback
    code, out, err = run(capsys, "derive", "exp(x*y)", "--vars", "x,y", "--wrt", "x,y", "--point", "x=1,y=2",
                         "--h", "1e-5", "--json")
    assert code == 0 and err == ""
    methods = json.loads(out)["points"][0]["methods"]
    assert methods["symbolic"]["h"] is None and methods["autodiff"]["h"] is None
    assert methods["central"]["h"] == pytest.approx({"x": 1e-5, "y": 1e-5}, rel=1e-10)  # made exact at x, y
    assert methods["central"]["value"] == pytest.approx(3 * math.exp(2), rel=1e-7)  # (1 + xy) e^(xy)


def test_a_directional_derivative_of_infinite_partials_is_undefined_without_warnings(capsys, recwarn):
    # exp(x y) at x = y = -1e15: both partials are -inf * ... = inf of opposite signs along (-1, pi): inf - inf
    code, out, err = run(capsys, "gradient", "exp(x*y)", "--vars", "x,y", "--point", "x=-1e15,y=-1e15",
                         "--method", "autodiff", "--direction", "x=-1,y=pi", "--json")
    assert code == 0 and err == ""
    assert json.loads(out)["points"][0]["directional"]["autodiff"] is None
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]
