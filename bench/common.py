"""What every benchmark shares: the test functions, building a MethodContext, steps and robust timing."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from explorer.core.derive import COMPLEX_STEP, default_step, exact_derivatives  # noqa: F401 - COMPLEX_STEP re-exported
from explorer.core.numeric.methods import MethodContext
from explorer.core.pipeline import method_context
from explorer.core.request import DerivativeRequest, Method

NUMERIC_METHODS = tuple(m for m in Method if m is not Method.SYMBOLIC)


@dataclass(frozen=True)
class TestFunction:
    label: str
    expression: str
    x_min: float
    x_max: float


FUNCTIONS = (
    TestFunction("sin", "sin(x)", -5.0, 5.0),
    TestFunction("exp", "exp(x)", -5.0, 5.0),
    TestFunction("x^3", "x^3", -2.0, 2.0),
    TestFunction("Runge", "1/(1+25x^2)", -1.0, 1.0),
    TestFunction("log (x>0)", "log(x)", 0.1, 5.0),
    TestFunction("atan", "atan(x)", -5.0, 5.0),
    TestFunction("sqrt (x>0)", "sqrt(x)", 0.1, 5.0),
    TestFunction("x^x", "x^x", 0.1, 3.0),
    TestFunction("exp(-x^2)sin(3x)", "exp(-x^2)*sin(3x)", -3.0, 3.0),
)


def build_context(expression: str, order: int = 1, accuracy: int = 2, noise: float = 0.0) -> MethodContext:
    """The MethodContext the pipeline would build, with every exact derivative its theory lines need."""
    request = DerivativeRequest(expression, order=order, accuracy=accuracy, noise=noise)
    return method_context(request, exact_derivatives(request))


def recommended(context: MethodContext, method: Method) -> float:
    """The step the CLI uses by default (default_step), 0 for the methods without one."""
    step = default_step(method, context)
    return 0.0 if step is None else step


def seconds(call: Callable[[], object], inner: int = 1) -> float:
    """Wall-clock seconds of one call (averaged over `inner` back-to-back calls for tiny ones)."""
    start = time.perf_counter()
    for _ in range(inner):
        call()
    return (time.perf_counter() - start) / inner


def inner_loops(call: Callable[[], object], target: float = 0.005) -> int:
    """How many back-to-back calls make one timing last about `target` seconds (timer noise stays small)."""
    once = seconds(call)
    return max(1, min(1000, int(target / max(once, 1e-7))))


def round_times(calls: dict[str, Callable[[], object]], rounds: int) -> dict[str, list[float]]:
    """{name: seconds of each round}, all calls interleaved in each round."""
    loops = {name: inner_loops(call) for name, call in calls.items()}
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(rounds):
        for name, call in calls.items():
            times[name].append(seconds(call, loops[name]))
    return times


def cost_ratios(calls: dict[str, Callable[[], object]], baseline: str,
                rounds: int) -> dict[str, tuple[float, float, float]]:
    """{name: (median seconds, median of per-round time / baseline time, least time / least baseline time)}.

    The second is median_ratios's; the third is steadier when other work shares the machine: a neighbour
    only ever adds time, so each call's fastest round is the closest to its own cost."""
    times = round_times(calls, rounds)
    base = times[baseline]
    return {name: (statistics.median(t), statistics.median(ti / bi for ti, bi in zip(t, base, strict=True)),
                   min(t) / min(base)) for name, t in times.items()}


def median_ratios(calls: dict[str, Callable[[], object]], baseline: str, rounds: int) -> dict[str, tuple[float, float]]:
    """{name: (median seconds, median of per-round time / baseline time)}, all calls interleaved in each round.

    Interleaving means a burst of load from another user of the machine hits every call of that round alike,
    so the per-round ratio is steadier than either time.
    """
    loops = {name: inner_loops(call) for name, call in calls.items()}
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(rounds):
        for name, call in calls.items():
            times[name].append(seconds(call, loops[name]))
    base = times[baseline]
    return {
        name: (statistics.median(t), statistics.median(ti / bi for ti, bi in zip(t, base))) for name, t in times.items()
    }


def max_relative_error(estimate: np.ndarray, exact: np.ndarray, floor: float = 1e-6) -> float:
    """max |estimate - exact| / |exact| over points where |exact| >= floor * max|exact|.

    Near a root of f^(n) relative error means nothing (every method's is unbounded), so those points are
    left out; a NaN estimate where the exact value is finite counts as an infinite error.
    """
    exact = np.asarray(exact, dtype=float)
    scale = np.nanmax(np.abs(exact))
    keep = np.isfinite(exact) & (np.abs(exact) >= floor * scale)
    with np.errstate(all="ignore"):
        errors = np.abs(np.asarray(estimate, dtype=float)[keep] - exact[keep]) / np.abs(exact[keep])
    errors[~np.isfinite(errors)] = np.inf
    return float(errors.max()) if errors.size else float("nan")
