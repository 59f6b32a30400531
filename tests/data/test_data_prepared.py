"""The per-data-set preparation kept between calls: found again only for the same, unchanged arrays, and
giving the numbers a fresh computation gives."""

import numpy as np
import pytest

from explorer.core.data import DataError, differentiate_samples, prepared
from explorer.core.data.methods import METHODS
from explorer.core.data.synthetic import make_synthetic


@pytest.fixture(autouse=True)
def _fresh():
    prepared.clear()
    yield
    prepared.clear()


def data(seed=1, n=400):
    made = make_synthetic("sin(x)", 0.0, 6.0, n, "jittered", 0.01, seed)
    return made.t, made.y


def test_the_same_arrays_are_prepared_once_and_frozen():
    t, y = data()
    first = prepared.prepare(t, y)
    assert prepared.prepare(t, y) is first
    assert not first.u.flags.writeable and not first.v.flags.writeable
    assert first.t is t and first.y is y  # the caller's arrays stay writeable and their own
    assert t.flags.writeable


def test_equal_values_in_other_arrays_give_equal_numbers():
    t, y = data()
    first = prepared.prepare(t, y)
    other = prepared.prepare(t.copy(), y.copy())
    assert other is not first
    assert np.array_equal(other.u, first.u) and np.array_equal(other.v, first.v) and other.sigma == first.sigma


def test_arrays_changed_in_place_are_prepared_again():
    t, y = data()
    before = differentiate_samples(t, y, 1, "kalman", model=3, q=1e6, sigma=0.01)
    y *= 2.0
    t *= 3.0
    after = differentiate_samples(t, y, 1, "kalman", model=3, q=1e6, sigma=0.02)
    fresh = differentiate_samples(t.copy(), y.copy(), 1, "kalman", model=3, q=1e6, sigma=0.02)
    assert np.array_equal(after.derivative, fresh.derivative)
    assert np.allclose(after.derivative, before.derivative * 2 / 3, rtol=1e-9, atol=1e-12)


def test_bad_arrays_are_refused_every_time():
    t, y = data()
    t[5] = t[4]
    for _ in range(2):
        with pytest.raises(DataError, match="increase strictly"):
            differentiate_samples(t, y, 1, "gradient")


@pytest.mark.parametrize("method", ["gradient", "fornberg", "savgol", "spline", "tv", "kalman", "auto"])
def test_a_repeated_call_gives_what_a_first_call_gives(method):
    t, y = data(n=900)
    first = differentiate_samples(t, y, 2, method)
    again = differentiate_samples(t, y, 2, method)  # prepared (and the methods' parts) kept
    prepared.clear()
    fresh = differentiate_samples(t.copy(), y.copy(), 2, method)
    assert np.array_equal(first.derivative, fresh.derivative)
    assert np.array_equal(again.derivative, fresh.derivative)
    assert dict(again.parameters) == dict(fresh.parameters)


def test_lists_are_accepted_and_not_kept():
    t, y = data(n=50)
    result = differentiate_samples(t.tolist(), y.tolist(), 1, "fornberg", points=5)
    assert np.array_equal(result.derivative, differentiate_samples(t, y, 1, "fornberg", points=5).derivative)


@pytest.mark.parametrize("spacing", ["even", "jittered", "random"])
@pytest.mark.parametrize("a, b", [(0.0, 1e-6), (-3.0, 5.0), (1e9, 1e9 + 600.0)])
@pytest.mark.parametrize("method, swept", [("tv", "alpha"), ("spline", "lam"), ("kalman", "q"), ("savgol", "window")])
def test_moving_a_control_gives_what_a_fresh_computation_gives(spacing, a, b, method, swept):
    # what a method keeps of t between moves (its mesh, penalty rows, stencils) must not change its numbers
    made = make_synthetic("sin(x)", 0.0, 6.0, 700, spacing, 0.01, 4)  # random: some samples are merged by tv
    t, y = a + made.t / 6.0 * (b - a), made.y
    chosen = dict(differentiate_samples(t, y, 2, method).parameters)
    bounds = METHODS[method].parameter(swept)
    moved = [chosen[swept] + 2 * step for step in (-2, 1, 3)] if swept == "window" else \
        [float(np.clip(chosen[swept] * 10.0**step, bounds.low, bounds.high)) for step in (-1.0, 0.3, 1.0)]
    for value in moved:
        params = {**chosen, swept: value}
        kept = differentiate_samples(t, y, 2, method, **params)
        fresh = differentiate_samples(t.copy(), y.copy(), 2, method, **params)  # new arrays: nothing kept
        assert np.array_equal(kept.derivative, fresh.derivative), value
        assert np.array_equal(kept.fit, fresh.fit)


def test_subnormal_samples_have_a_positive_scale_and_np_gradients_derivative(recwarn):
    from explorer.core.data import differentiate_samples
    from explorer.core.data.prepared import location_and_scale

    t = np.arange(5.0)
    y = np.array([5e-324, 0.0, 5e-324, 0.0, 5e-324])  # deviation 0.49 of the one subnormal step: rounds to 0
    _, scale = location_and_scale(y)
    assert scale > 0 and np.isfinite(y / scale).all()
    result = differentiate_samples(t, y, 1, "gradient", edge_order=1)
    np.testing.assert_array_equal(result.derivative, np.gradient(y, t, edge_order=1))
    assert not [w for w in recwarn.list if issubclass(w.category, RuntimeWarning)]


@pytest.mark.parametrize("outlier", [1e10, 1e20, 1e100, 1e300])
@pytest.mark.parametrize("method, params", [("gradient", {"edge_order": 2}), ("fornberg", {"points": 5}),
                                            ("savgol", {"window": 7, "degree": 3})])
def test_one_huge_outlier_leaves_local_derivatives_away_from_it_as_they_were(outlier, method, params):
    # The samples were centred on their mean before differentiating: one outlier of 1e20 among values near 1
    # put the centre at 2e18, whose ulp (256) erased every other sample, and np.gradient was off by thousands
    # twenty samples away from it. A local method's derivative away from the outlier must not notice it.
    t = np.linspace(0.0, 1.0, 60)
    y = np.sin(t)
    clean = differentiate_samples(t, y, 1, method, **params).derivative
    spoiled = y.copy()
    spoiled[40] = outlier
    derivative = differentiate_samples(t, spoiled, 1, method, **params).derivative
    far = np.abs(np.arange(t.size) - 40) > 8
    np.testing.assert_allclose(derivative[far], clean[far], rtol=1e-9, atol=1e-9)
    assert np.max(np.abs(clean[far] - np.cos(t[far]))) < 1e-3


def test_exact_samples_keep_the_centre_auto_judges_their_rounding_by():
    """Exact samples: auto judges stencil widths by the rounding of y - centre. The median as centre (chosen
    for outliers) made the bump's second derivative ten times worse (5.6e-11 against 5.1e-12): the mean stays
    the centre unless outliers drag it out of the bulk."""
    from explorer.core.data.synthetic import make_synthetic

    data = make_synthetic("exp(-x^2)", -3.0, 3.0, 500, "even", 0.0, 1)
    result = differentiate_samples(data.t, data.y, 2, "auto")
    truth = (4 * data.t**2 - 2) * np.exp(-data.t**2)
    assert np.sqrt(np.mean((result.derivative - truth) ** 2)) < 1.5e-11
