"""Functions of several variables f(x, y, z, ...): what lives here, one job per module, pure NumPy, no Qt.

- `variables`: which names are variables (the rest stay parameters), validated; `FieldExpression`, points.
- `symbolic`: exact partial derivatives by SymPy (in this process, or through a caller's bounded engine),
  evaluated over arrays of points.
- `stencils`: product stencils for mixed partials, built from the one-variable stencils, and their steps.
- `balance`: the steps that minimise a product stencil's error model from f's own derivatives at each point.
- `noise`: measurement noise drawn by the point itself (all its coordinates).
- `partials`: the numerical methods over arrays of points: stencils, the complex step, autodiff.
- `context`: `FieldContext`, one expression with its parameter values, that evaluates any method for any
  partial; `at_points` gives values with their errors against the exact ones.
- `vector`: gradient, Hessian, Laplacian and directional derivative by any method, with their errors.
- `maps`: two variables over a rectangle: f, gradient arrows, error maps, the Hessian's eigen-directions, a
  slice along a line as a one-variable expression.
- `sampled`: np.gradient over a grid of samples against the exact gradient.
- `matrix_csv`: a matrix of samples from a CSV file (rows are y, columns are x), one-line errors.
- `descent`: gradient descent with momentum, with the gradient from any method; the stability bound 2/L.

Points are arrays of shape (d, ...): coordinate i of every point is points[i], in the order of the variables.
"""
