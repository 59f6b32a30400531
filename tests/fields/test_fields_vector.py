"""Gradient, Hessian, Laplacian and directional derivative: against analytic truth and their identities."""

import math

import numpy as np
import pytest

from explorer.core.fields.context import FieldContext, at_points
from explorer.core.fields.variables import FieldInputError, parse_field
from explorer.core.fields.vector import (
    directional, gradient, gradient_report, hessian, laplacian, unit_counts, unit_vector,
)
from explorer.core.request import Method

METHODS = (Method.SYMBOLIC, Method.CENTRAL, Method.RICHARDSON, Method.FORWARD, Method.AUTODIFF)
TEXT = "sin(x)*cos(y) + x^2*y^3 + exp(x*z/4)"


def context():
    return FieldContext(parse_field(TEXT, ["x", "y", "z"]))


def exact_gradient(x, y, z):
    e = np.exp(x * z / 4)
    return np.array([np.cos(x) * np.cos(y) + 2 * x * y**3 + z / 4 * e,
                     -np.sin(x) * np.sin(y) + 3 * x**2 * y**2,
                     x / 4 * e])


def exact_hessian(x, y, z):
    e = np.exp(x * z / 4)
    xx = -np.sin(x) * np.cos(y) + 2 * y**3 + z**2 / 16 * e
    xy = -np.cos(x) * np.sin(y) + 6 * x * y**2
    xz = (1 + x * z / 4) * e / 4
    yy = -np.sin(x) * np.cos(y) + 6 * x**2 * y
    zz = x**2 / 16 * e
    zero = 0 * x
    return np.array([[xx, xy, xz], [xy, yy, zero], [xz, zero, zz]])


POINTS = np.array([[1.0, -0.4, 3.0, 1e-6], [2.0, 0.7, -1.5, 2.0], [0.5, 1.2, 8.0, -3.0]])


@pytest.mark.parametrize("method, rtol", [(Method.SYMBOLIC, 1e-14), (Method.AUTODIFF, 1e-14), (Method.COMPLEX, 1e-14),
                                          (Method.CENTRAL, 1e-8), (Method.RICHARDSON, 1e-11)])
def test_gradient_against_analytic_truth(method, rtol):
    values = gradient(context(), method, POINTS)
    truth = exact_gradient(*POINTS)
    assert values.shape == POINTS.shape
    np.testing.assert_allclose(values, truth, rtol=rtol, atol=rtol * np.max(np.abs(truth)))


@pytest.mark.parametrize("method, rtol", [(Method.SYMBOLIC, 1e-14), (Method.AUTODIFF, 1e-14), (Method.CENTRAL, 1e-6),
                                          (Method.RICHARDSON, 1e-9)])
def test_hessian_against_analytic_truth_and_symmetric(method, rtol):
    values = hessian(context(), method, POINTS)
    truth = exact_hessian(*POINTS)
    assert values.shape == (3, 3, 4)
    np.testing.assert_allclose(values, truth, rtol=rtol, atol=rtol * np.max(np.abs(truth)))
    assert np.array_equal(values, np.swapaxes(values, 0, 1))  # symmetric exactly


def test_a_vanishing_entry_of_the_hessian_is_zero_up_to_round_off():
    # d2f/dydz = 0 identically: the stencil is exact, and only the rounding of f's terms is left.
    values = hessian(context(), Method.CENTRAL, POINTS)
    assert np.all(np.abs(values[1, 2]) < 1e-12)


