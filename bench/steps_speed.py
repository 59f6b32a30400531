"""How long the step-by-step derivation takes: 60-character expressions, every step checked against SymPy.

Run: `.venv/bin/python bench/steps_speed.py` (prints a Markdown section for docs/benchmarks.md). Each
expression is timed with every cache emptied first (ours and SymPy's), so a number is what a new
expression costs; the first call in a new process, the refusal of a runaway and the command line end to
end are timed too. Target (issue 12): under 0.5 s for a 60-character expression.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

import sympy
from sympy.core.cache import clear_cache

from explorer.core.expression.parser import parse_expression
from explorer.core.limits import MAX_ORDER, MAX_STEPS
from explorer.core.symbolic import steps as steps_module
from explorer.core.symbolic.steps import TooManySteps, derivation_steps
from explorer.core.symbolic.steps_format import steps_dict, steps_latex, steps_markdown, steps_text

REPO = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 0.5
REPEATS = 5

# About 60 characters each, mixing the rules: quotient, product, chain, x^x, abs, erf, cbrt, inverse trig.
EXPRESSIONS = (
    "x^2*sin(x)/(1+exp(-x)) + log(x^2+1)*atan(x) - sqrt(x)*cosh(x)",
    "exp(-x^2/2)*cos(3x) + x^x - abs(x)*erf(x)/(x^2+2) + cbrt(x-1)",
    "tan(x)^3 + sec(x)*csc(x) - cot(2x)/(1+x^2) + asin(x/3)*acos(x/4)",
    "sinh(x)*cosh(2x)/tanh(x+1) + asinh(x)^2 - acosh(x+2)*atanh(x/5)",
    "log(x,2)*sqrt(x^3+1) + a*x^(5/2) - 3/(x*(x+1)) + e^(sin(x)) + pi",
    "sin(cos(tan(x^2))) + (x^2+1)^(x/2) + erf(sqrt(x))*exp(-x) - x/7",
)


def clear_caches() -> None:
    derivation_steps.cache_clear()
    steps_module.check_derivative.cache_clear()
    steps_module._mp_function.cache_clear()
    clear_cache()  # SymPy's own


def timed(text: str, order: int) -> tuple[float, int]:
    parsed = parse_expression(text)
    clear_caches()
    start = time.perf_counter()
    derivation = derivation_steps(parsed.expr, parsed.variable, order)
    return time.perf_counter() - start, len(derivation.steps)


def rendering(text: str, order: int) -> float:
    parsed = parse_expression(text)
    derivation = derivation_steps(parsed.expr, parsed.variable, order)
    start = time.perf_counter()
    for render in (steps_dict, steps_text, steps_latex, steps_markdown):
        render(derivation)
    return time.perf_counter() - start


def first_call_in_a_new_process() -> float:
    code = ("import time; from explorer.core.expression.parser import parse_expression; "
            "from explorer.core.symbolic.steps import derivation_steps; "
            f"p = parse_expression({EXPRESSIONS[0]!r}); t = time.perf_counter(); "
            "derivation_steps(p.expr, p.variable, 1); print(time.perf_counter() - t)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def cli_end_to_end(*argv: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "explorer", *argv], cwd=REPO, capture_output=True, check=True)
    return time.perf_counter() - start


def runaway() -> tuple[float, str]:
    parsed = parse_expression("x^2 sin(x) exp(x) cos(x) log(x)")
    clear_caches()
    start = time.perf_counter()
    try:
        derivation_steps(parsed.expr, parsed.variable, MAX_ORDER)
        outcome = "not refused"
    except TooManySteps:
        outcome = f"refused (> {MAX_STEPS} steps)"
    return time.perf_counter() - start, outcome


def main() -> None:
    rows, worst = [], 0.0
    for text in EXPRESSIONS:
        cells = [f"`{text}` ({len(text)})"]
        for order in (1, 2):
            runs = [timed(text, order) for _ in range(REPEATS)]
            seconds = [s for s, _ in runs]
            if order == 1:
                worst = max(worst, max(seconds))
            cells.append(f"{statistics.median(seconds) * 1e3:.0f} / {max(seconds) * 1e3:.0f} ms, {runs[0][1]} steps")
        cells.append(f"{statistics.median(rendering(text, 1) for _ in range(REPEATS)) * 1e3:.0f} ms")
        rows.append("| " + " | ".join(cells) + " |")
    first = first_call_in_a_new_process()
    cli = statistics.median(cli_end_to_end("steps", EXPRESSIONS[1], "--json") for _ in range(3))
    derive = statistics.median(cli_end_to_end("derive", EXPRESSIONS[1], "--json") for _ in range(3))
    refused_in, outcome = runaway()
    print("## Step-by-step derivation (`bench/steps_speed.py`)\n")
    print(f"`derivation_steps` with every cache emptied before each run (ours and SymPy's): median / max of "
          f"{REPEATS} runs; every step checked against SymPy's derivative at 3 points (40 digits). Rendering: "
          "JSON dict, text, LaTeX and Markdown together, order 1.\n")
    print("| expression (characters) | order 1 | order 2 | rendering |")
    print("|---|---|---|---|")
    print("\n".join(rows))
    print()
    print(f"- first call in a new process (imports of lambdify and mpmath paths included): {first * 1e3:.0f} ms")
    print(f"- `python -m explorer steps EXPR --json`, end to end with Python's start-up: {cli * 1e3:.0f} ms "
          f"(median of 3; `derive EXPR --json` on the same expression: {derive * 1e3:.0f} ms): importing the "
          "command line is most of it")
    print(f"- runaway `x^2 sin(x) exp(x) cos(x) log(x)` at order {MAX_ORDER}: {outcome} in {refused_in * 1e3:.0f} ms")
    verdict = "pass" if worst < TARGET_SECONDS else "FAIL"
    print(f"\nTarget: under {TARGET_SECONDS} s for a 60-character expression at order 1: slowest run "
          f"{worst * 1e3:.0f} ms ({verdict}).")
    print(f"\n- run on Python {sys.version.split()[0]}, sympy {sympy.__version__}, {time.strftime('%Y-%m-%d %H:%M')}")


if __name__ == "__main__":
    main()
