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
