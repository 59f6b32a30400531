"""Partial derivatives by every method against analytic truth (written out by hand, not by SymPy), at ordinary,
large and tiny coordinates; product stencils exact on polynomials of their degree."""

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest

from explorer.core.fields.context import FieldContext, at_points
from explorer.core.fields.partials import stencil_partial
from explorer.core.fields.stencils import STENCIL_METHODS, axis_steps, product_stencil, recommended_base_step
from explorer.core.fields.variables import parse_field
from explorer.core.numeric import finite_difference as fd
from explorer.core.request import Method

from fields_cases import CASES, POINTS

# Relative tolerance of each method by total order (central and forward at their default steps). Forward
# differences are first order: about the square root of what central achieves.
TOLERANCE = {
    Method.SYMBOLIC: {1: 1e-13, 2: 1e-13, 3: 1e-13, 4: 1e-13, 5: 1e-13},
    Method.AUTODIFF: {1: 1e-13, 2: 1e-13, 3: 1e-13, 4: 1e-13, 5: 1e-13},
    Method.COMPLEX: {1: 1e-13},
    Method.CENTRAL: {1: 1e-9, 2: 1e-6, 3: 1e-5, 4: 1e-4, 5: 1e-5},
    Method.RICHARDSON: {1: 1e-11, 2: 1e-9, 3: 1e-7, 4: 1e-6, 5: 1e-7},
    Method.FORWARD: {1: 1e-8, 2: 1e-5, 3: 1e-4, 4: 1e-3, 5: 1e-4},
}
ORDINARY = [(1.0, 2.0), (-0.7, 0.3), (300.0, -200.0)]
# Large and tiny coordinates, where the partial is not swamped by f's other terms (see the last test).
EXTREME = {
    "exp(x*y)": [(1e6, 1e-6), (1e-7, 3e-8), (-2e-7, 4e6)],
    "x^2*y^3": [(1e6, 1e-6), (1e-7, 3e-8), (2e7, -3e7)],
    "sin(x)*cos(y)": [(1e6, 0.5), (2e5, -3e5)],
    "3*x^3*y^2 - 2*x*y + 5*y^4": [(1e6, 1e-6), (1e5, 3e4)],
}


def cases(points_of):
    for text, partials in CASES.items():
        for counts, exact in partials.items():
            yield pytest.param(text, counts, exact, points_of(text), id=f"{text}-{counts}")


def check(text, counts, exact, points, methods):
    context = FieldContext(parse_field(text, ["x", "y"]))
    points = np.array(points, dtype=float).T
    truth = exact(*points)
    report = at_points(context, counts, points, methods)
    order = sum(counts)
    for method in methods:
        if method is Method.COMPLEX and order > 1:
            assert method in report.notes and method not in report.methods
            continue
        values = report.methods[method].values
        tolerance = TOLERANCE[method][order]
        error = np.abs(values - truth)
        assert np.all(error <= tolerance * np.abs(truth) + 1e-300), (method, points, values, truth)


ALL = (Method.SYMBOLIC, Method.AUTODIFF, Method.COMPLEX, Method.CENTRAL, Method.RICHARDSON, Method.FORWARD)


@pytest.mark.parametrize("text, counts, exact, points", list(cases(lambda text: ORDINARY)))
def test_every_method_at_ordinary_points(text, counts, exact, points):
    check(text, counts, exact, points, ALL)


@pytest.mark.parametrize("text, counts, exact, points", list(cases(lambda text: EXTREME[text])))
def test_at_large_and_tiny_coordinates(text, counts, exact, points):
    check(text, counts, exact, points, (Method.SYMBOLIC, Method.AUTODIFF, Method.COMPLEX, Method.CENTRAL))


def test_at_a_tiny_coordinate_first_partials_keep_their_accuracy():
    context = FieldContext(parse_field("sin(x)*cos(y)", ["x", "y"]))
    report = at_points(context, (1, 0), np.array([1e-7, 2.0]), [Method.CENTRAL, Method.COMPLEX])
    assert report.methods[Method.CENTRAL].relative < 1e-9 and report.methods[Method.COMPLEX].relative < 1e-15


def test_a_partial_under_fs_other_terms_takes_the_step_of_least_round_off():
    # d2f/dx2 = 18 x y^2 ~ 1.6e-21 at (1e-7, 3e-8), under f's -2xy ~ 6e-15. f is cubic in x, so the stencil is
    # exact whatever the step: the step of least round-off (0.25 here, not 1e-4) resolves it to about 1%,
    # and the estimated error says how far to trust it.
    context = FieldContext(parse_field("3*x^3*y^2 - 2*x*y + 5*y^4", ["x", "y"]))
    report = at_points(context, (2, 0), np.array([1e-7, 3e-8]), [Method.CENTRAL])
    central = report.methods[Method.CENTRAL]
    assert central.steps[0] > 0.1 and central.relative < 0.05
    assert central.absolute <= central.estimate


