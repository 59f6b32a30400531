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
])
def test_bad_input_is_exit_2_and_one_error_line(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1 and message in err


def test_noise_with_several_variables(capsys):
    code, out, _ = run(capsys, "derive", "sin(x)*cos(y)", "--vars", "x,y", "--noise", "1e-6", "--point",
                       "x=1,y=0.5", "--json")
    report = json.loads(out)
    assert code == 0 and set(report["notes"]) == {"complex", "autodiff"}
    central = report["points"][0]["methods"]["central"]
    assert central["h"]["x"] > 1e-3 and central["abs_error"] < 1e-4
