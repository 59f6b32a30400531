"""Imported only by the SymPy child processes' fork server: run SymPy once so every forked child starts warm."""

import sympy

from .derivatives import derivative_chain
from .typeset import latex_svg


def warm_up() -> None:
    """Differentiate and measure a small expression, touching the lazy imports and caches real jobs use."""
    x = sympy.Symbol("x", real=True)
    for derivative in derivative_chain(sympy.sin(x) * sympy.exp(-(x**2)) / (1 + sympy.log(x) ** 2), x, 2):
        sympy.count_ops(derivative)
    latex_svg(sympy.latex(sympy.sin(x) / (1 + x**2)))  # the renderer's import and font, once for every child


warm_up()
