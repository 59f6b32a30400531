"""One field with its parameter values, accuracy and noise: evaluates any method for any partial derivative
at arrays of points, its steps, its estimated error, and what it is measured against (`at_points`)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from functools import cached_property

import numpy as np
import sympy

from ..expression.functions import NON_ANALYTIC, kink_arguments
from ..numeric import finite_difference as fd
from ..numeric import steps as step_sizes
from ..numeric.error_analysis import absolute_error, relative_error
from ..numeric.estimate import COMPLEX_ACCURACY, COMPLEX_ULPS, NOISE_SAFETY, ROUNDOFF_SAFETY, TRUNCATION_SAFETY
from ..request import Method
from ..symbolic.derivatives import drop_distributions, has_unevaluated, unevaluated_reason
from ..symbolic.precise import TIME_BUDGET, refine
from . import partials
from .balance import balanced_steps
from .noise import field_noise
from .stencils import STENCIL_METHODS, ProductStencil, axis_steps, product_stencil, recommended_base_step
from .symbolic import Differentiate, compiled, defined_everywhere, differentiate_here, evaluate_at, partial_expression
from .variables import FieldExpression, as_points

FIELD_METHODS = tuple(Method)  # every one-variable method has its several-variable form here
_BALANCE_GAVE_UP = "balance"  # key in FieldContext._exact once SymPy gave up on a derivative only the steps need
# Where a stencil is exact (no truncation along any differentiated variable), the steps tried for the least
# round-off: 4^-k max(|x_i|, 1) for k = 1..this.
EXACT_STEP_CANDIDATES = 20
BALANCE_ROUNDS = 2  # balanced steps found again with f over the stencil at the last step (round-off follows it)


@dataclass(frozen=True, eq=False)
class FieldContext:
    """Everything needed to evaluate f's partial derivatives by any method.

    `noise` adds measurement noise of that standard deviation to every sample the finite differences take
    (drawn by the point and `seed`); the exact values and the complex step and autodiff, which need the
    formula, are then not offered as methods, as in one variable. Steps scale with max(|x_i|, s0_i), s0 from
    step_floor: one for every variable, or one per variable (a map's rectangle gives each its own)."""

    field: FieldExpression
    parameters: tuple[float, ...] = ()
    accuracy: int = 2
    noise: float = 0.0
    seed: int = 0
    step_floor: float | tuple[float, ...] = step_sizes.DEFAULT_SCALE_FLOOR
    differentiate: Differentiate = differentiate_here
    balance: bool = True  # default steps balanced from f's own derivatives where SymPy gives them
    _exact: dict = dataclass_field(default_factory=dict, repr=False)  # counts -> expression or why none

    def __post_init__(self):
        if len(self.parameters) != len(self.field.parameters):
            raise ValueError(f"{len(self.field.parameters)} parameter values needed, {len(self.parameters)} given")

    @property
    def dimension(self) -> int:
        return self.field.dimension

    @property
    def floors(self) -> np.ndarray:
        """s0 of each variable's step scale max(|x_i|, s0_i), shape (d,)."""
        return np.broadcast_to(np.asarray(self.step_floor, dtype=float), (self.dimension,))

    # -- f ------------------------------------------------------------------------------------------------
    def f_exact(self, points: np.ndarray) -> np.ndarray:
        """f at every point, without noise."""
        return evaluate_at(self.field, self.field.expr, points, self.parameters)

    def f(self, points: np.ndarray) -> np.ndarray:
        """The samples the finite differences take: f, plus the noise when there is some."""
        values = self.f_exact(points)
        if self.noise:
            values = values + field_noise(points, self.noise, self.seed)
        return values

    def f_complex(self, points: np.ndarray) -> np.ndarray:
        """f at complex points (the complex step)."""
        function = compiled(self.field, self.field.expr)
        try:
            return np.asarray(function(*points, *self.parameters))
        except ArithmeticError:  # Python arithmetic on constants overflowing, as MethodContext.f_complex
            return np.full(np.broadcast_shapes(*(np.shape(p) for p in points)), complex(np.nan, np.nan))

    # -- exact partials ------------------------------------------------------------------------------------
    def exact_expression(self, counts: Sequence[int]) -> sympy.Expr | None:
        """The exact partial derivative, or None when SymPy gave up (`symbolic_failure` says why)."""
        counts = tuple(counts)
        if counts not in self._exact:
            try:
                self._exact[counts] = partial_expression(self.field, counts, self.differentiate)
            except Exception as exc:  # noqa: BLE001 - SymbolicError, too large, SymPy's own failures
                self._exact[counts] = f"SymPy gave up ({exc})" if str(exc) else f"SymPy gave up ({type(exc).__name__})"
        known = self._exact[counts]
        return known if isinstance(known, sympy.Expr) else None

    def symbolic_failure(self, counts: Sequence[int]) -> str | None:
        if self.exact_expression(counts) is not None:
            return None
        return self._exact[tuple(counts)]

    def exact(self, counts: Sequence[int], points: np.ndarray) -> np.ndarray | None:
        """The exact partial at every point, or None when SymPy gave up."""
        expr = self.exact_expression(counts)
        if expr is None:
            return None
        return self._masked(evaluate_at(self.field, expr, points, self.parameters), points)

    def precise_f(self, points: np.ndarray, deadline: float) -> np.ndarray:
        """f at a few points (d, n) without noise, correct to the last bit where symbolic.precise can make it
        so (NumPy's doubles lose every digit of (1 - cos(x y))/(x y)^2 at x y = 1e-5), by `deadline`."""
        points = as_points(self.field, points)
        return refine(self.field.expr, self.field.symbols, [*points, *self.parameters], self.f_exact(points),
                      deadline)

    def precise_exact(self, counts: Sequence[int], points: np.ndarray, f: np.ndarray,
                      deadline: float) -> np.ndarray | None:
        """`exact` at a few points (d, n), correct to the last bit as precise_f; f is precise_f there."""
        expr = self.exact_expression(counts)
        if expr is None:
            return None
        points = as_points(self.field, points)
        values = refine(drop_distributions(expr)[0], self.field.symbols, [*points, *self.parameters],
                        evaluate_at(self.field, expr, points, self.parameters), deadline)
        return values if defined_everywhere(self.field) else np.where(np.isfinite(f), values, np.nan)

    def _masked(self, values: np.ndarray, points: np.ndarray) -> np.ndarray:
        """values, NaN where f itself is undefined (1/x at -1 has a derivative formula, log(x) there none)."""
        if defined_everywhere(self.field):
            return values
        return np.where(np.isfinite(self.f_exact(points)), values, np.nan)

    # -- methods -------------------------------------------------------------------------------------------
    def unavailable(self, method: Method, counts: Sequence[int]) -> str | None:
        """Why method gives no value for this partial, or None if it does."""
        if self.noise and method in (Method.COMPLEX, Method.AUTODIFF):
            return "needs f's formula: noisy samples of f have none"
        if method is Method.SYMBOLIC and self.exact_expression(counts) is None:
            return f"the symbolic derivative is not available: {self.symbolic_failure(counts)}"
        if method is Method.SYMBOLIC and has_unevaluated(exact := self.exact_expression(counts)):
            return f"the symbolic derivative is not available: {unevaluated_reason(exact)}"
        if method is Method.COMPLEX:
            if sum(counts) != 1:
                return "the complex step gives first partial derivatives only"
            if self.field.expr.has(*NON_ANALYTIC):
                return "the complex step needs an analytic f; abs, sign and cbrt are not"
        return None

    def reference(self, counts: Sequence[int]) -> Method | None:
        """What errors are measured against: symbolic, or autodiff when SymPy gave up."""
        return next((m for m in (Method.SYMBOLIC, Method.AUTODIFF) if self.unavailable(m, counts) is None), None)

    def stencil(self, method: Method, counts: Sequence[int]) -> ProductStencil:
        return product_stencil(tuple(counts), self.accuracy, method)

    def default_base_step(self, method: Method, counts: Sequence[int]) -> float | None:
        """The base step h0 when none is asked for: the stencil's balancing step (with the noise), the
        complex step's 1e-20; None for the methods without a step. Scaled by max(|x_i|, floor) at each point."""
        if method is Method.COMPLEX:
            return step_sizes.COMPLEX_BASE_STEP
        if method in STENCIL_METHODS:
            return recommended_base_step(self.stencil(method, counts), self.noise)
        return None

    def steps(self, method: Method, counts: Sequence[int], points: np.ndarray, base: float | None = None,
              scale: bool = True) -> np.ndarray | None:
        """The step along each variable at each point (d, ...), made representable; None for methods without a
        step. With a base step: base scaled with max(|x_i|, floor) (unless scale is False). Without: for the
        stencils, the steps balanced from f's own derivatives at each point (`balanced_steps`) where they are
        known, else default_base_step scaled with max(|x_i|, floor)."""
        if not method.uses_step:  # also with a base step given: derive --vars --h gave symbolic steps, then a stencil
            return None
        given = base is not None
        if base is None:
            base = self.default_base_step(method, counts)
        if base is None:
            return None
        denominator = self.stencil(method, counts).denominator if method in STENCIL_METHODS else 1
        if method is Method.COMPLEX:
            # No difference of samples: x + ih is exact for any h, so h need not be a difference of doubles
            # (made one, it was at least an ulp of x: 1.5e-8 at x = 1e8, a truncation of 0.4% for sin(1e7 (x - 1e8)))
            steps = np.array([base * (step_sizes.step_scale(points[i], floor) if scale else np.ones(points.shape[1:]))
                              for i, floor in enumerate(self.floors)])
        else:
            steps = axis_steps(points, base, denominator, scale, self.step_floor)
        if method is Method.COMPLEX and not given:
            return self._complex_steps(tuple(counts), points, steps)
        if given or method not in STENCIL_METHODS:
            return steps
        balanced = (self.balanced_steps(method, counts, points)
                    if self.balance and _BALANCE_GAVE_UP not in self._exact else None)
        if balanced is not None:
            steps = np.array([step_sizes.representable(points[i], np.where(np.isfinite(balanced[i]), balanced[i],
                                                                           steps[i]), denominator)
                              for i in range(self.dimension)])
        return self._inside_domain(self.stencil(method, counts), points, steps, base)

    @cached_property
    def _kink_arguments(self) -> tuple[sympy.Expr, ...]:
        return kink_arguments(self.field.expr, self.field.variables)

    def crosses_kink(self, stencil: ProductStencil, points: np.ndarray, steps: np.ndarray) -> np.ndarray:
        """True where the stencil with these steps reaches the other side of a kink, a jump or a vertical
        tangent of f (abs(x - y) at (1, 1 + 1e-9) with a step of 1/4: 0 for -1): no truncation law relates its
        value to the derivative there. Not at a point on the kink itself, where no step avoids it."""
        crossing = np.zeros(points.shape[1:], dtype=bool)
        if not self._kink_arguments:
            return crossing
        around = partials.stencil_points(points, steps, stencil)
        with np.errstate(all="ignore"):
            for argument in self._kink_arguments:
                side = np.sign(evaluate_at(self.field, argument, points, self.parameters))
                others = np.sign(evaluate_at(self.field, argument, around, self.parameters))
                crossing |= step_sizes.reaches_across(side, others)
        return crossing

    def _inside_domain(self, stencil: ProductStencil, points: np.ndarray, steps: np.ndarray,
                       base: float) -> np.ndarray:
        """steps, made smaller along the differentiated variables where the stencil meets a point where f is
        undefined though f is defined at the point (d/dy log(x y) at (1e8, 1e-8) with a step of 9e-6), or
        reaches across a kink (abs(x - y) at (1, 1 + 1e-9)): first to base * |x_i| (where that is smaller), then
        DOMAIN_CUT times smaller, at most DOMAIN_RETRIES times, as one variable's default steps do. Where no
        step helps, the steps stay as they were."""

        def usable(at: np.ndarray, h: np.ndarray) -> np.ndarray:
            with np.errstate(all="ignore"):
                value = partials.stencil_partial(self.f_exact, at, h, stencil)
            return np.isfinite(value) & ~self.crosses_kink(stencil, at, h)

        with np.errstate(all="ignore"):
            wrong = np.isfinite(self.f_exact(points)) & ~usable(points, steps)
        if not wrong.any():
            return steps
        d = self.dimension
        flat_points, out = points.reshape(d, -1), np.array(steps, dtype=float).reshape(d, -1)
        bad = np.flatnonzero(wrong)
        axes = [i for i, k in enumerate(stencil.counts) if k]
        tried = out[:, bad]
        relative = base * np.abs(flat_points[:, bad])
        for attempt in range(step_sizes.DOMAIN_RETRIES + 1):
            at = flat_points[:, bad]
            smaller = tried.copy()
            smaller[axes] = tried[axes] / step_sizes.DOMAIN_CUT
            if attempt == 0:
                smaller[axes] = np.where(relative[axes] > 0, np.minimum(smaller[axes], relative[axes]), smaller[axes])
            for i in axes:
                smaller[i] = step_sizes.representable(at[i], smaller[i], stencil.denominator)
            found = usable(at, smaller)
            out[:, bad[found]] = smaller[:, found]
            bad, tried, relative = bad[~found], smaller[:, ~found], relative[:, ~found]
            if bad.size == 0:
                break
        return out.reshape(steps.shape)

    def _complex_steps(self, counts: tuple[int, ...], points: np.ndarray, steps: np.ndarray) -> np.ndarray:
        """The complex step's steps, raised where Im f(x + ih) = h df/dx_i would be subnormal and lose digits (x y
        at x = y = 1e-300 gave 5 correct digits): to COMPLEX_FLOOR / |df/dx_i|, but no further than truncation
        allows, h^2 |d3f/dx_i3| / 6 at most a hundredth of eps |df/dx_i|, as in one variable; and lowered where
        it would overflow (x y at x = y = 1e200: h = 1e180 gave inf for 1e200): to COMPLEX_CEILING / |df/dx_i|."""
        axis = counts.index(1)
        first = self.exact(counts, points)
        if first is None or not self.balance:
            return steps
        with np.errstate(all="ignore"):
            slope = np.abs(first)
            steps = np.array(steps, dtype=float)
            steps[axis] = np.where(slope > 0, np.minimum(steps[axis], step_sizes.COMPLEX_CEILING / slope), steps[axis])
            wanted = step_sizes.COMPLEX_FLOOR / slope
            low = np.isfinite(wanted) & (steps[axis] < wanted)
            if not low.any():
                return steps
            third = self.exact(tuple(3 if k == axis else 0 for k in range(self.dimension)), points)
            if third is None:  # the truncation is not known: the step stays
                return steps
            largest = np.sqrt(6 * fd.EPS * slope / np.abs(third)) / 10
            raised = np.where(np.isfinite(largest), np.minimum(wanted, largest), wanted)
            steps = np.array(steps, dtype=float)
            steps[axis] = np.where(low, np.maximum(steps[axis], raised), steps[axis])
        return steps

    def balanced_steps(self, method: Method, counts: Sequence[int], points: np.ndarray) -> np.ndarray | None:
        """Per point, the steps minimising the stencil's error model from f's own derivatives (balance.py);
        NaN where not known, None when SymPy gave none of the derivatives needed."""
        counts = tuple(counts)
        stencil = self.stencil(method, counts)

        def magnitude(wanted: tuple[int, ...]) -> np.ndarray | None:
            values = self.exact(wanted, points)
            if values is None:  # SymPy gave up (time, size): not asked again for this context's other steps
                self._exact[_BALANCE_GAVE_UP] = self.symbolic_failure(wanted)
                return None
            return np.abs(values)

        # the default base step of a stencil method (stencil() above raised for any other)
        fixed = axis_steps(points, recommended_base_step(stencil, self.noise), stencil.denominator, True,
                           self.step_floor)
        at_point = np.abs(self.f_exact(points))
        steps = balanced_steps(stencil, magnitude, at_point, fixed, self.noise)
        # Round-off scales with f where the stencil samples it, not at the point alone: sin(y) at y = 1e-100 is
        # 1e-100 there but about h beside it, and balancing against the 1e-100 took a step of 1e-15 (Richardson's
        # d2f/dy2 came out 0.3 off). Balanced again with f's largest value over the stencil at the step found.
        for _ in range(BALANCE_ROUNDS):
            if steps is None:
                break
            with np.errstate(all="ignore"):
                taken = np.where(np.isfinite(steps), steps, fixed)
                around = np.max(np.abs(self.f_exact(partials.stencil_points(points, taken, stencil))), axis=0)
            steps = balanced_steps(stencil, magnitude, np.fmax(at_point, around), fixed, self.noise)
        # Variables along which the truncation's derivatives are identically 0 (f a polynomial of low degree
        # in them): the stencil is exact along them whatever the step, so theirs is chosen for least round-off.
        exact = [i for i, k in enumerate(counts) if k and all(
            self.exact_expression(tuple(c + (extra if j == i else 0) for j, c in enumerate(counts))) == 0
            for extra in (stencil.accuracy, stencil.accuracy + 1))]
        if steps is None or not exact:
            return steps
        if len(exact) == sum(1 for k in counts if k):  # exact along every variable: round-off is all there is
            return self._least_roundoff_steps(stencil, points, fixed, exact)
        for _ in range(2):  # the others' balanced steps depend on these: settle both
            fixed = self._least_roundoff_steps(stencil, points, np.where(np.isfinite(steps), steps, fixed), exact)
            steps = balanced_steps(stencil, magnitude, at_point, fixed, self.noise)
            assert steps is not None  # None only when a derivative is unknown, and the first call had them all
        return steps

    def _least_roundoff_steps(self, stencil: ProductStencil, points: np.ndarray, steps: np.ndarray,
                              axes: Sequence[int]) -> np.ndarray:
        """steps with those along `axes` replaced, per point, by the one of 4^-k max(|x_i|, floor) (or the
        current one) of least round-off and noise bound (R eps max|f| + sqrt(sum w^2) sigma) / prod h_i^n_i, with
        f's values at the stencil's points."""
        axes = list(axes)
        best, least = steps, np.full(points.shape[1:], np.inf)
        candidates = [None] + [4.0**-k for k in range(1, EXACT_STEP_CANDIDATES + 1)]
        with np.errstate(all="ignore"):
            for base in candidates:
                h = steps.copy()
                if base is not None:
                    h[axes] = axis_steps(points[axes], base, stencil.denominator, True, self.floors[axes])
                samples = np.abs(self.f_exact(partials.stencil_points(points, h, stencil)))
                bound = partials.divide_by_steps(stencil.roundoff_coefficient * fd.EPS * np.max(samples, axis=0)
                                                 + stencil.noise_coefficient * self.noise, h, stencil.counts)
                better = bound < least  # NaN (a point outside f's domain) never is
                least = np.where(better, bound, least)
                best = np.where(better, h, best)
        return best

    def partial(self, method: Method, counts: Sequence[int], points: np.ndarray,
                steps: np.ndarray | None = None) -> np.ndarray:
        """method's value of the partial at every point (NaN where it has none); steps (d, ...) for the
        methods with a step (default: `steps` with the default base step)."""
        counts = tuple(counts)
        points = as_points(self.field, points)
        shape = points.shape[1:]
        if self.unavailable(method, counts) is not None:
            return np.full(shape, np.nan)
        if method is Method.SYMBOLIC:
            exact = self.exact(counts, points)
            assert exact is not None  # unavailable() returned None: SymPy gave this partial
            return exact
        if method is Method.AUTODIFF:
            values = partials.autodiff_partial(self.field.expr, self.field.symbols, counts, points, self.parameters)
            return self._masked(values, points)
        if steps is None:
            steps = self.steps(method, counts, points)
            assert steps is not None  # the complex step and the stencils all have a default step
        if method is Method.COMPLEX:
            values = partials.complex_partial(self.f_complex, points, steps, counts.index(1))
        else:
            values = partials.stencil_partial(self.f, points, steps, self.stencil(method, counts))
        return self._masked(values, points)

    def estimate(self, method: Method, counts: Sequence[int], points: np.ndarray, steps: np.ndarray | None,
                 value: np.ndarray) -> np.ndarray:
        """The estimated |error| of a value with a step, from the samples alone, as numeric/estimate.py does
        for one variable: the difference with the value at half the steps (the truncation) plus the
        round-off and noise bounds. NaN for the exact methods (symbolic, autodiff) and where there is no value."""
        counts = tuple(counts)
        points = as_points(self.field, points)
        if steps is None or self.unavailable(method, counts) is not None:
            return np.full(points.shape[1:], np.nan)
        with np.errstate(all="ignore"):
            if method is Method.COMPLEX:
                fine = partials.complex_partial(self.f_complex, points, steps / 2, counts.index(1))
                truncation = TRUNCATION_SAFETY * np.abs(value - fine) / (1 - 2.0**-COMPLEX_ACCURACY)
                return truncation + COMPLEX_ULPS * fd.EPS * np.abs(value)
            stencil = self.stencil(method, counts)
            p = stencil.accuracy
            half = np.array([step_sizes.representable(points[i], steps[i] / 2, stencil.denominator)
                             for i in range(self.dimension)])
            differentiated = np.array([k > 0 for k in counts])
            # Where a step is already the least its x allows, halving leaves it: compare with double steps.
            halved = np.all((half < steps)[differentiated], axis=0)
            if not np.all(halved):
                double = np.array([step_sizes.representable(points[i], 2 * steps[i], stencil.denominator)
                                   for i in range(self.dimension)])
                half = np.where(halved, half, double)
            other, scale = partials.stencil_partial(self.f, points, half, stencil, with_scale=True)
            truncation = TRUNCATION_SAFETY * np.abs(value - other) / np.where(halved, 1 - 2.0**-p, 2.0**p - 1)
            spread = (ROUNDOFF_SAFETY * stencil.roundoff_coefficient * fd.EPS * scale
                      + NOISE_SAFETY * stencil.noise_coefficient * self.noise)
            return truncation + partials.divide_by_steps(np.array(spread, dtype=float), steps, counts)


@dataclass(frozen=True, eq=False)
class MethodValues:
    """One method's values of a partial at the points, the steps it took and its errors."""

    method: Method
    values: np.ndarray
    steps: np.ndarray | None  # (d, ...): the step along each variable at each point; None without a step
    estimate: np.ndarray  # estimated |error| from the samples alone; NaN for the exact methods
    absolute: np.ndarray  # |value - reference|; NaN where either is undefined
    relative: np.ndarray  # absolute / |reference|; NaN where the reference is 0


@dataclass(frozen=True, eq=False)
class PartialReport:
    """A partial derivative at points by several methods, each against the reference (the exact value)."""

    counts: tuple[int, ...]
    points: np.ndarray  # (d, ...)
    f: np.ndarray
    exact: np.ndarray  # the reference's values; NaN everywhere when there is none
    reference: Method | None
    expression: sympy.Expr | None  # the exact partial, when SymPy gave it
    methods: dict[Method, MethodValues]
    notes: dict[Method, str]  # why each method left out has no value


def at_points(context: FieldContext, counts: Sequence[int], points: np.ndarray,
              methods: Iterable[Method] = FIELD_METHODS, base: float | None = None, scale: bool = True,
              estimates: bool = True) -> PartialReport:
    """The partial derivative `counts` at every point by each method, with steps (base step `base`, or each
    method's default; scaled with |x_i| unless scale is False), estimated and actual errors."""
    counts = tuple(counts)
    points = as_points(context.field, points)
    reference = context.reference(counts)
    shape = points.shape[1:]
    if reference is Method.SYMBOLIC:  # the exact values to the last bit at these few points
        deadline = time.monotonic() + TIME_BUDGET
        f = context.precise_f(points, deadline)
        exact = context.precise_exact(counts, points, f, deadline)
        assert exact is not None  # the reference is symbolic: SymPy gave this partial
    else:
        f = context.f_exact(points)
        exact = context.partial(reference, counts, points) if reference is not None else np.full(shape, np.nan)
    results, notes = {}, {}
    for method in methods:
        reason = context.unavailable(method, counts)
        if reason is not None:
            notes[method] = reason
            continue
        steps = context.steps(method, counts, points, base, scale)
        values = exact if method is reference else context.partial(method, counts, points, steps)
        estimate = (context.estimate(method, counts, points, steps, values) if estimates
                    else np.full(shape, np.nan))
        results[method] = MethodValues(method, values, steps, estimate, absolute_error(values, exact),
                                       relative_error(values, exact))
    return PartialReport(counts, points, f, exact, reference, context.exact_expression(counts),
                         results, notes)
