"""A Derivation (steps.py) as text people read or paste: plain text, LaTeX, Markdown, and a JSON-ready dict.

Expressions in the plain text and the dict are in SymPy syntax that `parse_expression` reads back to an
equal expression (`**` or `^` for powers, `Abs`, `cbrt`, `E`, `pi`); the LaTeX is SymPy's.
"""

from __future__ import annotations

import json
import multiprocessing
import sys
from typing import Any

import sympy

from .steps import Derivation, Step, StepsTimeout, derivation_steps

# Exact numbers longer than this are printed as doubles: Python refuses to turn an integer of more than
# 4300 digits into text, and the 6th derivative of x^r multiplies six numbers as long as r.
PRINTED_DIGITS = 1000


def printable(expr: sympy.Expr) -> sympy.Expr:
    """expr with every exact number too long to print as digits written as a double."""
    long = {r: sympy.Float(r) for r in expr.atoms(sympy.Rational)
            if (abs(int(r.p)).bit_length() + int(r.q).bit_length()) * 0.30103 > PRINTED_DIGITS}
    return expr.xreplace(long) if long else expr


def latex_text(expr: sympy.Expr) -> str:
    """LaTeX source for expr (SymPy's)."""
    return sympy.latex(printable(expr))


def expression_text(expr: sympy.Expr) -> str:
    """expr in SymPy syntax our parser reads back (sstr: `x**2*sin(x)`, `Abs(x)`, `cbrt(x)`)."""
    return sympy.sstr(printable(expr))


def derivative_name(order: int, variable: str = "x") -> str:
    """f(x) for order 0, then f'(x), f''(x), f'''(x), f^(4)(x): plain text."""
    marks = "'" * order if order <= 3 else f"^({order})"
    return f"f{marks}({variable})"


def derivative_latex(order: int, variable: str = "x") -> str:
    """f(x), f'(x) ... f^{(4)}(x) in LaTeX."""
    marks = "'" * order if order <= 3 else f"^{{({order})}}"
    return f"f{marks}({variable})"


def _rule_label(step: Step) -> str:
    if step.rule == "chain" and step.outer:
        return f"chain ({step.outer})"
    return step.rule


# -- JSON ---------------------------------------------------------------------------------------------
def step_dict(step: Step) -> dict:
    """One step: rule, before, after, depth, order and variable, with LaTeX twins; chain steps add u."""
    entry: dict[str, object] = {
        "rule": step.rule,
        "before": expression_text(step.before),
        "after": expression_text(step.after),
        "depth": step.depth,
        "order": step.order,
        "variable": step.variable.name,
        "latex_before": latex_text(step.before),
        "latex_after": latex_text(step.after),
    }
    if step.substitution is not None:
        symbol, inner = step.substitution
        entry["outer"] = step.outer
        entry["substitution"] = {"symbol": symbol.name, "expression": expression_text(inner),
                                 "latex": latex_text(inner)}
    if step.note:
        entry["note"] = step.note
    return entry


def steps_dict(derivation: Derivation) -> dict:
    """The whole derivation, JSON-ready: expression, derivative (simplified), and every step in order."""
    return {
        "expression": expression_text(derivation.expression),
        "variable": derivation.variable.name,
        "order": derivation.order,
        "derivative": expression_text(derivation.result),
        "latex_expression": latex_text(derivation.expression),
        "latex_derivative": latex_text(derivation.result),
        "derivatives": [  # each differentiation's result as the rules assemble it, and simplified
            {"order": d.order, "result": expression_text(d.result), "simplified": expression_text(d.simplified)}
            for d in derivation.passes
        ],
        "steps": [step_dict(step) for step in derivation.steps],
    }


# -- plain text ---------------------------------------------------------------------------------------
def _plain(expr: sympy.Expr) -> str:
    return expression_text(expr).replace("**", "^")  # the parser reads ^ too; it is how people type powers


def _step_line(step: Step) -> str:
    label = _rule_label(step)
    if step.substitution is not None:
        label += f", {step.substitution[0]} = {_plain(step.substitution[1])}"
    note = f"; {step.note}" if step.note else ""
    return f"{'  ' * step.depth}d/d{step.variable} [{_plain(step.before)}] = {_plain(step.after)}   ({label}{note})"


def steps_text(derivation: Derivation) -> str:
    """An indented readable list: one line per step, deeper steps indented, each result after its steps."""
    variable = derivation.variable.name
    lines = [f"{derivative_name(0, variable)} = {_plain(derivation.expression)}"]
    for d in derivation.passes:
        lines.append("")
        if derivation.order > 1:
            previous = derivative_name(d.order - 1, variable)
            lines.append(f"{derivative_name(d.order, variable)} = d/d{variable} [{previous}]:")
        lines.extend(_step_line(step) for step in d.steps)
        lines.append(f"{derivative_name(d.order, variable)} = {_plain(d.simplified)}")
    return "\n".join(lines)