@pytest.mark.parametrize("method", METHODS)
def test_laplacian_is_the_trace(method):
    c = context()
    lap = laplacian(c, method, POINTS)
    np.testing.assert_allclose(lap, np.trace(hessian(c, method, POINTS)), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(lap, np.trace(exact_hessian(*POINTS)), rtol=1e-5)


@pytest.mark.parametrize("method", METHODS + (Method.COMPLEX,))
def test_directional_derivative_is_gradient_dot_unit_vector(method):
    c = context()
    u = np.array([3.0, -4.0, 12.0])
    along = directional(c, method, POINTS, u)
    np.testing.assert_allclose(along, (u / 13.0) @ gradient(c, method, POINTS), rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(along, (u / 13.0) @ exact_gradient(*POINTS), rtol=1e-7)


def test_directional_derivative_is_the_slope_of_the_line():
    # d/ds f(p + s u) at 0, by a one-variable central difference on the line itself
    c = context()
    p, u = POINTS[:, 0], unit_vector([1.0, 2.0, -2.0], 3)
    h = 1e-5
    slope = (c.f_exact(p + h * u) - c.f_exact(p - h * u)) / (2 * h)
    assert directional(c, Method.SYMBOLIC, p, u) == pytest.approx(slope, rel=1e-8)


def test_a_zero_or_wrong_direction_is_refused():
    for bad in ([0.0, 0.0, 0.0], [1.0, 2.0], [np.nan, 1.0, 0.0]):
        with pytest.raises(FieldInputError):
            unit_vector(bad, 3)


def test_the_hessian_agrees_with_the_partials():
    c = context()
    h = hessian(c, Method.CENTRAL, POINTS)
    for i in range(3):
        for j in range(3):
            single = at_points(c, unit_counts(3, i, j), POINTS, [Method.CENTRAL]).methods[Method.CENTRAL].values
            np.testing.assert_allclose(h[i, j], single, rtol=1e-12, atol=1e-12)


def test_gradient_report_measures_every_method_against_the_reference():
    report = gradient_report(context(), POINTS, direction=[0.0, 0.0, 2.0])
    assert report.reference is Method.SYMBOLIC
    assert Method.COMPLEX in report.gradients and Method.COMPLEX not in report.hessians
    assert "complex hessian" in report.notes
    for method in report.gradients:
        assert np.all(report.gradient_error(method) < 1e-5)
    for method in report.hessians:
        assert np.all(report.hessian_error(method) < 1e-3)
        np.testing.assert_allclose(report.laplacian(method), np.trace(report.hessians[method]))
    np.testing.assert_allclose(report.exact_directional, exact_gradient(*POINTS)[2], rtol=1e-14)


def test_one_variable_gives_the_one_variable_derivatives():
    c = FieldContext(parse_field("x^3", ["x"]))
    x = np.array([[2.0, -1.0]])
    np.testing.assert_allclose(gradient(c, Method.AUTODIFF, x)[0], 3 * x[0] ** 2)
    np.testing.assert_allclose(hessian(c, Method.CENTRAL, x)[0, 0], 6 * x[0], rtol=1e-7)


def test_parameters_take_their_values():
    field = parse_field("a*x*y + b", ["x", "y"])
    c = FieldContext(field, parameters=(2.5, 7.0))
    np.testing.assert_allclose(gradient(c, Method.SYMBOLIC, np.array([1.0, 3.0])), [7.5, 2.5])
    np.testing.assert_allclose(gradient(c, Method.AUTODIFF, np.array([1.0, 3.0])), [7.5, 2.5])
    assert c.f_exact(np.array([1.0, 3.0])) == pytest.approx(14.5)
    with pytest.raises(ValueError):
        FieldContext(field, parameters=(1.0,))


def test_exp_of_product_at_a_large_coordinate():
    c = FieldContext(parse_field("exp(x*y)", ["x", "y"]))
    p = np.array([1e6, 1e-6])
    g = gradient(c, Method.CENTRAL, p)
    np.testing.assert_allclose(g, [1e-6 * math.e, 1e6 * math.e], rtol=1e-8)


@pytest.mark.parametrize("size", [1e-308, 5e-324, 1.0, 1e308])
def test_a_direction_of_any_size_is_normalised(size):
    # (1e-308, 0) was "the zero vector": its norm underflowed; (1e308, 1e308) overflowed
    np.testing.assert_allclose(unit_vector([size, 0.0], 2), [1.0, 0.0], rtol=0, atol=0)
    np.testing.assert_allclose(unit_vector([size, -size], 2), [math.sqrt(0.5), -math.sqrt(0.5)], rtol=1e-15)
    with pytest.raises(FieldInputError, match="zero vector"):
        unit_vector([0.0, -0.0], 2)
