import json
import subprocess
import sys

import numpy as np
import pytest

from explorer.cli import main
from explorer.core.expression import numbers
from explorer.core.limits import MAX_FIELD_POINTS


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


@pytest.mark.parametrize("argv", [["derive", "a*x", "--param", "x=2"],
                                  ["derive", "a*t", "--var", "t", "--param", "a=3", "--param", "t=2"],
                                  ["export", "a*x", "--param", "x=2", "-o", "never.csv"]])
def test_a_value_for_the_variable_is_refused_not_ignored(capsys, tmp_path, monkeypatch, argv):
    # --param x=2 was dropped without a word (x takes its points), so the output looked like f at x = 2.
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(capsys, *argv)
    assert code == 2 and out == "" and not (tmp_path / "never.csv").exists()
    assert err.count("\n") == 1 and err.startswith("error: ") and "is the variable, not a parameter" in err


@pytest.mark.parametrize("argv, most_read", [
    (["derive", "x", "--at", *["1"] * (MAX_FIELD_POINTS + 1)], 0),
    # --point comes one point at a time: those within the bound are read (two numbers each), not the one past it
    (["derive", "x*y", "--vars", "x,y", *["--point", "x=1,y=2"] * (MAX_FIELD_POINTS + 1)], 2 * MAX_FIELD_POINTS),
    (["gradient", "x*y", "--vars", "x,y", *["--point", "x=1,y=2"] * (MAX_FIELD_POINTS + 1)], 2 * MAX_FIELD_POINTS),
])
def test_too_many_points_are_refused_before_they_are_read(capsys, monkeypatch, argv, most_read):
    # Each point is a (bounded) constant expression to parse: a list of hundreds of thousands of them ran
    # for minutes, then was computed point by point, before anything said it was too long.
    read = []
    original = numbers.parse_number

    def counting(text):
        read.append(text)
        return original(text)

    monkeypatch.setattr("explorer.core.expression.numbers.parse_number", counting)
    code, out, err = run_cli(capsys, *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: argument ") and f"more than {MAX_FIELD_POINTS} points" in err
    assert len(read) <= most_read


def test_as_many_points_as_allowed_are_read(capsys):
    points = [str(i) for i in range(12)]
    report = derive_json(capsys, "x^2", "--at", *points, "--method", "symbolic")
    assert [p["methods"]["symbolic"]["value"] for p in report["points"]] == [2.0 * i for i in range(12)]


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


def derive_json(capsys, *argv):
    code, out, err = run_cli(capsys, "derive", *argv, "--json")
    assert code == 0, err
    return json.loads(out)


def test_the_default_step_scales_with_x(capsys):
    # A fixed step of 8.7e-6 gave x^2 + 1 at 1e8 a relative error of 4e-4.
    central = derive_json(capsys, "x^2+1", "--at", "1e8", "3e15", "--method", "central")
    for point in central["points"]:
        entry = point["methods"]["central"]
        assert entry["rel_error"] < 1e-10 and entry["h"] > 1.0
        assert (point["x"] + entry["h"]) - point["x"] == entry["h"]  # the step taken is exact at x


def test_the_default_step_stays_inside_the_domain_near_zero(capsys):
    # log(x) at 1e-6: the stencils of backward, central and Richardson reached below 0 and gave no value.
    report = derive_json(capsys, "log(x)", "--at", "1e-6", "1e-300")
    for point in report["points"]:
        for name, entry in point["methods"].items():
            assert entry["value"] is not None, (point["x"], name)
            assert entry["rel_error"] < 1e-7, (point["x"], name, entry)


def test_a_given_step_is_used_as_given_made_exact(capsys):
    report = derive_json(capsys, "sin(x)", "--at", "0.1", "1e8", "--h", "1e-5", "--method", "central")
    small, large = (point["methods"]["central"]["h"] for point in report["points"])
    assert small == pytest.approx(1e-5, rel=1e-11) and (0.1 + small) - 0.1 == small
    assert large == pytest.approx(1e-5, rel=2e-3) and (1e8 + large) - 1e8 == large  # ulp(1e8) = 1.5e-8


def test_each_value_comes_with_an_error_estimate(capsys):
    report = derive_json(capsys, "exp(-x^2)*sin(3x)", "--at", "-1.3", "0.2", "0.9")
    for point in report["points"]:
        methods = point["methods"]
        assert methods["symbolic"]["error_estimate"] is None and methods["autodiff"]["error_estimate"] is None
        for name in ("forward", "backward", "central", "richardson"):
            entry = methods[name]
            # (an error far below the round-off floor is luck the estimate cannot count on)
            assert entry["abs_error"] <= entry["error_estimate"] < 100 * max(entry["abs_error"], 1e-12), name
    code, out, _ = run_cli(capsys, "derive", "sin(x)", "--at", "1", "--h", "1e-2", "--method", "forward")
    forward = next(line for line in out.splitlines() if line.strip().startswith("forward"))
    estimate, error = float(forward.split()[2]), float(forward.split()[4])
    assert "est. error" in out and error <= estimate < 3 * error  # h/2 |sin| in both


def test_a_constant_has_derivative_exactly_zero_by_every_method(capsys):
    # (the sum's rounding depended on how many points there were: at 0.5 alone Richardson gave 3.5e-14)
    for points in (["0.5"], ["0.5", "-3", "1e8"]):
        report = derive_json(capsys, "1", "--at", *points)
        for point in report["points"]:
            for name, entry in point["methods"].items():
                assert entry["value"] == 0.0, (name, entry)


class _GaveUpJob:
    """A derive job on which SymPy timed out before the first derivative."""

    def __init__(self, parsed):
        from explorer.core.symbolic.engine import SymbolicTimeout

        self.parsed = parsed
        self.error = SymbolicTimeout("SymPy took longer than 5 s")

    def wait(self, count, timeout=None):
        return True

    def derivatives(self, up_to=None):
        from explorer.core.symbolic.derivatives import SymbolicDerivatives

        return SymbolicDerivatives(self.parsed, (self.parsed.expr,), (str(self.error),))


class _GivingUpEngine:
    def __init__(self, *args, **kwargs):
        pass

    def submit(self, parsed, up_to):
        return _GaveUpJob(parsed)

    def derivatives(self, parsed, up_to, required=None):
        from explorer.core.symbolic.engine import SymbolicTimeout

        raise SymbolicTimeout("SymPy took longer than 5 s")

    def close(self):
        pass


def test_when_sympy_gives_up_autodiff_is_the_reference_as_in_the_window(capsys, monkeypatch):
    import explorer.cli as cli

    monkeypatch.setattr(cli, "SymbolicEngine", _GivingUpEngine)
    code, out, err = run_cli(capsys, "derive", "sin(x)", "--at", "1", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["reference"] == "autodiff" and report["derivative"] is None
    assert "SymPy gave up" in report["notes"]["reference"] and "autodiff" in report["notes"]["reference"]
    point = report["points"][0]
    assert point["exact"] == pytest.approx(0.5403023058681398, rel=1e-15)
    assert point["methods"]["central"]["abs_error"] < 1e-9 and "symbolic" not in point["methods"]
    code, out, _ = run_cli(capsys, "derive", "sin(x)", "--at", "1")
    assert code == 0 and "errors against autodiff" in out and "SymPy gave up" in out
    # Noisy samples: nothing exact is left, so values come with their estimates only.
    report = json.loads(run_cli(capsys, "derive", "sin(x)", "--at", "1", "--noise", "1e-6", "--json")[1])
    assert report["reference"] is None and "nothing exact" in report["notes"]["reference"]
    central = report["points"][0]["methods"]["central"]
    assert central["abs_error"] is None and central["error_estimate"] > 0
    assert abs(central["value"] - 0.5403023058681398) <= central["error_estimate"]


@pytest.mark.parametrize("expression, x_min, x_max, order", [("exp(x)", "700", "709.78", "1"),
                                                             ("log(x)", "1e-300", "1e-299", "1"),
                                                             ("1e300*x", "-5", "5", "2"),
                                                             ("acos(x)", "-1e-300", "0", "5")])
def test_export_near_the_double_limit_warns_nothing(capsys, recwarn, tmp_path, expression, x_min, x_max, order):
    # the truncation line of the error against h overflows at large h (exp at 700) or is inf * 0 at tiny h
    # (log's third derivative at 1e-300), the round-off line overflows at tiny h (eps 1e300 / h^2): gaps, not
    # RuntimeWarnings on stderr
    code, out, err = run_cli(capsys, "export", expression, "--from", x_min, "--to", x_max, "--order", order, "-o",
                             str(tmp_path / "out.csv"))
    assert code == 0 and err == "" and out.startswith("wrote ")
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_a_stencil_past_the_largest_double_is_undefined_without_warnings(capsys, recwarn):
    # at 1e308 the balanced step of samples with noise 1 reaches past 1.8e308: the step overflowed with warnings
    code, out, err = run_cli(capsys, "derive", "abs(x)", "--at", "1e308", "--noise", "1", "--json")
    assert code == 0 and err == ""
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_points_and_parameters_are_written_as_given_not_to_six_digits(capsys):
    """`x = 1e+08` for --at 100000000.3 and `a = 1` for a=1.0000001 named other numbers than the ones computed."""
    code, out, _ = run_cli(capsys, "derive", "sin(1000x)+a*x", "--at", "100000000.3", "--param", "a=1.0000001")
    assert code == 0
    assert "x = 100000000.3" in out.splitlines() and "parameters: a = 1.0000001" in out
    code, out, _ = run_cli(capsys, "gradient", "x*y", "--vars", "x,y", "--point", "x=100000000.3,y=2")
    assert code == 0 and "x = 100000000.3" in out


def test_the_data_table_tells_neighbouring_times_apart(capsys, tmp_path):
    t = 1.7e9 + np.arange(50) * 1e-3  # seconds since 1970, a millisecond apart
    (tmp_path / "epoch.csv").write_text("t,y\n" + "\n".join(f"{a!r},{b!r}" for a, b in zip(t.tolist(), np.sin(t - t[0]).tolist(), strict=True)))
    code, out, _ = run_cli(capsys, "data", str(tmp_path / "epoch.csv"))
    assert code == 0
    rows = [line.split() for line in out.splitlines() if line.strip().startswith("1700000000")]
    assert len(rows) >= 10
    shown = [float(row[0]) for row in rows]
    assert len(set(shown)) == len(shown)
    assert shown == pytest.approx(t[: len(shown)].tolist(), abs=1e-4)


def test_a_point_where_fs_formula_overflows_in_doubles_says_why_the_methods_have_no_value(capsys):
    """1e300*x*y at x = 2e8, y = 1e-8 is 2e300, but 1e300*x overflows first in doubles: every numerical method
    showed "-" with no word of why."""
    code, out, _ = run_cli(capsys, "derive", "1e300*x*y+x", "--at", "2e8", "1", "--param", "y=1e-8")
    assert code == 0
    headings = [line for line in out.splitlines() if line.startswith("x = ")]
    assert "overflows in doubles" in headings[0] and "overflows" not in headings[1]
    code, out, _ = run_cli(capsys, "derive", "1e300*x*y+x", "--at", "2e8", "--param", "y=1e-8", "--json")
    point = json.loads(out)["points"][0]
    assert point["f_beyond_doubles"] is True and point["f"] == pytest.approx(2e300 + 2e8)
    assert point["methods"]["central"]["value"] is None
