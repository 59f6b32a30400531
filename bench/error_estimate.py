"""Calibration of the error estimate (explorer.core.numeric.estimate): does it bound the true error, and by how much
does it overstate it? Over the benchmark functions, points across each range, every finite-difference method, at the
command line's default steps, at the window's default base step, and at a few other steps; and on noisy samples."""

from __future__ import annotations

import numpy as np
from common import FUNCTIONS, TestFunction

from explorer.core.derive import default_steps, exact_derivatives
from explorer.core.numeric import estimate
from explorer.core.numeric.estimate import estimated_error
from explorer.core.pipeline import derivatives_needed, method_context
from explorer.core.request import DerivativeRequest, Method

POINTS = 41  # per function, evenly over its range
STEP_METHODS = (Method.FORWARD, Method.BACKWARD, Method.CENTRAL, Method.RICHARDSON, Method.COMPLEX)
BASE_STEPS = (1e-11, 1e-8, 1e-5, 1e-3, 1e-2)  # the window's base step h0 (1e-5 is its default)
EXTRA = (TestFunction("1/x (x>0)", "1/x", 0.05, 5.0), TestFunction("x^2+1, large x", "x^2+1", 1e6, 1e9),
         TestFunction("sin(10x)", "sin(10x)", -2.0, 2.0))
NOISE = ((FUNCTIONS[0], 1e-8), (FUNCTIONS[0], 1e-5), (FUNCTIONS[1], 1e-6))
# Not used to choose the estimate's constants: functions, orders and accuracies of their own.
HELD_OUT = (TestFunction("tan", "tan(x)", -1.3, 1.3), TestFunction("cosh", "cosh(x)", -4.0, 4.0),
            TestFunction("erf", "erf(x)", -3.0, 3.0), TestFunction("narrow peak", "1/(x^2+0.01)", -1.0, 1.0),
            TestFunction("x^4-3x", "x^4-3x", -3.0, 3.0), TestFunction("log(1+x^2)", "log(1+x^2)", -5.0, 5.0))
HELD_OUT_ORDERS = ((1, 2), (2, 2), (1, 4), (3, 2))  # (derivative order, accuracy p)
BOUND_GOAL, OVERSTATEMENT_GOAL = 0.95, 10.0


class Tally:
    """Estimates against true errors: how often bounded, and the overstatement factors."""

    def __init__(self) -> None:
        self.total = 0
        self.bounded = 0
        self.exact = 0  # true error exactly 0 (bounded by any estimate; no overstatement factor)
        self.factors: list[np.ndarray] = []

    def add(self, estimate: np.ndarray, true: np.ndarray) -> None:
        keep = np.isfinite(true) & ~np.isnan(estimate)
        estimate, true = estimate[keep], true[keep]
        self.total += estimate.size
        self.bounded += int(np.sum(estimate >= true))
        self.exact += int(np.sum(true == 0))
        positive = true > 0
        with np.errstate(all="ignore"):
            self.factors.append(estimate[positive] / true[positive])

    def merge(self, other: Tally) -> None:
        self.total += other.total
        self.bounded += other.bounded
        self.exact += other.exact
        self.factors += other.factors

    @property
    def share(self) -> float:
        return self.bounded / self.total if self.total else float("nan")

    @property
    def median(self) -> float:
        factors = np.concatenate(self.factors) if self.factors else np.empty(0)
        return float(np.median(factors)) if factors.size else float("nan")

    def cells(self) -> str:
        return f"{100 * self.share:.1f}% | {self.median:.2g}x | {self.total} ({self.exact} exact)"


def _points(function: TestFunction) -> np.ndarray:
    # Off the symmetric points (0, the centre) where many derivatives vanish by symmetry.
    return function.x_min + (function.x_max - function.x_min) * (np.arange(POINTS) + 0.37) / POINTS


def calibrate(function: TestFunction, noise: float = 0.0, order: int = 1,
              accuracy: int = 2) -> dict[tuple[str, Method], Tally]:
    """{(step setting, method): Tally} for one function."""
    request = DerivativeRequest(function.expression, x_min=function.x_min, x_max=function.x_max, noise=noise,
                                order=order, accuracy=accuracy)
    symbolic = exact_derivatives(request, derivatives_needed(request) + 1)
    window = method_context(request, symbolic)  # s0 from the range, as in the window
    x = _points(function)
    exact = window.derivative(Method.SYMBOLIC, x, 0.0)
    tallies: dict[tuple[str, Method], Tally] = {}
    for method in STEP_METHODS:
        if window.unavailable(method):
            continue
        settings = [("CLI default", default_steps(method, method_context(request, symbolic, 1.0), x))]
        bases = (1e-5,) if noise else BASE_STEPS
        settings += [(f"h0 = {base:g}", window.steps(method, x, base)) for base in bases]
        for label, steps in settings:
            values = window.derivative(method, x, steps)
            estimate = estimated_error(window, method, x, steps, values)
            tally = tallies.setdefault((label, method), Tally())
            with np.errstate(all="ignore"):
                tally.add(estimate, np.abs(values - exact))
    return tallies