@pytest.mark.parametrize("method", STENCIL_METHODS)
@pytest.mark.parametrize("counts", [(1, 0), (0, 2), (1, 1), (2, 1), (3, 2), (1, 1, 1)])
@pytest.mark.parametrize("accuracy", [1, 2, 4])
def test_product_stencils_are_exact_on_polynomials_of_their_degree(method, counts, accuracy):
    """A product stencil's moments: sum_j w_j prod_i s_ji^m_i / m_i! is 1 for m = counts and 0 for every other
    m of total degree below n + p: exact on every such monomial (with exact fractions)."""
    stencil = product_stencil(counts, accuracy, method)
    n, p = stencil.order, stencil.accuracy
    assert p >= accuracy
    for degrees in itertools.product(range(n + p), repeat=len(counts)):
        if sum(degrees) >= n + p:
            continue
        moment = sum(w * math.prod(Fraction(s) ** m for s, m in zip(row, degrees))
                     for row, w in zip(stencil.offsets, stencil.weights))
        moment /= math.prod(math.factorial(m) for m in degrees)
        assert moment == (1 if tuple(degrees) == tuple(counts) else 0), degrees


def test_a_product_stencil_applied_to_a_polynomial_of_its_degree():
    context = FieldContext(parse_field("x^3*y^2 + 2*x*y^3 - y + 7", ["x", "y"]))
    stencil = product_stencil((2, 1), 2)  # d3f/dx2dy = 12 x y, exact for degree < 5
    points = np.array([[0.5, -3.0, 40.0], [2.0, 0.25, -7.0]])
    steps = axis_steps(points, 0.5, scale=False)
    values = stencil_partial(context.f, points, steps, stencil)
    np.testing.assert_allclose(values, 12 * points[0] * points[1], rtol=1e-9)


def test_a_constant_has_exactly_zero_partials():
    context = FieldContext(parse_field("3.7", ["x", "y"]))
    for method in STENCIL_METHODS:
        for counts in ((1, 0), (1, 1), (2, 3)):
            report = at_points(context, counts, np.array([[0.3, 1e8], [2.0, -5.0]]), [method])
            assert np.all(report.methods[method].values == 0.0)


def test_product_stencil_weights_and_coefficients():
    stencil = product_stencil((1, 1), 2)
    assert sorted(zip(map(tuple, stencil.offsets), stencil.weights)) == [
        ((-1, -1), Fraction(1, 4)), ((-1, 1), Fraction(-1, 4)), ((1, -1), Fraction(-1, 4)), ((1, 1), Fraction(1, 4))]
    assert stencil.roundoff_coefficient == 1.0
    assert stencil.error_coefficients == (pytest.approx(1 / 6), pytest.approx(1 / 6))
    assert stencil.accuracy == 2 and stencil.order == 2


@pytest.mark.parametrize("method", STENCIL_METHODS)
@pytest.mark.parametrize("order, accuracy", [(1, 2), (2, 2), (3, 4)])
def test_along_one_variable_the_base_step_is_the_one_variable_one(method, order, accuracy):
    one = {Method.FORWARD: fd.forward_stencil, Method.BACKWARD: fd.backward_stencil,
           Method.CENTRAL: fd.central_stencil, Method.RICHARDSON: fd.richardson_stencil}[method](order, accuracy)
    for noise in (0.0, 1e-6):
        assert recommended_base_step(product_stencil((0, order), accuracy, method), noise) == \
            fd.recommended_step(one, noise)


def test_steps_scale_with_each_coordinate_and_are_representable():
    points = np.array([[1e8, 0.5, -3e-9], [2.0, 1e-12, 7e5]])
    steps = axis_steps(points, 1e-5)
    np.testing.assert_allclose(steps, 1e-5 * np.maximum(np.abs(points), 1.0), rtol=1e-7)
    assert np.all((points + steps) - points == steps)
    given = axis_steps(points, 1e-3, scale=False)
    assert np.all(np.abs(given - 1e-3) <= np.spacing(np.abs(points)))  # moved by at most an ulp of x
    assert np.all((points + given) - points == given)


