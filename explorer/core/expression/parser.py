"""Safe expression parsing: text -> SymPy expression, with no eval of user input.

A small recursive-descent parser builds SymPy objects directly from tokens, so only whitelisted
names can become functions, every size is bounded, and every error carries a column.
"""

from __future__ import annotations

import keyword
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import NoReturn

import sympy

from ..limits import (
    MAX_CONSTANT_LOG10,
    MAX_DEPTH,
    MAX_EXACT_DIGITS,
    MAX_LENGTH,
    MAX_LITERAL_DIGITS,
    MAX_NAME_LENGTH,
)
from .constants import Constants, OutOfRange, Undefined, exact_digits, out_of_range_message
from .errors import ExpressionError
from .functions import CONSTANTS, FUNCTION_ALIASES, FUNCTIONS, RESERVED_NAMES

# π is spelled out with spaces around it, so πx and xπ are products like 2x, not names "pix" and "xpi".
# Hyphens and dashes pasted from a document are minus signs too.
_UNICODE = {"−": "-", "‐": "-", "‑": "-", "‒": "-", "–": "-", "×": "*", "·": "*", "÷": "/", "π": " pi "}
# A run of superscripts is one exponent: x²³ is x^(23) (it was x^2^3 = x^8) and x⁻¹ is x^(-1).
_SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+", strict=True))

