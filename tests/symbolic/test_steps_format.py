"""The steps as JSON, plain text, LaTeX and Markdown: expressions round-trip through our parser, the
structure follows the steps' depths, and the command line prints each form (bad input: exit 2, one line)."""

from __future__ import annotations

import json

import pytest
import sympy

from explorer import cli
from explorer.core.expression.parser import parse_expression
from explorer.core.symbolic.steps import TooManySteps, derivation_steps
from explorer.core.symbolic.steps_format import (
    FORMS,
    render,
    rendered_within,
    steps_dict,
    steps_latex,
    steps_markdown,
    steps_text,
)

EXPRESSIONS = [
    "x^2 sin(x)", "sin(x)/x", "x/(x+1)", "1/(x (x+1))", "sin(cos(x^2))", "x^x", "log(x, 2)", "abs(x) + sign(x)",
    "cbrt(x^2 + 1)", "erf(3x)", "sqrt(1 - x^2)", "a x^2/b", "2^x", "asin(2x) + acosh(x) + atanh(x/2)",
    "exp(-x^2/2) cos(3x) + x^x - abs(x) erf(x)/(x^2+2) + cbrt(x-1)", "tan(x)^3 + sec(x) csc(x) cot(x)",
    "1.5 x^2.5 + 0.1 x", "pi x + e^x", "sinh(x) cosh(x) tanh(x) asinh(x)", "x^sin(x)",
]


def derivation(text: str, order: int = 1, variable: str = "x"):
    parsed = parse_expression(text, variable)
    return parsed, derivation_steps(parsed.expr, parsed.variable, order)


def reads_back(text: str, expected: sympy.Expr, variable: str = "x") -> bool:
    """text parses to an expression equal to expected. Not always the same tree: SymPy prints
    Mul(-1, 1/c, a + b) and Mul(1/c, -a - b) both as -(a + b)/c, and the parser keeps -x**2/4 as
    Mul(-1, 1/4, x**2); so equal means their difference expands to 0, or for decimals (printed to 15
    digits) is below 1e-13 at a point."""
    parsed = parse_expression(text, variable).expr
    if parsed == expected or sympy.expand(parsed - expected) == 0:
        return True
    if not expected.has(sympy.Float):
        return False
    at = {s: sympy.Rational(7, 5) for s in expected.free_symbols | parsed.free_symbols}
    return sympy.Abs(sympy.N((parsed - expected).xreplace(at), 30)) < 1e-13


@pytest.mark.parametrize("text", EXPRESSIONS)
@pytest.mark.parametrize("order", [1, 2])
def test_json_expressions_read_back_through_our_parser(text, order):
    parsed, d = derivation(text, order)
    report = json.loads(json.dumps(steps_dict(d)))
    assert reads_back(report["expression"], parsed.expr)
    assert reads_back(report["derivative"], d.result)
    assert len(report["steps"]) == len(d.steps)
    for entry, step in zip(report["steps"], d.steps, strict=True):
        assert {"rule", "before", "after", "depth", "latex_before", "latex_after"} <= entry.keys()
        assert (entry["rule"], entry["depth"], entry["order"], entry["variable"]) == (
            step.rule, step.depth, step.order, step.variable.name)
        assert reads_back(entry["before"], step.before) and reads_back(entry["after"], step.after)
        if step.substitution is not None:
            assert reads_back(entry["substitution"]["expression"], step.substitution[1])
            assert entry["outer"] == step.outer


def test_json_keeps_a_step_per_order_and_the_other_variable():
    _, d = derivation("t^3 + a t", order=2, variable="t")
    report = steps_dict(d)
    assert report["variable"] == "t" and report["order"] == 2
    assert [p["order"] for p in report["derivatives"]] == [1, 2]
    assert {entry["order"] for entry in report["steps"]} == {1, 2}
    assert reads_back(report["derivative"], 6 * parse_expression("t", "t").expr, variable="t")


def test_plain_text_indents_by_depth_and_ends_with_the_result():
    _, d = derivation("sin(x^2)")
    lines = steps_text(d).splitlines()
    assert lines[0] == "f(x) = sin(x^2)"
    assert lines[2].startswith("d/dx [sin(x^2)] = 2*x*cos(x^2)") and "chain (trig), u = x^2" in lines[2]
    assert lines[3].startswith("  d/du [sin(u)] = cos(u)") and lines[4].startswith("  d/dx [x^2] = 2*x")
    assert lines[-1] == "f'(x) = 2*x*cos(x^2)"


def test_latex_is_one_aligned_block_with_a_row_per_step_and_rule_names_as_text():
    _, d = derivation("x^2 sin(x)", order=2)
    latex = steps_latex(d)
    assert latex.startswith("\\begin{aligned}") and latex.endswith("\\end{aligned}")
    rows = latex.split(" \\\\\n")
    assert len(rows) == 1 + len(d.steps) + 2 * 2  # f, the steps, and per order a heading and a result
    assert "\\text{product}" in latex and "\\frac{d}{dx}" in latex
    assert rows[-1].startswith("\\text{result} & \\quad f''(x) =")
    assert latex.count("{") == latex.count("}")


