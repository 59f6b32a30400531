"""Imported only by the SymPy child processes' fork server: run SymPy once so every forked child starts warm."""

import sympy

from .derivatives import derivative_chain


def warm_up() -> None:
    """Differentiate and measure a small expression, touching the lazy imports and caches real jobs use."""
    x = sympy.Symbol("x", real=True)
    for derivative in derivative_chain(sympy.sin(x) * sympy.exp(-(x**2)) / (1 + sympy.log(x) ** 2), x, 2):
        sympy.count_ops(derivative)


warm_up()
