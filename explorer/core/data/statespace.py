"""Smoothing splines and the constant-acceleration Kalman/RTS smoother as one banded solve.

Both are the posterior mean of one Gaussian model: g's m-th derivative is white noise of spectral density
q (an m-fold integrated Wiener process; m = 2 "constant velocity", m = 3 "constant acceleration"),
observed with independent noise of variance r. With lam = r / q and a diffuse start,

- m = 2 is the natural cubic smoothing spline, minimising sum (y - g)^2 + lam * integral g''^2 (Wahba
  1978): the numbers of scipy.interpolate.make_smoothing_spline(t, y, lam=lam);
- m = 3 is the Rauch-Tung-Striebel smoother of the constant-acceleration model: the state (g, g', g'') at
  every sample, which the forward-backward recursion computes one sample at a time.

Instead of a Python loop over samples, the posterior precision of the states (block tridiagonal, m x m
blocks) is assembled with array operations and solved by one banded Cholesky factorisation (LAPACK), O(n).
Its log-determinant comes with it, so the marginal likelihood of (q, r) costs one solve; maximising it
chooses lam from the data (Wahba's generalised maximum likelihood, GML, profiled over r).

Numerics. The precision of the increment over a step d grows like lam / d^(2m-1): with uneven steps or
heavy smoothing the normal equations lose digits (random sampling times lost 4-7 of them). Remedies:
(1) the banded Cholesky factor is only a preconditioner: conjugate gradients with the residual computed
from the factors (innovations first, `_System.apply`) run until a step moves the states by less than
CONVERGED of their size (see `_solve` for why a fixed few steps of refinement were not enough, and why the
polynomial null space of the prior is solved for apart); (2) states are kept only at "knots" at least a minimum
step apart (a small fraction of the median step, and of the smoothing length when lam is large), and g
between knots is the Hermite interpolant of the knot states (degree 2m-1, exactly the posterior mean
between two knots without data). When every sample is a knot (even and jittered spacing, moderate lam)
the solution is exact; otherwise it is the best g in that finite-element space, whose mesh is far finer
than the smoothing length, and the likelihood treats samples between knots as seeing that interpolant.

Everything here works on t scaled to [0, 1] and y scaled to order 1 (the caller does that); states are
scaled by the median step h inside, so the matrix entries stay within a few orders of magnitude.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, partial

import numpy as np
from scipy.linalg import LinAlgError, cho_solve_banded, cholesky_banded

from .prepared import memo

NEAR_STEP = 1e-3  # samples closer than this times the median step share a knot
# knots are spaced so that lam / step^(2m-1) stays below this (t scaled to [0, 1]); measured: beyond it the
# refined solution of m = 3 (prior weights up to 720 / step^5) stopped converging, m = 2 held to 1e14
PRIOR_RANGE = {2: 1e12, 3: 1e8, 4: 1e5, 5: 1e4}
MAX_KNOT_STEP = 0.02  # ... but at most this far apart on t scaled to [0, 1] (at least 50 knots)
STEPS = 25  # conjugate-gradient steps at most (1-6 were needed in every case measured when the solve is sound)
CONVERGED = 1e-12  # ... stopped once a step moves every state component by less than this of its largest value
# mu beyond which the polynomial null space is solved apart (`preconditioner`): the factor's rounding, about
# eps mu |P|, is below 1e-8 of the data's part of K up to here
DEFLATED = 1e8
STIFF = 1e13  # mu beyond which the factor's rounding exceeds what the data hold: a stop is checked (`_holds`)
RESIDUAL_SHARE = 1e-6  # ... and taken for convergence only when the true residual is below this share of rhs
# samples sharing a knot with mu below this: refused as too weak a smoothing. Between knots the states are
# then held by the prior alone, whose weight is below the data's rounding (measured on random t, sin 3t: at mu
# 1e-9 the derivative is within 2e-7 of the best, at 1e-21 off by 1e-1 to 1e3, while the solve converges)
WEAKEST_SHARED = 1e-9
# lam (t scaled to [0, 1]) from which smooth gives its limit, the least-squares polynomial of degree m - 1: the
# prior then outweighs the data by far more than double precision tells apart, and the stiffest solves had
# stalled there on about 0 (4 states, lam 1e30 on a cubic's 50 samples) or not converged
POLYNOMIAL_LIMIT = 1e16
COARSER = 4.0  # not converged: the least knot distance is multiplied by this and the system solved again
# products with a vector of states of more entries than this are summed without BLAS: OpenBLAS splits dot
# products of more than 10^4 entries, and matrix-vector products of more than 9216, over threads
THREADED = 8192


@lru_cache(maxsize=4)
def _prior_blocks(m: int) -> np.ndarray:
    """Cinv: the inverse of c_ab = 1 / ((2m-1-a-b) (m-1-a)! (m-1-b)!), the transition noise covariance of
    the m-fold integrated Wiener process over a unit step with q = 1."""
    c = np.array([[1.0 / ((2 * m - 1 - a - b) * math.factorial(m - 1 - a) * math.factorial(m - 1 - b))
                   for b in range(m)] for a in range(m)])
    return np.linalg.inv(c)


@lru_cache(maxsize=4)
def _hermite(m: int) -> np.ndarray:
    """Monomial coefficients (2m basis functions, 2m powers) of the Hermite basis on [0, 1]: basis j*m + a has
    a-th derivative 1 at end j (0 or 1) and every other derivative below m zero at both ends."""
    rows = []
    for end in (0.0, 1.0):
        for a in range(m):
            rows.append([math.perm(p, a) * end ** (p - a) if p >= a else 0.0 for p in range(2 * m)])
    return np.linalg.inv(np.array(rows)).T  # coefficient[j, p]


def _hermite_values(s: np.ndarray, m: int, derivative: int) -> np.ndarray:
    """(len(s), 2m): the derivative-th derivative in s of each Hermite basis function at s."""
    return _hermite_rows(s, m, derivative).T


def _hermite_rows(s: np.ndarray, m: int, derivative: int) -> np.ndarray:
    """(2m, len(s)), contiguous: _hermite_values with one row per basis function."""
    coefficients = _hermite(m)
    powers = np.arange(2 * m)
    scale = np.array([math.perm(int(p), derivative) if p >= derivative else 0.0 for p in powers])
    weights = coefficients[:, derivative:] * scale[derivative:]  # on the powers s^0 .. s^(2m-1-derivative)
    monomials = np.empty((2 * m - derivative, len(s)))  # one contiguous row per power
    monomials[0] = 1.0
    for p in range(1, 2 * m - derivative):
        np.multiply(monomials[p - 1], s, out=monomials[p])
    return np.einsum("pi,jp->ji", monomials, weights)  # not BLAS: its threads wait on a busy machine


def _transition(rho: np.ndarray, m: int) -> np.ndarray:
    """(m, m, len(rho)): F_ab = rho^(b-a) / (b-a)!, the deterministic step of the scaled states."""
    f = np.zeros((m, m, len(rho)))
    for a in range(m):
        for b in range(a, m):
            f[a, b] = rho ** (b - a) / math.factorial(b - a)
    return f


def _matmul(x: np.ndarray, y: np.ndarray, transpose_x: bool = False) -> np.ndarray:
    """Products of m x m matrices stored entry-major, (m, m, k) each (x' y with transpose_x)."""
    m = x.shape[0]
    out = np.zeros((m, m, x.shape[2]))
    for a in range(m):
        for c in range(m):
            for b in range(m):
                out[a, c] += (x[b, a] if transpose_x else x[a, b]) * y[b, c]
    return out


def _matvec(x: np.ndarray, z: np.ndarray, transpose_x: bool = False) -> np.ndarray:
    """x z (or x' z) for matrices (m, m, k) and vectors (m, k) (or several, (m, columns, k): the knots last,
    so that each product runs along whole rows of knots)."""
    m = x.shape[0]
    out = np.zeros(z.shape)
    for a in range(m):
        for b in range(m):
            out[a] += (x[b, a] if transpose_x else x[a, b]) * z[b]
    return out


def _step(f: np.ndarray, z: np.ndarray, transpose_f: bool = False) -> np.ndarray:
    """_matvec for the transitions F (upper triangular, ones on the diagonal): the same sums in the same
    order, without the products by 0 and 1."""
    m = f.shape[0]
    out = np.empty(z.shape)
    for a in range(m):
        if transpose_f:  # (F' w)_a = sum_(b <= a) F_ba w_b
            if a == 0:
                out[a] = z[a]
                continue
            np.multiply(f[0, a], z[0], out=out[a])
            for b in range(1, a):
                out[a] += f[b, a] * z[b]
            out[a] += z[a]
        else:  # (F z)_a = z_a + sum_(b > a) F_ab z_b
            out[a] = z[a]
            for b in range(a + 1, m):
                out[a] += f[a, b] * z[b]
    return out


def _knots(u: np.ndarray, minimum: float) -> np.ndarray:
    """Indices of the samples that carry a state: the first, each one at least `minimum` after the last
    kept, and always the last sample (replacing the previous knot if that one is too close)."""
    n = len(u)
    if _least_step(u) >= minimum:
        return np.arange(n)
    # after[i]: the first sample j with u[j] - u[i] >= minimum (n if none), exactly as that difference rounds;
    # the knots are the chain 0, after[0], after[after[0]], ...
    after = np.searchsorted(u, u + minimum, side="left")
    index = np.arange(n)
    # (the tests below read u at after clipped into range, and discard what the clipping touched: cheaper
    # than gathering through boolean masks, and the same differences)
    while True:  # searchsorted compared u[j] with u[i] + minimum, which rounds otherwise: at most a step off
        short = (after < n) & (u[np.minimum(after, n - 1)] - u < minimum)
        if not short.any():
            break
        after += short
    while True:
        before = after - 1
        back = (before > index) & (before < n) & (u[np.clip(before, 0, n - 1)] - u >= minimum)
        if not back.any():
            break
        after -= back
    kept = _chain(after, index)
    if kept[-1] != n - 1:
        if len(kept) > 1 and u[-1] - u[kept[-1]] < minimum:
            kept[-1] = n - 1
        else:
            kept = np.append(kept, n - 1)
    return kept


def _chain(after: np.ndarray, index: np.ndarray) -> np.ndarray:
    """0, after[0], after[after[0]], ... while below n. Where few samples are skipped (light smoothing: the
    chain steps to the next sample almost everywhere), runs of such steps are taken whole and only the
    jumps are walked; otherwise the chain is read one knot at a time (a list of all n would cost more when
    knots are sparse)."""
    n = len(after)
    jumps = np.flatnonzero(after != index + 1)
    if len(jumps) * 10 >= n:
        step = after.item
        kept = [0]
        i = step(0)
        while i < n:
            kept.append(i)
            i = step(i)
        return np.array(kept)
    pieces = []
    i = 0
    while i < n:
        at = int(np.searchsorted(jumps, i))  # the first sample from i on that does not step to the next
        if at == len(jumps):  # none: every sample from i to the last (whose after, n, is its next)
            pieces.append(index[i:])
            break
        pieces.append(index[i:jumps[at] + 1])
        i = int(after[jumps[at]])
    return np.concatenate(pieces)


def _least_step(u: np.ndarray) -> float:
    return memo(u, ("least step",), lambda: float(np.min(np.diff(u))))


def _median_step(u: np.ndarray) -> float:
    return memo(u, ("median step",), lambda: float(np.median(np.diff(u))))


@dataclass(frozen=True, eq=False)
class _Mesh:
    """Knots, the element of every sample (between knots e and e+1) and its place s in [0, 1] there."""

    knots: np.ndarray
    element: np.ndarray
    s: np.ndarray
    rho: np.ndarray  # length of each element / h
    h: float
    scales: np.ndarray  # (elements, 2m): rho^a for each knot's state a, twice (the states' scaling per element)


def _knot_step(u: np.ndarray, m: int, lam: float) -> float:
    """The least distance between knots for lam (every sample is a knot when its steps are all as long)."""
    h = _median_step(u)
    return max(NEAR_STEP * h, min((lam / PRIOR_RANGE[m]) ** (1.0 / (2 * m - 1)), MAX_KNOT_STEP))


def _mesh(u: np.ndarray, m: int, knots: np.ndarray) -> _Mesh:
    h = _median_step(u)
    at = u[knots]
    # the knots at or before each sample, less one (what searchsorted(at, u, "right") - 1 gives, as the knots
    # are samples and u increases), counted rather than searched for
    is_knot = np.zeros(len(u), dtype=np.int64)
    is_knot[knots] = 1
    element = np.clip(np.cumsum(is_knot) - 1, 0, len(knots) - 2)
    length = np.diff(at)
    rho = length / h
    return _Mesh(knots, element, (u - at[element]) / length[element], rho, h, np.tile(rho[:, None] ** np.arange(m), 2))


@dataclass(frozen=True, eq=False)
class Smoothed:
    """The posterior mean of g at every sample (its derivatives come beside it, from smooth)."""

    fit: np.ndarray
    log_det: float  # log det of the scaled posterior precision K (for the marginal likelihood)
    rss: float  # v . (v - g): the data term of the profile likelihood
    knots: int  # samples with a state of their own


@dataclass(frozen=True, eq=False)
class _Structure:
    """What the system K = O'O + mu * P has that lam does not change on its mesh: the transitions F, P's
    increment precisions for mu = 1, the observation rows of the samples between knots and P's band for
    mu = 1. Kept per data set when every sample is a knot (the mesh is then the same for every lam).

    A sample at a knot sees that knot's g state alone (its row is 1 there, 0 elsewhere): only the samples
    between knots carry rows of Hermite basis values. With light smoothing on random t nearly every sample
    is a knot, and the observation then costs O(knots) plus O(samples between)."""

    mesh: _Mesh
    f: np.ndarray
    qinv: np.ndarray  # for mu = 1
    prior_band: np.ndarray  # lower banded storage of P (mu = 1): row d holds P[i + d, i]
    observed_band: np.ndarray | None  # ... of O'O (None when every sample is a knot: ones at the g states)
    between: np.ndarray | None = None  # the samples that are not knots, in order (None when every one is)
    observe_rows: np.ndarray | None = None  # (2m, between): g at each from its element's 2m knot states
    runs: np.ndarray | None = None  # where each element's run of them starts, in `between`
    elements: np.ndarray | None = None  # ... and which element that is

    @property
    def simple(self) -> bool:
        return self.observe_rows is None

    @property
    def observe(self) -> np.ndarray | None:
        """(samples, 2m): every sample's row of O on its element's 2m states (a knot's: 1 at its g)."""
        if self.observe_rows is None:
            return None
        m, knots = self.f.shape[0], self.mesh.knots
        out = np.zeros((len(self.mesh.element), 2 * m))
        out[knots[:-1], 0] = 1.0  # the left end of its own element
        out[knots[-1], m] = 1.0  # the last sample: the right end of the last element
        out[self.between] = self.observe_rows.T
        return out


def _structure(u: np.ndarray, m: int, knots: np.ndarray) -> _Structure:
    mesh = _mesh(u, m, knots)
    k = len(mesh.knots)
    f = _transition(mesh.rho, m)
    cinv = _prior_blocks(m)
    qinv = np.empty((m, m, len(mesh.rho)))
    for a in range(m):
        for b in range(m):
            qinv[a, b] = cinv[a, b] * mesh.rho ** (a + b - 2 * m + 1)
    # lower banded storage (LAPACK's dpbtf2 updates contiguous columns then, not strided rows: faster)
    prior = np.zeros((2 * m, m * k))
    top_right = _matmul(f, qinv, transpose_x=True)  # F' Qinv (entered with a minus sign)
    top_left = _matmul(top_right, f)  # F' Qinv F
    for a in range(m):
        for b in range(m):
            if b >= a:
                prior[b - a, a:m * (k - 1):m] += top_left[a, b]
                prior[b - a, m + a::m] += qinv[a, b]
            prior[m + b - a, a:m * (k - 1):m] -= top_right[a, b]
    if k == len(u):  # every sample its own knot (even and jittered t, moderate smoothing)
        return _Structure(mesh, f, qinv, prior, None)
    # the samples between knots: g at each from the 2m states of its element's two knots (scaled: basis *
    # rho^a), one row per basis function
    off = np.ones(len(u), dtype=bool)
    off[knots] = False
    between = np.flatnonzero(off)
    element = mesh.element[between]
    rows = _hermite_rows(mesh.s[between], m, 0)
    rows *= np.take(mesh.scales.T, element, axis=1)
    # O'O: 1 at every knot's g state (its own sample), and the products of each element's basis values
    # summed over its samples between knots, which are consecutive: one reduceat per basis function
    observed = np.zeros((2 * m, m * k))
    observed[0, 0::m] = 1.0
    runs = np.flatnonzero(np.r_[True, element[1:] != element[:-1]])
    elements = element[runs]
    for a in range(2 * m):
        sums = np.add.reduceat(rows[a] * rows[a:], runs, axis=1)  # (2m - a, elements with samples between)
        for b in range(a, 2 * m):
            observed[b - a, elements * m + a] += sums[b - a]
    return _Structure(mesh, f, qinv, prior, observed, between, rows, runs, elements)


Structures = dict[tuple[int, bytes], _Structure]


def _structure_for(u: np.ndarray, m: int, lam: float, minimum: float | None = None,
                   structures: Structures | None = None) -> _Structure:
    """The structure on lam's mesh; kept with the data set when every sample is a knot, and in `structures`
    (if given: a caller solving for many lam on the same u) by its knots, which many lam share."""
    minimum = _knot_step(u, m, lam) if minimum is None else minimum
    every = _least_step(u) >= minimum
    if every and structures is None:  # the same mesh for every such lam: kept with the data set
        return memo(u, ("statespace", m), lambda: _structure(u, m, np.arange(len(u))))
    knots = np.arange(len(u)) if every else _knots(u, minimum)
    if structures is None:
        return _structure(u, m, knots)
    key = (m, b"" if every else knots.tobytes())
    if key not in structures:
        structures[key] = _structure(u, m, knots)
    return structures[key]


class _System:
    """K z = b with K = O'O + mu * P on the knot states z (scaled: z_a = g^(a) h^a), where O maps the states
    to g at the samples and P is the prior precision of the increments with q = 1 per scaled step."""

    def __init__(self, u: np.ndarray, v: np.ndarray, m: int, lam: float, minimum: float | None = None,
                 structures: Structures | None = None):
        self.structure = structure = _structure_for(u, m, lam, minimum, structures)
        mesh = structure.mesh
        self.at = u[mesh.knots]
        self.mesh, self.m = mesh, m
        self.mu = lam / mesh.h ** (2 * m - 1)
        self.f = structure.f
        self.qinv = self.mu * structure.qinv
        self.v = v
        self.simple = structure.simple

    def band(self) -> tuple[np.ndarray, np.ndarray]:
        """(lower banded storage of K, b)."""
        m, mesh, structure = self.m, self.mesh, self.structure
        k = len(mesh.knots)
        band = self.mu * structure.prior_band
        rhs = np.zeros(m * k)
        if structure.observed_band is None:
            band[0, 0::m] += 1.0
            rhs[0::m] = self.v
        else:
            band += structure.observed_band
            rhs = self.observed_sums(self.v)
        return band, rhs

    @property
    def observe(self) -> np.ndarray | None:
        return self.structure.observe

    def observed_sums(self, v: np.ndarray) -> np.ndarray:
        """O' v: a knot's own sample onto its g state; each sample between knots, times its 2m basis values,
        summed per element onto the element's states (its samples are consecutive: one reduceat per basis
        function)."""
        structure = self.structure
        assert structure.observe_rows is not None and structure.runs is not None and structure.elements is not None
        m, k = self.m, len(self.mesh.knots)
        out = np.zeros(m * k)
        out[0::m] = v[self.mesh.knots]
        between = v[structure.between]
        for a, row in enumerate(structure.observe_rows):
            out[structure.elements * m + a] += np.add.reduceat(row * between, structure.runs)
        return out

    def seen(self, z: np.ndarray) -> np.ndarray:
        """g at every sample from the states z (knots, m)."""
        if self.simple:
            return z[:, 0].copy()
        structure = self.structure
        assert structure.observe_rows is not None
        out = np.empty(len(self.mesh.element))
        out[self.mesh.knots] = z[:, 0]
        flat, first = z.ravel(), self.mesh.element[structure.between] * self.m
        between = structure.observe_rows[0] * np.take(flat, first)
        for a in range(1, 2 * self.m):
            between += structure.observe_rows[a] * np.take(flat, first + a)
        out[structure.between] = between
        return out

    def apply(self, z: np.ndarray) -> np.ndarray:
        """K z with mu P z from the factors (innovations first): more accurate than the assembled band of P,
        whose stiff entries cancel. O'O z is taken from O'O's band (sums of products of basis values, which
        do not cancel): over the knots, not the samples. z: the states (knots, m), or several of them
        (knots, m, columns)."""
        states = np.ascontiguousarray(np.moveaxis(z, 0, -1))  # (m[, columns], knots): rows of one state each
        if self.simple:
            out = np.zeros(states.shape)
            out[0] = states[0]
        else:  # O'O z by the assembled band of O'O: over the knots, not the samples
            band = self.structure.observed_band
            assert band is not None
            flat = z.reshape(z.shape[0] * z.shape[1], *z.shape[2:])
            product = band[0].reshape(-1, *(1,) * (flat.ndim - 1)) * flat
            for d in range(1, len(band)):
                entries = band[d, :-d].reshape(-1, *(1,) * (flat.ndim - 1))
                product[d:] += entries * flat[:-d]
                product[:-d] += entries * flat[d:]
            out = np.moveaxis(product.reshape(z.shape), 0, -1).copy()
        innovation = states[..., 1:] - _step(self.f, states[..., :-1])
        weighted = _matvec(self.qinv, innovation)
        out[..., 1:] += weighted
        out[..., :-1] -= _step(self.f, weighted, transpose_f=True)
        return np.moveaxis(out, -1, 0)

    def polynomials(self) -> np.ndarray:
        """(m * knots, m): the states of x^j, j < m, with x = u mapped onto [-1, 1] over the knots: a basis of
        P's null space (g of degree below m has no m-th derivative and no innovations)."""
        m, at = self.m, self.at
        centre, half = 0.5 * (at[0] + at[-1]), 0.5 * (at[-1] - at[0])
        x = (at - centre) / half
        states = np.zeros((len(at), m, m))
        for j in range(m):
            for a in range(j + 1):
                states[:, a, j] = math.perm(j, a) * x ** (j - a) * (self.mesh.h / half) ** a
        return states.reshape(-1, m)

    def derivative(self, z: np.ndarray, order: int) -> np.ndarray:
        """The order-th derivative of g at every sample (scaled t), from the Hermite interpolant."""
        mesh, m = self.mesh, self.m
        if self.simple and order < m:
            return z[:, order] / mesh.h**order
        # per element, the coefficients of s^p of the interpolant's order-th derivative in s (elements, 2m -
        # order), then Horner's rule at every sample: products over the elements, not the samples
        weights = _hermite(m)[:, order:] * np.array([math.perm(p, order) for p in range(order, 2 * m)], dtype=float)
        pair = np.concatenate([z[:-1], z[1:]], axis=1) * mesh.scales
        coefficients = np.ascontiguousarray(np.einsum("ej,jp->pe", pair, weights))  # not BLAS (see _products)
        value = np.take(coefficients[-1], mesh.element)
        for p in range(len(coefficients) - 2, -1, -1):
            value *= mesh.s
            value += np.take(coefficients[p], mesh.element)
        return value / (mesh.rho[mesh.element] * mesh.h) ** order


def smooth(u: np.ndarray, v: np.ndarray, m: int, lam: float, orders: tuple[int, ...] = (1,)
           ) -> tuple[Smoothed, dict]:
    """(the fit, {order: derivative at every sample}) of the posterior mean for lam = r / q on scaled t.
    Raises LinAlgError when the system is numerically singular (lam far too small for the spacing, which
    includes mu below WEAKEST_SHARED where samples share a knot) or its solve does not converge even on the
    coarsest mesh (two knots). From POLYNOMIAL_LIMIT on, the least-squares polynomial of degree m - 1."""
    if lam >= POLYNOMIAL_LIMIT:
        return _polynomial_limit(u, v, m, orders)
    minimum = _knot_step(u, m, lam)
    while True:
        system = _System(u, v, m, lam, minimum)
        if not system.simple and system.mu < WEAKEST_SHARED:
            raise LinAlgError(f"the {m}-state smoother at lam = {lam:.3g} is too weak for samples this close")
        found = _solve(system, orders)
        if found.converged:
            return found.smoothed, found.derivatives
        if len(system.mesh.knots) <= 2:
            raise LinAlgError(f"the {m}-state smoother did not converge at lam = {lam:.3g}")
        # not converged: fewer knots further apart carry less prior weight per step (mu / rho^(2m-1)), so the
        # system is better conditioned; g is then the best fit in a coarser finite-element space
        minimum *= COARSER


def _polynomial_limit(u: np.ndarray, v: np.ndarray, m: int, orders: tuple[int, ...]) -> tuple[Smoothed, dict]:
    """smooth's limit as lam grows without bound: g of degree below m has no m-th derivative, so the prior
    leaves it free and the fit is the least-squares polynomial of degree m - 1 (in Legendre polynomials of
    x = 2u - 1, by QR). No log-determinant: it is not a likelihood's."""
    x = 2.0 * u - 1.0
    basis = np.polynomial.legendre.legvander(x, m - 1)
    q, r = np.linalg.qr(basis)
    coefficients = np.linalg.solve(r, q.T @ v)
    fit = basis @ coefficients
    derivatives = {order: np.polynomial.legendre.legval(x, np.polynomial.legendre.legder(coefficients, order))
                   * 2.0**order for order in orders}
    return Smoothed(fit, math.nan, float(v @ (v - fit)), 0), derivatives


@dataclass(frozen=True, eq=False)
class _Solved:
    smoothed: Smoothed
    derivatives: dict
    converged: bool
    shifted: bool  # the preconditioner is the factor of a shifted K: its log-determinant is not K's


def _factor(band: np.ndarray) -> tuple[np.ndarray, bool]:
    """The banded Cholesky factor of K, or, when rounding leaves K not positive definite (heavy smoothing),
    of K plus the least multiple (1e-14, 1e-12, ...) of its diagonal that factors: a preconditioner only."""
    try:
        return cholesky_banded(band, lower=True, check_finite=False), False
    except LinAlgError:
        pass
    shift = 1e-14
    while shift < 1e-3:
        shifted = band.copy()
        shifted[0] += shift * band[0]
        try:
            return cholesky_banded(shifted, lower=True, check_finite=False), True
        except LinAlgError:
            shift *= 100.0
    raise LinAlgError("the smoother's system is singular")


def preconditioner(system: _System, band: np.ndarray
                   ) -> tuple[np.ndarray, bool, Callable[[np.ndarray], np.ndarray]]:
    """(the banded factor, whether it is of a shifted K, B): B r approximates K^-1 r (r: a vector or columns),
    exactly on P's polynomial null space and by the factor elsewhere (see `_solve`); by the factor alone where
    mu is at most DEFLATED, whose rounding is then far below what the data hold in every direction."""
    m, k = system.m, len(system.mesh.knots)
    factor, shifted = _factor(band)
    if system.mu <= DEFLATED and not shifted:
        return factor, shifted, partial(_factored_solve, factor, m=m)
    w = np.ascontiguousarray(system.polynomials().T)  # (m, states): one row per polynomial
    kw = np.ascontiguousarray(system.apply(w.T.reshape(k, m, m)).reshape(k * m, m).T)
    coarse = w @ kw.T
    coarse = 0.5 * (coarse + coarse.T)

    def precondition(r: np.ndarray) -> np.ndarray:  # symmetric: W E^-1 W' + (I - Q K) M^-1 (I - K Q)
        c = np.linalg.solve(coarse, _products(w, r))
        y = _factored_solve(factor, r - _combination(kw, c), m)
        return y - _combination(w, np.linalg.solve(coarse, _products(kw, y))) + _combination(w, c)

    return factor, shifted, precondition


def _factored_solve(factor: np.ndarray, r: np.ndarray, m: int) -> np.ndarray:
    """(L L')^-1 r for the lower banded factor L of K (bandwidth 2m - 1) and r a vector or columns.

    Columns (the automatic choice's rows: hundreds of them) are solved by a sweep over the knots' m x m
    blocks, several columns per product, rather than by LAPACK's banded solve, which substitutes one
    column at a time: K couples only neighbouring knots, so L is block bidiagonal (lower triangular
    diagonal blocks D, full blocks S below them) and each sweep is one small product per knot. D is
    inverted once: against the banded solve, 1e-15 relative on light smoothing, up to 3e-10 on the
    stiffest (shifted) factors of 4 and 5 states, whose conditioning amplifies the rounding either way."""
    if r.ndim == 1:
        return cho_solve_banded((factor, True), r, check_finite=False)
    states, columns = r.shape
    k = states // m
    diagonal = np.zeros((k, m, m))
    below = np.zeros((k - 1, m, m))
    for a in range(m):
        for b in range(m):
            if b <= a:
                diagonal[:, a, b] = factor[a - b, b::m]
            below[:, a, b] = factor[m + a - b, b:states - m:m]
    inverse = np.linalg.inv(diagonal)
    # L y = r knot by knot, y_e = D_e^-1 r_e - (D_e^-1 S_(e-1)) y_(e-1): the first terms and the couplings
    # are formed for every knot at once, which leaves one product per knot in the sweep
    forward = inverse @ r.reshape(k, m, columns)
    coupling = inverse[1:] @ below
    step = np.empty((m, columns))
    for e in range(1, k):
        np.matmul(coupling[e - 1], forward[e - 1], out=step)
        forward[e] -= step
    inverse_t = np.swapaxes(inverse, 1, 2)  # L' z = y, backwards, alike
    out = inverse_t @ forward
    coupling_t = inverse_t[:-1] @ np.swapaxes(below, 1, 2)
    for e in range(k - 2, -1, -1):
        np.matmul(coupling_t[e], out[e + 1], out=step)
        out[e] -= step
    return out.reshape(states, columns)


def _combination(rows: np.ndarray, c: np.ndarray) -> np.ndarray:
    """rows' @ c: the rows (count, states) combined with weights c (count[, columns]), by einsum, not BLAS,
    whose threads, woken for every product this long, wait for a core on a busy machine (sums of m terms
    each, which rounding hardly moves)."""
    return np.einsum("ai,a...->i...", rows, c)


def _products(rows: np.ndarray, x: np.ndarray) -> np.ndarray:
    """rows @ x for a few rows (count, states) and x (states[, columns]). Products of more than THREADED
    entries with a vector, which BLAS splits over threads that wait for a core on a busy machine, are
    summed by numpy (pairwise, as accurately); smaller ones stay BLAS's: the stiff systems of heavy
    smoothing (few knots) stop on their last steps, which other rounding of these sums moves (numpy's
    let 5 states stall, off by O(1), which `_holds` now catches). Columns are a
    matrix product, by einsum too (the automatic choice's rows: one call per candidate, too few for
    BLAS's threads to pay for their waiting)."""
    if x.ndim == 2:
        return np.einsum("ai,ij->aj", rows, x)
    if rows.size > THREADED:
        return np.sum(rows * x, axis=1)
    return rows @ x


def _dot(x: np.ndarray, y: np.ndarray) -> float:
    """x . y of two vectors of states (as _products)."""
    return float(_products(x[None], y)[0])


def _component_peaks(z: np.ndarray, m: int) -> np.ndarray:
    """The largest |z_a| over the knots for each state component a of z (knots * m, flat). One strided
    pass per component: numpy's max over axis 0 of the (knots, m) view runs an inner loop of m entries per
    knot, some thirty times slower."""
    return np.array([np.max(np.abs(z[a::m])) for a in range(m)])


def _holds(rhs: np.ndarray, residual: np.ndarray, precondition) -> bool:
    """Whether a solution whose true residual (from the accurate K z) is `residual` solves K z = rhs: its
    preconditioned size a small share of rhs's. On the stiffest systems the iteration can stall on rounding
    with every step tiny and the solution O(1) off: its residual is then as large as rhs's, or of either
    sign (the factor no longer positive there), where a sound solution's is ~1e-10 of it."""
    size, whole = _dot(residual, precondition(residual)), _dot(rhs, precondition(rhs))
    if whole == 0.0:  # nothing to fit (rhs 0): z = 0, reached exactly
        return size == 0.0
    return bool(0.0 <= size / whole < RESIDUAL_SHARE)


def _solve(system: _System, orders: tuple[int, ...]) -> _Solved:
    """K z = b by conjugate gradients preconditioned with the banded Cholesky factor of K and, apart, the
    exact solve on P's polynomial null space (a balancing, "deflated" preconditioner).

    Why: K = O'O + mu P, with mu = lam / h^(2m-1). P annihilates the states of every polynomial of degree
    below m, and its smallest other eigenvalues (the smoothest modes) are tiny, so those directions are held
    by the data term O'O alone, of order 1, while K's largest entries are of order mu |P|. Rounding in the
    factorisation perturbs K by about eps mu |P|: beyond mu ~ 1e13 (4-5 states with heavy smoothing, e.g.
    lam ~ 0.1 on 500 samples gives mu ~ 1e18) that perturbation is larger than what the data put in those
    directions, so the factor is wrong there (or K does not factor at all), and iterative refinement
    (Richardson's iteration with that factor) converges slowly or not at all: 3 fixed steps left the
    derivative 200 times off. What stays accurate is K z computed from the factors (innovations first,
    `apply`): the innovations of a polynomial vanish whatever mu is. So the factor only preconditions
    conjugate gradients on that accurate K z, and the polynomial states, where the factor is worst, are
    solved exactly through the m x m matrix W'KW (W: their states; P W = 0, so W'KW is the data's alone).
    The few smooth modes the factor still gets wrong are what conjugate gradients removes in a few steps."""
    m = system.m
    k = len(system.mesh.knots)
    band, rhs = system.band()
    factor, shifted, precondition = preconditioner(system, band)

    def apply(z: np.ndarray) -> np.ndarray:
        return system.apply(z.reshape(k, m)).ravel()

    z = precondition(rhs)
    residual = rhs - apply(z)
    direction = precondition(residual)
    along = _dot(residual, direction)
    converged = False
    for step_number in range(1, STEPS + 1):
        pushed = apply(direction)
        curvature = _dot(direction, pushed)
        if not (curvature > 0 and math.isfinite(curvature)):
            converged = along == 0.0
            break
        alpha = along / curvature
        step = alpha * direction
        z = z + step
        if np.all(_component_peaks(step, m) <= CONVERGED * _component_peaks(z, m)):
            converged = True
            break
        # the residual by its recurrence, and from the factors again every 10 steps (the recurrence is
        # smoother than the recomputed one, whose rounding in the stiff directions is of order eps mu |z|)
        residual = rhs - apply(z) if step_number % 10 == 0 else residual - alpha * pushed
        preconditioned = precondition(residual)
        updated = _dot(residual, preconditioned)
        direction = preconditioned + (updated / along) * direction
        along = updated
    if converged and system.mu > STIFF:
        converged = _holds(rhs, rhs - apply(z), precondition)
    states = z.reshape(k, m)
    fit = system.seen(states)
    log_det = 2.0 * float(np.sum(np.log(factor[0])))
    derivatives = {order: system.derivative(states, order) for order in orders}
    return _Solved(Smoothed(fit, log_det, _dot(system.v, system.v - fit), k), derivatives, converged, shifted)


def neg_log_likelihood(u: np.ndarray, v: np.ndarray, m: int, lam: float, r: float | None = None) -> float:
    """-2 log marginal likelihood of v (diffuse start): profiled over the noise variance r (GML) when r is
    None, else for that r; +inf where the solve fails. The constants are kept, so that models of different
    m can be compared.

    -2 log L = v'(v - g)/r + (n - m) log(2 pi r) + log det K - log det P_knots, where P_knots (the prior
    precision of the knot increments, q = r / lam) has log det = sum over steps of [m log mu + log det Cinv
    - m^2 log rho]: its steps depend on the mesh, which depends on lam, so every term is kept."""
    return likelihood(u, v, m, lam, r)[0]


def likelihood(u: np.ndarray, v: np.ndarray, m: int, lam: float, r: float | None = None,
               structures: Structures | None = None) -> tuple[float, float | None]:
    """(neg_log_likelihood, and the fit's rss v . (v - g) where it is finite: what smooth(u, v, m, lam) gives,
    from the same solve; None where the likelihood is infinite). structures: kept between calls on the same
    u (see `_structure_for`)."""
    n = len(u)
    try:
        system = _System(u, v, m, lam, structures=structures)
        solved = _solve(system, ())
    except (LinAlgError, ValueError, FloatingPointError):
        return math.inf, None
    if solved.shifted or not solved.converged:  # no log-determinant of K, or no fit to trust
        return math.inf, None
    result = solved.smoothed
    steps = result.knots - 1
    prior = steps * (m * math.log(system.mu) + math.log(np.linalg.det(_prior_blocks(m)))) \
        - m * m * float(np.sum(np.log(system.mesh.rho)))
    if r is None:  # with r at its maximum, rss / r = n - m
        rss = max(result.rss, 1e-300)
        return (n - m) * (math.log(2 * math.pi * rss / (n - m)) + 1) + result.log_det - prior, result.rss
    return result.rss / r + (n - m) * math.log(2 * math.pi * r) + result.log_det - prior, result.rss
