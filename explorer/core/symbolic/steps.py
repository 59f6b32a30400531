"""The derivative rule by rule, as a student writes it out (and as derivative-calculator.net shows it).

`derivation_steps(expr, x, order)` differentiates a SymPy expression one rule at a time, recording each
rule applied as a `Step`: the expression being differentiated (`before`), its derivative (`after`), and
its `depth` (a sub-derivative of a sum, product or quotient, and both halves of the chain rule, are one
level deeper than the step that needs them). Orders above 1 differentiate the simplified previous
derivative again, with its own steps.

How SymPy's tree is presented:

- a term without x is a **constant** (parameters are constants for d/dx); x itself is the **variable**;
- a product first pulls out its factors without x (**constant factor**: d(c u) = c du);
- what is left is a **quotient** u/v when it has factors with a negative numeric power (SymPy stores
  x/(x+1) as x * (x+1)^-1): v is the product of those factors with the power made positive, u the product
  of the others, and (u/v)' = (u'v - uv')/v^2. With no factor left for u (1/(x (x+1))) it is the
  **reciprocal** rule, (1/v)' = -v'/v^2. A constant over one factor (2/x, 1/(x^2+1)) is a constant factor
  times a negative power: the power rule, as SymPy stores it;
- otherwise a product of several factors is the **product** rule (n factors: n terms);
- a function of something other than x itself is the **chain** rule: a step d/du f(u) with u a new
  symbol (the outer derivative, named by its rule), then the derivative of u, both one level deeper;
- u^v with x in both base and exponent is the **general power** rule by logarithmic differentiation,
  (u^v)' = u^v (v log u)', with the derivative of v log u as its sub-steps; a^u is **exponential**;
- log(x, b) reaches us as log(x)/log(b) (the parser builds it so): a constant factor times log.

Every step is checked against `sympy.diff(before, variable)`: identical expressions pass at once, others
must agree (values at 40 digits) at 3 random points where `before` is real and finite as the app computes
it; when no candidate point is (log(log(log(log(x)))) needs x > 3.8e6), at complex points, unless abs,
sign or cbrt are involved, whose real rules do not hold there. A step that disagrees is a bug in these
rules and raises `StepCheckFailed`; one that cannot be checked anywhere raises `StepsUnchecked`: nothing
unchecked is returned. Work is bounded by `MAX_STEPS` (`TooManySteps`) and the simplification of each
result by the size guards below; the result is frozen dataclasses of SymPy expressions and strings, so
it crosses a process boundary as it is.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import mpmath
import numpy as np
import sympy
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.pycode import MpmathPrinter

from ..expression.functions import NUMPY_NAMESPACE, cbrt
from ..expression.parser import make_symbol
from ..limits import MAX_ORDER, MAX_STEPS
from .derivatives import drop_distributions, real_values
from .engine import Failure, SymbolicError


class StepsError(SymbolicError):
    """The steps cannot be shown; the message is one line."""


class TooManySteps(StepsError):
    kind = Failure.TOO_LARGE


class StepsTimeout(StepsError):
    kind = Failure.TIMEOUT


class StepsUnchecked(StepsError):
    """No point was found where a step could be checked (f is nowhere real among the points tried)."""


class StepCheckFailed(StepsError):
    """A step's derivative disagrees with SymPy's: a bug in the rules, never shown to a user as a step."""

    def __init__(self, message: str, step: Step | None = None):
        super().__init__(message)
        self.step = step


@dataclass(frozen=True)
class Step:
    """d/d`variable` of `before` is `after`, by `rule`."""

    rule: str
    before: sympy.Expr
    after: sympy.Expr
    depth: int
    variable: sympy.Symbol  # x, or the chain rule's u in its outer step
    order: int = 1  # the differentiation this step belongs to: 2 while taking f'' from f'
    # the chain rule's u = inner expression; its outer step is d/du f(u) and its inner one d/dx u
    substitution: tuple[sympy.Symbol, sympy.Expr] | None = None
    outer: str = ""  # the chain rule's outer rule ("trig" for sin(x^2))
    note: str = ""  # plain text, e.g. why sign(u) has derivative 0


@dataclass(frozen=True)
class Differentiation:
    """One differentiation: `expression` (f, or the previous simplified derivative) to `result`."""

    order: int
    expression: sympy.Expr
    steps: tuple[Step, ...]
    result: sympy.Expr  # as the rules assemble it
    simplified: sympy.Expr  # an equal, shorter form (checked the same way); the next order starts from it


@dataclass(frozen=True)
class Derivation:
    """f, its variable, and each differentiation up to `order`, with its steps."""

    expression: sympy.Expr
    variable: sympy.Symbol
    order: int
    passes: tuple[Differentiation, ...]

    @property
    def steps(self) -> tuple[Step, ...]:
        return tuple(step for differentiation in self.passes for step in differentiation.steps)

    @property
    def result(self) -> sympy.Expr:
        """The order-th derivative, simplified."""
        return self.passes[-1].simplified


# -- the table of outer derivatives ---------------------------------------------------------------
# class -> (rule, derivative of f at u). Written as people write them (sec(u)^2, not 1 + tan(u)^2);
# each use is checked against SymPy like any other step.
_TRIG, _INVERSE_TRIG, _HYPERBOLIC, _INVERSE_HYPERBOLIC = "trig", "inverse trig", "hyperbolic", "inverse hyperbolic"
FUNCTION_RULES: dict[type, tuple[str, Callable[[sympy.Expr], sympy.Expr]]] = {
    sympy.sin: (_TRIG, sympy.cos),
    sympy.cos: (_TRIG, lambda u: -sympy.sin(u)),
    sympy.tan: (_TRIG, lambda u: sympy.sec(u) ** 2),
    sympy.cot: (_TRIG, lambda u: -sympy.csc(u) ** 2),
    sympy.sec: (_TRIG, lambda u: sympy.sec(u) * sympy.tan(u)),
    sympy.csc: (_TRIG, lambda u: -sympy.csc(u) * sympy.cot(u)),
    sympy.asin: (_INVERSE_TRIG, lambda u: 1 / sympy.sqrt(1 - u**2)),
    sympy.acos: (_INVERSE_TRIG, lambda u: -1 / sympy.sqrt(1 - u**2)),
    sympy.atan: (_INVERSE_TRIG, lambda u: 1 / (1 + u**2)),
    sympy.sinh: (_HYPERBOLIC, sympy.cosh),
    sympy.cosh: (_HYPERBOLIC, sympy.sinh),
    sympy.tanh: (_HYPERBOLIC, lambda u: 1 - sympy.tanh(u) ** 2),
    sympy.asinh: (_INVERSE_HYPERBOLIC, lambda u: 1 / sympy.sqrt(u**2 + 1)),
    # not the textbook 1/sqrt(u^2 - 1): that equals it only for u > 1, and SymPy's form is right for every
    # u, also where a step can only be checked at complex points (acosh(x) + asin(x) is nowhere real)
    sympy.acosh: (_INVERSE_HYPERBOLIC, lambda u: 1 / (sympy.sqrt(u - 1) * sympy.sqrt(u + 1))),
    sympy.atanh: (_INVERSE_HYPERBOLIC, lambda u: 1 / (1 - u**2)),
    sympy.exp: ("exp", sympy.exp),
    sympy.log: ("log", lambda u: 1 / u),
    sympy.Abs: ("abs", sympy.sign),  # u is real: |u|' = sign(u), undefined at 0
    # sign is constant on each side of 0; SymPy's 2 DiracDelta(u) is 0 wherever the derivative exists
    sympy.sign: ("sign", lambda u: sympy.S.Zero),
    sympy.erf: ("erf", lambda u: 2 * sympy.exp(-(u**2)) / sympy.sqrt(sympy.pi)),
    cbrt: ("cbrt", lambda u: 1 / (3 * cbrt(u) ** 2)),
}
_NOTES = {
    sympy.sign: "sign(u) is constant where u != 0 and has no derivative at u = 0",
    sympy.Abs: "|u|' = sign(u), for u != 0",
}
# Names a chain rule's inner expression is given, the first not already in the expression.
_SUBSTITUTES = ("u", "v", "w", "t", "z", "s")


# -- checking a step --------------------------------------------------------------------------------
CHECK_POINTS = 3  # points where a step must agree with SymPy
CHECK_DIGITS = 40  # working precision of the values compared
RELATIVE_TOLERANCE = 1e-9
# Far above the rounding of 40-digit arithmetic on terms up to 1e15 that cancel, far below a wrong step.
ABSOLUTE_TOLERANCE = 1e-25
# Where candidate coordinates are drawn, in order, as (count, low, high) with mixed signs: inside (-1, 1)
# first (asin, atanh), densely up to 6 (acosh, asin(log(x^e)) needs 0.69 < x < 1.44), then up to 1e6
# (acosh(x/10), sqrt(x - 100)). NumPy tells at once which are in the domain, so there can be many.
# A narrow domain the first 38 miss (log(sign(x^x) - cbrt(acosh(x))) needs 1 < x < 1.54) is looked for
# among the last 400.
CANDIDATE_RANGES = ((10, 0.1, 0.99), (8, 1.01, 2.0), (6, 2.0, 6.0), (6, 6.0, 50.0), (4, 50.0, 1e3), (4, 1e3, 1e6),
                    (300, 0.0, 10.0), (100, 10.0, 1e3))
COMPLEX_CANDIDATES = 38
# Functions whose derivative at a complex point is not what the real rule says: steps with these are
# never checked at complex points.
NOT_ANALYTIC = (sympy.Abs, sympy.sign, cbrt, sympy.re, sympy.im, sympy.arg, sympy.Heaviside, sympy.DiracDelta)


# mpmath's cost grows with the size of an exponent (exp(exp(1e5)) ran for minutes computing log 2 to a
# million bits); a double overflows past e^710, so a point whose values need exponents beyond this is
# one the app cannot compute either, and is not used.
EXPONENT_LIMIT = 1e4


class _TooLarge(ArithmeticError):
    pass


def _guarded(function: Callable) -> Callable:
    def guarded(z):
        if abs(z) > EXPONENT_LIMIT:
            raise _TooLarge
        return function(z)
    return guarded


def _guarded_power(base, exponent):
    # mag is about log2|base| and costs nothing, unlike log; 0.7 * log2 = ln
    if base != 0 and abs(exponent) * (1 + 0.7 * abs(mpmath.mag(base))) > EXPONENT_LIMIT:
        raise _TooLarge
    return mpmath.power(base, exponent)


def _real_cbrt(z):
    """Our cbrt for mpmath, whose own cbrt is the principal complex root: the real root of a real number."""
    if isinstance(z, mpmath.mpf) or (isinstance(z, mpmath.mpc) and z.imag == 0):
        real = mpmath.re(z)
        return mpmath.cbrt(real) if real >= 0 else -mpmath.cbrt(-real)
    return mpmath.cbrt(z)


_MP_NAMESPACE = {"cbrt": _real_cbrt, "power": _guarded_power,
                 **{name: _guarded(getattr(mpmath, name)) for name in ("exp", "sinh", "cosh", "tanh", "erf")}}


class _GuardedMpmathPrinter(MpmathPrinter):
    """mpmath code calling the guarded functions of _MP_NAMESPACE by their bare names, every power too."""

    def _print_Pow(self, expr: sympy.Pow, rational: bool = False) -> str:
        return f"power({self._print(expr.base)}, {self._print(expr.exp)})"

    def _guarded_call(self, expr: sympy.Function) -> str:
        return f"{type(expr).__name__}({self._print(expr.args[0])})"

    _print_exp = _print_sinh = _print_cosh = _print_tanh = _print_erf = _print_cbrt = _guarded_call


# The settings lambdify gives its own printers (bare names, resolved in the namespace given), with the
# terms of sums left in SymPy's order: sorting them was most of the cost of compiling a large derivative.
_PRINTER_SETTINGS = {"fully_qualified_modules": False, "inline": True, "allow_unknown_functions": True,
                     "user_functions": {}, "order": "none"}


@lru_cache(maxsize=2048)
def _mp_function(expr: sympy.Expr, symbols: tuple[sympy.Symbol, ...]) -> Callable | None:
    """expr compiled for mpmath, or None when it cannot be (an unevaluated Derivative): evalf of a large
    derivative at one point took seconds, this takes microseconds per point."""
    printer = _GuardedMpmathPrinter(_PRINTER_SETTINGS)
    try:
        # Common subexpressions computed once: a third derivative repeats its pieces many times over.
        return sympy.lambdify(symbols, expr, modules=[_MP_NAMESPACE, "mpmath"], printer=printer, docstring_limit=0,
                              cse=True)
    except (TypeError, ValueError, KeyError, NameError, SyntaxError, RecursionError, NotImplementedError):
        return None  # a Derivative SymPy left unevaluated, zoo (KeyError in the printer)


def _mp_value(function: Callable | None, coordinates: Sequence[complex],
              digits: int = CHECK_DIGITS) -> mpmath.mpc | None:
    """function at coordinates with digits digits, or None where it is not finite or fails."""
    if function is None:
        return None
    with mpmath.workdps(digits):
        try:
            arguments = [mpmath.mpf(c.real) if c.imag == 0 else mpmath.mpc(c.real, c.imag) for c in coordinates]
            value = mpmath.mpc(function(*arguments))
        except (TypeError, ValueError, ArithmeticError, NameError, AttributeError):  # _TooLarge is arithmetic
            return None
        return value if mpmath.isfinite(value.real) and mpmath.isfinite(value.imag) else None


@lru_cache(maxsize=16)
def _candidates(size: int, complex_points: bool) -> tuple[tuple[complex, ...], ...]:
    """Points of size coordinates, the same on every call (the derivation is a pure function). Complex
    points are only the first COMPLEX_CANDIDATES: each costs an mpmath evaluation to find the domain."""
    rng = random.Random(8128 + size)
    points = []
    for count, low, high in CANDIDATE_RANGES:
        for k in range(count):
            coordinates = []
            for _ in range(size):
                value = rng.uniform(low, high) * (1 if k < 3 or rng.random() < 0.6 else -1)
                coordinates.append(complex(value, rng.uniform(0.2, 1.0) * abs(value)) if complex_points
                                   else complex(value))
            points.append(tuple(coordinates))
    return tuple(points[:COMPLEX_CANDIDATES] if complex_points else points)


@lru_cache(maxsize=1024)
def _numpy_function(expr: sympy.Expr, symbols: tuple[sympy.Symbol, ...]) -> Callable:
    """expr for NumPy as the app compiles it (its names for cbrt and erf), without common subexpressions:
    finding them in a large derivative cost more than its one evaluation here."""
    return sympy.lambdify(symbols, expr, modules=[NUMPY_NAMESPACE, "numpy"], docstring_limit=0,
                          printer=NumPyPrinter(_PRINTER_SETTINGS))


def _real_domain(domain: sympy.Expr, symbols: tuple[sympy.Symbol, ...],
                 points: Sequence[tuple[complex, ...]]) -> list[tuple[complex, ...]]:
    """The points where domain is real and finite in real (double) arithmetic, as the app computes it:
    |acos(x + 1)| at x = 0.7 is a real number only by way of a complex one, and the app shows a gap there."""
    if not symbols:
        return list(points[:1])
    columns = np.array([[c.real for c in point] for point in points]).T
    try:
        function = _numpy_function(domain, symbols)
        with np.errstate(all="ignore"):
            values = real_values(function(*columns), columns[0].shape)
    except Exception:  # noqa: BLE001 - NumPy cannot compile it (huge integers): let the 40-digit check decide
        return list(points[:COMPLEX_CANDIDATES])
    return [point for point, value in zip(points, values, strict=True) if np.isfinite(value)]


def _close(a: mpmath.mpc, b: mpmath.mpc, digits: int = CHECK_DIGITS) -> bool:
    with mpmath.workdps(digits):
        return bool(abs(a - b) <= RELATIVE_TOLERANCE * max(abs(a), abs(b)) + ABSOLUTE_TOLERANCE)


def _close_at_more_digits(fa: Callable | None, fb: Callable | None, coordinates: Sequence[complex]) -> bool | None:
    """Whether a difference at CHECK_DIGITS digits was rounding: at twice the digits it falls under the
    tolerance, or a side turns out undefined (None). SymPy's d/dx acos(sign(g)) divides 0 by the root of
    1 - sign(g)^2, which rounding makes 1e-20 instead of 0. A wrong step stays as wrong with more digits."""
    digits = 2 * CHECK_DIGITS
    va, vb = _mp_value(fa, coordinates, digits), _mp_value(fb, coordinates, digits)
    if va is None or vb is None:
        return None
    return _close(va, vb, digits)


def agree_at_points(a: sympy.Expr, b: sympy.Expr, domain: sympy.Expr | None = None,
                    complex_points: bool = True) -> tuple[bool | None, str]:
    """Whether a == b, judged at CHECK_POINTS points where domain (the function a step differentiates; a by
    default) is real and finite, with values at CHECK_DIGITS digits; at complex points when no candidate is
    in that real domain, nothing non-analytic (abs, sign, cbrt) is involved and complex_points is left True.

    Returns (True, how), (False, where they differ), or (None, why no point was usable): a step that
    cannot be checked is not passed."""
    if a == b:
        return True, "identical"
    domain = a if domain is None else domain
    symbols = tuple(sorted(a.free_symbols | b.free_symbols | domain.free_symbols, key=lambda s: s.name))
    fa, fb = _mp_function(a, symbols), _mp_function(b, symbols)
    analytic = complex_points and not any(e.has(*NOT_ANALYTIC) for e in (a, b, domain))
    for at_complex in (False, True) if analytic else (False,):
        candidates = _candidates(len(symbols), at_complex)
        if at_complex:  # a generator: the domain is evaluated only until CHECK_POINTS points agreed
            fd = _mp_function(domain, symbols)
            usable: Iterable[tuple[complex, ...]] = (p for p in candidates if _mp_value(fd, p) is not None)
        else:
            usable = _real_domain(domain, symbols, candidates)
        agreed = 0
        for coordinates in usable:
            va, vb = _mp_value(fa, coordinates), _mp_value(fb, coordinates)
            if va is None or vb is None:
                continue
            verdict = True if _close(va, vb) else _close_at_more_digits(fa, fb, coordinates)
            if verdict is None:  # a 0/0 that rounding made finite: not a point to judge by
                continue
            if not verdict:
                where = ", ".join(f"{s} = {c.real if c.imag == 0 else c:.6g}"
                                  for s, c in zip(symbols, coordinates, strict=True))
                return False, (f"{_short(a)} != {_short(b)} at {where or 'every point'}: "
                               f"{mpmath.nstr(va, 12)} != {mpmath.nstr(vb, 12)}")
            agreed += 1
            if agreed == CHECK_POINTS:
                break
        if agreed:
            return True, f"{agreed} {'complex' if at_complex else 'real'} point(s)"
    return None, f"no point tried where {_short(domain)} and the two sides are real and finite"


@lru_cache(maxsize=4096)
def check_derivative(before: sympy.Expr, after: sympy.Expr, variable: sympy.Symbol) -> tuple[bool | None, str]:
    """Whether after is d before / d variable by SymPy's diff (see agree_at_points for the answer)."""
    reference = sympy.diff(before, variable)
    if reference.has(sympy.Derivative):
        # SymPy leaves d sign(g)/dx unevaluated unless g is known to be real; sign(g) = g/|g| it does know.
        reference = sympy.diff(before.replace(sympy.sign, lambda g: g / sympy.Abs(g)), variable)
    reference, _ = drop_distributions(reference)  # sign' = 2 DiracDelta: 0 wherever it is evaluated
    return agree_at_points(after, reference, before)


