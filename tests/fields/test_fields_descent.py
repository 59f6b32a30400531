"""Gradient descent: convergence, divergence said for what it is, the gradient from any method, 2/L."""

import numpy as np
import pytest

from explorer.core.fields.context import FieldContext
from explorer.core.fields.descent import (
    DESCENT_METHODS, gradient_descent, gradient_kernel, point_noise, stability_bound,
)
from explorer.core.fields.noise import field_noise
from explorer.core.fields.variables import FieldInputError, parse_field
from explorer.core.limits import DIVERGENCE_BOUND, MAX_DESCENT_STEPS
from explorer.core.request import Method


def context(text, variables=("x", "y")):
    return FieldContext(parse_field(text, list(variables)))


def test_10x2_with_learning_rate_1_diverges():
    path = gradient_descent(context("10*x^2", ["x"]), [1.0], learning_rate=1.0, steps=1000)
    assert path.diverged and "diverged at step" in path.reason
    # each step multiplies x by 1 - 20 = -19, until |f| passes the bound
    np.testing.assert_allclose(path.path[:4, 0], [1.0, -19.0, 361.0, -6859.0])
    assert abs(path.values[-1]) > DIVERGENCE_BOUND and np.all(np.abs(path.values[:-1]) <= DIVERGENCE_BOUND)
    assert path.steps_taken < 1000 and len(path.values) == path.steps_taken + 1


def test_10x2_with_learning_rate_005_converges():
    path = gradient_descent(context("10*x^2", ["x"]), [1.0], learning_rate=0.05, steps=1000)
    assert not path.diverged and path.steps_taken == 1000 and path.reason == "took all 1000 steps"
    assert path.path[1, 0] == 0.0  # lr = 1/L: one step lands on the minimum
    assert path.values[-1] == 0.0


def test_the_stability_bound_is_two_over_the_largest_curvature():
    bound = stability_bound(context("10*x^2", ["x"]), [1.0])
    assert bound.largest_eigenvalue == 20.0 and bound.bound == 0.1 and bound.constant
    quadratic = stability_bound(context("3*x^2 + 2*x*y + 3*y^2"), [5.0, 5.0])
    assert quadratic.bound == pytest.approx(2 / 8) and quadratic.constant
    local = stability_bound(context("x^4 + y^2"), [1.0, 0.0])
    assert local.bound == pytest.approx(2 / 12) and not local.constant
    assert stability_bound(context("-x^2"), [0.0, 0.0]).bound == np.inf
    # just below the bound converges, just above diverges
    c = context("3*x^2 + 2*x*y + 3*y^2")
    assert not gradient_descent(c, [1.0, 2.0], 0.99 * quadratic.bound, 3000).diverged
    assert gradient_descent(c, [1.0, 2.0], 1.01 * quadratic.bound, 20000).diverged


@pytest.mark.parametrize("method", DESCENT_METHODS)
def test_every_method_finds_the_minimum_of_a_bowl(method):
    c = context("(x - 1)^2 + 2*(y + 0.5)^2 + 0.1*sin(x*y)")
    path = gradient_descent(c, [-2.0, 2.0], learning_rate=0.1, steps=300, momentum=0.5, method=method)
    exact = gradient_descent(c, [-2.0, 2.0], learning_rate=0.1, steps=300, momentum=0.5)
    assert not path.diverged
    np.testing.assert_allclose(path.path[-1], exact.path[-1], atol=1e-7)


def test_momentum_moves_faster_along_a_narrow_valley():
    c = context("x^2 + 50*y^2")
    plain = gradient_descent(c, [10.0, 1.0], learning_rate=0.015, steps=100)
    heavy = gradient_descent(c, [10.0, 1.0], learning_rate=0.015, steps=100, momentum=0.8)
    assert heavy.values[-1] < 1e-3 * plain.values[-1]


def test_noisy_gradients_wander_but_the_same_seed_walks_the_same_path():
    c = context("x^2 + y^2")
    a = gradient_descent(c, [1.0, 1.0], 0.1, 200, method=Method.CENTRAL, noise=1e-4, seed=1)
    b = gradient_descent(c, [1.0, 1.0], 0.1, 200, method=Method.CENTRAL, noise=1e-4, seed=1)
    other = gradient_descent(c, [1.0, 1.0], 0.1, 200, method=Method.CENTRAL, noise=1e-4, seed=2)
    exact = gradient_descent(c, [1.0, 1.0], 0.1, 200)
    assert np.array_equal(a.path, b.path) and not np.array_equal(a.path, other.path)
    spread = np.abs(a.path[-1] - exact.path[-1]).max()
    assert 1e-6 < spread < 1e-2  # the noise moves the end point, within what sigma / h allows
    with pytest.raises(FieldInputError, match="noisy"):
        gradient_descent(c, [1.0, 1.0], 0.1, 10, method=Method.AUTODIFF, noise=1e-4)


