"""The calculus made visible, from exact derivatives: tangent, secant and chord at a point, the stencil's
sample points, Taylor polynomials and where they agree with f, critical and inflection points, and the
coefficients of polynomials."""
