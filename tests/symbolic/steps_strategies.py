"""Random expressions as a user types them: trees of every function the parser accepts, sums, products,
quotients and powers (constant, x-dependent and x^x-like exponents), parameters and constants."""

from __future__ import annotations

import mpmath
import sympy
from hypothesis import strategies as st

from explorer.core.expression.functions import FUNCTIONS

UNARY = sorted(name for name, (_, arities) in FUNCTIONS.items() if 1 in arities)
LEAVES = ["x", "x", "x", "2", "3", "0.5", "a", "pi", "e", "1"]
EXPONENTS = ["2", "3", "-1", "-2", "1/2", "1/3", "2/3", "x", "a", "0.5"]


@st.composite
def expression_text(draw, depth: int = 3) -> str:
    """Text of a random expression with at most depth levels of nesting."""
    if depth == 0 or draw(st.integers(0, 4)) == 0:
        return draw(st.sampled_from(LEAVES))
    kind = draw(st.sampled_from(["function", "function", "function", "+", "-", "*", "/", "^", "^", "log2"]))
    inner = expression_text(depth - 1)
    if kind == "function":
        return f"{draw(st.sampled_from(UNARY))}({draw(inner)})"
    if kind == "log2":
        return f"log({draw(inner)}, {draw(st.sampled_from(['2', '10', 'a']))})"
    if kind == "^":
        exponent = draw(st.one_of(st.sampled_from(EXPONENTS), inner))  # the inner one may hold x: x^x
        return f"({draw(inner)})^({exponent})"
    return f"({draw(inner)}) {kind} ({draw(inner)})"


def real_cbrt(z):
    """The app's cbrt (the real cube root) for mpmath, whose own cbrt is the principal complex root."""
    z = mpmath.mpmathify(z)
    if isinstance(z, mpmath.mpf) or z.imag == 0:
        real = mpmath.re(z)
        return mpmath.cbrt(real) if real >= 0 else -mpmath.cbrt(-real)
    return mpmath.cbrt(z)


def mp_function(expr: sympy.Expr, symbols: tuple[sympy.Symbol, ...]):
    """expr as an mpmath function of symbols, evaluated independently of the code under test (lambdify,
    not evalf); distributions dropped (DiracDelta is 0 wherever it is evaluated at random points)."""
    expr = expr.replace(lambda e: isinstance(e, sympy.DiracDelta), lambda e: sympy.S.Zero)
    return sympy.lambdify(symbols, expr, modules=[{"cbrt": real_cbrt}, "mpmath"])


def mp_real(function, *args) -> float | None:
    """function(*args) at 30 digits as a float, or None where it is not real and finite."""
    try:
        with mpmath.workdps(30):
            value = mpmath.mpc(function(*(mpmath.mpf(a) for a in args)))
    except (ZeroDivisionError, ValueError, TypeError, OverflowError):
        return None
    if not (mpmath.isfinite(value.real) and mpmath.isfinite(value.imag)):
        return None
    if abs(value.imag) > 1e-15 * (1 + abs(value.real)):
        return None
    return float(value.real)