# ASCII digits only: Python's \d also matches ٣ or ３, which float() reads but SymPy's Float does not.
_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\*\*|[-+*/^(),])
    """,
    re.VERBOSE,
)


# A number in another base as Python writes it (0x1f, 0b101, 0o17): tokenized it would be 0 times a name.
_PREFIXED = re.compile(r"0(?:[xX][0-9A-Fa-f]|[bB][01]|[oO][0-7])")


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
    # Every name typed as a variable or parameter, also those the expression lost on the way (0*a, a - a):
    # a number typed as text must have none (0x10 would otherwise be 0*x10 = 0).
    names: frozenset[str] = frozenset()

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
            elif char.isdigit():
                hint = "; write digits as 0-9"
            elif char.isalpha():
                hint = "; names are made of the letters a-z and A-Z"
            raise ExpressionError(f"unexpected character {char!r}{hint}", pos + 1, text)
        kind = match.lastgroup or "space"  # every alternative of _TOKEN is a named group
        if kind == "number" and _PREFIXED.match(text, pos):
            # 0x10 would be read as 0*x10, which is 0: a number in another base, silently wrong.
            raise ExpressionError("hexadecimal, binary and octal numbers (0x, 0b, 0o) are not read; "
                                  "write the number in decimal", pos + 1, text)
        if kind != "space":
            tokens.append(Token(kind, match.group(), pos + 1))
        pos = match.end()
    tokens.append(Token("end", "", len(text) + 1))
    return tokens


def _glued_function(name: str, variable: str) -> str | None:
    """The function a name is made of when it is a known function's name glued to the variable (sinx, lnx,
    expx, sqrtx), else None."""
    head = name[: -len(variable)] if name.endswith(variable) and len(name) > len(variable) else ""
    return head if head in FUNCTIONS or head in FUNCTION_ALIASES else None


def name_problem(name: str) -> str | None:
    """Why name cannot be a parameter (or the variable), or None if it can."""
    if keyword.iskeyword(name):
        return f"{name!r} is a Python keyword, not a parameter name"
    if name in RESERVED_NAMES:
        return RESERVED_NAMES[name]
    canonical = FUNCTION_ALIASES.get(name, name)
    if canonical in FUNCTIONS:
        return f"{name!r} is a function"
    if name in CONSTANTS:
        return f"{name!r} is a constant"
    if len(name) > MAX_NAME_LENGTH:  # first: the message below quotes the name
        return f"name is longer than {MAX_NAME_LENGTH} characters"
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name):
        return f"{name!r} is not a name: a letter, then letters, digits or '_'"
    return None


FLOAT_DIGITS = 15  # decimal digits of a double, the least precision a typed decimal gets


def _bounded_literal(text: str) -> str:
    """A decimal literal as typed, unless its exponent alone puts it out of range (1e-99999999999)."""
    mantissa, _, exponent = text.lower().partition("e")
    if exponent and mantissa.strip("0.") and abs(int(exponent)) > 2 * MAX_CONSTANT_LOG10:
        raise OutOfRange(float(int(exponent)) if len(exponent) < 300 else math.copysign(math.inf, int(exponent)))
    return text


def _unevaluated_call(canonical: str, args: list[sympy.Expr]) -> sympy.Expr:
    """The whitelisted function applied to args as SymPy would write it, without SymPy evaluating it."""
    if canonical == "log":
        logs = [sympy.log(arg, evaluate=False) for arg in args]
        return logs[0] if len(logs) == 1 else sympy.Mul(logs[0], sympy.Pow(logs[1], -1, evaluate=False), evaluate=False)
    return FUNCTIONS[canonical][0](*args, evaluate=False)


def _plain(expr: sympy.Expr) -> str:
    """expr as text for a message ('...' when long), with ^ for powers as it would be typed."""
    if any(exact_digits(r) > 40 for r in expr.atoms(sympy.Rational)):
        return "..."
    text = sympy.sstr(expr).replace("**", "^")
    return text if len(text) <= 40 else "..."


def _shown(expr: sympy.Expr) -> str:
    """'the constant <expr>' for a message: 'this constant' when expr is long, 'a constant in <expr>' when
    it is not a constant itself."""
    text = _plain(expr)
    if text == "...":
        return "this constant"
    return f"a constant in {text}" if expr.free_symbols else f"the constant {text}"


class _Parser:
    def __init__(self, text: str, variable: str):
        self.text = text
        self.variable = variable
        self.tokens = tokenize(text)
        self.index = 0
        self.depth = 0
        self.constants = Constants()
        self.names: set[str] = set()  # of the symbols made (see ParsedExpression.names)

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

    def _raise(self, message: str, token: Token | None = None) -> NoReturn:
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

    # Sums and products are built at once from all their operands: SymPy re-sorts the whole sum on each
    # `a + b`, so building them one operator at a time costs the square of their length.
    def sum(self) -> sympy.Expr:
        terms, operators = [self.term()], []
        while self.current.kind == "op" and self.current.text in "+-":
            operators.append(self.advance())
            rhs = self.term()
            terms.append(rhs if operators[-1].text == "+" else -rhs)
        return self.combined(sympy.Add, terms, operators) if operators else terms[0]

    def term(self) -> sympy.Expr:
        factors: list[sympy.Expr] = [self.unary()]
        operators: list[Token] = []
        while True:
            token = self.current
            if token.kind == "op" and token.text in ("*", "/"):
                self.advance()
                rhs = self.unary()
                if token.text == "/" and rhs == 0:
                    self._raise("division by zero", token)
                factors.append(rhs if token.text == "*" else sympy.Pow(rhs, -1))
            elif self.starts_implicit_factor(token):
                factors.append(self.power())
            else:
                return self.combined(sympy.Mul, factors, operators) if operators else factors[0]
            operators.append(token)

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

    # -- constants: bounded size and cost ------------------------------
    def combined(self, kind, operands: list[sympy.Expr], operators: list[Token]) -> sympy.Expr:
        """kind(*operands), a sum or a product, with its constants bounded; an error names the operator
        where the constant part first leaves double range."""
        try:
            return self.constants.bounded(kind(*operands))
        except (OutOfRange, Undefined) as exc:
            token = self.constants.first_out_of_range(kind, operands, operators) or operators[-1]
            what = {"+": "sum", "-": "difference", "/": "quotient"}.get(token.text, "product")
            if isinstance(exc, Undefined):
                self._raise(f"this {what} is undefined (infinite or not a number)", token)
            self._raise(f"this {what} {out_of_range_message(exc.log10)}", token)

    def checked(self, build, token: Token, subject: str | sympy.Expr) -> sympy.Expr:
        """build() with the constants it folds bounded (see Constants.bounded). A constant outside double
        range, or an infinite or undefined one, is an error at token naming subject ("the number 1e-400", or
        an unevaluated expression, shown only then)."""
        try:
            return self.constants.bounded(build())
        except (OutOfRange, Undefined) as exc:
            what = subject if isinstance(subject, str) else _shown(subject)
            if isinstance(exc, Undefined):
                self._raise(f"{what} is undefined (infinite or not a number)", token)
            self._raise(f"{exc.subject or what} {out_of_range_message(exc.log10)}", token)

    def operands(self, token: Token, *operands: sympy.Expr) -> list[sympy.Expr]:
        """The operands of a function or power, deeply nested constants as doubles (Constants.operand)."""
        try:
            return [self.constants.operand(operand) for operand in operands]
        except OutOfRange as exc:  # cannot happen to a constant already checked; kept for a clear message
            self._raise(f"this constant {out_of_range_message(exc.log10)}", token)

    def checked_power(self, base: sympy.Expr, exponent: sympy.Expr, token: Token) -> sympy.Expr:
        if base == 0 and exponent.is_Number and exponent.is_negative:
            self._raise("division by zero (0 to a negative power)", token)
        if base is sympy.E:
            return self.exponential(exponent, token)
        subject = sympy.Pow(base, exponent, evaluate=False)
        if self.constants.is_numeric(base, exponent):
            return self.checked(lambda: self.constants.double(subject), token, subject)
        base, exponent = self.operands(token, base, exponent)
        if self.constants.power_cost(base, exponent) > MAX_EXACT_DIGITS:
            return self.checked(lambda: self.power_in_floats(base, exponent, token), token, subject)
        return self.checked(lambda: sympy.Pow(base, exponent), token, subject)

    def power_in_floats(self, base: sympy.Expr, exponent: sympy.Expr, token: Token) -> sympy.Expr:
        """base**exponent with the constant factors of base raised as a double, not exactly.

        (C*R)^e = |C|^e * (sign(C)*R)^e for real C != 0, so only |C|^e needs computing.
        """
        factors = sympy.Mul.make_args(base)
        constant = sympy.Mul(*(f for f in factors if self.constants.is_constant(f)))
        rest = sympy.Mul(*(f for f in factors if not self.constants.is_constant(f)))
        if rest != 1:
            value = self.constants.value(constant)
            if not self.constants.is_real(value):
                self._raise("this power of a complex constant is too large to compute exactly", token)
            if value < 0:
                constant, rest = -constant, -rest
        try:
            power = self.constants.as_float(self.constants.power(constant, exponent))
        except OutOfRange as exc:
            exc.subject = _shown(sympy.Pow(constant, exponent, evaluate=False))  # the part that is too big
            raise
        return power * sympy.Pow(rest, exponent) if rest != 1 else power

    def exponential(self, argument: sympy.Expr, token: Token) -> sympy.Expr:
        # SymPy turns exp(n*log(r)) into r**n, exactly: bounded like a power.
        subject = sympy.exp(argument, evaluate=False)
        if self.constants.is_numeric(argument):
            return self.checked(lambda: self.constants.double(sympy.exp(argument, evaluate=False)), token, subject)
        (argument,) = self.operands(token, argument)
        if self.constants.exp_cost(argument) <= MAX_EXACT_DIGITS:
            return self.checked(lambda: sympy.exp(argument), token, subject)
        if not self.constants.is_constant(argument):
            self._raise("this exp(n*log(...)) is a power too large to compute exactly; write it as a power", token)
        return self.checked(lambda: self.constants.as_float(self.constants.exp(argument)), token, subject)

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
            # Exponents of any length are bounded here, before SymPy reads 1e999999999 exactly. The precision is
            # the digits typed (a double's 15 at least): SymPy reads a whole number in e-notation exactly, and
            # 1e300 was then written back everywhere (formula, steps, JSON, LaTeX) as 301 digits.
            significant = len(token.text.lower().split("e")[0].replace(".", "").lstrip("0"))
            return self.checked(lambda: sympy.Float(_bounded_literal(token.text), max(FLOAT_DIGITS, significant)),
                                token, f"the number {token.text}")
        return sympy.Integer(int(token.text))

    def name(self, token: Token) -> sympy.Expr:
        name = token.text
        if name.startswith("_"):
            self._raise("names may not start with '_'", token)
        if len(name) > MAX_NAME_LENGTH:
            self._raise(f"name is longer than {MAX_NAME_LENGTH} characters", token)
        if keyword.iskeyword(name) or name in RESERVED_NAMES:
            self._raise(name_problem(name) or f"{name} is reserved", token)
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
        glued = _glued_function(name, self.variable)
        if glued is not None:
            # sinx is a typo far more often than a parameter: as a parameter f would silently be constant.
            self._raise(f"{name!r} is not a name here: did you mean {glued}({self.variable})?", token)
        if follows_paren and name != self.variable:
            allowed = ", ".join(sorted(FUNCTIONS))
            product = f" (for a product write {name}*(...))" if len(name) <= 2 else ""
            self._raise(f"unknown function {name!r}{product}; allowed functions are {allowed}", token)
        self.names.add(name)
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
        if canonical == "exp":
            return self.exponential(args[0], token)
        if canonical == "sqrt":
            return self.checked_power(args[0], sympy.S.Half, token)
        if canonical == "log" and len(args) == 2 and args[1].is_number:
            # log(x, b) = log(x)/log(b): with b = 0 SymPy folds it to log(x)/zoo = 0, a constant f that no base
            # gives; with b < 0 it is complex for every x. A base must be positive and not 1, as in calculus.
            base = args[1]
            if base.is_extended_real is False or (base <= 0) is sympy.true or base == 1:
                self._raise(f"the base of a logarithm must be positive and not 1, not {_plain(base)}", token)
        subject = _unevaluated_call(canonical, args)
        if self.constants.is_numeric(*args):
            return self.checked(lambda: self.constants.double(subject), token, subject)
        args = self.operands(token, *args)
        return self.checked(lambda: constructor(*args), token, subject)


def _numbers_bounded(expr: sympy.Expr, text: str) -> sympy.Expr:
    """expr with every number in it checked as the parser checks what it builds. The parser bounds the
    numbers SymPy folds where it can name the column; this catches any SymPy folded deeper."""
    constants = Constants()
    replacements = {}
    for number in expr.atoms(sympy.Number):
        try:
            bounded = constants.bounded(number)
        except OutOfRange as exc:
            raise ExpressionError(f"{_shown(number)} {out_of_range_message(exc.log10)}", None, text) from None
        if bounded is not number:
            replacements[number] = bounded
    return expr.xreplace(replacements) if replacements else expr


def _spell_out_unicode(text: str) -> tuple[str, list[int]]:
    """Replace typeset symbols (π, ², ×, −) by ASCII; also return each new character's original column."""
    pieces, columns = [], []
    index = 0
    while index < len(text):
        end = index
        while end < len(text) and text[end] in _SUPERSCRIPTS:
            end += 1
        if end > index:
            replacement = "^(" + "".join(_SUPERSCRIPTS[char] for char in text[index:end]) + ")"
        else:
            replacement, end = _UNICODE.get(text[index], text[index]), index + 1
        pieces.append(replacement)
        columns.extend([index + 1] * len(replacement))
        index = end
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
    problem = name_problem(variable)
    if problem:
        raise ExpressionError(f"{variable!r} cannot be the variable name: {problem}")
    normalized, columns = _spell_out_unicode(text)
    try:
        parser = _Parser(normalized, variable)
        expr = sympy.sympify(parser.parse(), strict=True)
    except ExpressionError as exc:
        # Report the column in what the user typed, not in the spelled-out text.
        column = None if exc.column is None else columns[min(exc.column, len(columns)) - 1]
        raise ExpressionError(exc.message, column, text) from None
    except (RecursionError, MemoryError, OverflowError, ValueError, TypeError, ZeroDivisionError) as exc:
        raise ExpressionError(f"cannot build this expression: {exc.__class__.__name__}", None, text) from None
    # AccumBounds: SymPy's answer for a function of an infinity, e.g. atan(log(x - x)) = atan(log(0)).
    if expr.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo, sympy.AccumBounds):
        raise ExpressionError("the expression is undefined everywhere (it simplifies to infinity or NaN)", None, text)
    expr = _numbers_bounded(expr, text)
    var = make_symbol(variable)
    parameters = tuple(sorted((s for s in expr.free_symbols if s != var), key=lambda s: s.name))
    return ParsedExpression(text=text, expr=expr, variable=var, parameters=parameters, names=frozenset(parser.names))
