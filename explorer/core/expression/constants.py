"""Bounded arithmetic on constants: how big a constant is, its approximate value, and the double it becomes.

SymPy folds exact numbers while an expression is built, so a few characters can ask for a fraction of millions
of digits ((1+1/10^20)^(10^6)); and evalf raises its precision until it is right, so sin(exp(exp(20))) would
need pi to hundreds of millions of digits. Here every cost is bounded: sizes are read from bit lengths, values
are approximated with mpmath at a precision chosen from the magnitudes involved, and a value outside double
range is reported with its size (OutOfRange) before anything depends on it.
"""

from __future__ import annotations

import math
import threading

import mpmath
import sympy

from ..limits import MAX_CONSTANT_LOG10, MAX_EXACT_DIGITS
from .functions import cbrt

# Functions and powers of constants nest this deep at most (sin(sin(2)) stays exact, sin(sin(sin(2))) is
# sin of a double): see Constants.operand.
MAX_CONSTANT_NESTING = 2
EXACT_IN_DOUBLE = 2**53  # integers up to this are exact doubles, and NumPy takes them
PRECISION = 113  # bits (quadruple precision): one more rounding to a double is then almost always exact
# Enough bits that a sum of constants within double range that still cancels is too small to matter (< 10^3).
HIGH_PRECISION = 1200
_LOG10_2 = math.log10(2)
_LN_10 = math.log(10)
_MAX_LN = MAX_CONSTANT_LOG10 * _LN_10  # natural log of the largest magnitude a constant may have
_MAX_BITS = int(MAX_CONSTANT_LOG10 / _LOG10_2) + 1  # log2 of the same


class OutOfRange(ArithmeticError):
    """A constant whose magnitude, about 10^log10, is outside double range (log10 < 0: it underflows)."""

    def __init__(self, log10: float):
        self.log10 = log10
        self.subject: str | None = None  # what is out of range, when the one who knows says so
        super().__init__(f"about 10^{log10:.3g}")


class Undefined(ArithmeticError):
    """A constant that is infinite or not a number (log(0), atanh(1)), or that cannot be evaluated here."""


def exact_digits(number: sympy.Rational) -> int:
    """Decimal digits of numerator and denominator together, from bit lengths (no conversion to text)."""
    return math.ceil((abs(int(number.p)).bit_length() + int(number.q).bit_length()) * _LOG10_2)


def out_of_range_message(log10: float) -> str:
    """Why a constant of magnitude 10^log10 cannot be used, in words."""
    if log10 > 0:
        return f"is out of range (about 10^{log10:.3g}); numbers must stay within double precision (1e308)"
    return f"is out of range (about 10^{log10:.3g}); it underflows to 0 in double precision (below 1e-308)"


_THREAD_LOCAL = threading.local()


def _context() -> mpmath.MPContext:
    # mpmath's precision is global state: each thread (the window's and the worker's) gets its own context.
    context = getattr(_THREAD_LOCAL, "context", None)
    if context is None:
        context = _THREAD_LOCAL.context = mpmath.MPContext()
    return context


