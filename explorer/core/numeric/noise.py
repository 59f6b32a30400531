"""Measurement noise on f: what finite differences of measured data are up against."""

from __future__ import annotations

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _splitmix64(z: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser: well-mixed 64-bit words from any 64-bit words (wrapping arithmetic)."""
    z = z + _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _uniform(words: np.ndarray) -> np.ndarray:
    """Uniform floats in (0, 1] from the top 53 bits of each word."""
    return ((words >> np.uint64(11)) + np.uint64(1)).astype(np.float64) * 2.0**-53


def measurement_noise(x: np.ndarray, sigma: float) -> np.ndarray:
    """sigma times a standard normal variate drawn by x itself: the same x always gets the same noise,
    so f(x + h) and f(x) differ by independent noise however small h is, as two measurements do."""
    x = np.asarray(x, dtype=np.float64)
    bits = np.ascontiguousarray(x).view(np.uint64).ravel()  # 1-d: array arithmetic wraps without warnings
    first = _splitmix64(bits)
    second = _splitmix64(first)
    # Box-Muller: two independent uniforms make one standard normal.
    normal = np.sqrt(-2.0 * np.log(_uniform(first))) * np.cos(2.0 * np.pi * _uniform(second))
    return (sigma * normal).reshape(x.shape)