def run() -> list[str]:
    by_setting: dict[str, Tally] = {}
    by_method: dict[Method, Tally] = {}
    overall = Tally()
    for function in FUNCTIONS + EXTRA:
        for (label, method), tally in calibrate(function).items():
            by_setting.setdefault(label, Tally()).merge(tally)
            by_method.setdefault(method, Tally()).merge(tally)
            overall.merge(tally)
    held_out: dict[tuple[int, int], Tally] = {}
    for order, accuracy in HELD_OUT_ORDERS:
        for function in HELD_OUT:
            for tally in calibrate(function, order=order, accuracy=accuracy).values():
                held_out.setdefault((order, accuracy), Tally()).merge(tally)
    noisy = []
    for function, sigma in NOISE:
        total = Tally()
        for tally in calibrate(function, sigma).values():
            total.merge(tally)
        noisy.append((function, sigma, total))
    verdict = ("pass" if overall.share >= BOUND_GOAL else "FAIL") + " / " + (
        "pass" if overall.median <= OVERSTATEMENT_GOAL else "FAIL")
    lines = [
        "## Error estimate: calibration", "",
        f"Each finite-difference value's estimated error (`estimate.estimated_error`: the value again at half and at "
        f"twice the step, the larger difference scaled by the order, plus a round-off and noise bound) against its "
        f"true error (vs "
        f"symbolic), at {POINTS} points across each function's range ({len(FUNCTIONS) + len(EXTRA)} functions: the "
        "accuracy table's and " + ", ".join(f"`{f.expression}` on [{f.x_min:g}, {f.x_max:g}]" for f in EXTRA)
        + "), methods forward, backward, central, Richardson, complex step; order 1, p = 2. Steps: the command "
        "line's default (balanced per point), and the window's base steps h0 (each x takes h0 max(|x|, s0)). "
        "Cells: share of values whose estimate bounds the true error | median overstatement (estimate / true "
        "error, over values with a nonzero error) | values (of which exact).", "",
        f"Goals: bounds >= {100 * BOUND_GOAL:.0f}%, median overstatement <= {OVERSTATEMENT_GOAL:g}x. "
        f"All together: {overall.cells()}: {verdict}.", "",
        f"The estimate's constants (the step differences times {estimate.TRUNCATION_SAFETY:g}, the round-off "
        f"bound times {estimate.ROUNDOFF_SAFETY:g}, {estimate.COMPLEX_ULPS:g} ulps for the complex step, "
        f"{estimate.NOISE_SAFETY:g} standard deviations of noise) were chosen on this set; the held-out set "
        "below checks them. Where truncation dominates the estimate is the leading error term times its "
        "safety (about 1.5x); deep in round-off the true error is random and at times far below its bound, "
        "hence the larger overstatement at tiny steps. Blind spot: a step far beyond f's own scale (sin at "
        "x = 1e300, where no step is below an ulp of x, 1e284) samples f as noise that agrees with itself at "
        "h/2, h and 2h, and no estimate from the samples can see it.", "",
        "| steps | bounded | median overstatement | values |", "|---|---|---|---|",
    ]
    lines += [f"| {label} | {tally.cells()} |" for label, tally in by_setting.items()]
    lines += ["", "| method | bounded | median overstatement | values |", "|---|---|---|---|"]
    lines += [f"| {method.value} | {tally.cells()} |" for method, tally in by_method.items()]
    lines += ["", "Held out (not used to choose the constants): " + ", ".join(
        f"`{f.expression}` on [{f.x_min:g}, {f.x_max:g}]" for f in HELD_OUT) + ", at every step setting above:", "",
        "| order n | accuracy p | bounded | median overstatement | values |", "|---|---|---|---|---|"]
    lines += [f"| {n} | {p} | {tally.cells()} |" for (n, p), tally in held_out.items()]
    lines += ["", "Noisy samples (the forward, backward, central and Richardson differences at the command line's "
              "default and the window's h0 = 1e-5):", "",
              "| function | sigma | bounded | median overstatement | values |", "|---|---|---|---|---|"]
    lines += [f"| {f.label} | {sigma:g} | {tally.cells()} |" for f, sigma, tally in noisy]
    return lines


if __name__ == "__main__":
    print("\n".join(run()))
