"""Forward-mode automatic differentiation of an expression: f and f' together, in one pass of NumPy code.

Reverse mode (autograd's elementwise_grad) records every operation and replays it backwards: for a first
derivative over many points it costs about 3.5 evaluations of f. Forward mode carries each intermediate
value u together with its derivative du/dx (dual numbers), so f' costs f plus one derivative rule per
operation, and f itself comes free for the check of where f is defined. The rules are written out once per
expression as Python source over NumPy arrays (as sympy.lambdify writes f), after common subexpressions are
shared (sympy.cse), and only what the derivative needs is kept.

This is differentiation of the evaluation, not of the formula: no symbolic derivative is formed, so it
stands in for SymPy when SymPy gives up, as autograd did. Higher orders stay with autograd.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache

import numpy as np
import sympy
from scipy import special

from ..expression.functions import cbrt
from .finite_difference import BLOCK

ONE = "1.0"  # the derivative of x: multiplying by it is left out


class _Unsupported(Exception):
    """A node the rules below do not know: the caller falls back to autograd."""


def _times(a: str | None, b: str | None) -> str | None:
    """The product of two derivative (or value) terms; None is 0, ONE is 1, two numbers are multiplied here."""
    if a is None or b is None:
        return None
    if a == ONE:
        return b
    if b == ONE:
        return a
    if _is_number(a) and _is_number(b):
        return repr(float(a) * float(b))
    return f"({a})*({b})"


def _sum(terms: list[str | None]) -> str | None:
    kept = [t for t in terms if t is not None]
    if len(kept) == 1:
        return kept[0]
    return " + ".join(f"({t})" for t in kept) if kept else None


class _Writer:
    """Writes `name = code` lines for each node once: values v*, derivatives d*."""

    def __init__(self, symbols: tuple[sympy.Symbol, ...]):
        self.lines: list[tuple[str, str]] = []
        self.known: dict[sympy.Expr, tuple[str, str | None]] = {}
        self.count = 0
        variable, *parameters = symbols
        self.known[variable] = ("x", ONE)
        for index, symbol in enumerate(parameters):
            self.known[symbol] = (f"p[{index}]", None)

    def assign(self, code: str, prefix: str) -> str:
        self.count += 1
        name = f"{prefix}{self.count}"
        self.lines.append((name, code))
        return name

    def node(self, expr: sympy.Expr) -> tuple[str, str | None]:
        """(value code, derivative code or None when it is 0) of expr, writing what it needs."""
        if expr in self.known:
            return self.known[expr]
        if expr.is_Number or expr.is_NumberSymbol:
            value = float(expr)
            if not math.isfinite(value):
                raise _Unsupported(str(expr))
            result: tuple[str, str | None] = (repr(value), None)
        elif isinstance(expr, sympy.Symbol):
            raise _Unsupported(f"unknown symbol {expr}")
        else:
            result = self._operation(expr)
        self.known[expr] = result
        return result

    def _named(self, value: str, derivative: str | None) -> tuple[str, str | None]:
        v = self.assign(value, "v")
        d = derivative if derivative is None or derivative == ONE or _is_number(derivative) else \
            self.assign(derivative, "d")
        return v, d

    def _operation(self, expr: sympy.Expr) -> tuple[str, str | None]:
        args = [self.node(a) for a in expr.args]
        if isinstance(expr, sympy.Add):
            return self._named(" + ".join(f"({v})" for v, _ in args), _sum([d for _, d in args]))
        if isinstance(expr, sympy.Mul):
            return self._product(args)
        if isinstance(expr, sympy.Pow):
            return self._power(expr, *args)
        if len(args) != 1:
            raise _Unsupported(type(expr).__name__)
        (u, du), = args
        rule = _RULES.get(type(expr))
        if rule is None:
            raise _Unsupported(type(expr).__name__)
        value_code, slope = rule(u)
        if du is None:
            return self._named(value_code, None)
        v = self.assign(value_code, "v")
        rate = slope(v)
        d = _times(rate, du) if rate != "0.0" else None  # sign: flat wherever it has a derivative
        return v, (self.assign(d, "d") if d is not None and d != ONE else d)

    def _product(self, args: list[tuple[str, str | None]]) -> tuple[str, str | None]:
        # Constant factors multiply the rest once; the product rule runs over the others only.
        constant = [v for v, d in args if d is None]
        varying = [(v, d) for v, d in args if d is not None]
        numbers = [float(v) for v in constant if _is_number(v)]
        constant = [v for v in constant if not _is_number(v)] + ([repr(math.prod(numbers))] if numbers else [])
        scale = "*".join(f"({v})" for v in constant) if len(constant) != 1 else constant[0]
        value = "*".join(f"({v})" for v, _ in varying)
        terms = []
        for i, (_, d) in enumerate(varying):
            others = [f"({v})" for j, (v, _) in enumerate(varying) if j != i]
            terms.append(_times(d, "*".join(others)) if others else d)
        derivative = _sum(terms)
        if scale:
            value = f"{scale}*{value}" if value else scale
            derivative = _times(scale, derivative) if derivative is not None else None
        return self._named(value, derivative)

    def _power(self, expr: sympy.Pow, base: tuple[str, str | None], exponent: tuple[str, str | None]):
        (b, db), (e, de) = base, exponent
        if de is None and expr.exp.is_Number:
            n = float(expr.exp)
            if n == 0.5:
                v = self.assign(f"sqrt({b})", "v")
                slope = f"0.5/({v})"
            elif n == 2.0:
                v = self.assign(f"({b})*({b})", "v")
                slope = f"2.0*({b})"
            else:
                v = self.assign(f"({b})**{n!r}", "v")
                slope = f"{n!r}*({b})**{n - 1.0!r}"
            if db is None:
                return v, None
            d = _times(slope, db)
            return v, (self.assign(d, "d") if d is not None and d != ONE else d)
        v = self.assign(f"({b})**({e})", "v")
        if db is None:  # a^u: a^u log(a) du
            d = _times(f"({v})*log({b})", de)
        elif de is None:  # u^c with a symbolic constant exponent (a parameter)
            d = _times(f"({e})*({b})**(({e}) - 1.0)", db)
        else:  # u^w = exp(w log u): u^w (w' log u + w u' / u)
            d = _times(f"({v})", _sum([_times(de, f"log({b})"), _times(db, f"({e})/({b})")]))
        return v, (self.assign(d, "d") if d is not None else None)


def _is_number(code: str) -> bool:
    try:
        float(code)
    except ValueError:
        return False
    return True


# type -> (value code from u, derivative d/du from the value's name)
_RULES: dict[type, Callable[[str], tuple[str, Callable[[str], str]]]] = {
    sympy.exp: lambda u: (f"exp({u})", lambda v: v),
    sympy.log: lambda u: (f"log({u})", lambda v: f"1.0/({u})"),
    sympy.sin: lambda u: (f"sin({u})", lambda v: f"cos({u})"),
    sympy.cos: lambda u: (f"cos({u})", lambda v: f"-sin({u})"),
    sympy.tan: lambda u: (f"tan({u})", lambda v: f"1.0 + ({v})*({v})"),
    sympy.sec: lambda u: (f"1.0/cos({u})", lambda v: f"({v})*tan({u})"),
    sympy.csc: lambda u: (f"1.0/sin({u})", lambda v: f"-({v})/tan({u})"),
    sympy.cot: lambda u: (f"1.0/tan({u})", lambda v: f"-(1.0 + ({v})*({v}))"),
    sympy.asin: lambda u: (f"arcsin({u})", lambda v: f"1.0/sqrt(1.0 - ({u})*({u}))"),
    sympy.acos: lambda u: (f"arccos({u})", lambda v: f"-1.0/sqrt(1.0 - ({u})*({u}))"),
    sympy.atan: lambda u: (f"arctan({u})", lambda v: f"1.0/(1.0 + ({u})*({u}))"),
    sympy.sinh: lambda u: (f"sinh({u})", lambda v: f"cosh({u})"),
    sympy.cosh: lambda u: (f"cosh({u})", lambda v: f"sinh({u})"),
    sympy.tanh: lambda u: (f"tanh({u})", lambda v: f"1.0 - ({v})*({v})"),
    sympy.asinh: lambda u: (f"arcsinh({u})", lambda v: f"1.0/sqrt(({u})*({u}) + 1.0)"),
    sympy.acosh: lambda u: (f"arccosh({u})", lambda v: f"1.0/sqrt(({u})*({u}) - 1.0)"),
    sympy.atanh: lambda u: (f"arctanh({u})", lambda v: f"1.0/(1.0 - ({u})*({u}))"),
    sympy.Abs: lambda u: (f"absolute({u})", lambda v: f"sign({u})"),
    sympy.sign: lambda u: (f"sign({u})", lambda v: "0.0"),
    cbrt: lambda u: (f"cbrt({u})", lambda v: f"1.0/(3.0*({v})*({v}))"),
    sympy.erf: lambda u: (f"erf({u})", lambda v: f"{2.0 / math.sqrt(math.pi)!r}*exp(-({u})*({u}))"),
}

_NAMESPACE = {name: getattr(np, name) for name in (
    "exp", "log", "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "arcsinh",
    "arccosh", "arctanh", "absolute", "sign", "cbrt", "sqrt")}
_NAMESPACE["erf"] = special.erf

DualFunction = Callable[..., tuple[np.ndarray, np.ndarray]]


@lru_cache(maxsize=256)
def first_derivative(expr: sympy.Expr, symbols: tuple[sympy.Symbol, ...],
                     with_value: bool = True) -> DualFunction | None:
    """(x, *parameters) -> (f or None, f') at every x, by forward mode; None for an expression with a node
    these rules do not know (then autograd differentiates it). Without `with_value`, f is not computed
    beyond what f' needs (for an f defined everywhere, nothing needs it)."""
    replacements, (reduced,) = sympy.cse(expr, symbols=sympy.numbered_symbols("_shared"))
    writer = _Writer(symbols)
    try:
        for symbol, shared in replacements:
            writer.known[symbol] = writer.node(shared)
        value, derivative = writer.node(reduced)
    except _Unsupported:
        return None
    body = _live_lines(writer.lines, {value if with_value else "", derivative or ""})
    source = "def _dual(x, *p):\n" + "".join(f"    {name} = {code}\n" for name, code in body)
    source += f"    return {value if with_value else None}, {derivative if derivative is not None else '0.0'}\n"
    namespace = dict(_NAMESPACE)
    exec(compile(source, "<forward mode>", "exec"), namespace)  # noqa: S102 - our own generated source
    function = namespace["_dual"]
    function.source = source
    return function


def evaluate(dual: DualFunction, x: np.ndarray, parameters: tuple[float, ...],
             with_value: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """(f', f or None) at every x as float arrays of x's shape, block by block along a long x
    (finite_difference.BLOCK: the temporaries of a block stay in cache)."""
    derivative = np.empty(x.shape)
    values = np.empty(x.shape) if with_value else None
    flat = x.reshape(-1)
    step = BLOCK if flat.size > 2 * BLOCK else max(flat.size, 1)
    # As NumPy numbers: between Python floats a**b of a negative a (a = -8, b = 1/3 with no x in that term) is
    # complex, which no float array takes; NumPy's is NaN, undefined as everywhere else.
    parameters = tuple(np.float64(p) for p in parameters)
    with np.errstate(all="ignore"):
        for start in range(0, flat.size, step):
            part = slice(start, start + step)
            value, slope = dual(flat[part], *parameters)
            derivative.reshape(-1)[part] = slope  # a number (3x + 1) fills the block
            if values is not None:
                values.reshape(-1)[part] = value
    return derivative, values


def _live_lines(lines: list[tuple[str, str]], wanted: set[str]) -> list[tuple[str, str]]:
    """The lines the wanted names depend on (a value no derivative uses is not computed)."""
    import re

    live = set(wanted)
    kept = []
    for name, code in reversed(lines):
        if name in live:
            kept.append((name, code))
            live.update(re.findall(r"\b[vd]\d+\b", code))
    return kept[::-1]
