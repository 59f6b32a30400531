"""Accuracy of every method against the symbolic derivative, at the recommended and the empirical best step."""

from __future__ import annotations

import numpy as np

from common import FUNCTIONS, NUMERIC_METHODS, TestFunction, build_context, max_relative_error
from explorer.core.derive import default_steps, exact_derivatives
from explorer.core.numeric import finite_difference as fd
from explorer.core.numeric.error_analysis import step_grid, sweep_steps
from explorer.core.pipeline import derivatives_needed, method_context
from explorer.core.request import DerivativeRequest, Method

GRID_POINTS = 1001
EXACT_TARGET = 1e-13  # autodiff, complex step (and symbolic, the reference itself)
CENTRAL_TARGET = 1e-8  # central difference at h*


def grid(function: TestFunction, points: int = GRID_POINTS) -> np.ndarray:
    return np.linspace(function.x_min, function.x_max, points)


def accuracy_row(function: TestFunction) -> dict[str, tuple[float, float | None, float | None]]:
    """{method: (max rel error at the command line's default steps, h*, max rel error at h*)}; h* (a base step,
    as the window's slider) from sweep_steps at the probe point."""
    request = DerivativeRequest(function.expression, x_min=function.x_min, x_max=function.x_max)
    symbolic = exact_derivatives(request, derivatives_needed(request) + 1)
    window = method_context(request, symbolic)  # steps h0 * max(|x|, s0), s0 from the range
    command_line = method_context(request, symbolic, scale_floor=1.0)
    x = grid(function)
    exact = window.derivative(Method.SYMBOLIC, x, 0.0)
    probe = request.probe_point
    reference = float(window.derivative(Method.SYMBOLIC, np.array([probe]), 0.0)[0])
    sweep = sweep_steps(window, NUMERIC_METHODS, probe, step_grid(), reference)
    row = {}
    for method in NUMERIC_METHODS:
        steps = default_steps(method, command_line, x)
        values = command_line.derivative(method, x, steps if steps is not None else 0.0)
        at_default = max_relative_error(values, exact)
        best = sweep.optimum.get(method)
        if best is None:
            row[method.value] = (at_default, None, None)
        else:
            at_best = window.scaled_derivative(method, x, best[0])
            row[method.value] = (at_default, best[0], max_relative_error(at_best, exact))
    return row


OWN_STEP_POINTS = 41  # points per function at which central is measured at that point's own h*


def central_at_own_optimum(function: TestFunction) -> tuple[float, float]:
    """(median, max) relative error of central at each point's own h*, over points away from roots of f'.

    h* is a property of a point (the window shows it at its probe): where truncation and round-off
    balance depends on f and its derivatives there. Each point gets its own sweep_steps, as the window's
    sweep panel would show if that point were the probe.
    """
    context = build_context(function.expression)
    x = grid(function, OWN_STEP_POINTS)
    exact = context.derivative(Method.SYMBOLIC, x, 0.0)
    keep = np.isfinite(exact) & (np.abs(exact) >= 1e-6 * np.nanmax(np.abs(exact)))
    errors = []
    for x0, d0 in zip(x[keep], exact[keep]):
        best = sweep_steps(context, (Method.CENTRAL,), float(x0), step_grid(), float(d0)).optimum[Method.CENTRAL]
        errors.append(best[1] / abs(d0))
    return float(np.median(errors)), float(np.max(errors))


NOISE_LEVELS = (0.0, 1e-10, 1e-8, 1e-6, 1e-4)
NOISY_FUNCTION = FUNCTIONS[0]  # sin on [-5, 5]


