"""A Derivation (steps.py) as text people read or paste: plain text, LaTeX, Markdown, and a JSON-ready dict.

Expressions in the plain text and the dict are in SymPy syntax that `parse_expression` reads back to an
equal expression (`**` or `^` for powers, `Abs`, `cbrt`, `E`, `pi`); the LaTeX is SymPy's.
"""

from __future__ import annotations

import json
import multiprocessing
import sys
from dataclasses import dataclass
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


# -- rows: the derivation as the lines people read --------------------------------------------------------
@dataclass(frozen=True)
class StepRow:
    """One line of a shown derivation: the function, an order's heading, a rule's step, or a result.

    `label` names the rule ("chain (trig)") or the line ("order 2", "result"); `latex` is the line's
    mathematics (`\\frac{d}{dx} (x^2) = 2 x`) and `text` the same in SymPy syntax; `where` is the chain rule's
    substitution (u = x^2) in LaTeX and text, and `note` a remark in words."""

    kind: str  # "function", "order", "step" or "result"
    label: str
    depth: int
    latex: str
    text: str
    where_latex: str = ""
    where_text: str = ""
    note: str = ""


def _plain(expr: sympy.Expr) -> str:
    return expression_text(expr).replace("**", "^")  # the parser reads ^ too; it is how people type powers


def _d(step: Step) -> str:
    before = latex_text(step.before)
    if not step.before.is_Atom:
        before = rf"\left({before}\right)"
    return rf"\frac{{d}}{{d{latex_text(step.variable)}}} {before} = {latex_text(step.after)}"


def _step_row(step: Step) -> StepRow:
    where_latex = where_text = ""
    if step.substitution is not None:
        symbol, inner = step.substitution
        where_latex, where_text = f"{latex_text(symbol)} = {latex_text(inner)}", f"{symbol} = {_plain(inner)}"
    return StepRow("step", _rule_label(step), step.depth, _d(step),
                   f"d/d{step.variable} [{_plain(step.before)}] = {_plain(step.after)}", where_latex, where_text,
                   step.note)


def step_rows(derivation: Derivation) -> tuple[StepRow, ...]:
    """The derivation line by line: f, then for each differentiation (headed when the order is above 1) its
    steps in order, deeper ones nested, and its simplified result."""
    x = derivation.variable.name
    rows = [StepRow("function", "", 0, f"{derivative_latex(0, x)} = {latex_text(derivation.expression)}",
                    f"{derivative_name(0, x)} = {_plain(derivation.expression)}")]
    for d in derivation.passes:
        if derivation.order > 1:
            previous_latex, previous = derivative_latex(d.order - 1, x), derivative_name(d.order - 1, x)
            rows.append(StepRow("order", f"order {d.order}", 0,
                                rf"{derivative_latex(d.order, x)} = \frac{{d}}{{d{x}}} {previous_latex}",
                                f"{derivative_name(d.order, x)} = d/d{x} [{previous}]:"))
        rows.extend(_step_row(step) for step in d.steps)
        rows.append(StepRow("result", "result", 0, f"{derivative_latex(d.order, x)} = {latex_text(d.simplified)}",
                            f"{derivative_name(d.order, x)} = {_plain(d.simplified)}"))
    return tuple(rows)


# -- plain text ---------------------------------------------------------------------------------------
def steps_text(derivation: Derivation) -> str:
    """An indented readable list: one line per step, deeper steps indented, each result after its steps."""
    lines = []
    for row in step_rows(derivation):
        if row.kind == "step":
            label = row.label + (f", {row.where_text}" if row.where_text else "")
            note = f"; {row.note}" if row.note else ""
            lines.append(f"{'  ' * row.depth}{row.text}   ({label}{note})")
        elif row.kind == "order":
            lines += ["", row.text]
        else:
            lines.append(row.text)
            if row.kind == "function" and derivation.order == 1:
                lines.append("")
    return "\n".join(lines)


