"""Known truth: samples of a formula with noise, and the formula's exact derivatives at the samples.

`make_synthetic("sin(x)", 0, 10, 500, spacing="jittered", sigma=0.01, seed=1)` samples f at n points of
[a, b] (even, jittered by up to 40% of a step, or uniformly random, both ends kept), adds normal noise of
deviation sigma drawn from the seed, and returns the samples with f, f' and f'' at the same t, exact by
SymPy (sympy.diff of the parsed formula, compiled to NumPy). The same seed always gives the same data.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..expression.errors import ExpressionError
from ..expression.parser import parse_expression
from ..limits import MAX_DATA_ROWS, MAX_NOISE, RANGE_LIMIT
from ..symbolic.derivatives import derivative_chain, evaluate
from .errors import DataError

SPACINGS = ("even", "jittered", "random")
JITTER = 0.4  # jittered t move by up to this fraction of the even step


@dataclass(frozen=True, eq=False)
class Synthetic:
    """Noisy samples of a formula with the exact values: clean = f(t), exact[k] = f^(k)(t) for k = 1, 2."""

    expression: str
    t: np.ndarray
    y: np.ndarray
    clean: np.ndarray
    exact: dict[int, np.ndarray]
    sigma: float
    seed: int
    spacing: str

    def describe(self) -> str:
        return (f"{self.expression} at {len(self.t)} {self.spacing} points of [{self.t[0]:g}, {self.t[-1]:g}], "
                f"noise sigma {self.sigma:g}, seed {self.seed}")


def sample_times(a: float, b: float, n: int, spacing: str, rng: np.random.Generator) -> np.ndarray:
    """n distinct increasing times in [a, b], both ends included."""
    if spacing == "even":
        return np.linspace(a, b, n)
    if spacing == "jittered":
        t = np.linspace(a, b, n)
        step = (b - a) / (n - 1)
        t[1:-1] += rng.uniform(-JITTER, JITTER, n - 2) * step
        return t
    if spacing == "random":
        inner = np.sort(rng.uniform(a, b, n - 2))
        t = np.r_[a, inner, b]
        if np.any(np.diff(t) <= 0):  # a repeated draw (practically never): spread them apart
            t = np.unique(t)
            t = np.interp(np.linspace(0, len(t) - 1, n), np.arange(len(t)), t)
        return t
    raise DataError(f"spacing must be one of {', '.join(SPACINGS)}, not {spacing!r}")


def make_synthetic(expression: str, a: float, b: float, n: int, spacing: str = "even", sigma: float = 0.0,
                   seed: int = 0, variable: str = "x", parameters: Sequence[float] = ()) -> Synthetic:
    """Samples of expression (in variable; other names are parameters, 1 unless given in order) at n points
    of [a, b] with noise sigma, and its exact first and second derivatives there. DataError for bad input."""
    if not (isinstance(n, (int, np.integer)) and 3 <= n <= MAX_DATA_ROWS):
        raise DataError(f"n must be a whole number of samples 3..{MAX_DATA_ROWS}, not {n!r}")
    if not (math.isfinite(a) and math.isfinite(b) and a < b and max(abs(a), abs(b)) <= RANGE_LIMIT):
        raise DataError(f"the range must be finite with a < b (|a|, |b| <= {RANGE_LIMIT:g}), not [{a:g}, {b:g}]")
    if not (math.isfinite(sigma) and 0 <= sigma <= MAX_NOISE):
        raise DataError(f"sigma must be within [0, {MAX_NOISE:g}], not {sigma:g}")
    try:
        parsed = parse_expression(expression, variable)
    except ExpressionError as exc:
        raise DataError(f"{expression!r}: {exc}") from None
    values = list(parameters) + [1.0] * (len(parsed.parameters) - len(parameters))
    symbols = (parsed.variable, *parsed.parameters)
    rng = np.random.default_rng(seed)
    t = sample_times(float(a), float(b), int(n), spacing, rng)
    chain = (parsed.expr, *derivative_chain(parsed.expr, parsed.variable, 2))
    clean, first, second = (evaluate(expr, symbols, t, values) for expr in chain)
    bad = ~(np.isfinite(clean) & np.isfinite(first) & np.isfinite(second))
    if bad.any():
        where = float(t[np.flatnonzero(bad)[0]])
        raise DataError(f"{expression} or its first two derivatives are undefined at {variable} = {where:g}; "
                        "choose a range where they are finite")
    noise = rng.standard_normal(len(t)) * sigma if sigma > 0 else np.zeros(len(t))
    return Synthetic(expression, t, clean + noise, clean, {1: first, 2: second}, float(sigma), int(seed), spacing)