def _short(expr: sympy.Expr, limit: int = 80) -> str:
    """expr as typed (^ for powers) for a note or a message, cut at limit characters."""
    try:
        text = sympy.sstr(expr).replace("**", "^")
    except ValueError:  # an integer of more than 4300 digits, which Python will not print
        return "(a long expression)"
    return text if len(text) <= limit else text[: limit - 3] + "..."


# -- the rules --------------------------------------------------------------------------------------
class _Deriver:
    """One differentiation: walks the tree, appends a Step per rule applied, returns the derivative."""

    def __init__(self, variable: sympy.Symbol, order: int, substitute: sympy.Symbol, budget: int):
        self.x = variable
        self.order = order
        self.u = substitute
        self.budget = budget  # steps this differentiation may still take
        self.steps: list[Step | None] = []

    def reserve(self) -> int:
        """A place for the next step, filled when its sub-steps are known (so it lists before them)."""
        if len(self.steps) >= self.budget:
            raise TooManySteps(
                f"the derivation takes more than {MAX_STEPS} steps; try a shorter expression or a lower order")
        self.steps.append(None)
        return len(self.steps) - 1

    def record(self, index: int, rule: str, before: sympy.Expr, after: sympy.Expr, depth: int,
               variable: sympy.Symbol | None = None, **extra) -> sympy.Expr:
        self.steps[index] = Step(rule, before, after, depth, variable if variable is not None else self.x,
                                 self.order, **extra)
        return after

    def leaf(self, rule: str, before: sympy.Expr, after: sympy.Expr, depth: int,
             variable: sympy.Symbol | None = None, **extra) -> sympy.Expr:
        return self.record(self.reserve(), rule, before, after, depth, variable, **extra)

    # The dispatch: one rule per kind of node.
    def derive(self, expr: sympy.Expr, depth: int) -> sympy.Expr:
        x = self.x
        if x not in expr.free_symbols:
            return self.leaf("constant", expr, sympy.S.Zero, depth)
        if expr == x:
            return self.leaf("variable", expr, sympy.S.One, depth)
        if isinstance(expr, sympy.Add):
            index = self.reserve()
            parts = [self.derive(term, depth + 1) for term in expr.as_ordered_terms()]  # in printed order
            return self.record(index, "sum", expr, sympy.Add(*parts), depth)
        if isinstance(expr, sympy.Mul):
            return self.product(expr, depth)
        if isinstance(expr, sympy.Pow):
            return self.power(expr, depth)
        if isinstance(expr, sympy.Function) and len(expr.args) == 1 and type(expr) in FUNCTION_RULES:
            rule, derivative = FUNCTION_RULES[type(expr)]
            return self.outer(expr, rule, expr.args[0], expr.func, derivative, depth, note=_NOTES.get(type(expr), ""))
        # Nothing the parser builds lands here; kept so that any other SymPy node still gets a checked step.
        return self.leaf("other", expr, sympy.diff(expr, x), depth, note="as SymPy differentiates it")

    def outer(self, expr: sympy.Expr, rule: str, inner: sympy.Expr, build: Callable[[sympy.Expr], sympy.Expr],
              derivative: Callable[[sympy.Expr], sympy.Expr], depth: int, note: str = "") -> sympy.Expr:
        """f(inner) where build(t) = f(t) and derivative(t) = f'(t): the rule itself when inner is x, else
        the chain rule: d/du f(u), then d/dx inner, each one level deeper."""
        if inner == self.x:
            return self.leaf(rule, expr, derivative(self.x), depth, note=note)
        index = self.reserve()
        u = self.u
        self.leaf(rule, build(u), derivative(u), depth + 1, variable=u, note=note)
        inner_derivative = self.derive(inner, depth + 1)
        return self.record(index, "chain", expr, derivative(inner) * inner_derivative, depth,
                           substitution=(u, inner), outer=rule)

    def power(self, expr: sympy.Pow, depth: int) -> sympy.Expr:
        base, exponent = expr.args
        x = self.x
        if x not in exponent.free_symbols:
            rule = "power"
            if exponent == sympy.S.Half:
                rule = "sqrt"
            elif exponent.is_Rational and exponent.p == 1 and exponent.q >= 3:
                rule = "root"
            note = "1/u = u^(-1)" if exponent == -1 else ""
            return self.outer(expr, rule, base, lambda t: t**exponent,
                              lambda t: exponent * t ** (exponent - 1), depth, note=note)
        if x not in base.free_symbols:
            return self.outer(expr, "exponential", exponent, lambda t: base**t,
                              lambda t: base**t * sympy.log(base), depth)
        # x in both: u^v = exp(v log u), so (u^v)' = u^v (v log u)'
        index = self.reserve()
        logarithm = exponent * sympy.log(base)
        inner = self.derive(logarithm, depth + 1)
        return self.record(index, "general power", expr, expr * inner, depth,
                           note=f"logarithmic differentiation: {_short(expr)} = exp({_short(logarithm)})")

    def product(self, expr: sympy.Mul, depth: int) -> sympy.Expr:
        x = self.x
        ordered = expr.as_ordered_factors()  # as printed, so the steps read in the order of the formula
        constants = [f for f in ordered if x not in f.free_symbols]
        factors = [f for f in ordered if x in f.free_symbols]
        if constants:
            index = self.reserve()
            constant = sympy.Mul(*constants)
            rest = sympy.Mul(*factors)
            return self.record(index, "constant factor", expr, constant * self.derive(rest, depth + 1), depth)
        denominators = [f for f in factors if isinstance(f, sympy.Pow) and f.exp.is_Number and f.exp.is_negative]
        numerators = [f for f in factors if f not in denominators]
        if denominators:
            index = self.reserve()
            v = sympy.Mul(*(sympy.Pow(f.base, -f.exp) for f in denominators))
            if not numerators:  # 1/(x (x+1)): no numerator to differentiate
                dv = self.derive(v, depth + 1)
                return self.record(index, "reciprocal", expr, -dv / v**2, depth)
            u = sympy.Mul(*numerators)
            du = self.derive(u, depth + 1)
            dv = self.derive(v, depth + 1)
            return self.record(index, "quotient", expr, (du * v - u * dv) / v**2, depth)
        index = self.reserve()
        derivatives = [self.derive(f, depth + 1) for f in factors]
        terms = [sympy.Mul(*factors[:i], d, *factors[i + 1:]) for i, d in enumerate(derivatives)]
        return self.record(index, "product", expr, sympy.Add(*terms), depth)


