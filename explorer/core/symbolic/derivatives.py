"""Exact derivatives with SymPy and their compilation to vectorised NumPy functions."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import sympy

from ..expression.functions import DEFINED_EVERYWHERE, NUMPY_NAMESPACE
from ..expression.parser import ParsedExpression

NumericFunction = Callable[..., np.ndarray]


@dataclass(frozen=True, eq=False)
class SymbolicDerivatives:
    """f and its exact derivatives f', f'', ... as SymPy expressions (index k holds the k-th)."""

    parsed: ParsedExpression
    derivatives: tuple[sympy.Expr, ...]  # derivatives[0] is f itself
    notes: tuple[str, ...] = ()

    @property
    def highest_order(self) -> int:
        return len(self.derivatives) - 1

    def of(self, order: int) -> sympy.Expr | None:
        """The exact order-th derivative, or None if it was not computed (e.g. symbolic work gave up)."""
        return self.derivatives[order] if order < len(self.derivatives) else None


def derivative_chain(expr: sympy.Expr, variable: sympy.Symbol, max_order: int) -> Iterator[sympy.Expr]:
    """Yield d^k expr / d variable^k for k = 1..max_order, each from the one before."""
    current = expr
    for _ in range(max_order):
        current = sympy.diff(current, variable)
        yield current


@lru_cache(maxsize=512)
def drop_distributions(expr: sympy.Expr) -> tuple[sympy.Expr, bool]:
    """Replace Dirac deltas (from |x|'' or sign') by 0, which they equal almost everywhere."""
    if not expr.has(sympy.DiracDelta):
        return expr, False
    return expr.replace(lambda e: isinstance(e, sympy.DiracDelta), lambda e: sympy.S.Zero), True


def latex_of(expr: sympy.Expr) -> str:
    """LaTeX source for expr."""
    return sympy.latex(expr)


def python_of(expr: sympy.Expr) -> str:
    """A NumPy-flavoured Python expression for expr, for copying into code."""
    return sympy.pycode(expr, fully_qualified_modules=False, allow_unknown_functions=True)


def real_values(values: np.ndarray | complex | float, shape: tuple[int, ...]) -> np.ndarray:
    """Broadcast a result to shape as float; complex values off the real line become NaN (gaps)."""
    values = np.asarray(values)
    if np.iscomplexobj(values):
        imaginary = np.abs(values.imag)
        values = np.where(imaginary <= 1e-12 * np.maximum(np.abs(values.real), 1.0), values.real, np.nan)
    return np.array(np.broadcast_to(values, shape), dtype=float)


@lru_cache(maxsize=512)
def compile_numpy(expr: sympy.Expr, symbols: tuple[sympy.Symbol, ...]) -> NumericFunction:
    """lambdify expr over symbols (variable first) for NumPy, once per distinct expression."""
    return sympy.lambdify(symbols, expr, modules=[NUMPY_NAMESPACE, "numpy"], cse=True, docstring_limit=0)


def evaluate(
    expr: sympy.Expr, symbols: tuple[sympy.Symbol, ...], x: np.ndarray, parameters: Sequence[float] = ()
) -> np.ndarray:
    """expr at every x as a float array of x's shape; NaN where it is undefined or not real."""
    x = np.asarray(x, dtype=float)
    function = compile_numpy(expr, symbols)
    with np.errstate(all="ignore"):
        return real_values(function(x, *parameters), x.shape)


@lru_cache(maxsize=512)
def is_defined_everywhere(expr: sympy.Expr) -> bool:
    """True when expr is finite for all real values of its symbols (a conservative, syntactic check)."""
    for node in sympy.preorder_traversal(expr):
        if node.is_Atom:
            if node.is_real is not True:  # I (from log(-1), say): f is not real anywhere
                return False
            continue
        if isinstance(node, (sympy.Add, sympy.Mul, *DEFINED_EVERYWHERE)):
            continue
        if isinstance(node, sympy.Pow) and (
            (node.exp.is_Integer and node.exp >= 0) or (node.base.is_Number and node.base > 0)  # x^3, 2^x
        ):
            continue
        return False
    return True
