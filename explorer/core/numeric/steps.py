"""The step each point uses: scaled with |x|, balanced from f's own derivatives, exactly representable.

A request's `step` is a base step h0; at x the step is h0 * s(x) with the scale s(x) = max(|x|, s0). A
fixed h cannot serve every x: at x = 1e8 a step of 1e-5 is a few hundred ulps of x (round-off in the
stencil's points and in f swamps the difference), and at x = 1e-6 it leaves the domain of log(x).

The step actually used is made exactly representable at its point: (x + h) - x == h, so the stencil
evaluates f where the weights assume it does.
"""

from __future__ import annotations

import numpy as np

from .finite_difference import EPS, Stencil

# s0 of the command line, which has points but no range: 1 keeps the steps every x in [-1, 1] had.
DEFAULT_SCALE_FLOOR = 1.0
# What the complex step's base step is multiplied by: it has no cancellation, so only truncation (h^2)
# and underflow limit it.
COMPLEX_BASE_STEP = 1e-20
COMPLEX_FLOOR = 1e-280  # least |Im f(x + ih)| = h |f'| wanted: below ~1e-308 it loses digits (subnormal)
COMPLEX_CEILING = 1e300  # most |Im f(x + ih)| = h |f'| wanted: beyond 1.8e308 it is infinite
DOMAIN_RETRIES = 6  # how many times a step whose stencil leaves f's domain is cut by DOMAIN_CUT
DOMAIN_CUT = 10.0
OWN_SCALE_GAIN = 100.0  # round-off steps of a range's size may add over f's own scale's (scale_floor)
BALANCE_ITERATIONS = 6  # Newton steps towards the balanced step (it starts within a factor 2 of it)


def scale_floor(x_min: float, x_max: float, own_scale: float = 0.0, order: int = 1) -> float:
    """s0 for a range: 1 when the range reaches |x| >= 1 (the steps of every ordinary range stay as they
    were for |x| <= 1), else the range's own magnitude max(|x_min|, |x_max|), or f's own scale (own_scale,
    up to 1) where that is so much larger that steps of the range's size would leave the n-th derivative's
    differences to round-off (its error grows as (own_scale / magnitude)^n, OWN_SCALE_GAIN at most).

    On [1e-7, 1e-5] a floor of 1 would make the step h0 whatever x is there: 1e-5 at the default h0, as
    large as the range itself, and the stencil of log(x) would leave the domain at every point. With
    s0 = 1e-5 the step is h0 * 1e-5 at the small end (h/x <= 100 h0) and h0 * x at the large end.
    But exp(x) on [1e-9, 2e-9] changes over lengths of 1, not 1e-9: steps of h0 * 1e-9 left its differences
    to round-off (1e-3 off at the default h0, 100% at order 2, and no h on the slider reached a good step).
    Its own scale (own_scale_of) is 1; log(x)'s is within a few times x, and its steps stay as they were.
    """
    magnitude = max(abs(float(x_min)), abs(float(x_max)))
    if not magnitude > 0:
        return DEFAULT_SCALE_FLOOR
    floor = min(DEFAULT_SCALE_FLOOR, magnitude)
    if own_scale > floor and (own_scale / floor) ** order > OWN_SCALE_GAIN:  # inf: f^(n) is 0, any step
        return min(DEFAULT_SCALE_FLOOR, float(own_scale))
    return floor


def own_scale_of(f: np.ndarray, derivative: np.ndarray, order: int) -> float:
    """The length over which f's n-th derivative changes f by about its own size: the median over the grid of
    (|f| / |f^(n)|)^(1/n), from exact values of f^(n) (autodiff's; differences of f drown in rounding on a
    range 1e-9 wide); 0 where nothing says (f or f^(n) undefined everywhere). It is 1 for exp(x) near 0 and
    for sin(x) at order 2 (their steps need not shrink with x), about x for 1/x and x^2 (theirs must), and
    infinite where f^(n) is 0."""
    with np.errstate(all="ignore"):
        lengths = (np.abs(np.asarray(f, dtype=float)) / np.abs(np.asarray(derivative, dtype=float))) ** (1.0 / order)
    known = lengths[~np.isnan(lengths)]
    return float(np.median(known)) if known.size else 0.0


