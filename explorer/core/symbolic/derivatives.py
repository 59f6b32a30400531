"""Exact derivatives with SymPy and their compilation to vectorised NumPy functions."""

from __future__ import annotations

import builtins
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

import mpmath
import numpy as np
import sympy
from mpmath import libmp
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.pycode import PythonCodePrinter

from ..expression.constants import EXACT_IN_DOUBLE
from ..expression.functions import DEFINED_EVERYWHERE, NUMPY_NAMESPACE
from ..expression.parser import ParsedExpression
from ..limits import MAX_EXACT_DIGITS

NumericFunction = Callable[..., np.ndarray]
CSE_MIN_NODES = 120  # a smaller expression is compiled without common subexpression elimination


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


def warm_sympy() -> None:
    """Build, differentiate and measure a small sum of products once, so that SymPy's lazy imports (its
    first sum imports its tensor and combinatorics modules) and caches are paid now, not by the first
    expression someone types."""
    x = sympy.Symbol("x", real=True)
    f = sympy.sin(3 * x) * sympy.exp(-(x**2) / 3) + sympy.atan(5 * x) / (1 + sympy.log(1 + x**2) ** 2) + x**3 / 5
    for derivative in derivative_chain(f, x, 2):
        sympy.count_ops(derivative)


@lru_cache(maxsize=512)
def drop_distributions(expr: sympy.Expr) -> tuple[sympy.Expr, bool]:
    """Replace Dirac deltas (from |x|'' or sign') by 0, which they equal almost everywhere."""
    if not expr.has(sympy.DiracDelta):
        return expr, False
    return expr.replace(lambda e: isinstance(e, sympy.DiracDelta), lambda e: sympy.S.Zero), True


def on_a_distribution(expr: sympy.Expr, symbols: tuple[sympy.Symbol, ...], arguments: Sequence) -> np.ndarray:
    """Where (True) one of expr's Dirac deltas has its argument at exactly 0 and a coefficient that is not 0
    there, at the points given by `arguments` (one value or array per symbol): there expr is no number
    (sign'(0), |x|''(0)), although drop_distributions makes it 0, which is right everywhere else. (x sign(x) is
    |x|: its derivative sign(x) + 2x DiracDelta(x) is sign(0) = 0 at 0, as |x|' is.)"""
    first = np.asarray(arguments[0], dtype=float)
    shape = np.broadcast_shapes(*(np.shape(a) for a in arguments))
    mask = np.zeros(shape, dtype=bool)
    for delta in expr.atoms(sympy.DiracDelta):
        at_zero = evaluate(delta.args[0], symbols, np.broadcast_to(first, shape), tuple(arguments[1:])) == 0
        if not at_zero.any():
            continue
        weight = sympy.Dummy("weight")
        coefficient = drop_distributions(sympy.diff(expr.xreplace({delta: weight}), weight))[0]
        values = evaluate(coefficient, symbols, np.broadcast_to(first, shape), tuple(arguments[1:]))
        mask |= at_zero & (values != 0)  # NaN counts as not 0
    return mask


def _printable(expr: sympy.Expr) -> sympy.Expr:
    """expr with exact numbers too long to print as digits written as doubles.

    The parser bounds the numbers of f, but derivatives multiply them (the 6th derivative of x^r has
    r(r-1)...(r-5)), and Python refuses to turn an integer of more than 4300 digits into text.
    """
    long = {r: _float_of(r) for r in expr.atoms(sympy.Rational) if _digits(r) > MAX_EXACT_DIGITS}
    return expr.xreplace(long) if long else expr


def _digits(number: sympy.Rational) -> float:
    return (abs(int(number.p)).bit_length() + int(number.q).bit_length()) * 0.30103


def _float_of(number: sympy.Rational) -> sympy.Float:
    # sympy.Float(number) goes through the number's decimal text, which Python refuses past 4300 digits.
    return sympy.Float(mpmath.mpf(libmp.from_rational(int(number.p), int(number.q), 53, libmp.round_nearest)))


