"""Numbers written for people: as many significant digits as it takes to tell apart what differs.

Six digits (`:g`) write every x between 1e8 and 1e8 + 1 as "1e+08", and an epoch timestamp in seconds as
"1.7e+09" whatever its fraction; axes, titles and tables would then repeat one label for different places.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

MAX_DIGITS = 17  # a double's shortest exact text never needs more
LEAST_DIGITS = 6  # what `:g` writes, kept where it already tells the numbers apart
RANGE_RESOLUTION = 1e-3  # of a range's width: a place in it is written to tell it from one this far away


def digits_to_resolve(size: float, resolution: float, least: int = LEAST_DIGITS) -> int:
    """Significant digits that write numbers about `size` (in magnitude) so that two of them `resolution`
    apart read differently; `least` at the very least, MAX_DIGITS at most."""
    size, resolution = abs(float(size)), abs(float(resolution))
    if not (math.isfinite(size) and math.isfinite(resolution)) or size == 0 or resolution == 0:
        return least
    return max(least, min(MAX_DIGITS, math.ceil(math.log10(size) - math.log10(resolution)) + 1))


def resolved(value: float, resolution: float, least: int = LEAST_DIGITS) -> str:
    """value with enough significant digits to be told from a number `resolution` away."""
    return f"{float(value):.{digits_to_resolve(value, resolution, least)}g}"


def resolved_all(values: Sequence[float], least: int = LEAST_DIGITS) -> list[str]:
    """values written alike, with the fewest digits (`least` at the very least) that write neighbours in the
    sequence differently when they differ in value (ticks of an axis, a column of a table)."""
    numbers = [float(v) for v in values]
    finite = [v for v in numbers if math.isfinite(v)]
    gaps = [abs(b - a) for a, b in zip(finite, finite[1:], strict=False) if b != a]
    size = max((abs(v) for v in finite), default=0.0)
    digits = least
    if gaps and size > 0:  # from the digit of the largest value down to that of the smallest gap
        digits = max(least, min(MAX_DIGITS, math.floor(math.log10(size)) - math.floor(math.log10(min(gaps))) + 1))
    while True:
        texts = [f"{v:.{digits}g}" for v in numbers]
        if digits >= MAX_DIGITS or all(a != b for a, b, x, y in zip(texts, texts[1:], numbers, numbers[1:],
                                                                     strict=False) if x != y):
            return texts
        digits += 1  # rounding carried two neighbours onto one text


def exact_text(value: float) -> str:
    """The shortest text that reads back as exactly this double (what the user typed, for a typed number):
    2 rather than 2.0."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text
