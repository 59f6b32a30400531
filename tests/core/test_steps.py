"""Steps that follow the scale of x (and of f), and that are exactly the steps the stencils take."""

from dataclasses import replace

import numpy as np
import pytest

from explorer.core.derive import default_steps, derive_at, exact_derivatives
from explorer.core.numeric import steps
from explorer.core.numeric.error_analysis import relative_error
from explorer.core.pipeline import compute_stages, derivatives_needed, method_context, sweep_stage
from explorer.core.request import DerivativeRequest, Method

STEP_METHODS = (Method.FORWARD, Method.BACKWARD, Method.CENTRAL, Method.RICHARDSON, Method.COMPLEX)
CLASSES = np.array([1e-300, 1e-200, 1e-30, 1e-8, 1e-6, 0.0, 1.0, 3.7, 1e8, 1e15, 1e300,
                    -1e-300, -1e-6, -1.0, -2.5, -1e8, -1e15])


@pytest.mark.parametrize("denominator", [1, 2, 4])
@pytest.mark.parametrize("h", [1e-5, 3.3e-9, 0.1, 7e-13, 1e-20, 1e3])
def test_representable_steps_put_every_stencil_point_on_a_double(h, denominator):
    hr = steps.representable(CLASSES, h, denominator)
    assert np.all(hr > 0)
    assert np.array_equal((CLASSES + hr) - CLASSES, hr)
    assert np.array_equal(CLASSES - (CLASSES - hr), hr)
    part = hr / denominator  # Richardson's offsets are halves (and quarters)
    assert np.array_equal((CLASSES + part) - CLASSES, part)
    assert np.array_equal(CLASSES - (CLASSES - part), part)
    # Changed by at most an ulp (of the farthest point) per part, where h is many ulps of x
    ulp = np.spacing(np.abs(CLASSES) + h)
    many = h > 1e6 * np.spacing(np.abs(CLASSES))
    assert np.all(np.abs(hr[many] - h) <= denominator * ulp[many])


def test_the_scale_floor_is_1_on_ordinary_ranges_and_the_range_near_zero():
    assert steps.scale_floor(-6.0, 6.0) == 1.0 and steps.scale_floor(100.0, 200.0) == 1.0
    assert steps.scale_floor(-0.5, 2.0) == 1.0
    assert steps.scale_floor(1e-7, 1e-5) == 1e-5  # steps of h0 * 1e-5 there, not h0
    assert steps.scale_floor(-1e-3, 1e-4) == 1e-3
    np.testing.assert_array_equal(steps.step_scale(np.array([-3.0, 0.2, 0.0, 1e8]), 1.0), [3.0, 1.0, 1.0, 1e8])


def test_the_window_steps_scale_with_x_and_are_exact():
    # x^2 + 1 near 1e8: a fixed step of 1e-5 is ~700 ulps of x and gave a relative error of 4e-4.
    request = DerivativeRequest("x^2+1", x_min=1e8, x_max=2e8, points=101)
    curves = next(compute_stages(request, exact_derivatives(request)))
    for method in (Method.FORWARD, Method.BACKWARD, Method.CENTRAL, Method.RICHARDSON):
        assert np.nanmax(relative_error(curves.derivatives[method], 2 * curves.x)) < 1e-9, method
    context = method_context(request, exact_derivatives(request))
    for method in STEP_METHODS:
        h = context.steps(method, curves.x, request.step)
        np.testing.assert_allclose(h, request.step * curves.x, rtol=1e-9)  # h0 * |x|
        if method is not Method.COMPLEX:
            assert np.array_equal((curves.x + h) - curves.x, h), method


def test_a_range_near_zero_keeps_every_stencil_inside_the_domain():
    # log(x) on [1e-7, 1e-5]: with a step of 1e-5 every stencil reaching left of x left the domain.
    request = DerivativeRequest("log(x)", x_min=1e-7, x_max=1e-5, points=201)
    curves = next(compute_stages(request, exact_derivatives(request)))
    exact = 1 / curves.x
    for method in STEP_METHODS:
        values = curves.derivatives[method]
        assert np.isfinite(values).all(), method
    assert np.max(relative_error(curves.derivatives[Method.CENTRAL], exact)) < 1e-5
    assert np.max(relative_error(curves.derivatives[Method.FORWARD], exact)) < 1e-3  # h/x <= 1e-3 here
    # the complex step takes h0 * 1e-5 too: truncation (h/x)^2 / 3 at most 3.3e-7 at x = 1e-7
    assert np.max(relative_error(curves.derivatives[Method.COMPLEX], exact)) < 4e-7


def test_the_sweep_and_its_best_step_are_in_the_sliders_units():
    # log's own scale is x: at x = 1e4 the best central step is ~0.14, i.e. a base step of ~1.4e-5.
    request = DerivativeRequest("log(x)", x_min=1e3, x_max=1e5, probe=1e4)
    symbolic = exact_derivatives(request)
    result = sweep_stage(request, symbolic)
    base_star, least = result.sweep.optimum[Method.CENTRAL]
    assert 1e-6 < base_star < 1e-4 and result.sweep.scale == 1e4
    assert least / 1e-4 < 1e-9
    # "Use h*" is one step: the slider's value becomes h*, and the readout has the optimum's error there.
    chosen = sweep_stage(replace(request, step=base_star), symbolic)
    assert chosen.error_at_step(Method.CENTRAL) == pytest.approx(least, rel=1e-12)
    assert chosen.steps[Method.CENTRAL] == pytest.approx(base_star * 1e4, rel=1e-9)  # the step taken there