class _Reciprocals:
    """sec, csc and cot printed as 1/cos, 1/sin and 1/tan of their argument as printed (mixed into a SymPy
    printer, which provides _print).

    SymPy's code printers rewrite sec(u) as 1/cos(u) with u rewritten too, each tan in it as sin/cos,
    so the text doubles with each tan nested in it: csc(tan(tan(...))).
    """

    _print: Callable[[sympy.Basic], str]

    def _print_sec(self, expr):
        return f"(1/{self._print(sympy.cos(expr.args[0], evaluate=False))})"

    def _print_csc(self, expr):
        return f"(1/{self._print(sympy.sin(expr.args[0], evaluate=False))})"

    def _print_cot(self, expr):
        return f"(1/{self._print(sympy.tan(expr.args[0], evaluate=False))})"


class _PythonPrinter(_Reciprocals, PythonCodePrinter):
    def _print_Derivative(self, expr):
        # One SymPy left unevaluated (d/dx sign(acos(x))): the code printers raise on it; shown as SymPy writes it.
        return sympy.sstr(expr)


def latex_of(expr: sympy.Expr) -> str:
    """LaTeX source for expr."""
    return sympy.latex(_printable(expr))


def python_of(expr: sympy.Expr) -> str:
    """A NumPy-flavoured Python expression for expr, for copying into code."""
    return _PythonPrinter({"fully_qualified_modules": False, "allow_unknown_functions": True}).doprint(_printable(expr))


def real_values(values: np.ndarray | complex | float, shape: tuple[int, ...]) -> np.ndarray:
    """Broadcast a result to shape as float; complex values off the real line become NaN (gaps)."""
    try:
        values = np.asarray(values)
        if values.dtype == object:  # Python numbers NumPy could not take: not values this function can give
            return np.full(shape, np.nan)
        if np.iscomplexobj(values):
            imaginary = np.abs(values.imag)
            values = np.where(imaginary <= 1e-12 * np.maximum(np.abs(values.real), 1.0), values.real, np.nan)
        return np.array(np.broadcast_to(values, shape), dtype=float)
    except (TypeError, ValueError, OverflowError):
        return np.full(shape, np.nan)


class _DoublePrinter(_Reciprocals, NumPyPrinter):
    """NumPy code in which every number is one NumPy can take.

    SymPy prints exact numbers as Python integers, and NumPy cannot take an integer beyond 64 bits:
    np.sin(10**20) and x*10**600 raise instead of computing. An integer or fraction whose parts are not
    exact doubles is written as its nearest double instead (inf beyond double range, as a double would be).
    """

    def _print_Float(self, expr):
        # The nearest double, in as many digits as it needs (SymPy writes 15, not always enough).
        return self._double_text(float(expr))

    def _print_Integer(self, expr):
        if abs(int(expr.p)) <= EXACT_IN_DOUBLE:
            return super()._print_Integer(expr)
        return self._double(int(expr.p), 1)

    def _print_Rational(self, expr):
        if abs(int(expr.p)) <= EXACT_IN_DOUBLE and int(expr.q) <= EXACT_IN_DOUBLE:
            return super()._print_Rational(expr)
        return self._double(int(expr.p), int(expr.q))

    def _print_Add(self, expr, order=None):
        # c - c tanh(u)^2, SymPy's derivative of c tanh(u), as c / cosh(u)^2: the difference cancels to 0 from
        # |u| = 19 on (tanh' at 20 is 1.7e-17, not 0), and every higher derivative of tanh carries it.
        if len(expr.args) == 2:
            constant, other = sorted(expr.args, key=lambda a: not a.is_Number)
            coefficient, rest = other.as_coeff_Mul()
            if (constant.is_Number and constant != 0 and coefficient == -constant and rest.is_Pow
                    and rest.exp == 2 and isinstance(rest.base, sympy.tanh)):
                cosh = self._module_format(self._module + ".cosh")
                return f"({self._print(constant)}/{cosh}({self._print(rest.base.args[0])})**2)"
        return super()._print_Add(expr, order)

    def _print_Pow(self, expr, rational=False):
        # (u^2 + 1)^(k/2), in asinh' and its derivatives or typed as sqrt(x^2 + 1), as hypot(u, 1)^k: u^2
        # overflows from |u| = 1e154 on, where the root does not (asinh' at 1e200 is 1e-200, not 0).
        base, exponent = expr.base, expr.exp
        if exponent.is_Rational and exponent.q == 2 and base.is_Add and len(base.args) == 2 and 1 in base.args:
            square = next(a for a in base.args if a != 1)
            if square.is_Pow and square.exp == 2:
                return f"(_hypot1({self._print(square.base)})**{float(2 * exponent)!r})"
        # NumPyPrinter asks whether the exponent is a negative integer, to write it as a float; for a
        # symbolic exponent SymPy answers by expanding it (x^tanh(log(x)^912) expands a 912th power).
        # Only a number can be a negative integer here: the symbols are real, not integer.
        if expr.exp.is_Number:
            return super()._print_Pow(expr, rational=rational)
        return self._hprint_Pow(expr, rational=rational, sqrt=self._module + ".sqrt")

    def _double(self, p: int, q: int) -> str:
        try:
            return self._double_text(p / q)  # correctly rounded, whatever the sizes of p and q
        except OverflowError:
            return self._double_text(math.inf if p > 0 else -math.inf)

    def _double_text(self, value: float) -> str:
        if math.isinf(value):
            return self._print(sympy.oo if value > 0 else -sympy.oo)
        if math.isnan(value):
            return self._print(sympy.nan)
        return repr(value) if value >= 0 else f"({value!r})"