def test_balanced_steps_follow_the_function_not_only_the_coordinates():
    # Along y, exp(x*y) at x = 1e6 varies on a scale of 1e-6: a step scaled with |y| (1e-5 here) is far too
    # large; the balanced step follows f's own derivatives.
    context = FieldContext(parse_field("exp(x*y)", ["x", "y"]))
    point = np.array([1e6, 1e-6])
    exact = 1e6 * math.exp(1.0)
    balanced = at_points(context, (0, 1), point, [Method.CENTRAL]).methods[Method.CENTRAL]
    assert balanced.steps[1] < 1e-9 and balanced.relative < 1e-8
    plain = FieldContext(parse_field("exp(x*y)", ["x", "y"]), balance=False)
    scaled = at_points(plain, (0, 1), point, [Method.CENTRAL]).methods[Method.CENTRAL]
    assert scaled.relative > 1.0  # the honest failure of coordinate scaling there
    assert balanced.values == pytest.approx(exact, rel=1e-8)


def test_the_estimated_error_bounds_the_true_error_in_most_cases():
    bounded = total = 0
    for text, partials in CASES.items():
        context = FieldContext(parse_field(text, ["x", "y"]))
        points = np.array(ORDINARY).T
        for counts in partials:
            report = at_points(context, counts, points, (Method.CENTRAL, Method.RICHARDSON, Method.COMPLEX))
            for result in report.methods.values():
                bounded += int(np.sum(result.absolute <= result.estimate))
                total += result.absolute.size
    assert bounded >= 0.9 * total


def test_noise_is_drawn_by_the_point_and_only_sample_methods_remain():
    context = FieldContext(parse_field("sin(x)*cos(y)", ["x", "y"]), noise=1e-6, seed=7)
    points = np.array([[0.3, 0.3, 1.0], [0.5, 0.5, 2.0]])
    samples = context.f(points)
    assert samples[0] == samples[1] and samples[0] != context.f_exact(points)[0]
    report = at_points(context, (1, 0), points)
    assert set(report.notes) == {Method.COMPLEX, Method.AUTODIFF}
    central = report.methods[Method.CENTRAL]
    assert np.all(central.absolute < 1e-3) and np.all(central.steps[0] > 1e-3)  # a larger step for noise
    other_seed = FieldContext(parse_field("sin(x)*cos(y)", ["x", "y"]), noise=1e-6, seed=8)
    assert other_seed.f(points)[0] != samples[0]


def test_where_f_is_undefined_no_method_gives_a_value():
    context = FieldContext(parse_field("log(x*y)", ["x", "y"]))
    report = at_points(context, (1, 0), np.array([[-1.0, 1.0], [1.0, 1.0]]))
    for result in report.methods.values():
        assert np.isnan(result.values[0]) and result.values[1] == pytest.approx(1.0, rel=1e-6)


def test_complex_step_needs_an_analytic_f():
    context = FieldContext(parse_field("abs(x)*y", ["x", "y"]))
    report = at_points(context, (1, 0), np.array([1.0, 2.0]))
    assert "analytic" in report.notes[Method.COMPLEX]


def test_a_symbolic_failure_falls_back_to_autodiff():
    def refuse(expr, variable, times):
        raise RuntimeError("timeout after 5 s")

    context = FieldContext(parse_field("exp(x*y)", ["x", "y"]), differentiate=refuse)
    report = at_points(context, (1, 1), np.array([1.0, 2.0]))
    assert report.reference is Method.AUTODIFF and report.expression is None
    assert "timeout" in report.notes[Method.SYMBOLIC]
    assert report.exact == pytest.approx(3 * math.exp(2.0), rel=1e-14)
    assert report.methods[Method.CENTRAL].relative < 1e-6  # scaled steps: no derivatives to balance with


@pytest.mark.parametrize("tiny", [1e-300, 1e-100, 1e-20])
def test_balanced_steps_at_a_tiny_point_count_the_round_off_of_f_beside_it(tiny):
    # sin(y) is ~1e-100 at y = 1e-100 but ~h a step away: balanced against the 1e-100 alone, Richardson took a
    # step near 1e-15 and its d2f/dy2 came out 0.31 (truth -1e-100; |f''| <= 1 anywhere)
    context = FieldContext(parse_field("x^2*y + sin(y)", ["x", "y"]))
    point = np.array([tiny, tiny])
    report = at_points(context, (0, 2), point, [Method.FORWARD, Method.CENTRAL, Method.RICHARDSON])
    for method in (Method.FORWARD, Method.CENTRAL, Method.RICHARDSON):
        assert report.methods[method].absolute < 1e-8, method