# -- simplifying a result, within a bounded cost --------------------------------------------------
# sympy.simplify took 188 s on the derivative of a 61-character expression (trigsimp 110 s of it), so only
# rewrites whose cost follows the expression's size are tried, and the shortest equal form is kept:
# common factors pulled out, one fraction (x sqrt(x+1) -> (3x + 2)/(2 sqrt(x+1))), and for small rational
# functions and polynomials the factored or expanded form.
TIDY_MAX_OPERATIONS = 400  # larger results are shown as the rules assemble them
TIDY_MAX_RATIONAL_OPERATIONS = 60  # factor only rational functions this small
TIDY_MAX_EXPONENT = 12  # expand and factor only when every integer power is this small (not (x+1)^1000)
TIDY_MAX_EXPANDED = 200  # terms expanding may give ((a+x)(b+x)...(t+x) would give 2^20)


def _small_powers(expr: sympy.Expr) -> bool:
    return all(not p.exp.is_Integer or abs(p.exp) <= TIDY_MAX_EXPONENT for p in expr.atoms(sympy.Pow))


def _expanded_terms(expr: sympy.Expr) -> int:
    """An upper bound on the terms of expand(expr), without expanding."""
    if isinstance(expr, sympy.Add):
        return sum(_expanded_terms(term) for term in expr.args)
    if isinstance(expr, sympy.Mul):
        return math.prod(_expanded_terms(factor) for factor in expr.args)
    if isinstance(expr, sympy.Pow) and expr.exp.is_Integer and expr.exp > 1:
        base = _expanded_terms(expr.base)
        return base ** min(int(expr.exp), 64) if base > 1 else 1
    return 1


