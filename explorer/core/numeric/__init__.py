"""Numerical derivatives and how wrong they are: finite-difference stencils, the complex step, autodiff,
simulated measurement noise, one context that evaluates any method, and the error analysis against x and h."""
