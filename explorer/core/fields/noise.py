"""Measurement noise on samples of f(x, y, ...), drawn by the point itself.

As numeric/noise.measurement_noise does for one variable: the same point always gets the same noise, so two
stencil points however close carry independent noise, as two measurements do. Every coordinate's bits (and a
seed) are mixed into the draw, so (x, y) and (y, x) differ.
"""

from __future__ import annotations

import numpy as np

from ..numeric.noise import _splitmix64, _uniform


def field_noise(points: np.ndarray, sigma: float, seed: int = 0) -> np.ndarray:
    """sigma times a standard normal variate for each point of points (d, ...), a function of the point's
    coordinates and the seed only."""
    points = np.asarray(points, dtype=np.float64)
    shape = np.broadcast_shapes(*(c.shape for c in points))
    words = np.full(int(np.prod(shape)), np.uint64(seed % 2**64), dtype=np.uint64)
    for coordinate in points:
        bits = np.ascontiguousarray(np.broadcast_to(coordinate, shape)).view(np.uint64).ravel()
        words = _splitmix64(words ^ bits)
    second = _splitmix64(words)
    normal = np.sqrt(-2.0 * np.log(_uniform(words))) * np.cos(2.0 * np.pi * _uniform(second))
    return (sigma * normal).reshape(shape)
