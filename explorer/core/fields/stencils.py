"""Product stencils for partial derivatives, and the steps they take at each point.

d^(a+b) f / dx^a dy^b is the one-variable stencil for d^a/dx^a applied along x to the one for d^b/dy^b along
y: its points are all pairs of the two stencils' offsets, its weights the products of their (exact) weights.
Each factor has truncation C_i h^p d^(n_i+p) f / dx_i^(n_i+p) (times the other factors' derivatives), so the
product has accuracy p too, with a leading error that is the sum of one term per differentiated axis.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cache, cached_property

import numpy as np

from ..numeric import finite_difference as fd
from ..numeric import steps as step_sizes
from ..request import Method

_KINDS = {
    Method.FORWARD: fd.forward_stencil,
    Method.BACKWARD: fd.backward_stencil,
    Method.CENTRAL: fd.central_stencil,
    Method.RICHARDSON: fd.richardson_stencil,
}
STENCIL_METHODS = tuple(_KINDS)


@dataclass(frozen=True, eq=False)
class ProductStencil:
    """Offsets s_j (one row per point, one column per variable) and exact weights w_j with

        d^n f / dx^counts ~ sum_j w_j f(x + s_j * h) / prod_i h_i^counts_i

    where h holds one step per variable (only the differentiated ones matter)."""

    counts: tuple[int, ...]
    axes: tuple[fd.Stencil | None, ...]  # the one-variable stencil along each variable, None where counts is 0
    offsets: tuple[tuple[Fraction, ...], ...]
    weights: tuple[Fraction, ...]

    @property
    def order(self) -> int:
        return sum(self.counts)

    @property
    def accuracy(self) -> int:
        return min(a.accuracy for a in self.axes if a is not None)

    @cached_property
    def offsets_array(self) -> np.ndarray:
        """(K, d): offset of point j along variable i."""
        return np.array([[float(s) for s in row] for row in self.offsets])

    @cached_property
    def weights_array(self) -> np.ndarray:
        return np.array([float(w) for w in self.weights])

    @cached_property
    def denominator(self) -> int:
        """Least common denominator of the offsets (Richardson's halves and quarters)."""
        return math.lcm(*(a.denominator for a in self.axes if a is not None))

    @cached_property
    def reference_index(self) -> int:
        """The point the others are differenced against (the one of largest weight)."""
        return max(range(len(self.weights)), key=lambda j: (abs(self.weights[j]), -j))

    @cached_property
    def error_coefficients(self) -> tuple[float, ...]:
        """C_i of the leading truncation term along each variable (0 where it is not differentiated)."""
        return tuple(a.error_coefficient if a is not None and a.accuracy == self.accuracy else 0.0
                     for a in self.axes)

    @cached_property
    def roundoff_coefficient(self) -> float:
        """sum |w_j|: the round-off is about this * eps |f| / prod h_i^n_i."""
        return float(sum(abs(w) for w in self.weights))

    @cached_property
    def noise_coefficient(self) -> float:
        """sqrt(sum w_j^2): independent noise sigma on each sample gives this * sigma / prod h_i^n_i."""
        return math.sqrt(sum(float(w) ** 2 for w in self.weights))


@cache
def product_stencil(counts: tuple[int, ...], accuracy: int = 2, method: Method = Method.CENTRAL) -> ProductStencil:
    """The stencil of d^|counts| f / dx^counts from the one-variable stencils of `method` (central by default)
    at accuracy p, one per differentiated variable."""
    if method not in _KINDS:
        raise ValueError(f"{method.value} has no stencil")
    counts = tuple(int(k) for k in counts)
    if not any(counts):
        raise ValueError("differentiate at least one variable")
    axes = tuple(_KINDS[method](k, accuracy) if k else None for k in counts)
    factors = [list(zip(a.offsets, a.weights, strict=True)) if a is not None else [(Fraction(0), Fraction(1))]
               for a in axes]
    offsets, weights = [], []
    for combination in itertools.product(*factors):
        weight = math.prod((w for _, w in combination), start=Fraction(1))
        if weight != 0:
            offsets.append(tuple(s for s, _ in combination))
            weights.append(weight)
    return ProductStencil(counts=counts, axes=axes, offsets=tuple(offsets), weights=tuple(weights))


def recommended_base_step(stencil: ProductStencil, noise: float = 0.0) -> float:
    """The base step h0 that balances the truncation sum_i |C_i| h^p against the round-off R eps / h^n (and
    the noise sqrt(sum w^2) sigma / h^n) when f and its derivatives are about 1: for one differentiated
    variable exactly finite_difference.recommended_step of its stencil."""
    n, p = stencil.order, stencil.accuracy
    differentiated = [a for a in stencil.axes if a is not None]
    if len(differentiated) == 1:
        return fd.recommended_step(differentiated[0], noise)
    spread = stencil.roundoff_coefficient * fd.EPS + stencil.noise_coefficient * noise
    truncation = sum(abs(c) for c in stencil.error_coefficients)
    return float((n * spread / (p * truncation)) ** (1.0 / (n + p)))


def axis_steps(points: np.ndarray, base: float | Sequence[float], denominator: int = 1, scale: bool = True,
               floor: float | Sequence[float] | np.ndarray = step_sizes.DEFAULT_SCALE_FLOOR) -> np.ndarray:
    """The step along each variable at each point, shape (d, ...) like points.

    With scale (the default) h_i = h0 * max(|x_i|, floor), as steps.scaled does for one variable: a step of
    1e-5 is a few hundred ulps of 1e8 and larger than 1e-6 itself. Without, h_i = h0 as given. Either way
    made exactly representable at x_i, so the stencil's points are where its weights assume. `base` may give
    one h0 per variable, and `floor` one s0 per variable."""
    points = np.asarray(points, dtype=float)
    bases = np.broadcast_to(np.asarray(base, dtype=float), (points.shape[0],))
    floors = np.broadcast_to(np.asarray(floor, dtype=float), (points.shape[0],))
    out = np.empty(points.shape)
    for i in range(points.shape[0]):
        if scale:
            out[i] = step_sizes.scaled(points[i], float(bases[i]), float(floors[i]), denominator)
        else:
            out[i] = step_sizes.representable(points[i], float(bases[i]), denominator)
    return out
