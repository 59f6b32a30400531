"""Instructive functions with ranges that show what each one teaches."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Preset:
    """A named function, its x range and what to look for."""

    name: str
    expression: str
    x_min: float
    x_max: float
    lesson: str
    order: int = 1
    noise: float = 0.0
    probe: float | None = None  # where the error-against-h sweep is taken; None: the window picks


PRESETS = (
    Preset("sin(x)", "sin(x)", -6.0, 6.0, "smooth and periodic: every method agrees at a good h"),
    Preset("exp(x)", "exp(x)", -2.0, 3.0, "the derivative is itself; error grows with the function"),
    Preset("x³", "x^3", -2.0, 2.0, "a cubic: central differences are exact up to round-off", order=2),
    Preset("|x|", "abs(x)", -1.0, 1.0,
           "a kink at 0: the sweep is taken just beside it, at x = 3e-6, where every step h > 3e-6 straddles the "
           "kink and the difference is wrong by about 1, while smaller steps are right",
           probe=3e-6),
    Preset("log(x)", "log(x)", 0.05, 4.0, "a pole at 0: derivatives and errors blow up near it"),
    Preset("Runge 1/(1+25x²)", "1/(1+25x^2)", -1.0, 1.0, "harmless-looking, with huge higher derivatives", order=3),
    Preset("sin(1/x)", "sin(1/x)", 0.05, 1.0, "oscillates ever faster towards 0: no h is good everywhere"),
    Preset("xˣ", "x^x", 0.05, 2.5, "a variable exponent; undefined for x ≤ 0"),
    Preset("exp(-x²)", "exp(-x^2)", -3.0, 3.0, "the Gaussian: watch higher orders lose digits", order=4),
    Preset("1e8·sin(x)", "1e8*sin(x)", -3.0, 3.0, "a large scale makes round-off large too"),
    Preset("sin(k·x)", "sin(k x)", -3.0, 3.0,
           "raise k under Parameters: the faster f turns, the smaller the best step h*"),
    Preset("measured sin(x)", "sin(x)", -3.0, 3.0,
           "samples with noise 1e-6, as from an instrument: the best h grows to ~1e-2 and small steps amplify "
           "the noise",
           noise=1e-6),
)