def _derive(expression, points, **kwargs):
    request = DerivativeRequest(expression, **kwargs)
    symbolic = exact_derivatives(request, derivatives_needed(request) + 1)
    return derive_at(request, symbolic, np.asarray(points, dtype=float))


# (f, points where f' is well conditioned: relative error achievable near sqrt(eps) or better)
WELL_CONDITIONED = [
    ("x^2+1", [1.0, -3.7, 1e8, -1e8, 1e15]),
    # no truncation to balance at tiny x: a step of 1e-5 lost 4xh against h^2 and every difference gave 0
    ("x^2", [1e-150, 1e-100, -1e-100, 1e-30, 0.5, 1e8]),
    ("x^3", [1e-100, 1e-60]),
    ("x^3-2x", [1e-300, 1e-8, 0.0, 1.0, 1e8, -1e15]),
    ("x^5", [1e-30, 1e-6, 1.0, 1e8, -1e15]),
    ("exp(x)", [1e-300, 1e-6, 0.0, 1.0, -1.0, 3.7]),
    ("log(x)", [1e-300, 1e-200, 1e-30, 1e-8, 1e-6, 1.0, 1e8, 1e15, 1e300]),
    ("sqrt(x)", [1e-300, 1e-100, 1e-8, 1e-6, 1.0, 1e8, 1e300]),
    ("sin(x)", [1e-300, 1e-6, 0.0, 1.0, -2.5, 1e8, -1e8]),
    ("1/x", [1e-100, 1e-30, 1e-8, 1e-6, 1.0, -1e-6, 1e8, 1e15]),
    ("exp(-x^2)*sin(3x)", [1e-8, 0.0, 1.0, -1.0]),
]


@pytest.mark.parametrize("expression, points", WELL_CONDITIONED)
def test_default_steps_work_across_the_classes_of_x(expression, points):
    result = _derive(expression, points)
    # round-off grows with |f| / |f'| x (log at 1e-300 is -690): a few times (eps |f|)^(p/(n+p)) at most
    bounds = {Method.FORWARD: 3e-8, Method.BACKWARD: 3e-8, Method.CENTRAL: 5e-9, Method.RICHARDSON: 2e-10,
              Method.COMPLEX: 1e-14}
    for method, bound in bounds.items():
        values = result.methods[method]
        assert np.isfinite(values.values).all(), (method, values.values)
        assert np.all(values.relative <= bound), (method, dict(zip(points, values.relative, strict=True)))
        if method is not Method.COMPLEX:
            assert np.array_equal((result.x + values.steps) - result.x, values.steps), method


def test_the_default_step_follows_the_functions_own_scale():
    # log near 0: its scale is x itself (a step of 8.7e-6 leaves the domain at 1e-6).
    result = _derive("log(x)", [1e-6])
    central = result.methods[Method.CENTRAL]
    assert 1e-12 < central.steps[0] < 1e-10 and central.relative[0] < 1e-9
    # x^2 + 1 at 1e8 has no truncation error to balance: the step is scaled by |x| instead.
    result = _derive("x^2+1", [1e8], methods=(Method.CENTRAL,))
    assert result.methods[Method.CENTRAL].steps[0] > 1e2 and result.methods[Method.CENTRAL].relative[0] < 1e-11
    # sin at pi/2, where sin''' vanishes: the step stays bounded by the next derivative over the stencil.
    result = _derive("sin(x)", [np.pi / 2], methods=(Method.CENTRAL,))
    assert 1e-5 < result.methods[Method.CENTRAL].steps[0] < 1e-3


def test_a_stencil_that_leaves_the_domain_gets_a_smaller_step():
    # Without f''' (SymPy gave up, say) the step is 8.7e-6 * max(|x|, 1): past 0 for log at 1e-6.
    request = DerivativeRequest("log(x)")
    context = method_context(request, exact_derivatives(request, 1), scale_floor=1.0)
    x = np.array([1e-6, 1e-300, 2.0])
    for method in STEP_METHODS:
        h = default_steps(method, context, x)
        values = context.derivative(method, x, h)
        assert np.isfinite(values).all(), method
        # Forward's stencil never leaves the domain, so it keeps its (too large) step; the complex step's
        # 1e-20 stays inside too, but is no longer small against x = 1e-300.
        kept = [0, 2] if method is Method.COMPLEX else [0, 1, 2] if method is not Method.FORWARD else [2]
        np.testing.assert_allclose(values[kept], 1 / x[kept], rtol=1e-3, err_msg=method.value)
    # where f itself is undefined nothing is retried, and nothing is found
    assert np.isnan(context.derivative(Method.CENTRAL, np.array([-1.0]),
                                       default_steps(Method.CENTRAL, context, np.array([-1.0])))).all()