def reaches_across(side: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Where a stencil's points reach the other side of a kink: side is the sign of the kink's argument at each
    point, others its sign at each stencil point (axis 0). Not at a point on the kink itself, where no step
    avoids it, and not for an undefined stencil point: that is the domain's matter."""
    return (side != 0) & np.any((others != side) & ~np.isnan(others), axis=0)


def step_scale(x: np.ndarray, floor: float = DEFAULT_SCALE_FLOOR) -> np.ndarray:
    """s(x) = max(|x|, s0): the scale a base step is multiplied by at x."""
    return np.maximum(np.abs(np.asarray(x, dtype=float)), floor)


def representable(x: np.ndarray, h: np.ndarray | float, denominator: int = 1) -> np.ndarray:
    """h at each x, changed by at most an ulp of x so that x + h * m / denominator is exact for the small
    integers m of a stencil (Richardson's offsets are halves and quarters).

    Computed as D * ((|x| + h/D) - |x|): away from zero the sum is what the point will be, and its
    difference with |x| is exact (Sterbenz); towards zero x - h is a multiple of x's ulp, so exact too.
    A step below half an ulp of x (it would vanish) becomes one ulp.
    """
    ax = np.abs(np.asarray(x, dtype=float))
    part = np.asarray(h, dtype=float) / denominator if denominator != 1 else np.asarray(h, dtype=float)
    exact = (ax + part) - ax
    if denominator != 1:
        exact *= denominator
    if not np.all(exact > 0):  # an ulp of |x| (or the smallest subnormal at 0) is the least step there is
        exact = np.where(exact > 0, exact, denominator * np.spacing(ax))
    return exact


def scaled(x: np.ndarray, base: np.ndarray | float, floor: float = DEFAULT_SCALE_FLOOR,
           denominator: int = 1) -> np.ndarray:
    """The step at each x for base step h0: h0 * max(|x|, s0), made representable (`representable`).

    `base` may be a column (K, 1) against x (N,): a sweep over h0 at one or more points."""
    ax = np.abs(np.asarray(x, dtype=float))
    part = np.maximum(ax, floor)
    if not isinstance(part, np.ndarray):  # one point given as a number
        part = np.array(part)
    if np.ndim(base) == 0:
        smallest = float(base) / denominator
        part *= smallest  # in place: these run for every block of the window's curves
    else:
        smallest = float(np.min(base)) / denominator
        part = part * (np.asarray(base, dtype=float) / denominator)
    exact = np.add(ax, part, out=part)
    exact -= ax
    if denominator != 1:
        exact *= denominator
    # h0 * s(x) >= h0 |x| is below an ulp of x only when h0 / D is below about eps.
    if smallest < 4 * EPS and not np.all(exact > 0):
        exact = np.where(exact > 0, exact, denominator * np.spacing(ax))
    return exact


def balanced(stencil: Stencil, f0: np.ndarray, higher: np.ndarray, next_higher: np.ndarray | None,
             noise: float = 0.0) -> np.ndarray:
    """Per point, the step that balances truncation against round-off (and noise) from f's own values:

        |C| M(h) h^p = (n / p) (R eps |f| + sqrt(sum w^2) sigma) / h^n,   M(h) = |f^(n+p)| + w h |f^(n+p+1)|

    where w is the stencil's half-width. M bounds f^(n+p) over the stencil, so a point where f^(n+p)
    happens to vanish (sin''' at pi/2) does not get an enormous step. NaN where the balance is not
    known: f or f^(n+p) undefined or infinite, or nothing to balance (no round-off because f = 0 and
    no noise, or no truncation because M = 0: polynomials of low degree).
    """
    n, p = stencil.derivative_order, stencil.accuracy
    q = n + p
    width = float(np.max(np.abs(stencil.offsets_array)))
    spread = stencil.roundoff_coefficient * EPS * np.abs(f0) + stencil.noise_coefficient * noise
    numerator = n * spread / (p * abs(stencil.error_coefficient))
    a = np.abs(higher)
    b = np.abs(next_higher) * width if next_higher is not None else np.zeros_like(a)
    b = np.where(np.isfinite(b), b, 0.0)  # an unknown next derivative only loses the refinement
    with np.errstate(all="ignore"):
        # The root lies within a factor 2 below the smaller of the two one-term solutions; Newton on
        # q log h + log M(h) = log numerator (convex, increasing in log h) comes down to it monotonically.
        u = np.log(np.minimum((numerator / a) ** (1.0 / q), (numerator / b) ** (1.0 / (q + 1))))
        for _ in range(BALANCE_ITERATIONS):
            e = np.exp(u)
            m = a + b * e
            u = u - (q * u + np.log(m) - np.log(numerator)) / (q + b * e / m)
        h = np.exp(u)
        known = np.isfinite(f0) & np.isfinite(a) & (numerator > 0) & (a + b > 0) & np.isfinite(h) & (h > 0)
    return np.where(known, h, np.nan)
