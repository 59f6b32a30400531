"""The same derivatives from numdifftools, scipy.differentiate and a naive SymPy subs/evalf loop."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable

import numpy as np

from accuracy import grid
from common import FUNCTIONS, build_context, max_relative_error, median_ratios, recommended
from explorer.core.numeric.methods import MethodContext
from explorer.core.request import Method

COST_SIZES = (1_000, 100_000)
SYMPY_LOOP_POINTS = 1_000  # the loop is ~0.2 ms a point; its cost at larger N is this times N
Derivative = Callable[[MethodContext, np.ndarray], np.ndarray]


def numdifftools_derivative() -> Derivative | None:
    if importlib.util.find_spec("numdifftools") is None:
        return None
    import numdifftools

    return lambda context, x: numdifftools.Derivative(context.f, n=1)(x)


def scipy_derivative() -> Derivative | None:
    try:
        from scipy.differentiate import derivative
    except ImportError:  # scipy < 1.15
        return None
    return lambda context, x: derivative(context.f, x).df


def sympy_loop(context: MethodContext, x: np.ndarray) -> np.ndarray:
    """What one writes without lambdify: substitute each point and evalf, one at a time."""
    expr, variable = context.symbolic.of(1), context.symbolic.parsed.variable
    return np.array([complex(expr.subs(variable, xi).evalf()).real for xi in x])


def comparators() -> tuple[dict[str, Derivative], list[str]]:
    found, skipped = {}, []
    for name, make in (("numdifftools", numdifftools_derivative), ("scipy.differentiate", scipy_derivative)):
        derivative = make()
        if derivative is None:
            skipped.append(f"{name} is not installed: skipped (`.venv/bin/pip install -e '.[bench]'`)")
        else:
            found[name] = derivative
    found["sympy subs loop"] = sympy_loop
    return found, skipped


def ours(method: Method) -> Derivative:
    return lambda context, x: context.derivative(method, x, recommended(context, method))


def accuracy_lines(others: dict[str, Derivative]) -> list[str]:
    contenders = {"explorer central": ours(Method.CENTRAL), "explorer autodiff": ours(Method.AUTODIFF), **others}
    lines = ["| function | " + " | ".join(contenders) + " |", "|" + "---|" * (len(contenders) + 1)]
    for function in FUNCTIONS:
        context = build_context(function.expression)
        x = grid(function)
        exact = context.derivative(Method.SYMBOLIC, x, 0.0)
        cells = [f"{max_relative_error(derive(context, x), exact):.1e}" for derive in contenders.values()]
        lines.append(f"| {function.label} | " + " | ".join(cells) + " |")
    return lines


def cost_lines(others: dict[str, Derivative], expression: str = "sin(x)") -> list[str]:
    context = build_context(expression)
    contenders = {"explorer central": ours(Method.CENTRAL), "explorer autodiff": ours(Method.AUTODIFF),
                  "explorer symbolic": ours(Method.SYMBOLIC), **others}
    lines = ["| N | " + " | ".join(contenders) + " |", "|" + "---|" * (len(contenders) + 1)]
    for n in COST_SIZES:
        x = np.linspace(0.1, 3.0, n)
        calls = {"f": lambda: context.f(x)}
        for name, derive in contenders.items():
            if name == "sympy subs loop" and n > SYMPY_LOOP_POINTS:
                continue
            calls[name] = lambda d=derive: d(context, x)
        for call in calls.values():
            call()
        results = median_ratios(calls, "f", rounds=5 if n > SYMPY_LOOP_POINTS else 3)
        cells = [f"{results[name][1]:.3g}x ({results[name][0] * 1e3:.3g} ms)" if name in results else "-"
                 for name in contenders]
        lines.append(f"| {n:.0e} | " + " | ".join(cells) + " |")
    return lines


def run() -> list[str]:
    others, skipped = comparators()
    lines = ["## Side by side: numdifftools, scipy.differentiate, a SymPy subs loop", ""]
    lines += [f"- {note}" for note in skipped] + ([""] if skipped else [])
    lines += ["Max relative error vs our symbolic derivative (same grids and rule as the accuracy table; library "
              "defaults, explorer methods at their recommended h):", ""]
    lines += accuracy_lines(others) + [""]
    lines += ["Cost on `sin(x)` over [0.1, 3], as a multiple of one f-evaluation (median ms in brackets); "
              f"the SymPy loop is timed at N = {SYMPY_LOOP_POINTS:.0e} only:", ""]
    lines += cost_lines(others) + [""]
    return lines
