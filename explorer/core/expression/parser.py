"""Safe expression parsing: text -> SymPy expression, with no eval of user input.

A small recursive-descent parser builds SymPy objects directly from tokens, so only whitelisted
names can become functions, every size is bounded, and every error carries a column.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

import sympy

from ..limits import MAX_CONSTANT_LOG10, MAX_DEPTH, MAX_LENGTH, MAX_LITERAL_DIGITS, MAX_NAME_LENGTH
from .errors import ExpressionError
from .functions import CONSTANTS, FUNCTION_ALIASES, FUNCTIONS


_UNICODE = {"−": "-", "×": "*", "·": "*", "÷": "/", "π": "pi", "²": "^2", "³": "^3"}

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\*\*|[-+*/^(),])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    kind: str  # "number", "name", "op" or "end"
    text: str
    column: int  # 1-based


@dataclass(frozen=True, eq=False)
class ParsedExpression:
    """A validated expression: the SymPy tree, its variable and its parameters (other free symbols)."""

    text: str
    expr: sympy.Expr
    variable: sympy.Symbol
    parameters: tuple[sympy.Symbol, ...]

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parameters)


def make_symbol(name: str) -> sympy.Symbol:
    """The symbol used for a variable or parameter name (real, so |x|' simplifies to sign(x))."""
    return sympy.Symbol(name, real=True)


def tokenize(text: str) -> list[Token]:
    """Split text into tokens; anything unknown is an error at its column."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            char = text[pos]
            hint = ""
            if char == "=":
                hint = "; type only the right-hand side, e.g. x^2 rather than y = x^2"
            elif char in "[]{}":
                hint = "; use round parentheses"
            elif char == "|":
                hint = "; write abs(x) for |x|"
            raise ExpressionError(f"unexpected character {char!r}{hint}", pos + 1, text)
        kind = match.lastgroup
        if kind != "space":
            tokens.append(Token(kind, match.group(), pos + 1))
        pos = match.end()
    tokens.append(Token("end", "", len(text) + 1))
    return tokens


def _log10_magnitude(value: sympy.Number) -> float:
    """log10(|value|) for an exact or float SymPy number, without overflowing."""
    if value.is_Rational:
        p, q = abs(int(value.p)), int(value.q)
        return (math.log10(p) if p else -math.inf) - math.log10(q)
    magnitude = abs(float(value))
    return math.log10(magnitude) if magnitude else -math.inf


class _Parser:
    def __init__(self, text: str, variable: str):
        self.text = text
        self.variable = variable
        self.tokens = tokenize(text)
        self.index = 0
        self.depth = 0

    # -- token helpers -------------------------------------------------
    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def error(self, message: str, token: Token | None = None) -> ExpressionError:
        return ExpressionError(message, (token or self.current).column, self.text)

    def expect(self, op: str) -> Token:
        if self.current.kind == "op" and self.current.text == op:
            return self.advance()
        found = "the end of the expression" if self.current.kind == "end" else repr(self.current.text)
        return self._raise(f"expected {op!r} but found {found}")

    def _raise(self, message: str, token: Token | None = None):
        raise self.error(message, token)

    def nested(self, token: Token):
        if self.depth >= MAX_DEPTH:
            self._raise(f"expression is nested too deeply (more than {MAX_DEPTH} levels)", token)
        self.depth += 1

    # -- grammar -------------------------------------------------------
    def parse(self) -> sympy.Expr:
        if self.current.kind == "end":
            raise ExpressionError("the expression is empty", None, self.text)
        expr = self.sum()
        if self.current.kind != "end":
            token = self.current
            if token.text == ")":
                self._raise("unmatched ')'", token)
            self._raise(f"missing operator before {token.text!r}", token)
        return expr

    def sum(self) -> sympy.Expr:
        expr = self.term()
        while self.current.kind == "op" and self.current.text in "+-":
            op = self.advance()
            rhs = self.term()
            expr = expr + rhs if op.text == "+" else expr - rhs
        return expr

    def term(self) -> sympy.Expr:
        expr = self.unary()
        while True:
            token = self.current
            if token.kind == "op" and token.text in ("*", "/"):
                self.advance()
                rhs = self.unary()
                if token.text == "*":
                    expr = expr * rhs
                elif rhs == 0:
                    self._raise("division by zero", token)
                else:
                    expr = expr / rhs
            elif self.starts_implicit_factor(token):
                expr = expr * self.power()
            else:
                return expr

    def starts_implicit_factor(self, token: Token) -> bool:
        # 2x, 2 sin(x), (x+1)(x-1), x(x+1): a name or '(' right after a complete operand.
        # A number after an operand ("x 2") is ambiguous and left to be reported as a missing operator.
        return token.kind == "name" or (token.kind == "op" and token.text == "(")

    def unary(self) -> sympy.Expr:
        token = self.current
        if token.kind == "op" and token.text in "+-":
            self.advance()
            self.nested(token)
            operand = self.unary()
            self.depth -= 1
            return -operand if token.text == "-" else operand
        return self.power()

    def power(self) -> sympy.Expr:
        base = self.atom()
        token = self.current
        if token.kind == "op" and token.text in ("**", "^"):
            self.advance()
            self.nested(token)
            exponent = self.unary()  # right-associative, and 2^-1 is allowed
            self.depth -= 1
            return self.checked_power(base, exponent, token)
        return base

    def checked_power(self, base: sympy.Expr, exponent: sympy.Expr, token: Token) -> sympy.Expr:
        if base.is_Number and exponent.is_Number and base not in (0, 1, -1):
            size = abs(float(exponent)) * abs(_log10_magnitude(base))
            if size > MAX_CONSTANT_LOG10:
                self._raise(
                    f"the constant {base}^{exponent} is out of range (about 10^{size:.3g}); "
                    "numbers must stay within double precision",
                    token,
                )
        if base == 0 and exponent.is_Number and exponent.is_negative:
            self._raise("division by zero (0 to a negative power)", token)
        return sympy.Pow(base, exponent)

    def atom(self) -> sympy.Expr:
        token = self.current
        if token.kind == "number":
            self.advance()
            return self.number(token)
        if token.kind == "name":
            self.advance()
            return self.name(token)
        if token.kind == "op" and token.text == "(":
            self.advance()
            self.nested(token)
            if self.current.kind == "op" and self.current.text == ")":
                self._raise("empty parentheses", self.current)
            expr = self.sum()
            if not (self.current.kind == "op" and self.current.text == ")"):
                self._raise("missing ')' to close the '(' here", token)
            self.advance()
            self.depth -= 1
            return expr
        if token.kind == "end":
            self._raise("the expression ends where a value was expected")
        if token.text == ")":
            self._raise("unmatched ')'" if self.depth == 0 else "expected a value before ')'")
        self._raise(f"expected a value but found {token.text!r}")

    def number(self, token: Token) -> sympy.Expr:
        digits = sum(ch.isdigit() for ch in token.text.split("e")[0].split("E")[0])
        if digits > MAX_LITERAL_DIGITS:
            self._raise(f"number has more than {MAX_LITERAL_DIGITS} digits", token)
        if any(ch in token.text for ch in ".eE"):
            value = float(token.text)
            if not math.isfinite(value):
                self._raise("number is out of double-precision range", token)
            return sympy.Float(token.text)
        return sympy.Integer(int(token.text))

    def name(self, token: Token) -> sympy.Expr:
        name = token.text
        if name.startswith("_"):
            self._raise("names may not start with '_'", token)
        if len(name) > MAX_NAME_LENGTH:
            self._raise(f"name is longer than {MAX_NAME_LENGTH} characters", token)
        follows_paren = self.current.kind == "op" and self.current.text == "(" and (
            self.current.column == token.column + len(name)
        )
        canonical = FUNCTION_ALIASES.get(name, name)
        if canonical in FUNCTIONS:
            if not (self.current.kind == "op" and self.current.text == "("):
                self._raise(f"function {name!r} needs its argument in parentheses, e.g. {name}(x)", token)
            return self.call(token, canonical)
        if name in CONSTANTS:
            return CONSTANTS[name]
        if follows_paren and name != self.variable:
            allowed = ", ".join(sorted(FUNCTIONS))
            product = f" (for a product write {name}*(...))" if len(name) <= 2 else ""
            self._raise(f"unknown function {name!r}{product}; allowed functions are {allowed}", token)
        return make_symbol(name)

    def call(self, token: Token, canonical: str) -> sympy.Expr:
        constructor, arities = FUNCTIONS[canonical]
        open_paren = self.advance()
        self.nested(open_paren)
        args = []
        if not (self.current.kind == "op" and self.current.text == ")"):
            args.append(self.sum())
            while self.current.kind == "op" and self.current.text == ",":
                self.advance()
                args.append(self.sum())
        if not (self.current.kind == "op" and self.current.text == ")"):
            if self.current.kind == "end":
                self._raise(f"missing ')' to close {token.text}(", open_paren)
            self._raise(f"expected ',' or ')' in {token.text}(...)")
        self.advance()
        self.depth -= 1
        if len(args) not in arities:
            expected = " or ".join(str(a) for a in arities)
            self._raise(f"{token.text} takes {expected} argument(s), got {len(args)}", token)
        return constructor(*args)


def _spell_out_unicode(text: str) -> tuple[str, list[int]]:
    """Replace typeset symbols (π, ², ×, −) by ASCII; also return each new character's original column."""
    pieces, columns = [], []
    for column, char in enumerate(text, start=1):
        replacement = _UNICODE.get(char, char)
        pieces.append(replacement)
        columns.extend([column] * len(replacement))
    columns.append(len(text) + 1)  # the end of the expression
    return "".join(pieces), columns


def parse_expression(text: str, variable: str = "x") -> ParsedExpression:
    """Parse user text into a ParsedExpression; raise ExpressionError (message, column) if it is bad."""
    if not isinstance(text, str) or not isinstance(variable, str):
        raise ExpressionError("the expression and its variable must be text")
    return _parse(text, variable)


@lru_cache(maxsize=128)  # the editor parses to validate, the worker to compute: the same text, once
def _parse(text: str, variable: str) -> ParsedExpression:
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"the expression is {len(text)} characters long; the limit is {MAX_LENGTH}", MAX_LENGTH + 1, None
        )
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,23}", variable or "") or variable in FUNCTIONS or variable in CONSTANTS:
        raise ExpressionError(f"{variable!r} cannot be the variable name")
    normalized, columns = _spell_out_unicode(text)
    try:
        expr = sympy.sympify(_Parser(normalized, variable).parse(), strict=True)
    except ExpressionError as exc:
        # Report the column in what the user typed, not in the spelled-out text.
        column = None if exc.column is None else columns[min(exc.column, len(columns)) - 1]
        raise ExpressionError(exc.message, column, text) from None
    except (RecursionError, MemoryError, OverflowError, ValueError, TypeError, ZeroDivisionError) as exc:
        raise ExpressionError(f"cannot build this expression: {exc.__class__.__name__}", None, text) from None
    # AccumBounds: SymPy's answer for a function of an infinity, e.g. atan(log(x - x)) = atan(log(0)).
    if expr.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo, sympy.AccumBounds):
        raise ExpressionError("the expression is undefined everywhere (it simplifies to infinity or NaN)", None, text)
    var = make_symbol(variable)
    parameters = tuple(sorted((s for s in expr.free_symbols if s != var), key=lambda s: s.name))
    return ParsedExpression(text=text, expr=expr, variable=var, parameters=parameters)
