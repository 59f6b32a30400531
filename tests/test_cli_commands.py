"""Which command runs: a mistyped command is a usage error, no display is one clear line (never Qt's abort)."""

import json
import math
import os
import subprocess
import sys

import pytest

from explorer.cli import display_problem, main


@pytest.mark.parametrize("command", ["bogus", "derivee", "Derive", "sin(x)", "x^2"])
def test_an_unknown_command_is_a_usage_error_not_the_window(command, capsys):
    assert main([command]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: unknown command") and "derive" in err


def run_without_display(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    return subprocess.run([sys.executable, "-m", "explorer", *args], capture_output=True, text=True, env=env,
                          timeout=60)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the display check is for X11/Wayland")
def test_no_display_gives_one_line_that_names_the_way_out():
    done = run_without_display()
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "no display" in done.stderr and "derive" in done.stderr


def test_the_display_check_trusts_a_display_or_a_chosen_platform():
    assert display_problem({}, "linux") is not None
    assert display_problem({"DISPLAY": ":0"}, "linux") is None
    assert display_problem({"WAYLAND_DISPLAY": "wayland-0"}, "linux") is None
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert display_problem({}, "darwin") is None and display_problem({}, "win32") is None


def test_negative_numbers_in_scientific_notation_are_values_not_options(capsys):
    assert main(["derive", "x^2+1", "--at", "-1e8", "--method", "central", "--json"]) == 0
    out = capsys.readouterr().out
    assert '"x": -100000000.0' in out
    assert main(["export", "sin(x)", "--from", "-1e308", "-o", "never.csv"]) == 2  # read, then refused by bound
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "x from must be within" in err


@pytest.mark.parametrize("text, value", [("-pi/4", -math.pi / 4), ("-sqrt(2)", -math.sqrt(2)), ("-(1)", -1.0)])
def test_negative_constant_expressions_are_values_not_options(text, value, capsys):
    # "--at -pi/4" was "expected at least one argument": argparse took it for an option
    assert main(["derive", "sin(x)", "--at", "1", text, "--method", "symbolic", "--json"]) == 0
    points = json.loads(capsys.readouterr().out)["points"]
    assert [p["x"] for p in points] == [1.0, value]
    assert points[1]["exact"] == pytest.approx(math.cos(value), rel=1e-15)
    assert main(["derive", "sin(x)", "--at", "-inf"]) == 2  # read as a number, then refused as one
    assert "inf (infinity) is not a number" in capsys.readouterr().err


@pytest.mark.parametrize("h", ["1e300", "0", "-1e-5", "nan", "inf", "1e-400"])
def test_a_step_outside_what_can_work_is_refused(h, capsys):
    assert main(["derive", "sin(x)", "--h", h]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: argument --h")


def test_a_tiny_step_is_used_as_given_for_the_complex_step(capsys):
    assert main(["derive", "sin(x)", "--at", "1", "--h", "1e-20", "--method", "complex", "--json"]) == 0
    assert '"h": 1e-20' in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["derive", "x", "--order", "٣"], ["derive", "x", "--accuracy", "٣"],
                                  ["export", "x", "--points", "1_000", "-o", "never.csv"],
                                  ["export", "x", "--points", "１０", "-o", "never.csv"],
                                  ["grid", "-", "--edge-order", "١"],
                                  ["export", "x", "--points", "9" * 5000, "-o", "never.csv"]])
def test_whole_numbers_are_digits_0_to_9(argv, capsys):
    # int() reads Arabic-Indic and full-width digits and 1_000: --order ٣ was order 3, unlike every expression
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"error: argument {argv[2]}")


@pytest.mark.parametrize("option, text, value", [("--order", " 2 ", 2), ("--order", "+2", 2), ("--order", "02", 2),
                                                 ("--accuracy", " 4 ", 4), ("--order", "0" * 30 + "3", 3),
                                                 ("--accuracy", "0" * 30 + "6", 6)])
def test_a_whole_number_reads_alike_in_every_option(option, text, value, capsys):
    # --order refused " 2 " and "+2", which --accuracy and --points took (and the numbers --at, --h took too);
    # leading zeros counted against the length bound, so 0...03 was "far too large"
    assert main(["derive", "x^4", "--method", "central", option, text, "--json"]) == 0, capsys.readouterr().err
    report = json.loads(capsys.readouterr().out)
    assert report["order"] == (value if option == "--order" else 1)


@pytest.mark.parametrize("argv", [["data", "-", "-o", ""], ["grid", "-", "-o", ""], ["export", "x", "-o", ""]])
def test_an_empty_output_name_is_an_error(argv, capsys):
    # data and grid printed their table as if -o had not been given; the export said "a file without suffix"
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err == "error: argument -o/--output: the output file name is empty\n"


def test_a_reader_that_stops_early_gets_no_error_line():
    # `derive ... | head -1`: the closed pipe is not an error of ours to print on stderr
    points = [f"{0.001 * i:g}" for i in range(3000)]
    child = subprocess.Popen([sys.executable, "-m", "explorer", "derive", "sin(x)", "--at", *points],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert child.stdout is not None and child.stderr is not None
    assert child.stdout.readline().startswith(b"f(x) = sin(x)")
    child.stdout.close()
    errors = child.stderr.read().decode()
    assert child.wait(timeout=60) in (0, 1) and errors == ""  # 1 when the pipe closed before the end


@pytest.mark.parametrize("argv", [["derive", "sin(x)", "--at", "1+" * 1500 + "1"],
                                  ["derive", "sin(x)", "--h", "9" * 3000],
                                  ["derive", "sin(x)", "--timeout", "1" + "0" * 3000],
                                  ["derive", "a*x", "--param", "a=" + "1+" * 1500 + "x"],
                                  ["derive", "a*x", "--param", "a" * 3000 + "=1"],
                                  ["derive", "a*x", "--param", "a" * 3000],
                                  ["derive", "x*y", "--vars", "x,y", "--point", "x=1,y=" + "(" * 3000],
                                  ["export", "x", "--points", "x" * 3000, "-o", "never.csv"],
                                  ["derive", "x", "--order", "7" * 3000]])
def test_a_long_argument_is_quoted_shortened_in_its_error(argv, capsys):
    # the whole argument was quoted in the error: 3000 characters of 1+1+... on one line, the reason at its end
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: argument ") and len(err) < 300, err[:400]
