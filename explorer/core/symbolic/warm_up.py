"""Imported only by the SymPy child processes' fork server: run SymPy once so every forked child starts warm."""

import sympy

from .derivatives import warm_sympy
from .typeset import latex_svg


def warm_up() -> None:
    """Differentiate and measure a small expression, touching the lazy imports and caches real jobs use."""
    warm_sympy()
    x = sympy.Symbol("x", real=True)
    latex_svg(sympy.latex(sympy.sin(x) / (1 + x**2)))  # the renderer's import and font, once for every child


warm_up()