def test_point_noise_is_the_grid_noise():
    points = np.array([[0.3, -2.0, 1e-300], [1.5, 7.0, -0.0]])
    on_grid = field_noise(points, 0.5, seed=11)
    for k in range(3):
        assert point_noise(points[:, k].tolist(), 0.5, seed=11) == pytest.approx(on_grid[k], rel=1e-12)


def test_leaving_the_domain_stops_the_descent_without_calling_it_divergence():
    path = gradient_descent(context("sqrt(x) + y^2"), [0.04, 1.0], learning_rate=1.0, steps=50)
    assert not path.diverged and path.reason == "stopped at step 1: f is undefined there"
    assert np.isnan(path.values[-1]) and path.steps_taken == 1
    start = gradient_descent(context("log(x)"), [-1.0, 0.0], 0.1, 10)
    assert start.reason == "f is undefined at the start" and start.steps_taken == 0
    # a gradient that is undefined where f is not (|x| at 0 by the exact formula: sign(0) = 0 is defined, so
    # use cbrt, whose derivative is infinite at 0)
    kink = gradient_descent(context("cbrt(x) + y^2"), [0.0, 1.0], 0.1, 10)
    assert not kink.diverged and "gradient is undefined" in kink.reason and kink.steps_taken == 0


def test_a_growing_f_is_divergence():
    path = gradient_descent(context("-x^4", ["x"]), [1.0], learning_rate=1.0, steps=100)
    assert path.diverged and path.reason.startswith("diverged at step") and "|f|" in path.reason


@pytest.mark.parametrize("method", [Method.SYMBOLIC, Method.AUTODIFF])
def test_stepping_onto_a_pole_is_not_called_divergence(method):
    # log(x^2 + y^2) from (1, 0): the gradient is (2, 0), so lr = 0.5 lands on (0, 0), where f = log 0 = -inf.
    # 2/L at the start is 1 (the Hessian there is diag(-2, 2)), so 0.5 is within the bound: the descent reached
    # f's pole; it was reported as "diverged: |f| passed 1e+100", which the window blames on the learning rate.
    f = context("log(x^2 + y^2)")
    assert stability_bound(f, [1.0, 0.0]).bound == pytest.approx(1.0)
    path = gradient_descent(f, [1.0, 0.0], learning_rate=0.5, steps=10, method=method)
    np.testing.assert_array_equal(path.path, [[1.0, 0.0], [0.0, 0.0]])
    assert path.values[-1] == -np.inf
    assert not path.diverged and path.reason == "stopped at step 1: f is -inf there (a pole of f)"
    # a finite f beyond the doubles is still divergence: exp(x^2 + y^2) thrown far out by lr = 1 from (3, 3)
    # (its gradient there is 6 e^18) is e^(3e17), finite but inf in doubles
    far = gradient_descent(context("exp(x^2 + y^2)"), [3.0, 3.0], learning_rate=1.0, steps=10, method=method)
    assert far.diverged and far.reason == "diverged at step 1: |f| passed 1e+100" and far.values[-1] == np.inf


@pytest.mark.parametrize("kwargs, problem", [
    ({"learning_rate": 0.0}, "learning rate"), ({"learning_rate": np.inf}, "learning rate"),
    ({"steps": 0}, "steps"), ({"steps": MAX_DESCENT_STEPS + 1}, "steps"), ({"steps": 2.5}, "steps"),
    ({"momentum": 1.0}, "momentum"), ({"momentum": -0.1}, "momentum"), ({"start": [1.0]}, "start"),
    ({"start": [np.nan, 0.0]}, "start"),
])
def test_bad_descent_inputs_are_refused(kwargs, problem):
    arguments = {"start": [1.0, 1.0], "learning_rate": 0.1, "steps": 10, "momentum": 0.0, **kwargs}
    with pytest.raises(FieldInputError, match=problem):
        gradient_descent(context("x^2 + y^2"), **arguments)


@pytest.mark.parametrize("method", DESCENT_METHODS)
def test_the_kernels_give_the_gradient(method):
    c = context("sin(x)*cos(y) + x^2*y^3")
    g = gradient_kernel(c, method)([1.0, 2.0])
    truth = [np.cos(1) * np.cos(2) + 2 * 8, -np.sin(1) * np.sin(2) + 3 * 4]
    np.testing.assert_allclose(g, truth, rtol=1e-8 if method in (Method.FORWARD, Method.BACKWARD) else 1e-9)