@pytest.mark.parametrize("expression, points, exact", [
    ("abs(x)", [1e-300, -1e-300, 1e-12, -3e-6], np.sign),
    ("abs(x-1)", [1 + 1e-8, 1 - 1e-9], lambda x: np.sign(x - 1)),
    ("abs(sin(x))", [np.pi + 1e-7, -1e-12], lambda x: np.sign(np.sin(x)) * np.cos(x)),
    ("x*abs(x)", [1e-100, -1e-9], lambda x: 2 * np.abs(x)),
])
def test_a_stencil_across_a_kink_gets_a_smaller_step(expression, points, exact):
    # |x| at 1e-300 with the step of 1e-5 that x = 1 would take: the central difference straddled the kink and
    # gave 0 for 1, and the backward difference -1, with estimated errors of 1e-16. f is smooth on either side,
    # so a step that stays on x's side is right to the theory's accuracy.
    result = _derive(expression, points)
    truth = exact(np.array(points))
    for method in (Method.FORWARD, Method.BACKWARD, Method.CENTRAL, Method.RICHARDSON):
        values = result.methods[method]
        error = np.abs(values.values - truth)
        assert np.all(error <= 1e-6 * np.abs(truth) + 1e-300), (method, values.values)
        assert np.all(error <= values.estimate), (method, error, values.estimate)


@pytest.mark.parametrize(("text", "low", "high", "order"), [
    ("exp(x)", 1e-9, 2e-9, 1), ("exp(x)", 1e-9, 2e-9, 2), ("1+x", -1e-6, 1e-6, 1), ("cos(x)", -1e-4, 1e-4, 1),
    ("cos(x)", -1e-4, 1e-4, 2), ("3 + sin(x)", 1e-7, 3e-7, 1), ("sin(x)", 1e-9, 2e-9, 2)])
def test_a_narrow_range_near_zero_steps_by_the_functions_own_scale(text, low, high, order):
    """exp(x) on [1e-9, 2e-9] changes over lengths of 1: steps of h0 times the range's size (1e-14) left every
    stencil to round-off, 1e-3 off at order 1 and 100% at order 2, against the analytic derivative."""
    request = DerivativeRequest(text, x_min=low, x_max=high, points=200, step=1e-5, order=order)
    curves, errors, _ = compute_stages(request, exact_derivatives(request))
    assert curves.reference is Method.SYMBOLIC
    # round-off eps / h0^n at the default h0 = 1e-5; sin at order 2: f'' = -sin(x) is 1e-9 beside f(x +- h) ~ 1e-5
    bound = 1e-2 if text == "sin(x)" else 1e-6 if order == 1 else 1e-5
    assert np.nanmedian(errors.relative[Method.CENTRAL]) < bound


@pytest.mark.parametrize(("text", "low", "high"), [("log(x)", 1e-9, 2e-9), ("log(x)", 1e-7, 1e-5), ("1/x", 1e-9, 2e-9),
                                                   ("x^2", 1e-9, 2e-9), ("sqrt(x)", 1e-12, 1e-10)])
def test_a_function_that_changes_at_the_scale_of_x_keeps_steps_of_the_ranges_size(text, low, high):
    request = DerivativeRequest(text, x_min=low, x_max=high, points=200, step=1e-5)
    symbolic = exact_derivatives(request)
    assert method_context(request, symbolic).step_floor == steps.scale_floor(low, high)
    curves, errors, _ = compute_stages(request, symbolic)
    for method in (Method.FORWARD, Method.BACKWARD, Method.CENTRAL, Method.RICHARDSON):
        assert np.isfinite(curves.derivatives[method]).all()  # no stencil leaves the domain
        assert np.nanmedian(errors.relative[method]) < 1e-8


def test_own_scale_is_where_the_derivative_changes_f_by_itself():
    x = np.linspace(1e-9, 2e-9, 50)
    assert steps.own_scale_of(np.exp(x), np.exp(x), 1) == pytest.approx(1.0)
    assert steps.own_scale_of(1 / x, -1 / x**2, 1) == pytest.approx(np.median(x))
    assert steps.own_scale_of(np.sin(x), -np.sin(x), 2) == pytest.approx(1.0)
    assert steps.own_scale_of(x + 1, np.zeros_like(x), 2) == np.inf  # a straight line: any step
    assert steps.own_scale_of(np.full(3, np.nan), np.ones(3), 1) == 0.0
    assert steps.scale_floor(1e-9, 2e-9, own_scale=1.0) == 1.0
    assert steps.scale_floor(1e-9, 2e-9, own_scale=3e-8) == 2e-9  # 15 times: not worth leaving the range's size
    assert steps.scale_floor(1e-9, 2e-9, own_scale=3e-8, order=2) == 3e-8  # 225 times at order 2
    assert steps.scale_floor(-6.0, 6.0, own_scale=50.0) == 1.0 and steps.scale_floor(1e-9, 2e-9, np.inf) == 1.0
