"""Default steps against the edges of f: a stencil that would leave f's domain or reach across a kink is cut,
as one variable's default steps are; truth written out by hand."""

import numpy as np
import pytest

from explorer.core.fields.context import FieldContext, at_points
from explorer.core.fields.variables import parse_field
from explorer.core.request import Method

STENCILS = (Method.FORWARD, Method.BACKWARD, Method.CENTRAL, Method.RICHARDSON)


@pytest.mark.parametrize("method", STENCILS)
def test_a_default_step_leaving_the_domain_is_cut(method):
    # d/dy log(x y) = 1/y at (1e8, 1e-8): f = log(1) = 0 there, so nothing balances the step, and the fallback
    # h0 * max(|y|, 1) ~ 1e-5 reached y < 0 (no value, no note). Forward steps away from 0 and was right.
    context = FieldContext(parse_field("log(x*y)", ["x", "y"]))
    report = at_points(context, (0, 1), np.array([[1e8], [1e-8]]), [method])
    value = report.methods[method].values[0]
    assert abs(value - 1e8) <= 1e-4 * 1e8, value


@pytest.mark.parametrize("method", (Method.FORWARD, Method.BACKWARD, Method.CENTRAL))
@pytest.mark.parametrize(("point", "exact"), [((1.0, 1.0 + 1e-9), (-1.0, 1.0)),
                                              ((1e-300, 2e-300), (-1.0, 1.0)),
                                              ((-3.0, -3.0 - 1e-7), (1.0, -1.0))])
def test_a_default_step_reaching_across_a_kink_is_cut(method, point, exact):
    # abs(x - y) is linear on either side: its stencils are exact, so the step of least round-off (1/4) was
    # taken, across the kink 1e-9 away: central gave 4e-9 for -1 (estimated error 8e-9).
    context = FieldContext(parse_field("abs(x - y)", ["x", "y"]))
    for counts, truth in zip([(1, 0), (0, 1)], exact, strict=True):
        report = at_points(context, counts, np.array(point, dtype=float).reshape(2, 1), [method])
        result = report.methods[method]
        assert abs(result.values[0] - truth) <= 1e-6, (counts, result.values[0], result.steps[:, 0])


@pytest.mark.parametrize(("text", "partial", "exact", "tolerance"), [
    # the step at x is h0 max(|x|, s0) with the slider's h0 = 1e-3: s0 = 1 reached x < 0 (no value) or, for
    # sin(1e9 x), a thousand of its periods (100% off); with the rectangle's size the central difference's
    # truncation is (h/x)^2/3 ~ 1e-6 of the derivative
    ("log(x*y)", "df/dx", lambda x, y: 1 / x, 1e-5),
    ("sqrt(x)*y", "d2f/dx2", lambda x, y: -y / (4 * x**1.5), 1e-5),
    ("sin(1e9*x)*y", "df/dx", lambda x, y: 1e9 * np.cos(1e9 * x) * y, 1e-5),
    # f's own scale is 1 here: its steps stay h0 (the range's size would leave them to round-off)
    ("exp(x+y)", "df/dx", lambda x, y: np.exp(x + y), 1e-6),
    ("exp(x+y)", "d2f/dxdy", lambda x, y: np.exp(x + y), 1e-6),
])
def test_a_narrow_rectangle_near_zero_scales_the_steps_with_its_size_or_fs_own(text, partial, exact, tolerance):
    from explorer.core.fields.session import ContextCache, FieldRequest, field_stages

    request = FieldRequest(expression=text, x_min=1e-9, x_max=2e-9, y_min=1e-9, y_max=2e-9, grid=12,
                           partial=partial, method="central")
    errors = next(stage for stage in field_stages(request, ContextCache(), frozenset({"point", "descent", "compare"}))
                  if type(stage).__name__ == "ErrorStage")
    x, y = np.meshgrid(errors.maps.x, errors.maps.y)
    truth = exact(x, y)
    values = errors.maps.values[Method.CENTRAL]
    assert np.all(np.abs(values - truth) <= tolerance * np.abs(truth)), np.nanmax(np.abs(values / truth - 1))


def test_the_complex_step_is_not_rounded_up_to_an_ulp_of_x():
    # at x = 1e8 the default step 1e-20 * 1e8 was made "representable", an ulp of x (1.5e-8): the truncation
    # (1e7 h)^2 / 6 was 0.4% of the derivative; at 1e-12 it is 2e-11
    from explorer.core.fields.descent import gradient_kernel

    context = FieldContext(parse_field("sin(1e7*(x - 1e8))*y", ["x", "y"]))
    report = at_points(context, (1, 0), np.array([[1e8], [2.0]]), [Method.COMPLEX])
    assert abs(report.methods[Method.COMPLEX].values[0] - 2e7) <= 1e-9 * 2e7
    assert abs(gradient_kernel(context, Method.COMPLEX)([1e8, 2.0])[0] - 2e7) <= 1e-9 * 2e7


def test_the_complex_step_does_not_overflow():
    # h = 1e-20 * 1e200 made Im f(x + ih) = h y = 1e380: inf for a derivative of 1e200
    context = FieldContext(parse_field("x*y", ["x", "y"]))
    report = at_points(context, (1, 0), np.array([[1e200], [1e200]]), [Method.COMPLEX])
    assert abs(report.methods[Method.COMPLEX].values[0] - 1e200) <= 1e-13 * 1e200
