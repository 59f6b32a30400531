import numpy as np
import pytest

from explorer.core.numeric.noise import measurement_noise
from explorer.core.expression.parser import parse_expression
from explorer.core.pipeline import compute_stages, derivatives_needed
from explorer.core.request import DerivativeRequest, Method
from explorer.core.derive import exact_derivatives


def test_noise_is_a_function_of_x_with_the_asked_spread():
    x = np.linspace(-3.0, 3.0, 200_001)
    noise = measurement_noise(x, 0.5)
    assert noise.shape == x.shape
    np.testing.assert_array_equal(noise, measurement_noise(x.copy(), 0.5))  # the same x, the same noise
    assert abs(noise.mean()) < 0.01 and noise.std() == pytest.approx(0.5, rel=0.01)
    assert abs(np.corrcoef(noise[:-1], noise[1:])[0, 1]) < 0.01  # neighbours are independent
    # However close two points are, they are two separate measurements.
    near = measurement_noise(np.array([1.0, 1.0 + 1e-15]), 1.0)
    assert near[0] != near[1]
    assert measurement_noise(np.array(0.25), 1.0).shape == ()
    np.testing.assert_array_equal(measurement_noise(x[:5], 0.0), 0.0)


def stages(request):
    return list(compute_stages(request, exact_derivatives(request)))


def test_noisy_samples_push_the_best_step_up_and_the_theory_explains_it():
    clean = stages(DerivativeRequest("exp(x)", x_min=0, x_max=2, accuracy=1, probe=1.0))[2].sweep
    noisy_curves, _, noisy_result = stages(DerivativeRequest("exp(x)", x_min=0, x_max=2, accuracy=1, probe=1.0,
                                                             noise=1e-6))
    noisy = noisy_result.sweep
    # Forward difference: h* = 2 sqrt(sigma / |f''|) ~ 1.2e-3 with noise, against ~1e-8 without.
    assert 3e-4 < noisy.optimum[Method.FORWARD][0] < 5e-3 and clean.optimum[Method.FORWARD][0] < 1e-7
    assert noisy.optimum[Method.FORWARD][1] > 100 * clean.optimum[Method.FORWARD][1]
    # Below h*, the error is the noise's, about sqrt(2) sigma / h (down to steps that no longer move x
    # at all: 1 + 1e-16 == 1, so both samples are the same measurement).
    small = (noisy.h < 1e-5) & (noisy.h > 1e-15)
    ratio = noisy.errors[Method.FORWARD][small] / noisy.roundoff[Method.FORWARD][small]
    assert np.all(ratio < 10) and 0.2 < np.median(ratio) < 3
    # Only what works from samples is computed; the exact derivative is still the reference.
    assert set(noisy_curves.notes) == {Method.COMPLEX, Method.AUTODIFF}
    assert "noisy samples" in noisy_curves.notes[Method.AUTODIFF]
    assert noisy_curves.reference is Method.SYMBOLIC
    # The plotted f is the measured one.
    np.testing.assert_allclose(noisy_curves.f, np.exp(noisy_curves.x), atol=1e-5)
    assert np.any(noisy_curves.f != np.exp(noisy_curves.x))


def test_negative_noise_is_refused():
    assert "noise" in DerivativeRequest("x", noise=-1.0).problems()[0]
    assert "noise" in DerivativeRequest("x", noise=float("nan")).problems()[0]
