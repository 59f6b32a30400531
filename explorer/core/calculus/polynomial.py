"""A polynomial's coefficients and its derivative's, as numpy.poly1d gives them."""

from __future__ import annotations

import numpy as np
import sympy

MAX_DEGREE = 30  # beyond it a coefficient list is no longer something to read


def polynomial_coefficients(expr: sympy.Expr, variable: sympy.Symbol,
                            values: dict[sympy.Symbol, float] | None = None) -> np.ndarray | None:
    """Coefficients, highest power first, of expr as a polynomial in variable with the parameters set to
    `values`; None when expr is not a polynomial of modest degree."""
    if values:
        expr = expr.subs(values)
    if not expr.is_polynomial(variable) or expr.free_symbols - {variable}:
        return None
    bound = degree_bound(expr, variable)
    if bound is None or bound > MAX_DEGREE:  # (x+1)^5000 would take seconds to expand, only to be refused
        return None
    polynomial = sympy.Poly(expr, variable)
    if polynomial.degree() > MAX_DEGREE:
        return None
    try:
        coefficients = np.array([float(c) for c in polynomial.all_coeffs()])
    except (TypeError, OverflowError):  # a complex coefficient, or one beyond double precision
        return None
    return coefficients if np.all(np.isfinite(coefficients)) else None  # (1e200 x + 1)^2 has inf in it


def degree_bound(expr: sympy.Expr, variable: sympy.Symbol) -> int | None:
    """An upper bound on expr's degree in variable read off the tree without expanding it (a sum: its
    largest term's; a product: the sum of its factors'; a power: exponent times the base's), or None where
    a power of the variable is not a whole number."""
    if not expr.has(variable):
        return 0
    if expr == variable:
        return 1
    if isinstance(expr, sympy.Pow):
        base = degree_bound(expr.base, variable)
        if base is None or not expr.exp.is_Integer or expr.exp < 0:
            return None
        return base * int(expr.exp)
    if isinstance(expr, sympy.Add | sympy.Mul):
        bounds = [degree_bound(arg, variable) for arg in expr.args]
        if any(b is None for b in bounds):
            return None
        known = [b for b in bounds if b is not None]
        return max(known) if isinstance(expr, sympy.Add) else sum(known)
    return None


def derivative_coefficients(coefficients: np.ndarray, order: int = 1) -> np.ndarray:
    """The coefficients of the order-th derivative (numpy.poly1d(coefficients).deriv(order))."""
    return np.atleast_1d(np.poly1d(coefficients).deriv(order).coeffs)


def polynomial_text(coefficients: np.ndarray, variable: str = "x") -> str:
    """c0 x^n + c1 x^(n-1) + ... in the app's own syntax, zero terms left out."""
    degree = len(coefficients) - 1
    terms = []
    for power, c in zip(range(degree, -1, -1), coefficients, strict=True):
        if c == 0:
            continue
        number = f"{c:.12g}"
        if power == 0:
            terms.append(number)
            continue
        factor = variable if power == 1 else f"{variable}^{power}"
        terms.append(factor if number == "1" else f"-{factor}" if number == "-1" else f"{number}*{factor}")
    return " + ".join(terms).replace("+ -", "- ") or "0"