def _nodes(expr: sympy.Expr) -> int:
    return sum(1 for _ in sympy.preorder_traversal(expr))


def tidy(expr: sympy.Expr, variable: sympy.Symbol) -> sympy.Expr:
    """A shorter equal form of expr by cheap rewrites; expr itself when none is shorter."""
    operations = sympy.count_ops(expr)
    if operations > TIDY_MAX_OPERATIONS:
        return expr
    rewrites: list[Callable[[sympy.Expr], sympy.Expr]] = [
        sympy.factor_terms, lambda e: sympy.factor_terms(sympy.together(e))]
    if _expanded_terms(expr) <= TIDY_MAX_EXPANDED:  # x(3cos x - x sin x) + x cos x -> 4x cos x - x^2 sin x
        rewrites.append(sympy.expand_mul)
    if _small_powers(expr):
        if expr.is_polynomial(variable) and _expanded_terms(expr) <= TIDY_MAX_EXPANDED:
            rewrites.append(sympy.expand)
        if operations <= TIDY_MAX_RATIONAL_OPERATIONS and expr.is_rational_function(variable):
            rewrites.append(sympy.factor)
    best, best_size = expr, (operations, _nodes(expr))
    for rewrite in rewrites:
        try:
            candidate = rewrite(expr)
        except (sympy.PolynomialError, ValueError, TypeError, RecursionError):
            continue
        size = (sympy.count_ops(candidate), _nodes(candidate))
        if size < best_size:
            best, best_size = candidate, size
    return best