def noisy_samples() -> list[str]:
    """Central differences of samples with noise: the step chosen for round-off alone against the one that
    counts the noise (fd.recommended_step(stencil, noise)), max |error| over the grid."""
    lines = [
        "", f"Central difference (p = 2) of `{NOISY_FUNCTION.expression}` sampled with noise of standard deviation "
        f"sigma (the window's *Noise σ on f*), max |error| over {GRID_POINTS} points: at the step that balances "
        "round-off alone, and at the step that counts the noise too.", "",
        "| sigma | h (round-off only) | max error | h (with noise) | max error |", "|---|---|---|---|---|",
    ]
    x = grid(NOISY_FUNCTION)
    for sigma in NOISE_LEVELS:
        context = build_context(NOISY_FUNCTION.expression, noise=sigma)
        exact = context.derivative(Method.SYMBOLIC, x, 0.0)
        stencil = context.stencil(Method.CENTRAL)
        cells = []
        for step in (fd.recommended_step(stencil), fd.recommended_step(stencil, sigma)):
            error = float(np.max(np.abs(context.derivative(Method.CENTRAL, x, step) - exact)))
            cells += [f"{step:.1e}", f"{error:.1e}"]
        lines.append(f"| {sigma:g} | " + " | ".join(cells) + " |")
    return lines


def target_for(method: str) -> tuple[float, str] | None:
    if method in (Method.AUTODIFF.value, Method.COMPLEX.value):
        return EXACT_TARGET, "recommended"
    if method == Method.CENTRAL.value:
        return CENTRAL_TARGET, "h*"
    return None


def run() -> tuple[list[str], dict[str, dict]]:
    rows = {f.label: accuracy_row(f) for f in FUNCTIONS}
    methods = [m.value for m in NUMERIC_METHODS]
    lines = [
        "## Accuracy vs symbolic", "",
        f"Max relative error over {GRID_POINTS} evenly spaced points (range per function below); points where "
        "|f'| < 1e-6 max|f'| are left out (relative error is meaningless at a root of f'). "
        "First number: at the command line's default steps (at each point the step balancing truncation "
        "against round-off from f's own derivatives, exact at that point); after `/`: at the empirical h* "
        "(least error in `sweep_steps` at the pipeline's probe point, 30% into the range; a base step, each x "
        "taking h* max(|x|, 1) as in the window), h* in brackets. Autodiff has no step. Order 1, accuracy "
        "p = 2.", "",
        "| function | range | " + " | ".join(methods) + " |",
        "|" + "---|" * (len(methods) + 2),
    ]
    for function in FUNCTIONS:
        cells = []
        for method in methods:
            at_rec, h_star, at_star = rows[function.label][method]
            cell = f"{at_rec:.1e}"
            if h_star is not None and method != Method.COMPLEX.value:
                cell += f" / {at_star:.1e} [{h_star:.0e}]"
            cells.append(cell)
        lines.append(f"| {function.label} `{function.expression}` | [{function.x_min:g}, {function.x_max:g}] | "
                     + " | ".join(cells) + " |")
    own = {f.label: central_at_own_optimum(f) for f in FUNCTIONS}
    lines += [
        "", f"Central difference at each point's own h* ({OWN_STEP_POINTS} points per function, same root rule), "
        "relative error median / max:", "",
        "| function | median | max |", "|---|---|---|",
        *[f"| {label} | {median:.1e} | {largest:.1e} |" for label, (median, largest) in own.items()],
    ]
    lines += ["", "Targets: autodiff and complex step <= 1e-13 (at their own step), central <= 1e-8 at h* "
              "(each point's own h*; the max over the grid at the probe's h* is in the first table):", ""]
    for method in methods:
        target = target_for(method)
        if target is None:
            continue
        bound, where = target
        if where == "recommended":
            measured = {label: row[method][0] for label, row in rows.items()}
        else:
            measured = {label: largest for label, (_, largest) in own.items()}
        failing = [f"{label} ({value:.1e})" for label, value in measured.items() if value is None or not value <= bound]
        verdict = "pass on all functions" if not failing else "FAIL on " + ", ".join(failing)
        lines.append(f"- {method} <= {bound:g}: {verdict}")
    lines.append("- symbolic is the reference (error 0 by construction); the comparators below check it against "
                 "SymPy's own arbitrary-precision evalf.")
    return lines + noisy_samples(), rows