@lru_cache(maxsize=512)
def compile_numpy(expr: sympy.Expr, symbols: tuple[sympy.Symbol, ...]) -> NumericFunction:
    """lambdify expr over symbols (variable first) for NumPy, once per distinct expression."""
    # A parameter named like something the generated code calls (arcsinh, where) would shadow it: such
    # symbols take another name inside. (lambdify's dummify=True renames every symbol, at a cost that
    # grows exponentially with nesting: tanh(tanh(...)).)
    renamed = {s: sympy.Symbol(f"_{s.name}", **s.assumptions0) for s in symbols if _shadows(s.name)}
    if renamed:
        expr, symbols = expr.xreplace(renamed), tuple(renamed.get(s, s) for s in symbols)
    printer = _DoublePrinter({"fully_qualified_modules": False, "inline": True, "allow_unknown_functions": True,
                              "user_functions": {name: name for name in NUMPY_NAMESPACE}})
    # Common subexpressions pay off in evaluating a large expression; on a small one finding them costs more
    # (milliseconds per compile, several compiles per edit) than the evaluations they would save.
    cse = _size(expr) > CSE_MIN_NODES
    return sympy.lambdify(symbols, expr, modules=[NUMPY_NAMESPACE, "numpy"], printer=printer, cse=cse,
                          docstring_limit=0)


def _size(expr: sympy.Basic) -> int:
    """The number of nodes of expr's tree (count_ops asks SymPy's assumptions: milliseconds on a derivative)."""
    return sum(1 for _ in sympy.preorder_traversal(expr))


def _shadows(name: str) -> bool:
    """True when generated NumPy code could use name for something else (a NumPy or built-in function)."""
    return name in NUMPY_NAMESPACE or hasattr(np, name) or hasattr(builtins, name)


def evaluate(
    expr: sympy.Expr, symbols: tuple[sympy.Symbol, ...], x: np.ndarray, parameters: Sequence[float] = ()
) -> np.ndarray:
    """expr at every x as a float array of x's shape; NaN where it is undefined or not real."""
    x = np.asarray(x, dtype=float)
    if has_unevaluated(expr):  # no code computes it (and the printer raises): undefined, not a crash
        return np.full(x.shape, np.nan)
    function = compile_numpy(expr, symbols)
    with np.errstate(all="ignore"):
        try:
            values = function(x, *parameters)
        except ArithmeticError:
            # Plain Python arithmetic on constants in the generated code (a float power beyond double range,
            # a division by a constant that rounded to 0) raises where NumPy would give inf or NaN.
            return np.full(x.shape, np.nan)
    return real_values(values, x.shape)


@lru_cache(maxsize=512)
def has_unevaluated(expr: sympy.Expr) -> bool:
    """True when SymPy left a derivative in expr unevaluated: d/dx sign(acos(x)), and the higher derivatives
    of |acosh(x)|, whose first is written with re() and im(). Nothing evaluates it to a number."""
    return expr.has(sympy.Derivative)


def unevaluated_reason(expr: sympy.Expr) -> str:
    """Why expr (has_unevaluated) has no values, naming the derivative SymPy left."""
    derivative = min(expr.atoms(sympy.Derivative), key=lambda d: len(str(d)))
    shown = str(derivative)
    return f"SymPy left {shown if len(shown) <= 60 else 'a derivative'} unevaluated"


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
