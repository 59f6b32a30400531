"""Exact partial derivatives by SymPy, and f or any of them evaluated over arrays of points.

SymPy can take long on big expressions; the window and the CLI bound it by running it in the engine's child
process. So differentiation goes through a `Differentiate` function: `differentiate_here` runs SymPy in this
process (tests, benchmarks; MAX_OPERATIONS still bounds what is kept), and a caller with a SymbolicEngine
passes one that asks the engine (see `engine_differentiate`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np
import sympy

from ..expression.parser import ParsedExpression
from ..limits import MAX_OPERATIONS
from ..symbolic.derivatives import compile_numpy, drop_distributions, evaluate, is_defined_everywhere
from .variables import FieldExpression

# d^times expr / d variable^times; raises SymbolicError (or returns None) when SymPy gives up.
Differentiate = Callable[[sympy.Expr, sympy.Symbol, int], "sympy.Expr | None"]


class PartialTooLarge(Exception):
    """A partial derivative grew beyond MAX_OPERATIONS: not worth compiling."""


@lru_cache(maxsize=1024)
def _diff(expr: sympy.Expr, variable: sympy.Symbol) -> sympy.Expr:
    derivative = sympy.diff(expr, variable)
    if sympy.count_ops(derivative) > MAX_OPERATIONS:
        raise PartialTooLarge(f"a derivative has more than {MAX_OPERATIONS} operations")
    return derivative


def differentiate_here(expr: sympy.Expr, variable: sympy.Symbol, times: int) -> sympy.Expr:
    """d^times expr / d variable^times by SymPy in this process, one order at a time (cached)."""
    for _ in range(times):
        expr = _diff(expr, variable)
    return expr


def engine_differentiate(engine, field: FieldExpression) -> Differentiate:
    """A Differentiate that asks a SymbolicEngine (core/symbolic/engine.py): SymPy in its child process,
    within its time limit and MAX_OPERATIONS; its SymbolicError says why it gave up."""

    def differentiate(expr: sympy.Expr, variable: sympy.Symbol, times: int) -> sympy.Expr:
        others = tuple(s for s in field.symbols if s != variable)
        parsed = ParsedExpression(text=field.parsed.text, expr=expr, variable=variable, parameters=others)
        return engine.derivatives(parsed, times).of(times)

    return differentiate


def engine_prefetch(engine, field: FieldExpression, order: int = 2) -> None:
    """Ask a SymbolicEngine for every variable's derivatives up to order at once, without waiting: its
    child works them out while the caller computes with f, and engine_differentiate then finds them
    (or their jobs under way) instead of asking for each in turn."""
    for up_to in range(1, order + 1):  # every first partial (the map's arrows) before any second one
        for variable in field.variables:
            others = tuple(s for s in field.symbols if s != variable)
            engine.submit(ParsedExpression(text=field.parsed.text, expr=field.expr, variable=variable,
                                           parameters=others), up_to)


def partial_expression(field: FieldExpression, counts: Sequence[int],
                       differentiate: Differentiate = differentiate_here) -> sympy.Expr:
    """The exact partial derivative d^|counts| f / dx1^counts[0] dx2^counts[1] ..., Dirac deltas (from
    |x|'' or sign') dropped: they are 0 wherever f is differentiable."""
    expr = field.expr
    for variable, times in zip(field.variables, counts, strict=True):
        if times:
            expr = differentiate(expr, variable, times)
            if expr is None:
                raise PartialTooLarge("the derivative was not computed")
    expr, _ = drop_distributions(expr)
    return expr


def evaluate_at(field: FieldExpression, expr: sympy.Expr, points: np.ndarray, parameters: Sequence[float] = ()
                ) -> np.ndarray:
    """expr at every point (points: (d, ...)), as a float array of the points' shape; NaN where it is
    undefined or not real."""
    points = np.asarray(points, dtype=float)
    coordinates = np.broadcast_arrays(*points) if points.ndim > 1 else list(points)
    first = np.asarray(coordinates[0], dtype=float)
    return evaluate(expr, field.symbols, first, (*coordinates[1:], *parameters))


def compiled(field: FieldExpression, expr: sympy.Expr) -> Callable[..., np.ndarray]:
    """expr as a NumPy function of (*variables, *parameters), complex arguments allowed (the complex step)."""
    return compile_numpy(expr, field.symbols)


def defined_everywhere(field: FieldExpression) -> bool:
    """True when f is finite at every real point (syntactic and conservative, as for one variable)."""
    return is_defined_everywhere(field.expr)