def test_markdown_nests_by_depth_with_inline_math():
    _, d = derivation("sin(cos(x^2))")
    items = [line for line in steps_markdown(d).splitlines() if line.lstrip().startswith("- ")]
    assert [(len(line) - len(line.lstrip())) // 2 for line in items] == [s.depth for s in d.steps]
    assert items[0].startswith("- **chain (trig)** ($u = \\cos{\\left(x^{2} \\right)}$): $\\frac{d}{dx}")
    assert all(line.count("$") % 2 == 0 for line in items)


# -- the command line ------------------------------------------------------------------------------

def run(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_steps_json_has_the_issues_fields(capsys):
    code, out, err = run(capsys, "steps", "x^2*sin(x)", "--json")
    assert code == 0 and err == ""
    report = json.loads(out)
    assert {"expression", "derivative", "steps"} <= report.keys()
    x = parse_expression("x").expr
    assert reads_back(report["derivative"], sympy.diff(parse_expression("x^2*sin(x)").expr, x))
    assert [s["rule"] for s in report["steps"]] == ["product", "power", "trig"]
    assert [s["depth"] for s in report["steps"]] == [0, 1, 1]


def test_cli_steps_var_and_order(capsys):
    code, out, _ = run(capsys, "steps", "exp(a t)", "--var", "t", "--order", "2", "--json")
    report = json.loads(out)
    assert code == 0 and report["variable"] == "t" and report["order"] == 2
    assert reads_back(report["derivative"], parse_expression("a^2 exp(a t)", "t").expr, variable="t")


@pytest.mark.parametrize(("flag", "start"), [("--latex", "\\begin{aligned}"), ("--markdown", "$f(x) = "),
                                             (None, "f(x) = ")])
def test_cli_steps_prints_each_form(capsys, flag, start):
    code, out, err = run(capsys, "steps", "sin(x^2)", *([flag] if flag else []))
    assert code == 0 and out.startswith(start) and err == ""


@pytest.mark.parametrize("argv", [
    ["steps", "sin("], ["steps", "x", "--order", "0"], ["steps", "x", "--order", "7"],
    ["steps", "x", "--json", "--latex"],
    ["steps", "x^2 sin(x) exp(x) cos(x) log(x)", "--order", "6"],  # too many steps
    ["steps", "x", "--var", "sin"], ["steps"], ["steps", "x", "--bogus"],
])
def test_cli_steps_bad_input_exits_2_with_one_error_line(capsys, argv):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1


def test_cli_steps_gives_up_after_its_timeout_and_leaves_no_child(capsys):
    import multiprocessing

    # a tower of powers at order 3: SymPy's own diff within the steps takes seconds
    tower = "((sin(0.5^x))^((pi pi)^(a - x)))^(3 pi^a/log(x, 10))"
    code, out, err = run(capsys, "steps", tower, "--order", "3", "--timeout", "0.2")
    assert code == 2 and out == "" and err.startswith("error: the steps took longer than 0.2 s")
    assert multiprocessing.active_children() == []


def test_errors_in_the_child_reach_the_caller_as_they_are():
    parsed = parse_expression("x^2 sin(x) exp(x) cos(x) log(x)")
    with pytest.raises(TooManySteps):
        rendered_within(60, parsed.expr, parsed.variable, 6)
    assert rendered_within(60, parsed.expr, parsed.variable, 1, "json").startswith("{")


@pytest.mark.parametrize("form", FORMS)
def test_each_form_renders_the_same_derivation(form):
    _, d = derivation("x^x")
    text = render(d, form)
    assert "general power" in text and text == render(d, form)


def test_rows_are_the_lines_of_the_text_form_and_each_can_be_typeset():
    from explorer.core.limits import MAX_TYPESET_LATEX
    from explorer.core.symbolic.steps_format import StepRow, step_rows, typeset_rows

    parsed = parse_expression("sin(x^2)*log(x)")
    derivation = derivation_steps(parsed.expr, parsed.variable, 1)
    rows = step_rows(derivation)
    text = steps_text(derivation)
    assert [row.kind for row in rows][:1] == ["function"] and rows[-1].kind == "result"
    assert all(row.text in text for row in rows)
    assert sum(row.kind == "step" for row in rows) == len(derivation.steps)
    drawn = typeset_rows(rows + (StepRow("step", "power", 0, "x^{2}" * MAX_TYPESET_LATEX, "too long"),))
    assert all(svg is not None and svg.lstrip().startswith("<svg") for svg in drawn[:-1])
    assert drawn[-1] is None  # too long to draw: the window shows its text
