"""Evaluate every derivative method for one expression: the bridge from SymPy results to arrays."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import sympy

from ..expression.functions import NON_ANALYTIC, kink_arguments
from ..limits import MAX_AUTODIFF_COST
from ..request import Method
from ..symbolic.derivatives import (
    SymbolicDerivatives,
    compile_numpy,
    drop_distributions,
    evaluate,
    has_unevaluated,
    is_defined_everywhere,
    real_values,
    unevaluated_reason,
)
from . import finite_difference as fd
from . import forward_mode
from . import steps as step_sizes
from .autodiff import autodiff_function
from .noise import measurement_noise

_STENCIL_METHODS = (Method.FORWARD, Method.BACKWARD, Method.CENTRAL, Method.RICHARDSON)


@dataclass(frozen=True, eq=False)
class MethodContext:
    """One expression, derivative order, accuracy and parameter values, ready to evaluate anywhere."""

    symbolic: SymbolicDerivatives
    order: int
    accuracy: int
    parameters: tuple[float, ...] = ()
    noise: float = 0.0  # standard deviation of the noise on every sample of f (measured data)
    # s0 of the step scale max(|x|, s0) (steps.scale_floor of the range; 1 where there is none)
    step_floor: float = step_sizes.DEFAULT_SCALE_FLOOR

    @property
    def symbols(self) -> tuple[sympy.Symbol, ...]:
        parsed = self.symbolic.parsed
        return (parsed.variable, *parsed.parameters)

    def f(self, x: np.ndarray) -> np.ndarray:
        """f at x (any shape), NaN where undefined; with noise, as measured: f + noise drawn by x."""
        values = evaluate(self.symbolic.derivatives[0], self.symbols, x, self.parameters)
        return values + measurement_noise(x, self.noise) if self.noise else values

    @cached_property
    def _compiled_f(self):
        return compile_numpy(self.symbolic.derivatives[0], self.symbols)

    def samples(self, points: np.ndarray) -> np.ndarray:
        """f at a stencil's points, as `f` gives it, but without evaluate's copy when the compiled f already
        returns float values of the points' shape: the stencils call this once per block, and the copy
        was a tenth of their cost. (Callers silence NumPy's warnings, as apply_stencil does.)"""
        if self.noise:
            return self.f(points)
        try:
            values = self._compiled_f(points, *self.parameters)
        except ArithmeticError:
            return self.f(points)
        if isinstance(values, np.ndarray) and values.dtype == np.float64 and values.shape == points.shape:
            return values
        return real_values(values, points.shape)

    def f_complex(self, z: np.ndarray) -> np.ndarray:
        """f at complex z, for the complex step."""
        function = compile_numpy(self.symbolic.derivatives[0], self.symbols)
        with np.errstate(all="ignore"):
            try:
                return np.broadcast_to(function(z, *self.parameters), np.shape(z))
            except ArithmeticError:
                # Python arithmetic on constants in the generated code ((e - a)^(1e44) with a = 1: OverflowError)
                # raises where NumPy would give inf or NaN, as in evaluate(): undefined, not a traceback
                return np.full(np.shape(z), complex(np.nan, np.nan))

    def exact_derivative(self, order: int, x: np.ndarray) -> np.ndarray | None:
        """The symbolic order-th derivative at x, or None when it is not available."""
        expr = self.symbolic.of(order)
        if expr is None:
            return None
        expr, _ = drop_distributions(expr)
        return evaluate(expr, self.symbols, x, self.parameters)

    def stencil(self, method: Method) -> fd.Stencil:
        builders = {
            Method.FORWARD: fd.forward_stencil,
            Method.BACKWARD: fd.backward_stencil,
            Method.CENTRAL: fd.central_stencil,
            Method.RICHARDSON: fd.richardson_stencil,
        }
        return builders[method](self.order, self.accuracy)

    def denominator(self, method: Method) -> int:
        """What a step must be a multiple of (in ulps of x) for every stencil point to be exact."""
        return self.stencil(method).denominator if method in _STENCIL_METHODS else 1

    def steps(self, method: Method, x: np.ndarray, base: np.ndarray | float) -> np.ndarray:
        """The step method takes at each x for base step h0: h0 * max(|x|, s0), exact at x
        (`steps.scaled`); base may be a column against x, as in the sweep."""
        if method is Method.COMPLEX:  # no cancellation: any step is exact enough, only its scale matters
            return base * step_sizes.step_scale(x, self.step_floor)
        return step_sizes.scaled(x, base, self.step_floor, self.denominator(method))

    def scaled_derivative(self, method: Method, x: np.ndarray, base: np.ndarray | float) -> np.ndarray:
        """method's estimate at x with the base step h0 (the window's slider): each x uses steps(...)."""
        if not method.uses_step or self.unavailable(method) is not None or np.ndim(base):
            # no step to take (base only gives the shape), or a sweep's column of base steps
            return self.derivative(method, x, base if not method.uses_step else self.steps(method, x, base))
        # The steps are worked out block by block with the stencil, while the block is in cache.
        if method is Method.COMPLEX:
            return self.derivative(method, x, lambda block: self.steps(method, block, base))
        floor, denominator = self.step_floor, self.denominator(method)
        return self.derivative(method, x, lambda block: step_sizes.scaled(block, base, floor, denominator))

    @cached_property
    def _non_analytic(self) -> bool:
        return self.symbolic.derivatives[0].has(*NON_ANALYTIC)

    @cached_property
    def _kink_arguments(self) -> tuple[sympy.Expr, ...]:
        """The arguments of abs, sign and cbrt in f that depend on x: where one changes sign, f or a derivative
        of f jumps (|x|'s kink, sign's step, cbrt's vertical tangent)."""
        return kink_arguments(self.symbolic.derivatives[0], self.symbols[:1])

    def crosses_kink(self, method: Method, x: np.ndarray, h: np.ndarray | float) -> np.ndarray:
        """True where the stencil of method with step h at x reaches the other side of a kink, a jump or a
        vertical tangent of f: there no term of a Taylor series, so no truncation law, relates its value to the
        derivative at x (|x| at 1e-300 with a step of 1e-5: 0 for 1). Not at x on the kink itself, where no
        step avoids it."""
        x = np.asarray(x, dtype=float)
        crossing = np.zeros(np.broadcast_shapes(x.shape, np.shape(h)), dtype=bool)
        if method not in _STENCIL_METHODS or not self._kink_arguments:
            return crossing
        offsets = self.stencil(method).offsets_array.reshape((-1,) + (1,) * crossing.ndim)
        with np.errstate(all="ignore"):
            points = x + np.asarray(h, dtype=float) * offsets
            for argument in self._kink_arguments:
                side = np.sign(evaluate(argument, self.symbols, x, self.parameters))
                others = np.sign(evaluate(argument, self.symbols, points, self.parameters))
                crossing |= step_sizes.reaches_across(side, others)
        return crossing

    def unavailable(self, method: Method) -> str | None:
        """Why method cannot give a result for this expression and order, or None if it can."""
        if self.noise and method in (Method.COMPLEX, Method.AUTODIFF):
            return "needs f's formula: noisy samples of f have none"
        if method is Method.SYMBOLIC and self.symbolic.of(self.order) is None:
            return "the symbolic derivative is not available (SymPy gave up)"
        if method is Method.SYMBOLIC and has_unevaluated(exact := self.symbolic.derivatives[self.order]):
            return f"the symbolic derivative is not available: {unevaluated_reason(exact)}"
        if method is Method.COMPLEX:
            if self.order != 1:
                return "the complex step gives first derivatives only"
            if self._non_analytic:
                return "the complex step needs an analytic f; abs, sign and cbrt are not"
        if method is Method.AUTODIFF and self.order > 1 and self._autodiff_cost > MAX_AUTODIFF_COST:
            # Nested reverse mode grows about fourfold per order, and it cannot be abandoned once started
            # (it runs in this process): a 38-level power tower took half a minute at order 6.
            return f"autodiff of order {self.order} of so large an f would take too long"
        return None

    @cached_property
    def _autodiff_cost(self) -> int:
        """A measure of nested autograd's work: f's operations times 4 per order beyond the first."""
        return int(sympy.count_ops(self.symbolic.derivatives[0])) * 4 ** (self.order - 1)

    @cached_property
    def reference(self) -> Method | None:
        """What errors are measured against: symbolic, or autodiff when SymPy gave up."""
        return next((m for m in (Method.SYMBOLIC, Method.AUTODIFF) if self.unavailable(m) is None), None)

    def derivative(self, method: Method, x: np.ndarray, h: np.ndarray | float | fd.StepRule) -> np.ndarray:
        """method's estimate of f^(order) at x with step h (h may broadcast against x, e.g. shape (K, 1), or be
        a rule giving the steps at any x)."""
        x = np.asarray(x, dtype=float)
        shape = x.shape if callable(h) else np.broadcast_shapes(x.shape, np.shape(h))
        reason = self.unavailable(method)
        if reason is not None:
            return np.full(shape, np.nan)
        estimate: np.ndarray
        if method is Method.SYMBOLIC:
            exact = self.exact_derivative(self.order, x)
            assert exact is not None  # unavailable() returned None: the symbolic derivative is known
            estimate = exact
        elif method is Method.AUTODIFF:
            estimate, f_values = self._autodiff(x)
            if f_values is not None:  # forward mode had f at hand: where it is undefined, so is f'
                return np.where(np.isfinite(f_values), estimate, np.nan) + np.zeros(shape)
        elif method is Method.COMPLEX:
            estimate = fd.complex_step(self.f_complex, x, h)
        else:
            stencil = self.stencil(method)
            estimate = fd.apply_stencil(self.samples, x, h, stencil)
            if 0 in stencil.offsets:  # f(x) is in the stencil, so an undefined f(x) is already a gap
                return estimate
            # Odd-order central and Richardson stencils skip x itself: 1/x at 0 would get a value.
        if is_defined_everywhere(self.symbolic.derivatives[0]):
            return np.broadcast_to(estimate, shape).copy() if estimate.shape != shape else estimate
        # Where f itself is undefined (log of a negative, 1/x at 0) so is its derivative, even when
        # the formula for f' happens to have a value there (1/x at x = -1). Checking costs one more
        # evaluation of f, which is why it is skipped above when f is finite everywhere.
        return np.where(np.isfinite(self.f(x)), estimate, np.nan) + np.zeros(shape)

    def _autodiff(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """(f^(order) at x, f at x when it came along or None): first derivatives by forward mode, which
        costs about f plus its derivative's rules (reverse mode, autograd's, traced and replayed every
        operation); higher orders, and expressions forward mode has no rule for, by autograd."""
        expr = self.symbolic.derivatives[0]
        if self.order == 1:
            everywhere = is_defined_everywhere(expr)
            dual = forward_mode.first_derivative(expr, self.symbols, with_value=not everywhere)
            if dual is not None:
                return forward_mode.evaluate(dual, x, self.parameters, with_value=not everywhere)
        function = autodiff_function(expr, self.symbols, self.order)
        with np.errstate(all="ignore"):
            try:
                values = function(x, *self.parameters)
            except (TypeError, ValueError, NotImplementedError, ArithmeticError):  # OverflowError too, as above
                return np.full(x.shape, np.nan), None
        return real_values(values, x.shape), None