class Constants:
    """Sizes and approximate values of the constant parts of expressions, each computed once.

    One instance serves one parse: it remembers which subexpressions are constant and their values.
    """

    def __init__(self) -> None:
        self._ctx = _context()
        self._constant: dict[sympy.Basic, bool] = {}
        self._values: dict[tuple[sympy.Basic, int], object] = {}
        self._in_range: set[sympy.Basic] = set()
        self._nesting: dict[sympy.Basic, int] = {}
        self._inexact: dict[sympy.Basic, bool] = {}

    # -- which parts are constant ------------------------------------------------------------
    def is_constant(self, expr: sympy.Basic) -> bool:
        """True when expr has no symbol (memoised: SymPy's free_symbols walks the whole tree every time)."""
        known = self._constant.get(expr)
        if known is None:
            if expr.is_Symbol:
                known = False
            elif not expr.args:
                known = True
            else:
                known = all(self.is_constant(arg) for arg in expr.args)
            self._constant[expr] = known
        return known

    def nesting(self, expr: sympy.Basic) -> int:
        """How deeply functions and powers nest in expr (sin(2)^3 is 2, 2*pi + 1 is 0), memoised."""
        known = self._nesting.get(expr)
        if known is None:
            inner = max((self.nesting(arg) for arg in expr.args), default=0)
            known = inner + 1 if isinstance(expr, (sympy.Function, sympy.Pow)) else inner
            self._nesting[expr] = known
        return known

    def is_inexact(self, expr: sympy.Basic) -> bool:
        """True when expr holds a double (a SymPy Float) or an exact number that is not one (10^20), memoised."""
        known = self._inexact.get(expr)
        if known is None:
            if expr.is_Rational:
                known = abs(int(expr.p)) > EXACT_IN_DOUBLE or int(expr.q) > EXACT_IN_DOUBLE
            else:
                known = expr.is_Float or any(self.is_inexact(arg) for arg in expr.args)
            self._inexact[expr] = known
        return known

    # SymPy answers its assumptions about a function of a constant (is it positive? real?) by evaluating the
    # whole constant, at every level of nesting, so the cost of nested constants grows exponentially with
    # their depth (log(log(...log(2)...)) a dozen deep). Past MAX_CONSTANT_NESTING, and
    # where a double is involved anyway, functions and powers of constants are computed here instead. So are
    # functions of integers beyond doubles: SymPy would keep sin(10^20) as it is, and NumPy cannot take
    # the integer.
    def is_numeric(self, *operands: sympy.Expr) -> bool:
        """True when a function or power of operands is better computed here as a double: they are all
        constant, and one of them is inexact or nests functions and powers deeply."""
        return all(self.is_constant(o) for o in operands) and any(
            self.is_inexact(o) or self.nesting(o) >= MAX_CONSTANT_NESTING for o in operands
        )

    def operand(self, expr: sympy.Expr) -> sympy.Expr:
        """expr as the argument of a function or power of something not constant: a deeply nested
        constant becomes its double."""
        if self.nesting(expr) >= MAX_CONSTANT_NESTING and self.is_constant(expr):
            return self.double(expr)
        return expr

    def double(self, expr: sympy.Expr) -> sympy.Expr:
        """The constant expr (possibly built with evaluate=False) as a double: a SymPy Float."""
        return self.as_float(self.value(expr))

    # -- what SymPy would compute exactly -----------------------------------------------------
    def power_cost(self, base: sympy.Expr, exponent: sympy.Expr) -> float:
        """Digits of the exact numbers SymPy would compute for base**exponent (0: none). inf when that means
        a root of a number beyond the exact doubles: SymPy factors it looking for an exact root, at a cost
        that grows quickly with its length (sqrt of a 300-digit number)."""
        if not exponent.is_Rational:
            return 0.0  # a float or symbolic exponent: SymPy folds nothing exactly
        root = exponent.q != 1
        size = 0.0
        for factor in sympy.Mul.make_args(base):
            if factor.is_Rational:
                if root and self.is_inexact(factor):
                    return math.inf
                size += exact_digits(factor)
            elif factor.is_Pow and factor.base.is_Rational and factor.exp.is_Rational:
                # sqrt(2)^n is 2^(n/2): the exponents multiply and the rational base is raised.
                if (factor.exp * exponent).q != 1 and self.is_inexact(factor.base):
                    return math.inf
                size += exact_digits(factor.base) * abs(float(factor.exp))
            elif self.is_constant(factor):
                # (1 + sqrt(2))^n and the like: count every number in it, whatever SymPy does with them.
                size += sum(exact_digits(r) for r in factor.atoms(sympy.Rational))
        return size * _magnitude(exponent)

    def exp_cost(self, argument: sympy.Expr) -> float:
        """Digits SymPy would compute exactly for exp(argument): exp(n*log(r)) becomes r**n."""
        size = 0.0
        for term in sympy.Add.make_args(argument):
            factors = sympy.Mul.make_args(term)
            logs = [f for f in factors if isinstance(f, sympy.log)]
            others = [f for f in factors if not isinstance(f, sympy.log)]
            if len(logs) == 1 and all(f.is_Rational for f in others):
                size += self.power_cost(logs[0].args[0], sympy.Mul(*others))
        return size

    # -- approximate values -------------------------------------------------------------------
    def value(self, expr: sympy.Expr, precision: int = PRECISION):
        """expr's value as an mpmath number with about `precision` correct bits.

        Raises OutOfRange before computing anything whose magnitude (or whose argument's, for exp, sinh,
        cosh and the trigonometric functions) is outside double range, and Undefined for an infinity or NaN.
        """
        key = (expr, precision)
        if key not in self._values:
            with self._ctx.workprec(precision):
                try:
                    value = self._compute(expr, precision)
                except ZeroDivisionError:  # mpmath's csc(0), cot(0): infinite, as 1/0 is
                    value = self._ctx.nan
            if not self._ctx.isfinite(value):
                if precision >= HIGH_PRECISION:
                    raise Undefined("infinite or not a number")
                # Perhaps only at this precision: 1 - 10^-300 rounds to 1, and atanh(1) is infinite.
                value = self.value(expr, HIGH_PRECISION)
            self._values[key] = value
        return self._values[key]

    def power(self, base: sympy.Expr, exponent: sympy.Expr, precision: int = PRECISION):
        """base**exponent as an mpmath number, without SymPy's exact arithmetic."""
        ctx = self._ctx
        e = self.value(exponent, precision)
        # A base near 1 raised to a large power needs that many more bits: (1+1e-20)^(1e20) is e. (mag(0) is
        # -inf, which int() refuses: 2^0.0 was "cannot build this expression: ValueError".)
        extra = min(max(int(ctx.mag(e)), 0), HIGH_PRECISION) if e != 0 else 0
        b = self.value(base, precision + extra)
        with ctx.workprec(precision + extra):
            if b == 0:
                return ctx.zero if ctx.re(e) > 0 else ctx.inf  # 0 to a power that is not positive
            self._check_exponent(ctx.re(e * ctx.log(b)))
            return ctx.power(b, e)

    def exp(self, argument: sympy.Expr, precision: int = PRECISION):
        """exp(argument) as an mpmath number."""
        z = self.value(argument, precision)
        self._check_exponent(self._ctx.re(z))
        return self._ctx.exp(z)

    def check_range(self, value) -> None:
        """Raise OutOfRange unless value is 0 or its magnitude is within 10^-308 .. 10^308."""
        if value != 0:
            log10 = float(self._ctx.log10(abs(value)))
            if abs(log10) > MAX_CONSTANT_LOG10:
                raise OutOfRange(log10)

    def is_real(self, value) -> bool:
        """True when value has no imaginary part beyond the rounding of its approximation."""
        imaginary = abs(self._ctx.im(value))
        return imaginary == 0 or imaginary <= abs(value) * self._ctx.ldexp(1, 20 - PRECISION)

    def as_float(self, value) -> sympy.Expr:
        """value rounded to double precision as a SymPy Float (complex: Float + I*Float); value must be in range."""
        self.check_range(value)
        real = sympy.Float(float(self._ctx.re(value)))
        if self.is_real(value):
            return real
        return real + sympy.I * sympy.Float(float(self._ctx.im(value)))

    # -- bounding what the parser builds --------------------------------------------------------
    def bounded(self, node: sympy.Expr) -> sympy.Expr:
        """node, just built by SymPy, with the constants it folded checked: each within double range (else
        OutOfRange), and an exact number longer than MAX_EXACT_DIGITS replaced by its double.

        A constant node is checked whole; any other node where SymPy folds constants as it builds: the
        constant factors of a product (x*exp(700)*exp(700) is x*exp(1400)), the constant terms of a sum
        and of its products (10^300*(x + 10^300) is 10^300*x + 10^600), the base and exponent of a power.
        """
        replacements = {}
        for number in _folded_numbers(node):
            if number.is_Rational and exact_digits(number) > MAX_EXACT_DIGITS:
                replacements[number] = self.as_float(self.value(number))
        if replacements:
            node = node.xreplace(replacements)
        if self.is_constant(node):
            self._check(node)
        elif node.is_Mul:
            self._check_product(node.args)
        elif node.is_Add:
            for term in node.args:
                if term.is_Mul:
                    self._check_product(term.args)
                elif self.is_constant(term):
                    self._check(term)
        elif node.is_Pow:
            for part in node.args:
                if self.is_constant(part):
                    self._check(part)
        return node

    def first_out_of_range(self, kind, operands: list[sympy.Expr], operators: list):
        """The operator of a sum or product (kind is sympy.Add or sympy.Mul) after which the running total
        of its constant parts leaves double range, or None."""
        ctx = self._ctx
        add = kind is sympy.Add
        running = ctx.zero if add else ctx.one
        for index, operand in enumerate(operands):
            parts = [p for p in kind.make_args(operand) if self.is_constant(p)]
            try:
                values = [self.value(p) for p in parts]
                running = running + ctx.fsum(values) if add else running * ctx.fprod(values)
                self.check_range(running)
            except (OutOfRange, Undefined):
                return operators[max(index - 1, 0)]
        return None

    def _check(self, constant: sympy.Expr) -> None:
        if constant not in self._in_range:
            self.check_range(self.value(constant))
            self._in_range.add(constant)

    def _check_product(self, factors: tuple[sympy.Expr, ...]) -> None:
        constant = [f for f in factors if self.is_constant(f)]
        if len(constant) == 1:
            self._check(constant[0])
        elif constant:  # pi^200*exp(500): each is a double, their product is not
            self.check_range(self._ctx.fprod(self.value(f) for f in constant))

    # -- evaluation ----------------------------------------------------------------------------
    def _check_exponent(self, natural_log) -> None:
        # exp of this would be outside double range: report it rather than compute it.
        if abs(natural_log) > _MAX_LN:
            raise OutOfRange(float(natural_log) / _LN_10)

    def _compute(self, expr: sympy.Expr, precision: int):
        ctx = self._ctx
        if expr.is_Rational:
            return ctx.fdiv(int(expr.p), int(expr.q))
        if expr.is_Float:
            return ctx.convert(expr)
        if expr is sympy.pi:
            return +ctx.pi
        if expr is sympy.E:
            return +ctx.e
        if expr is sympy.I:
            return ctx.mpc(0, 1)
        if expr.is_Add:
            return self._sum(expr, precision)
        if expr.is_Mul:
            return ctx.fprod(self.value(arg, precision) for arg in expr.args)
        if expr.is_Pow:
            return self.power(expr.base, expr.exp, precision)
        if isinstance(expr, sympy.exp):
            return self.exp(expr.args[0], precision)
        function = _FUNCTIONS.get(type(expr))
        if function is None or len(expr.args) != 1:
            raise Undefined(f"cannot evaluate {type(expr).__name__}")  # zoo, nan, oo, AccumBounds, ...
        z = self.value(expr.args[0], precision)
        if ctx.mag(z) > _MAX_BITS:  # sin(10^400) would need pi to hundreds of digits, and so on
            raise OutOfRange(float(ctx.log10(abs(z))))
        if type(expr) in _TRIGONOMETRIC:
            if ctx.mag(z) > 0:
                # sin(10^300) depends on the last digit of 10^300: as many more bits as the argument has.
                z = self.value(expr.args[0], precision + int(ctx.mag(z)))
            self._check_exponent(ctx.im(z))
        elif type(expr) in _HYPERBOLIC:
            self._check_exponent(ctx.re(z))
        elif type(expr) is sympy.erf and abs(ctx.im(z)) > 26:  # erf(iy) grows like exp(y^2)
            raise OutOfRange(float(ctx.im(z)) ** 2 / _LN_10)
        return function(ctx, z)

    def _sum(self, expr: sympy.Add, precision: int):
        ctx = self._ctx
        terms = [self.value(arg, precision) for arg in expr.args]
        total = ctx.fsum(terms)
        largest = max(abs(term) for term in terms)
        if abs(total) < largest * ctx.ldexp(1, 16 - precision):
            # Most bits cancelled, so the true sum could be far from this one: once more with enough bits
            # that what is left cannot be large (the terms are within double range). Still cancelled
            # then, it is as good as 0 (cos(1)^2 + sin(1)^2 - 1 is 0).
            return self.value(expr, HIGH_PRECISION) if precision < HIGH_PRECISION else ctx.zero
        return total


