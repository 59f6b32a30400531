import json
import subprocess
import sys

import pytest

from explorer.cli import main


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_derive_table(capsys):
    code, out, err = run_cli(capsys, "derive", "x^3", "--order", "2", "--at", "2")
    assert code == 0 and err == ""
    assert "f''(x) = 6*x" in out
    central = next(line for line in out.splitlines() if line.strip().startswith("central"))
    assert float(central.split()[1]) == pytest.approx(12, rel=1e-7)


def test_derive_json_all_methods(capsys):
    code, out, _ = run_cli(capsys, "derive", "sin(x)", "--at", "1", "pi/2", "--json")
    report = json.loads(out)
    assert code == 0
    assert [p["x"] for p in report["points"]] == pytest.approx([1.0, 1.5707963267948966])
    methods = report["points"][0]["methods"]
    assert set(methods) == {"symbolic", "forward", "backward", "central", "richardson", "complex", "autodiff"}
    assert methods["complex"]["rel_error"] <= 1e-15
    assert methods["central"]["rel_error"] < 1e-8
    assert methods["symbolic"]["h"] is None and methods["forward"]["h"] > 0


def test_derive_from_noisy_samples_takes_a_larger_step_and_says_what_cannot(capsys):
    code, out, _ = run_cli(capsys, "derive", "sin(x)", "--noise", "1e-6", "--at", "1", "--json")
    report = json.loads(out)
    assert code == 0 and report["noise"] == 1e-6
    central = report["points"][0]["methods"]["central"]
    assert 3e-3 < central["h"] < 5e-2 and central["abs_error"] < 1e-4  # at eps's own h*, noise would win
    assert set(report["notes"]) == {"complex", "autodiff"} and "noisy samples" in report["notes"]["complex"]
    code, _, err = run_cli(capsys, "derive", "sin(x)", "--noise", "-1")
    assert code == 2 and "noise" in err


def test_an_infinite_derivative_prints_as_inf_and_is_null_in_json(capsys):
    code, out, _ = run_cli(capsys, "derive", "sqrt(x)", "--at", "0", "--method", "symbolic")
    assert code == 0
    symbolic = next(line for line in out.splitlines() if line.strip().startswith("symbolic"))
    assert symbolic.split()[1] == "inf"  # sqrt'(0) is infinite, not undefined
    code, out, _ = run_cli(capsys, "derive", "sqrt(x)", "--at", "0", "--json")
    point = json.loads(out)["points"][0]  # strict JSON: no Infinity token
    assert code == 0 and point["exact"] is None and point["f"] == 0.0
    assert point["methods"]["forward"]["value"] > 0 and point["methods"]["forward"]["abs_error"] is None


def test_derive_with_step_and_parameters(capsys):
    code, out, _ = run_cli(capsys, "derive", "a*exp(b x)", "--param", "a=2", "--param", "b=0.5",
                           "--method", "forward", "--h", "1e-3", "--at", "0", "--json")
    point = json.loads(out)["points"][0]
    assert point["exact"] == pytest.approx(1.0)
    assert point["methods"]["forward"]["h"] == 1e-3
    assert point["methods"]["forward"]["abs_error"] == pytest.approx(abs(1e-3**2 / 3 * 0.5**3 * 2), rel=0.05)


def test_undefined_points_are_null_in_json(capsys):
    code, out, _ = run_cli(capsys, "derive", "log(x)", "--at", "-1", "--json")
    assert code == 0
    assert json.loads(out)["points"][0]["methods"]["central"]["value"] is None


@pytest.mark.parametrize(
    "argv, words",
    [
        (["derive", "sin(x"], "column 4"),
        (["derive", "9**9**9**9"], "out of range"),
        (["derive", "x", "--order", "9"], "order"),
        (["derive", "x", "--at", "foo"], "not a number"),
        (["derive", "x", "--h", "-1"], "positive"),
        (["derive"], "required"),
        (["export", "x", "-o", "out.txt"], ".csv, .png or .svg"),
    ],
)
def test_bad_input_exit_2_one_line(capsys, argv, words):
    code, out, err = run_cli(capsys, *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: ") and words in err


def test_module_entry_point_in_a_subprocess(tmp_path):
    result = subprocess.run([sys.executable, "-m", "explorer", "derive", "__import__('os')"],
                            capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_export_takes_the_sweep_point(capsys, tmp_path, monkeypatch):
    import explorer.ui.export as ui_export

    seen = []
    monkeypatch.setattr(ui_export, "export_headless", lambda request, symbolic, path: seen.append(request))
    code, _, _ = run_cli(capsys, "export", "log(x)", "--from", "-2", "--to", "4", "--probe", "2.5",
                         "-o", str(tmp_path / "plots.png"))
    assert code == 0 and seen[0].probe == 2.5 and seen[0].x_min == -2.0
    code, _, err = run_cli(capsys, "export", "x", "--probe", "nan", "-o", str(tmp_path / "p.png"))
    assert code == 2 and "probe" in err
