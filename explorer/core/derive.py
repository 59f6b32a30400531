"""The whole computation in one call, in this process: what the command line, the tests and the benchmarks share.

`exact_derivatives` runs SymPy here (the window and the CLI use the abandonable engine instead, for input
that may hang); `derive_at` evaluates every method at chosen points; `derive` gives every stage at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .expression.parser import parse_expression
from .numeric import finite_difference as fd
from .numeric.error_analysis import absolute_error, relative_error
from .numeric.methods import MethodContext
from .pipeline import DerivativeResults, collect_results, derivatives_needed, method_context
from .request import DerivativeRequest, Method
from .symbolic.derivatives import SymbolicDerivatives, derivative_chain

COMPLEX_STEP = 1e-20  # the complex step has no cancellation, so h can be far below sqrt(eps)


def exact_derivatives(request: DerivativeRequest, up_to: int | None = None) -> SymbolicDerivatives:
    """f and its exact derivatives up to `up_to` (default: all the request's stages need), by SymPy here."""
    parsed = parse_expression(request.expression, request.variable)
    count = derivatives_needed(request) if up_to is None else up_to
    return SymbolicDerivatives(parsed, (parsed.expr, *derivative_chain(parsed.expr, parsed.variable, count)))


def derive(request: DerivativeRequest, symbolic: SymbolicDerivatives | None = None) -> DerivativeResults:
    """Every stage of request (curves, errors against x, the sweep), with SymPy run here unless given."""
    return collect_results(request, symbolic if symbolic is not None else exact_derivatives(request))


def default_step(method: Method, context: MethodContext) -> float | None:
    """The step a method uses when none is asked for: the one that balances its truncation against its
    round-off (and noise); None for the methods without a step."""
    if not method.uses_step:
        return None
    if method is Method.COMPLEX:
        return COMPLEX_STEP
    return fd.recommended_step(context.stencil(method), context.noise)


@dataclass(frozen=True, eq=False)
class MethodValues:
    """One method's estimates at the points, the step it used, and its errors against the reference."""

    step: float | None
    values: np.ndarray
    absolute: np.ndarray
    relative: np.ndarray


@dataclass(frozen=True, eq=False)
class PointResults:
    """Every requested method at chosen points: what `derive` on the command line reports."""

    request: DerivativeRequest
    symbolic: SymbolicDerivatives
    context: MethodContext
    x: np.ndarray
    f: np.ndarray
    exact: np.ndarray  # the reference derivative (NaN where undefined or when there is no reference)
    reference: Method | None
    methods: dict[Method, MethodValues]
    notes: dict[Method, str]  # why a requested method has no values


def derive_at(request: DerivativeRequest, symbolic: SymbolicDerivatives, points: np.ndarray,
              step: float | None = None) -> PointResults:
    """Every method of request at `points`, each with `step` or its own balanced step when None."""
    context = method_context(request, symbolic)
    x = np.asarray(points, dtype=float)
    # The same reference the window measures errors against, with the same gaps where f is undefined.
    reference = context.reference
    exact = context.derivative(reference, x, 0.0) if reference else np.full(x.shape, np.nan)
    methods: dict[Method, MethodValues] = {}
    notes: dict[Method, str] = {}
    for method in request.methods:
        reason = context.unavailable(method)
        if reason:
            notes[method] = reason
            continue
        used = step if step is not None and method.uses_step else default_step(method, context)
        values = context.derivative(method, x, used if used is not None else 0.0)
        methods[method] = MethodValues(used, values, absolute_error(values, exact), relative_error(values, exact))
    return PointResults(request, symbolic, context, x, context.f(x), exact, reference, methods, notes)