# -- LaTeX ----------------------------------------------------------------------------------------------
def _d(step: Step) -> str:
    before = latex_text(step.before)
    if not step.before.is_Atom:
        before = rf"\left({before}\right)"
    return rf"\frac{{d}}{{d{latex_text(step.variable)}}} {before} = {latex_text(step.after)}"


def _latex_row(step: Step) -> str:
    indent = r"\quad " * step.depth
    where = ""
    if step.substitution is not None:
        symbol, inner = step.substitution
        where = rf" \qquad ({latex_text(symbol)} = {latex_text(inner)})"
    return rf"\text{{{_rule_label(step)}}} &\quad {indent}{_d(step)}{where}"


def steps_latex(derivation: Derivation) -> str:
    """An `aligned` block: rule names right-aligned in the first column, each step d/dx(before) = after
    indented by its depth in the second; each differentiation ends with its simplified result."""
    variable = derivation.variable.name
    rows = [rf"& \quad {derivative_latex(0, variable)} = {latex_text(derivation.expression)}"]
    for d in derivation.passes:
        if derivation.order > 1:
            rows.append(rf"\text{{order {d.order}}} & \quad {derivative_latex(d.order, variable)} = "
                        rf"\frac{{d}}{{d{variable}}} {derivative_latex(d.order - 1, variable)}")
        rows.extend(_latex_row(step) for step in d.steps)
        rows.append(rf"\text{{result}} & \quad {derivative_latex(d.order, variable)} = {latex_text(d.simplified)}")
    return "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"


# -- Markdown -------------------------------------------------------------------------------------------
def _markdown_item(step: Step) -> str:
    where = ""
    if step.substitution is not None:
        symbol, inner = step.substitution
        where = f" (${latex_text(symbol)} = {latex_text(inner)}$)"
    note = f" ({step.note})" if step.note else ""
    return f"{'  ' * step.depth}- **{_rule_label(step)}**{where}: ${_d(step)}${note}"


def steps_markdown(derivation: Derivation) -> str:
    """A nested list (two spaces per depth) with inline $...$ mathematics, a heading line per order above 1."""
    variable = derivation.variable.name
    lines = [f"${derivative_latex(0, variable)} = {latex_text(derivation.expression)}$", ""]
    for d in derivation.passes:
        if derivation.order > 1:
            lines.append(f"**Order {d.order}**: ${derivative_latex(d.order, variable)} = "
                         rf"\frac{{d}}{{d{variable}}} {derivative_latex(d.order - 1, variable)}$")
            lines.append("")
        lines.extend(_markdown_item(step) for step in d.steps)
        lines.append("")
        lines.append(f"**Result**: ${derivative_latex(d.order, variable)} = {latex_text(d.simplified)}$")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


# -- one call: derive, render, within a time --------------------------------------------------------
FORMS = ("text", "json", "latex", "markdown")


def render(derivation: Derivation, form: str = "text") -> str:
    """The derivation in one of FORMS; JSON as one indented object."""
    if form == "json":
        return json.dumps(steps_dict(derivation), indent=2, ensure_ascii=False)
    return {"text": steps_text, "latex": steps_latex, "markdown": steps_markdown}[form](derivation)


def derive_and_render(expr: sympy.Expr, variable: sympy.Symbol, order: int, form: str = "text") -> str:
    return render(derivation_steps(expr, variable, order), form)


def derive_and_render_all(expr: sympy.Expr, variable: sympy.Symbol, order: int) -> dict[str, str]:
    """Every form of one derivation (text, LaTeX, Markdown): the window shows one and copies the others."""
    derivation = derivation_steps(expr, variable, order)
    return {form: render(derivation, form) for form in ("text", "latex", "markdown")}


def rendered_within(seconds: float, expr: sympy.Expr, variable: sympy.Symbol, order: int, form: str = "text",
                    start_method: str | None = None) -> Any:
    """derive_and_render in a child process, abandoned (killed) after seconds: MAX_STEPS bounds the steps,
    not SymPy's own work within them. Raises StepsTimeout then, and what derivation_steps raises.
    form "all" gives derive_and_render_all's dict. A threaded caller (the window) passes start_method
    "forkserver": forking a process with threads is unsafe."""
    context = multiprocessing.get_context(start_method or ("fork" if sys.platform != "win32" else "spawn"))
    target, args = ((derive_and_render_all, (expr, variable, order)) if form == "all"
                    else (derive_and_render, (expr, variable, order, form)))
    with context.Pool(1) as pool:  # leaving the block terminates the child, finished or not
        pending = pool.apply_async(target, args)
        try:
            return pending.get(seconds)
        except multiprocessing.TimeoutError:
            raise StepsTimeout(f"the steps took longer than {seconds:g} s; try a lower order or a shorter "
                               "expression") from None
