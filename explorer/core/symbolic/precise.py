"""Exact values at a few points, correct to the last bit: a SymPy formula evaluated in interval arithmetic
(mpmath.iv) at rising precision, until the interval holds one double.

NumPy evaluates a formula in doubles, and a formula can lose every digit to cancellation where the function it
stands for is tame: the derivative of (1 - cos x)/x^2 is sin(x)/x^2 - 2(1 - cos x)/x^3, which is -0.0083 in
doubles at x = 1e-5 and -8.3e-7 in truth; (exp(x) - 1)/x at 1e-8 has the slope 1.61 in doubles, 0.5 in truth;
the derivative of sqrt(x^2 + 1) - x at 1e8 is 0 in doubles, -5e-17 in truth; and 0/0 in doubles ((1 - cos x)/x^2
at 1e-200) makes a defined value look undefined. The values reported at chosen points (the command line's
`derive --at`, `derive --vars` and `gradient`) are called exact, and every method is measured against them, so
there they are worked out here. An interval is a bound, not an estimate: two precisions agreeing is not enough
(at 1e-200, 1 - cos x is exactly 0 at 100 bits and at 1000), a narrow enough interval is.

Where no precision of PRECISIONS pins the value to one double, where it is not real or mpmath fails (a division
by an exact 0), the double stays: it is the best there is. Sines and cosines of arguments far beyond doubles are
refused rather than reduced (that takes mpmath minutes at 1e10000000), and one refine() stops after TIME_BUDGET
seconds, leaving the remaining points' doubles as they were.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from functools import lru_cache

import mpmath
import numpy as np
import sympy
from mpmath import iv
from sympy.printing.pycode import MpmathPrinter

from .derivatives import drop_distributions

PRECISIONS = (64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384)  # bits, tried in turn
TIME_BUDGET = 3.0  # seconds one refine() may spend; points beyond it keep their doubles
LARGEST_ANGLE_BITS = 1100  # |argument| of a trigonometric function at most 2^1100 (doubles end at 2^1024)
# |argument| of exp (and of sinh, cosh, and a power's exponent times log|base|) at most 2^20: exp(1e6) is far
# beyond doubles, and the reduction of exp(10^43429448) takes mpmath hours
LARGEST_EXPONENT_BITS = 20
_GUARD_BITS = 20  # a monotone function's end points are computed this much more precisely, then widened


_REAL = type(iv.mpf(0))  # mpmath.iv's real interval
_COMPLEX = type(iv.mpc(0, 1))  # and its complex one


class _Unrefinable(ArithmeticError):
    """No interval for this value (a sine of 1e10000000, a function whose interval mpmath lacks here)."""


def _ends(interval) -> tuple[mpmath.mpf, mpmath.mpf]:
    """The end points of an interval, exactly (mpf() rounds to mpmath.mp's precision, 53 bits by default);
    _Unrefinable for a complex one (a power of a negative number, inside tanh(...))."""
    if not isinstance(interval, _REAL):
        if isinstance(interval, _COMPLEX | complex | mpmath.mpc):
            raise _Unrefinable("not a real interval")
        interval = iv.mpf(interval)  # a number of the generated code (an int)
    low, high = interval._mpi_
    with mpmath.workprec(max(iv.prec, mpmath.mp.prec)):
        return mpmath.mpf(low), mpmath.mpf(high)


def _angle(function: Callable) -> Callable:
    def guarded(argument):
        low, high = _ends(argument)
        if max(mpmath.mag(low), mpmath.mag(high)) > LARGEST_ANGLE_BITS:
            raise _Unrefinable("a trigonometric function of an argument beyond doubles")
        return function(argument)

    return guarded


def _largest_bits(interval) -> float:
    """log2 of the larger |end point| (-inf for [0, 0])."""
    return max(float(mpmath.mag(end)) if end else -math.inf for end in _ends(interval))


def _exponential(function: Callable) -> Callable:
    def guarded(argument):
        if _largest_bits(argument) > LARGEST_EXPONENT_BITS:
            raise _Unrefinable("an exponential of an argument far beyond doubles")
        return function(argument)

    return guarded


def _power(base, exponent):
    """base ** exponent for an exponent that is not a whole number: exp(exponent log base), so bounded as exp."""
    size = _largest_bits(base)
    if size > -math.inf:
        size = math.log2(max(abs(float(mpmath.mag(end))) for end in _ends(base) if end) + 2)
        if _largest_bits(exponent) + size > LARGEST_EXPONENT_BITS:
            raise _Unrefinable("a power far beyond doubles")
    return iv.mpf(base) ** exponent


class _IntervalPrinter(MpmathPrinter):
    """mpmath code with each power to an exponent that is not a whole number written _power(base, exponent)."""

    def _print_Pow(self, expr, rational=False):
        if expr.exp.is_Integer:  # by repeated squaring: cheap whatever its size
            return super()._print_Pow(expr, rational=rational)
        return f"_power({self._print(expr.base)}, {self._print(expr.exp)})"


def _monotone(function: Callable, increasing: bool = True) -> Callable:
    """An interval version of a real function monotone on its domain: its values at the end points, computed
    _GUARD_BITS more precisely and widened by that much (mpmath's functions are accurate to a few ulps)."""

    def bounded(argument):
        low, high = _ends(argument)
        with mpmath.workprec(iv.prec + _GUARD_BITS):  # and the widening too, not at mpmath.mp's 53 bits
            values = [function(low), function(high)]
            if not all(isinstance(v, mpmath.mpf) and mpmath.isfinite(v) for v in values):
                raise _Unrefinable("outside the function's real domain or infinite")
            if not increasing:
                values.reverse()
            slack = [abs(v) * mpmath.ldexp(1, -(iv.prec + 4)) for v in values]
            return iv.mpf([values[0] - slack[0], values[1] + slack[1]])

    return bounded


def _real_cbrt(value):
    return mpmath.cbrt(value) if value >= 0 else -mpmath.cbrt(-value)


def _sign(argument):
    low, high = _ends(argument)
    if low > 0:
        return iv.mpf(1)
    if high < 0:
        return iv.mpf(-1)
    return iv.mpf(0) if low == high == 0 else iv.mpf([-1, 1])


def _number(value):
    """A constant of the generated code (mpf(1), mpf((0, m, e, bc)) for a Float) as an exact interval."""
    return iv.mpf(mpmath.mpf(value))


_NAMESPACE: dict[str, object] = {
    "mpf": _number, "pi": iv.pi, "e": iv.e, "exp": _exponential(iv.exp), "log": iv.log, "sqrt": iv.sqrt, "fabs": abs,
    "sign": _sign, "cosh": _exponential(lambda u: (iv.exp(u) + iv.exp(-u)) / 2), "_power": _power,
    **{name: _angle(getattr(iv, name)) for name in ("sin", "cos", "tan", "sec", "csc", "cot")},
    **{name: _monotone(getattr(mpmath, name)) for name in ("atan", "asin", "tanh", "asinh", "acosh", "atanh",
                                                           "erf")},
    "sinh": _exponential(_monotone(mpmath.sinh)),
    "acos": _monotone(mpmath.acos, increasing=False),
    "cbrt": _monotone(_real_cbrt),
}


@lru_cache(maxsize=256)
def _compiled(expr: sympy.Expr, symbols: tuple[sympy.Symbol, ...]) -> Callable:
    expr, _ = drop_distributions(expr)  # Dirac deltas are 0 wherever the app evaluates them, as in NumPy
    return sympy.lambdify(symbols, expr, modules=[_NAMESPACE, "mpmath"], cse=True,
                          printer=_IntervalPrinter({"fully_qualified_modules": False, "inline": True,
                                                    "allow_unknown_functions": True}),
                          docstring_limit=0)


def _double(function: Callable, point: Sequence[float], precision: int) -> float | None:
    """function at point as the one double its interval at `precision` bits rounds to, or None when the
    interval is wider than one double, not real, or not to be had."""
    iv.prec = precision
    try:
        value = function(*(iv.mpf(p) for p in point))
    except Exception:  # noqa: BLE001 - whatever mpmath.iv cannot do here (ComplexResult, ...): the double stays
        return None
    if not isinstance(value, _REAL):  # complex (a root of a negative number), or not a number
        return None
    low, high = _ends(value)
    if not (mpmath.isfinite(low) and mpmath.isfinite(high)):
        return None
    below, above = float(low), float(high)  # each rounded to nearest: the same double means it is the value's
    return below if below == above else None


def refine(expr: sympy.Expr, symbols: tuple[sympy.Symbol, ...], arguments: Sequence[np.ndarray | float],
           approximate: np.ndarray, deadline: float | None = None) -> np.ndarray:
    """approximate (expr's values in doubles at points; `arguments` holds each symbol's value at the points,
    one array per symbol, broadcast to approximate's shape), each value replaced by the double nearest the
    true value wherever an interval at some precision pins it. `deadline` is a time.monotonic() time, by
    default TIME_BUDGET from now."""
    approximate = np.asarray(approximate, dtype=float)
    deadline = time.monotonic() + TIME_BUDGET if deadline is None else deadline
    try:
        function = _compiled(expr, symbols)
    except Exception:  # noqa: BLE001 - anything SymPy cannot write for mpmath: the doubles stay
        return approximate
    columns = [np.broadcast_to(np.asarray(a, dtype=float), approximate.shape).ravel() for a in arguments]
    refined = approximate.ravel().copy()
    saved = iv.prec
    try:
        for i in range(refined.size):
            point = [float(c[i]) for c in columns]
            if not all(math.isfinite(p) for p in point):
                continue
            for precision in PRECISIONS:
                if time.monotonic() > deadline:
                    return refined.reshape(approximate.shape)
                value = _double(function, point, precision)
                if value is not None:
                    refined[i] = value
                    break
    finally:
        iv.prec = saved
    return refined.reshape(approximate.shape)