def _magnitude(number: sympy.Expr) -> float:
    try:
        return abs(float(number))
    except OverflowError:
        return math.inf


def _folded_numbers(node: sympy.Expr):
    """The numbers SymPy folds into a node as it is built: itself, coefficient, constant term, exponent."""
    if node.is_Number:
        yield node
    elif node.is_Add or node.is_Mul:
        if node.args and node.args[0].is_Number:
            yield node.args[0]
        if node.is_Add:  # 10^300*(x + 1) is 10^300*x + 10^300: coefficients of the terms too
            for term in node.args:
                if term.is_Mul and term.args[0].is_Number:
                    yield term.args[0]
    elif node.is_Pow:
        if node.exp.is_Number:
            yield node.exp
        if node.base.is_Number:
            yield node.base


def _real_cube_root(ctx, z):
    if ctx.im(z) == 0:
        z = ctx.re(z)
        return ctx.sign(z) * ctx.cbrt(abs(z))
    return ctx.cbrt(z)


def _sign(ctx, z):
    return z / abs(z) if z != 0 else ctx.zero


_FUNCTIONS = {
    sympy.sin: lambda ctx, z: ctx.sin(z),
    sympy.cos: lambda ctx, z: ctx.cos(z),
    sympy.tan: lambda ctx, z: ctx.tan(z),
    sympy.sec: lambda ctx, z: ctx.sec(z),
    sympy.csc: lambda ctx, z: ctx.csc(z),
    sympy.cot: lambda ctx, z: ctx.cot(z),
    sympy.asin: lambda ctx, z: ctx.asin(z),
    sympy.acos: lambda ctx, z: ctx.acos(z),
    sympy.atan: lambda ctx, z: ctx.atan(z),
    sympy.sinh: lambda ctx, z: ctx.sinh(z),
    sympy.cosh: lambda ctx, z: ctx.cosh(z),
    sympy.tanh: lambda ctx, z: ctx.tanh(z),
    sympy.asinh: lambda ctx, z: ctx.asinh(z),
    sympy.acosh: lambda ctx, z: ctx.acosh(z),
    sympy.atanh: lambda ctx, z: ctx.atanh(z),
    sympy.log: lambda ctx, z: ctx.log(z),
    sympy.erf: lambda ctx, z: ctx.erf(z),
    sympy.Abs: lambda ctx, z: abs(z),
    sympy.sign: _sign,
    sympy.re: lambda ctx, z: ctx.re(z),
    sympy.im: lambda ctx, z: ctx.im(z),
    sympy.arg: lambda ctx, z: ctx.arg(z),
    sympy.conjugate: lambda ctx, z: ctx.conj(z),
    cbrt: _real_cube_root,
}
# The trigonometric functions grow like exp(|Im z|), sinh and cosh like exp(|Re z|).
_TRIGONOMETRIC = (sympy.sin, sympy.cos, sympy.tan, sympy.sec, sympy.csc, sympy.cot)
_HYPERBOLIC = (sympy.sinh, sympy.cosh)
