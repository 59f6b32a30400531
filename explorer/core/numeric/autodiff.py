"""Automatic differentiation of an expression with autograd, to any order by nesting."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from functools import lru_cache

import autograd.numpy as anp
import numpy as np
import sympy
from autograd import elementwise_grad

from ..expression.functions import autograd_namespace


@lru_cache(maxsize=256)
def autodiff_function(
    expr: sympy.Expr, symbols: tuple[sympy.Symbol, ...], order: int
) -> Callable[..., np.ndarray]:
    """d^order expr / d symbols[0]^order as a vectorised function, by nested autograd elementwise_grad."""
    compiled = sympy.lambdify(symbols, expr, modules=[autograd_namespace(), anp, "numpy"], cse=True,
                              docstring_limit=0)

    def base(x, *parameters):
        # `+ 0 * x` gives a constant expression the shape of x, so autograd can differentiate it.
        return compiled(x, *parameters) + 0.0 * x

    derivative = base
    for _ in range(order):
        derivative = elementwise_grad(derivative, 0)

    def quiet(x, *parameters):
        # autograd warns when a derivative is identically zero ("independent of input"); that is fine here.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Output seems independent of input")
            return derivative(x, *parameters)

    return quiet
