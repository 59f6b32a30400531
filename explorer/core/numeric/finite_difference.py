"""Finite-difference derivatives: Fornberg stencils, Richardson extrapolation and the complex step.

Every method here is vectorised: x may have any shape and h may be an array that broadcasts
against it, so a whole error-versus-h sweep is one call of f.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cache, cached_property
from typing import Protocol

import numpy as np

from ..limits import MAX_ACCURACY, MAX_ORDER

EPS = float(np.finfo(float).eps)

Function = Callable[[np.ndarray], np.ndarray]


def fornberg_weights(offsets: Sequence[Fraction | int], order: int) -> tuple[Fraction, ...]:
    """Exact weights w with f^(order)(0) ~ sum w_j f(offsets_j) (Fornberg 1988, evaluation point 0)."""
    nodes = [Fraction(s) for s in offsets]
    if len(set(nodes)) != len(nodes):
        raise ValueError("stencil offsets must be distinct")
    if order >= len(nodes):
        raise ValueError(f"a derivative of order {order} needs more than {len(nodes)} points")
    # c[j][k]: weight of node j for the k-th derivative using the nodes seen so far.
    c = [[Fraction(0)] * (order + 1) for _ in nodes]
    c[0][0] = Fraction(1)
    c1 = Fraction(1)
    c4 = nodes[0]
    for i in range(1, len(nodes)):
        top = min(i, order)
        c2 = Fraction(1)
        c5, c4 = c4, nodes[i]
        for j in range(i):
            c3 = nodes[i] - nodes[j]
            c2 *= c3
            if j == i - 1:
                for k in range(top, 0, -1):
                    c[i][k] = c1 * (k * c[i - 1][k - 1] - c5 * c[i - 1][k]) / c2
                c[i][0] = -c1 * c5 * c[i - 1][0] / c2
            for k in range(top, 0, -1):
                c[j][k] = (c4 * c[j][k] - k * c[j][k - 1]) / c3
            c[j][0] = c4 * c[j][0] / c3
        c1 = c2
    return tuple(c[j][order] for j in range(len(nodes)))


@dataclass(frozen=True, eq=False)
class Stencil:
    """Offsets s_j and weights w_j with f^(n)(x) ~ sum w_j f(x + s_j h) / h^n + C h^p f^(n+p)(x)."""

    offsets: tuple[Fraction, ...]
    weights: tuple[Fraction, ...]
    derivative_order: int
    accuracy: int  # p: the truncation error falls like h^p
    error_coefficient: float  # C in the leading truncation term C h^p f^(n+p)
    roundoff_coefficient: float  # sum |w_j|: the round-off error is about this * eps |f| / h^n
    noise_coefficient: float  # sqrt(sum w_j^2): independent noise sigma on each sample gives this * sigma / h^n

    # Cached: a long x is worked through in blocks, and each block asks again (the caller must not
    # change the arrays).
    @cached_property
    def offsets_array(self) -> np.ndarray:
        return np.array([float(s) for s in self.offsets])

    @cached_property
    def weights_array(self) -> np.ndarray:
        return np.array([float(w) for w in self.weights])

    @cached_property
    def denominator(self) -> int:
        """The least common denominator of the offsets (Richardson's are halves, quarters...): a step that
        is this many ulps of x puts every stencil point exactly on a double."""
        return math.lcm(*(s.denominator for s in self.offsets))

    @cached_property
    def reference_index(self) -> int:
        """The point the others are differenced against (the one of largest weight)."""
        return max(range(len(self.weights)), key=lambda j: (abs(self.weights[j]), -j))

    @cached_property
    def is_central_pair(self) -> bool:
        """Offsets -1 and 1: the points are x - h and x + h."""
        return self.offsets == (-1, 1)


def _make_stencil(offsets: Sequence[Fraction], weights: Sequence[Fraction], order: int) -> Stencil:
    """Measure a stencil's true accuracy and error constant from its moments sum w s^k / k!."""
    # Zero weights (the centre of odd-order central stencils) would cost an f-evaluation for nothing.
    kept = [(s, w) for s, w in zip(offsets, weights, strict=True) if w != 0]
    offsets, weights = [s for s, _ in kept], [w for _, w in kept]
    for k in range(order + 1, order + 4 * MAX_ACCURACY + 2):
        moment = sum(w * s**k for s, w in zip(offsets, weights, strict=True))
        if moment != 0:
            coefficient = float(moment / math.factorial(k))
            break
    else:  # pragma: no cover - only an exact polynomial stencil gets here
        raise ValueError("stencil has no truncation error to measure")
    return Stencil(
        offsets=tuple(offsets),
        weights=tuple(weights),
        derivative_order=order,
        accuracy=k - order,
        error_coefficient=coefficient,
        roundoff_coefficient=float(sum(abs(w) for w in weights)),
        noise_coefficient=math.sqrt(sum(float(w) ** 2 for w in weights)),
    )


def _check_orders(order: int, accuracy: int) -> None:
    if not 1 <= order <= MAX_ORDER:
        raise ValueError(f"derivative order must be 1..{MAX_ORDER}")
    if not 1 <= accuracy <= MAX_ACCURACY:
        raise ValueError(f"accuracy order must be 1..{MAX_ACCURACY}")


@cache
def forward_stencil(order: int, accuracy: int) -> Stencil:
    """One-sided stencil on 0, 1, ..., n+p-1."""
    _check_orders(order, accuracy)
    offsets = [Fraction(j) for j in range(order + accuracy)]
    return _make_stencil(offsets, fornberg_weights(offsets, order), order)


@cache
def backward_stencil(order: int, accuracy: int) -> Stencil:
    """One-sided stencil on -(n+p-1), ..., -1, 0."""
    _check_orders(order, accuracy)
    offsets = [Fraction(-j) for j in range(order + accuracy - 1, -1, -1)]
    return _make_stencil(offsets, fornberg_weights(offsets, order), order)


def central_accuracy(accuracy: int) -> int:
    """Central stencils are symmetric, so their accuracy is even: p rounded up to the next even number."""
    return accuracy + accuracy % 2


@cache
def central_stencil(order: int, accuracy: int) -> Stencil:
    """Symmetric stencil on -m..m with the fewest points giving accuracy >= p (p rounded up to even)."""
    _check_orders(order, accuracy)
    half_width = (order + 1) // 2 - 1 + central_accuracy(accuracy) // 2
    offsets = [Fraction(j) for j in range(-half_width, half_width + 1)]
    return _make_stencil(offsets, fornberg_weights(offsets, order), order)


def richardson_levels(accuracy: int) -> int:
    """How many step sizes h, h/2, ... Richardson combines for an accuracy of at least p (and at least 2)."""
    return max(2, (accuracy + 1) // 2)


@cache
def richardson_stencil(order: int, accuracy: int) -> Stencil:
    """Richardson extrapolation of second-order central differences over h, h/2, ..., as one stencil.

    Each extrapolation level cancels the next even power of h, so the result is again a linear
    stencil (with fractional offsets) whose accuracy and error constant are measured like any other.
    """
    _check_orders(order, accuracy)
    base = central_stencil(order, 2)
    levels = richardson_levels(accuracy)

    def scaled(level: int) -> dict[Fraction, Fraction]:
        # D(h / 2^level) written over the common denominator h^n.
        factor = Fraction(2) ** (level * order)
        return {s / 2**level: w * factor for s, w in zip(base.offsets, base.weights, strict=True) if w != 0}

    def combine(a: dict, b: dict, ca: Fraction, cb: Fraction) -> dict:
        out = {s: ca * w for s, w in a.items()}
        for s, w in b.items():
            out[s] = out.get(s, Fraction(0)) + cb * w
        return {s: w for s, w in out.items() if w != 0}

    table = [scaled(level) for level in range(levels)]
    for j in range(1, levels):
        factor = Fraction(4) ** j
        # T_i <- T_i + (T_i - T_{i-1}) / (4^j - 1), for the finer estimates only
        table = [
            combine(table[i], table[i - 1], 1 + 1 / (factor - 1), -1 / (factor - 1)) for i in range(1, len(table))
        ]
    combined = sorted(table[-1].items())
    return _make_stencil([s for s, _ in combined], [w for _, w in combined], order)


class Weighted(Protocol):
    """What combine needs of a stencil: a one-variable Stencil or a several-variable ProductStencil."""

    @property
    def weights_array(self) -> np.ndarray: ...

    @property
    def reference_index(self) -> int: ...


def combine(values: np.ndarray, stencil: Weighted, out: np.ndarray | None = None) -> np.ndarray:
    """sum_j w_j values_j over the first axis, in difference form: sum_{j != r} w_j (values_j - values_r).

    The weights of a derivative sum to exactly 0 as fractions but not as doubles (Richardson's 1/6, -4/3,
    4/3, -1/6 sum to 3.5e-14 of a constant's value): applied to identical values, the plain sum gave a
    constant a derivative of 3.5e-14. Differences of identical values are exactly 0, whatever the
    weights' rounding, and for the two-point stencils (w, -w) this is also the cheapest form. The sum goes
    into `out` when given.
    """
    r = stencil.reference_index
    weights = stencil.weights_array
    # Point by point, in a fixed order: a BLAS dot product's rounding depends on the array's length (so a
    # point's value would depend on how many points were computed with it, and on the block it fell in).
    estimate = None
    for j in range(len(weights)):
        if j == r:
            continue
        if estimate is None:
            estimate = np.subtract(values[j], values[r], out=out)
            estimate *= weights[j]
        else:
            term = values[j] - values[r]
            term *= weights[j]
            estimate += term
    assert estimate is not None  # a derivative's stencil has two points at least
    return estimate


# Points per block when a long x is worked through in blocks: every temporary of a block stays in cache
# and below malloc's mmap threshold. Whole-array temporaries of 1e5 points came as fresh pages each time,
# and faulting them in cost as much as the arithmetic (forward mode took twice its operations' time).
BLOCK = 8192

StepRule = Callable[[np.ndarray], np.ndarray]  # the step at each of a block of points


Compute = Callable[[np.ndarray, np.ndarray, "np.ndarray | None"], np.ndarray]


def blockwise(compute: Compute, x: np.ndarray, h: np.ndarray | float | StepRule) -> np.ndarray:
    """compute(x, h, out) block by block along a long 1-d x, each block's result written into its part of
    one output (out is None when x is computed in one go); h is a number, an array like x, or a StepRule
    giving each block's steps. Anything else (a sweep's column of steps) is computed in one go."""
    short = x.ndim != 1 or x.size <= 2 * BLOCK
    if callable(h):
        if short:
            return compute(x, h(x), None)
    else:
        h_array = np.asarray(h, dtype=float)
        if short or h_array.ndim > 1:
            return compute(x, h_array, None)
    out = np.empty(x.shape)
    for start in range(0, x.size, BLOCK):
        part = slice(start, start + BLOCK)
        block = x[part]
        steps = h(block) if callable(h) else (h_array[part] if h_array.ndim else h_array)
        compute(block, steps, out[part])
    return out


def _stencil_values(f: Function, x: np.ndarray, h: np.ndarray, stencil: Stencil) -> np.ndarray:
    """f at every stencil point x + s_j h, the points along a new first axis (callers silence NumPy's
    warnings: once around all the blocks, as entering np.errstate costs as much as a block's subtraction)."""
    if stencil.is_central_pair and h.shape in ((), x.shape):  # central, order 1, p = 2: x - h, x + h
        points = np.empty((2,) + x.shape)
        np.subtract(x, h, out=points[0])
        np.add(x, h, out=points[1])
    else:
        # (k, N) rows are contiguous, where an (N, k) layout made building the points alone cost as
        # much as evaluating f.
        points = x + h * stencil.offsets_array.reshape((-1,) + (1,) * np.broadcast(x, h).ndim)
    return np.asarray(f(points), dtype=float)


def _estimate(values: np.ndarray, h: np.ndarray, stencil: Stencil, out: np.ndarray | None = None) -> np.ndarray:
    estimate = np.asarray(combine(values, stencil, out))
    # in place: each fresh N-sized array costs page faults
    estimate /= h if stencil.derivative_order == 1 else h**stencil.derivative_order
    return estimate


def _gaps_for_infinities(estimate: np.ndarray) -> np.ndarray:
    """An infinite f at a stencil point (log at 0) gives no derivative there: a gap, like NaN. (A sum is
    finite only when every term is, and costs a fraction of looking for infinities.)"""
    if not np.isfinite(np.sum(estimate)):
        estimate[np.isinf(estimate)] = np.nan
    return estimate


def apply_stencil(f: Function, x: np.ndarray, h: np.ndarray | float | StepRule, stencil: Stencil) -> np.ndarray:
    """sum_j w_j f(x + s_j h) / h^n for all x (and all h, if h broadcasts against x), one call of f per block
    of x; h may be a StepRule, which gives each block of x its steps."""
    x = np.asarray(x, dtype=float)

    def compute(block: np.ndarray, steps: np.ndarray, out: np.ndarray | None) -> np.ndarray:
        return _estimate(_stencil_values(f, block, steps, stencil), steps, stencil, out)

    with np.errstate(all="ignore"):
        return _gaps_for_infinities(blockwise(compute, x, h))


def apply_stencil_with_scale(f: Function, x: np.ndarray, h: np.ndarray | float,
                             stencil: Stencil) -> tuple[np.ndarray, np.ndarray]:
    """apply_stencil, and the largest |f| among the stencil's points (what its round-off scales with)."""
    x = np.asarray(x, dtype=float)
    h = np.asarray(h, dtype=float)
    with np.errstate(all="ignore"):
        values = _stencil_values(f, x, h, stencil)
        scale = np.max(np.abs(values), axis=0)
        return _gaps_for_infinities(_estimate(values, h, stencil)), scale


def complex_step(f: Function, x: np.ndarray, h: np.ndarray | float | StepRule) -> np.ndarray:
    """f'(x) ~ Im f(x + ih) / h: no subtraction, so no cancellation; needs f analytic and real on reals."""
    x = np.asarray(x, dtype=float)

    def compute(block: np.ndarray, steps: np.ndarray, out: np.ndarray | None) -> np.ndarray:
        return np.divide(np.imag(np.asarray(f(block + 1j * steps))), steps, out=out)

    with np.errstate(all="ignore"):
        return blockwise(compute, x, h)


def recommended_step(stencil: Stencil, noise: float = 0.0) -> float:
    """The h that balances truncation C h^p against round-off R eps / h^n when |f| ~ |f^(n+p)| ~ 1, and
    against sqrt(sum w^2) noise / h^n when the samples of f carry noise of that standard deviation."""
    n, p = stencil.derivative_order, stencil.accuracy
    spread = stencil.roundoff_coefficient * EPS + stencil.noise_coefficient * noise
    ratio = n * spread / (p * abs(stencil.error_coefficient))
    return float(ratio ** (1.0 / (n + p)))
