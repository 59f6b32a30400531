import numpy as np
from numpy import exp, sin, cos

# (expression, {counts: exact function of (x, y)})
CASES = {
    "3*x^3*y^2 - 2*x*y + 5*y^4": {
        (1, 0): lambda x, y: 9 * x**2 * y**2 - 2 * y,
        (0, 1): lambda x, y: 6 * x**3 * y - 2 * x + 20 * y**3,
        (1, 1): lambda x, y: 18 * x**2 * y - 2,
        (2, 0): lambda x, y: 18 * x * y**2,
        (0, 2): lambda x, y: 6 * x**3 + 60 * y**2,
        (2, 1): lambda x, y: 36 * x * y,
        (3, 2): lambda x, y: 36 + 0 * x,
    },
    "exp(x*y)": {
        (1, 0): lambda x, y: y * exp(x * y),
        (0, 1): lambda x, y: x * exp(x * y),
        (1, 1): lambda x, y: (1 + x * y) * exp(x * y),
        (2, 0): lambda x, y: y**2 * exp(x * y),
        (2, 1): lambda x, y: (2 * y + x * y**2) * exp(x * y),
    },
    "sin(x)*cos(y)": {
        (1, 0): lambda x, y: cos(x) * cos(y),
        (0, 1): lambda x, y: -sin(x) * sin(y),
        (1, 1): lambda x, y: -cos(x) * sin(y),
        (2, 0): lambda x, y: -sin(x) * cos(y),
        (2, 2): lambda x, y: sin(x) * cos(y),
    },
    "x^2*y^3": {
        (1, 0): lambda x, y: 2 * x * y**3,
        (0, 1): lambda x, y: 3 * x**2 * y**2,
        (1, 1): lambda x, y: 6 * x * y**2,
        (2, 0): lambda x, y: 2 * y**3,
        (1, 2): lambda x, y: 12 * x * y,
        (2, 2): lambda x, y: 12 * y,
    },
}
POINTS = [(1.0, 2.0), (-0.7, 0.3), (1e6, 1e-6), (1e-7, 3e-8), (300.0, -200.0)]