# -- the whole derivation --------------------------------------------------------------------------
def _substitute_symbol(expr: sympy.Expr, variable: sympy.Symbol) -> sympy.Symbol:
    taken = {s.name for s in expr.free_symbols} | {variable.name}
    for name in (*_SUBSTITUTES, *(f"u{k}" for k in range(1, 100))):
        if name not in taken:
            return make_symbol(name)
    raise StepsError("too many names in this expression to name the chain rule's inner function")


def _checked(steps: Sequence[Step]) -> None:
    # Sub-steps follow their step in the list: checking from the end names the wrong rule itself, not
    # the sum or product whose result it spoiled.
    for step in reversed(steps):
        ok, how = check_derivative(step.before, step.after, step.variable)
        if ok is None:
            raise StepsUnchecked(f"the steps cannot be checked against SymPy: {how}")
        if not ok:
            raise StepCheckFailed(f"the {step.rule} rule gave a wrong step (a bug, please report it): {how}", step)


@lru_cache(maxsize=64)
def derivation_steps(expr: sympy.Expr, variable: sympy.Symbol | str, order: int = 1) -> Derivation:
    """The order-th derivative of expr by variable, rule by rule; every step checked against SymPy.

    Raises TooManySteps beyond MAX_STEPS steps (all orders together), StepsError for an order outside
    1..MAX_ORDER, StepCheckFailed if a step (or a simplification) disagrees with SymPy, StepsUnchecked if
    a step could not be checked at all."""
    if isinstance(variable, str):
        variable = make_symbol(variable)
    if not isinstance(order, int) or not 1 <= order <= MAX_ORDER:
        raise StepsError(f"order must be a whole number 1..{MAX_ORDER}, not {order!r}")
    expr = sympy.sympify(expr)
    passes: list[Differentiation] = []
    current, budget = expr, MAX_STEPS
    for k in range(1, order + 1):
        deriver = _Deriver(variable, k, _substitute_symbol(current, variable), budget)
        result = deriver.derive(current, 0)
        steps = tuple(step for step in deriver.steps if step is not None)
        budget -= len(steps)
        _checked(steps)
        simplified = tidy(result, variable)
        # Only at real points: SymPy's rewrites take x as real (sqrt(-x^2 - 1) = I sqrt(x^2 + 1)) and need not
        # hold at complex x, where the rules' own steps are checked when f is nowhere real.
        ok, how = agree_at_points(simplified, result, complex_points=False)
        if ok is None:  # nowhere to compare them: show the derivative as the rules assembled it
            simplified = result
        elif not ok:
            raise StepCheckFailed(f"simplifying the derivative changed it (a bug, please report it): {how}")
        passes.append(Differentiation(k, current, steps, result, simplified))
        current = simplified
    return Derivation(expr, variable, order, tuple(passes))

