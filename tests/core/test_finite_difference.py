import math
from fractions import Fraction as F

import numpy as np
import pytest

from explorer.core.numeric import finite_difference as fd


def weights(stencil):
    return dict(zip(stencil.offsets, stencil.weights))


def test_fornberg_known_stencils():
    assert fd.fornberg_weights([-1, 0, 1], 1) == (F(-1, 2), 0, F(1, 2))
    assert fd.fornberg_weights([-1, 0, 1], 2) == (1, -2, 1)
    assert fd.fornberg_weights([-2, -1, 0, 1, 2], 1) == (F(1, 12), F(-2, 3), 0, F(2, 3), F(-1, 12))
    assert fd.fornberg_weights([-2, -1, 0, 1, 2], 4) == (1, -4, 6, -4, 1)
    assert fd.fornberg_weights([0, 1, 2], 1) == (F(-3, 2), 2, F(-1, 2))


def test_fornberg_rejects_bad_stencils():
    with pytest.raises(ValueError):
        fd.fornberg_weights([0, 0, 1], 1)
    with pytest.raises(ValueError):
        fd.fornberg_weights([0, 1], 2)


@pytest.mark.parametrize("order", range(1, 7))
@pytest.mark.parametrize("accuracy", range(1, 9))
def test_stencils_are_exact_on_polynomials(order, accuracy):
    # A stencil of accuracy p differentiates polynomials of degree n + p - 1 exactly.
    for build in (fd.forward_stencil, fd.backward_stencil, fd.central_stencil, fd.richardson_stencil):
        stencil = build(order, accuracy)
        assert stencil.accuracy >= accuracy if build is not fd.forward_stencil else stencil.accuracy == accuracy
        for degree in range(order + stencil.accuracy):
            moment = sum(w * s**degree for s, w in zip(stencil.offsets, stencil.weights))
            assert moment == (math.factorial(order) if degree == order else 0)


def test_central_drops_zero_weight_centre():
    stencil = fd.central_stencil(1, 2)
    assert stencil.offsets == (-1, 1)
    assert stencil.error_coefficient == pytest.approx(1 / 6)


def test_richardson_is_the_classic_combination():
    # (4 D(h/2) - D(h)) / 3 with D the central difference: offsets ±1/2, ±1.
    assert weights(fd.richardson_stencil(1, 2)) == {F(-1): F(1, 6), F(-1, 2): F(-4, 3), F(1, 2): F(4, 3), F(1): F(-1, 6)}
    assert fd.richardson_stencil(1, 2).accuracy == 4
    assert fd.richardson_stencil(1, 6).accuracy == 6


@pytest.mark.parametrize(
    "build, order, accuracy",
    [
        (fd.forward_stencil, 1, 1),
        (fd.forward_stencil, 1, 2),
        (fd.backward_stencil, 1, 3),
        (fd.central_stencil, 1, 2),
        (fd.central_stencil, 1, 4),
        (fd.central_stencil, 2, 2),
        (fd.central_stencil, 3, 2),
        (fd.richardson_stencil, 1, 2),
    ],
)
def test_convergence_order_by_halving_h(build, order, accuracy):
    stencil = build(order, accuracy)
    p = stencil.accuracy
    # exp: every derivative is nonzero, so the leading error term is never accidentally small.
    x = np.array([0.3, 0.7, 1.1])
    h = 0.02 if p <= 2 else 0.1
    errors = [np.abs(fd.apply_stencil(np.exp, x, h / 2**k, stencil) - np.exp(x)) for k in range(3)]
    ratios = np.log2(errors[1] / errors[2])
    assert np.allclose(ratios, p, atol=0.15)


def test_truncation_constant_predicts_error():
    stencil = fd.forward_stencil(1, 1)
    x, h = np.array([0.5]), 1e-4
    error = fd.apply_stencil(np.exp, x, h, stencil) - np.exp(x)
    predicted = stencil.error_coefficient * np.exp(x) * h**stencil.accuracy
    assert error == pytest.approx(predicted, rel=1e-3)


def test_sweep_over_h_is_one_broadcast_call():
    calls = []

    def f(points):
        calls.append(points.shape)
        return np.sin(points)

    x = np.linspace(0, 1, 7)
    h = np.logspace(-8, -1, 5)[:, None]
    result = fd.apply_stencil(f, x, h, fd.central_stencil(1, 4))
    assert result.shape == (5, 7)
    assert calls == [(4, 5, 7)]  # one call of f: the 4 stencil points first, then every (h, x)


def test_complex_step_has_no_cancellation():
    x = np.linspace(-2, 2, 9)
    assert np.array_equal(fd.complex_step(np.exp, x, 1e-200), np.exp(x))
    assert np.allclose(fd.complex_step(np.sin, x, 1e-20), np.cos(x), rtol=1e-15, atol=0)


def test_recommended_step_near_the_textbook_values():
    eps = fd.EPS
    assert fd.recommended_step(fd.forward_stencil(1, 1)) == pytest.approx(2 * np.sqrt(eps), rel=0.01)
    assert fd.recommended_step(fd.central_stencil(1, 2)) == pytest.approx((3 * eps) ** (1 / 3), rel=0.01)
    # Noise sigma on the samples: h/2 + sqrt(2) sigma / h is least at h = sqrt(2 sqrt(2) sigma).
    assert fd.recommended_step(fd.forward_stencil(1, 1), noise=1e-6) == pytest.approx(np.sqrt(2 * np.sqrt(2) * 1e-6),
                                                                                      rel=0.01)


@pytest.mark.parametrize("order", range(1, 7))
@pytest.mark.parametrize("accuracy", range(1, 9))
def test_a_constant_has_exactly_zero_derivative_by_every_stencil(order, accuracy):
    # The weights sum to 0 as fractions, not as doubles: Richardson's summed to 3.5e-14 of the constant.
    x = np.array([-3.0, 0.5, 1e8])
    for build in (fd.forward_stencil, fd.backward_stencil, fd.central_stencil, fd.richardson_stencil):
        stencil = build(order, accuracy)
        for value in (1.0, -7.3, 1e300, np.pi):
            estimate = fd.apply_stencil(lambda points, c=value: np.full(points.shape, c), x, 1e-3, stencil)
            assert np.array_equal(estimate, np.zeros(3)), (build.__name__, value, estimate)


def test_the_difference_form_changes_nothing_but_rounding():
    x = np.linspace(0.2, 2.0, 10)
    for build in (fd.forward_stencil, fd.central_stencil, fd.richardson_stencil):
        stencil = build(1, 4)
        plain = np.tensordot(stencil.weights_array, np.exp(x + 1e-2 * stencil.offsets_array[:, None]), axes=1) / 1e-2
        np.testing.assert_allclose(fd.apply_stencil(np.exp, x, 1e-2, stencil), plain, rtol=1e-12)


def test_stencil_denominators():
    assert fd.central_stencil(1, 2).denominator == 1 and fd.forward_stencil(2, 3).denominator == 1
    assert fd.richardson_stencil(1, 2).denominator == 2 and fd.richardson_stencil(1, 6).denominator == 4
