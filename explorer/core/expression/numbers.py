"""Numbers typed as text (a point, a step, a parameter's value, seconds): constant expressions read as doubles.

A number may be any constant expression (2, -1e-3, pi/4, sqrt(2)/2). It is parsed by the expression parser,
which refuses a constant outside double range before computing it, and its value is approximated at a
bounded precision: reading a number never hangs, whatever was typed (sin(exp(exp(20))) is refused at once).
"""

from __future__ import annotations

import math

from ..limits import MAX_STEP, MAX_TIMEOUT, MIN_STEP
from .constants import Constants
from .errors import ExpressionError
from .parser import parse_expression


def parse_number(text: str) -> float:
    """The value of a constant expression as a double; ExpressionError if it is not a finite real number."""
    parsed = parse_expression(text)
    if parsed.names:  # also a name that cancelled out: 0*a or a - a is not a number
        names = ", ".join(sorted(parsed.names))
        raise ExpressionError(f"a number cannot contain a name ({names})", None, text)
    constants = Constants()
    try:
        value = constants.value(parsed.expr)
    except ArithmeticError:  # OutOfRange, Undefined: the parser refused these already; kept to be sure
        raise ExpressionError("this is not a finite number", None, text) from None
    if not constants.is_real(value):
        raise ExpressionError("this is not a real number", None, text)
    number = float(constants.as_float(value))
    if not math.isfinite(number):
        raise ExpressionError("this is out of double-precision range", None, text)
    return number


def parse_seconds(text: str) -> float:
    """A time limit in seconds: more than 0 and at most MAX_TIMEOUT (nan and inf are not numbers here)."""
    seconds = parse_number(text)
    if not 0 < seconds <= MAX_TIMEOUT:
        raise ExpressionError(f"a time limit must be more than 0 and at most {MAX_TIMEOUT:g} seconds", None, text)
    return seconds


def parse_step(text: str) -> float:
    """A finite-difference step h: within MIN_STEP..MAX_STEP."""
    step = parse_number(text)
    if not MIN_STEP <= step <= MAX_STEP:
        raise ExpressionError(f"the step h must be between {MIN_STEP:g} and {MAX_STEP:g}", None, text)
    return step