# -- LaTeX ----------------------------------------------------------------------------------------------
def steps_latex(derivation: Derivation) -> str:
    """An `aligned` block: rule names right-aligned in the first column, each step d/dx(before) = after
    indented by its depth in the second; each differentiation ends with its simplified result."""
    lines = []
    for row in step_rows(derivation):
        if row.kind == "step":
            where = rf" \qquad ({row.where_latex})" if row.where_latex else ""
            indent = r"\quad " * row.depth
            lines.append(rf"\text{{{row.label}}} &\quad {indent}{row.latex}{where}")
        else:
            label = rf"\text{{{row.label}}} " if row.label else ""
            lines.append(rf"{label}& \quad {row.latex}")
    return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"


# -- Markdown -------------------------------------------------------------------------------------------
def steps_markdown(derivation: Derivation) -> str:
    """A nested list (two spaces per depth) with inline $...$ mathematics, a heading line per order above 1."""
    lines: list[str] = []
    for row in step_rows(derivation):
        if row.kind == "function":
            lines += [f"${row.latex}$", ""]
        elif row.kind == "order":
            lines += [f"**Order {row.label.split()[-1]}**: ${row.latex}$", ""]
        elif row.kind == "result":
            lines += ["", f"**Result**: ${row.latex}$", ""]
        else:
            where = f" (${row.where_latex}$)" if row.where_latex else ""
            note = f" ({row.note})" if row.note else ""
            lines.append(f"{'  ' * row.depth}- **{row.label}**{where}: ${row.latex}${note}")
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


def derive_and_render_all(expr: sympy.Expr, variable: sympy.Symbol, order: int) -> dict[str, Any]:
    """Every form of one derivation (text, LaTeX, Markdown) and its rows (StepRow): the window shows the
    rows and copies the others."""
    derivation = derivation_steps(expr, variable, order)
    forms: dict[str, Any] = {form: render(derivation, form) for form in ("text", "latex", "markdown")}
    forms["rows"] = step_rows(derivation)
    return forms


def typeset_rows(rows: tuple[StepRow, ...], size: float = 14.0) -> list[str | None]:
    """Each row's mathematics as SVG (typeset.latex_svg), None for a row that cannot be drawn (too long, or
    LaTeX the renderer does not know): that row stays text."""
    from .typeset import TypesetError, latex_svg

    drawn: list[str | None] = []
    for row in rows:
        latex = row.latex + (rf" \qquad ({row.where_latex})" if row.where_latex else "")
        try:
            drawn.append(latex_svg(latex, size))
        except TypesetError:
            drawn.append(None)
    return drawn


def _in_child(seconds: float, target, args: tuple, start_method: str | None, what: str) -> Any:
    """target(*args) in a child process, abandoned (killed) after seconds: raises StepsTimeout then."""
    context = multiprocessing.get_context(start_method or ("fork" if sys.platform != "win32" else "spawn"))
    with context.Pool(1) as pool:  # leaving the block terminates the child, finished or not
        pending = pool.apply_async(target, args)
        try:
            return pending.get(seconds)
        except multiprocessing.TimeoutError:
            raise StepsTimeout(f"{what} took longer than {seconds:g} s; try a lower order or a shorter "
                               "expression") from None


def rendered_within(seconds: float, expr: sympy.Expr, variable: sympy.Symbol, order: int, form: str = "text",
                    start_method: str | None = None) -> Any:
    """derive_and_render in a child process, abandoned (killed) after seconds: MAX_STEPS bounds the steps,
    not SymPy's own work within them. Raises StepsTimeout then, and what derivation_steps raises.
    form "all" gives derive_and_render_all's dict. A threaded caller (the window) passes start_method
    "forkserver": forking a process with threads is unsafe."""
    target, args = ((derive_and_render_all, (expr, variable, order)) if form == "all"
                    else (derive_and_render, (expr, variable, order, form)))
    return _in_child(seconds, target, args, start_method, "the steps")


def typeset_within(seconds: float, rows: tuple[StepRow, ...], start_method: str | None = None) -> list[str | None]:
    """typeset_rows in a child process (ziamath is slow on long formulas), abandoned after seconds."""
    return _in_child(seconds, typeset_rows, (rows,), start_method, "drawing the steps as mathematics")
