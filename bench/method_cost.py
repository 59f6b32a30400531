"""Each method's cost as a multiple of one evaluation of f on the same N points."""

from __future__ import annotations

import numpy as np

from common import build_context, cost_ratios, recommended
from explorer.core.request import Method

SIZES = (1_000, 100_000, 1_000_000)
COST_FUNCTIONS = ("sin(x)", "exp(-x^2)*sin(3x)")
TARGET = 2.5  # derivative cost <= 2.5x one f-evaluation at N = 1e5
ROUNDS = {1_000: 25, 100_000: 25, 1_000_000: 7}


def method_costs(expression: str) -> dict[int, dict[str, tuple[float, float, float]]]:
    """{N: {"f" or method value: (median seconds, median same-round ratio to f, ratio of least times)}}."""
    context = build_context(expression)
    results = {}
    for n in SIZES:
        x = np.linspace(0.1, 3.0, n)  # inside every function's domain
        calls = {"f": lambda: context.f(x)}
        for method in Method:
            # What the window computes: the base step scaled by max(|x|, 1) and made exact at each x.
            step = recommended(context, method)
            calls[method.value] = lambda m=method, h=step: context.scaled_derivative(m, x, h)
        for call in calls.values():
            call()  # compile (lambdify, autograd) outside the timing
        results[n] = cost_ratios(calls, "f", ROUNDS[n])
    return results


def cost_table(expression: str, results: dict[int, dict[str, tuple[float, float, float]]]) -> list[str]:
    header = "| method | " + " | ".join(f"N = {n:.0e}" for n in SIZES) + f" | <= {TARGET}x at 1e5 |"
    lines = [f"f(x) = `{expression}`", "", header, "|" + "---|" * (len(SIZES) + 2)]
    names = ["f"] + [m.value for m in Method]
    for name in names:
        cells = []
        for n in SIZES:
            time, ratio, least = results[n][name]
            cells.append(f"{ratio:.2f}x ({time * 1e3:.3g} ms; least {least:.2f}x)")
        _, median, least = results[100_000][name]
        verdict = "-" if name == "f" else \
            f"{'pass' if median <= TARGET else 'FAIL'} (least: {'pass' if least <= TARGET else 'FAIL'})"
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {verdict} |")
    return lines


def run() -> list[str]:
    lines = ["## Cost of each method vs one f-evaluation", "",
             "Cells: median over rounds of (method time / f time) measured in the same round, the median "
             "method time, and the ratio of the least times over the rounds (steadier while other work shares "
             "the machine; the verdict is on the median, the least times' in brackets). Steps as the window takes them: each method's recommended base step h0 (complex step "
             "1e-20) times max(|x|, 1), made exact at each x. Order 1, accuracy p = 2.", "",
             "How: autodiff of order 1 is forward mode (f and f' carried together through NumPy code generated "
             "from the expression, in place of autograd's traced reverse mode; higher orders still use autograd), "
             "and the stencils, the complex step and forward mode work through x in blocks of 8192 points, steps "
             "included, so their temporaries stay in cache (whole-array temporaries of 1e5 points came as fresh "
             "pages each time). f itself is one whole-array evaluation, as the window makes it.", ""]
    for expression in COST_FUNCTIONS:
        lines += cost_table(expression, method_costs(expression)) + [""]
    return lines
