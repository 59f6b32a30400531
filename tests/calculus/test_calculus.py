import math

import numpy as np
import pytest
import sympy

from explorer.core.calculus.extrema import MAX_POINTS, critical_points, sign_changes
from explorer.core.calculus.lines import secant, stencil_points, tangent
from explorer.core.calculus.polynomial import derivative_coefficients, polynomial_coefficients, polynomial_text
from explorer.core.calculus.taylor import agreement_interval, taylor_coefficients, taylor_values
from explorer.core.expression.parser import parse_expression


def functions_of(text):
    parsed = parse_expression(text)
    x = parsed.variable
    expr = parsed.expr
    compiled = [sympy.lambdify(x, e, "numpy") for e in (expr, sympy.diff(expr, x), sympy.diff(expr, x, 2))]

    def vectorised(function):
        def call(t):
            with np.errstate(all="ignore"):
                return np.asarray(function(np.asarray(t, dtype=float)), dtype=float) + 0 * np.asarray(t, dtype=float)

        return call

    return [vectorised(c) for c in compiled]


def test_tangent_secant_and_chord_slopes_are_what_the_differences_compute():
    f = np.sin
    line = tangent(1.0, math.sin(1.0), math.cos(1.0))
    assert line.at(1.0) == math.sin(1.0) and line.slope == math.cos(1.0)
    h = 0.1
    forward, points = secant(f, 1.0, 1.0 + h)
    assert forward.slope == pytest.approx((math.sin(1.1) - math.sin(1.0)) / h, rel=1e-14)
    np.testing.assert_allclose(points, [[1.0, 1.1], [math.sin(1.0), math.sin(1.1)]])
    chord, _ = secant(f, 1.0 - h, 1.0 + h)
    assert abs(chord.slope - math.cos(1.0)) < abs(forward.slope - math.cos(1.0))  # central is closer
    samples = stencil_points(f, 1.0, h, np.array([-2, -1, 1, 2]))
    np.testing.assert_allclose(samples[0], [0.8, 0.9, 1.1, 1.2])
    np.testing.assert_allclose(samples[1], np.sin(samples[0]))


@pytest.mark.parametrize("degree", [0, 1, 3, 7, 10])
def test_taylor_polynomial_of_exp_matches_the_series(degree):
    x0 = 0.5
    coefficients = taylor_coefficients([math.exp(x0)] * (degree + 1))
    x = np.linspace(-1, 2, 31)
    expected = sum(math.exp(x0) * (x - x0) ** k / math.factorial(k) for k in range(degree + 1))
    np.testing.assert_allclose(taylor_values(coefficients, x0, x), expected, rtol=1e-13)


def test_taylor_agreement_interval_grows_with_the_degree():
    x = np.linspace(-6, 6, 2001)
    f = np.sin(x)
    widths = []
    for degree in (1, 3, 5, 9):
        derivatives = [math.sin(k * math.pi / 2) for k in range(degree + 1)]  # sin's derivatives at 0
        t = taylor_values(taylor_coefficients(derivatives), 0.0, x)
        low, high = agreement_interval(x, f, t, 0.0, 1e-2)
        assert low < 0 < high and np.all(np.abs(t - f)[(x >= low) & (x <= high)] <= 1e-2)
        widths.append(high - low)
    assert widths == sorted(widths) and widths[-1] > 2 * widths[0]
    assert agreement_interval(x, f, f + 1, 0.0, 1e-2) is None


def test_critical_points_of_sin_are_found_to_full_precision_and_classified():
    f, d1, d2 = functions_of("sin(x)")
    x = np.linspace(-6, 6, 2000)
    points, count = critical_points(x, f, d1, d2, d1(x), d2(x))
    expected = {(-3 * math.pi / 2, "maximum"), (-math.pi / 2, "minimum"), (math.pi / 2, "maximum"),
                (3 * math.pi / 2, "minimum"), (-math.pi, "inflection"), (0.0, "inflection"), (math.pi, "inflection")}
    assert count == len(expected)
    for p in points:
        match = [e for e in expected if abs(e[0] - p.x) < 1e-12 and e[1] == p.kind]
        assert match, p
        assert p.y == pytest.approx(math.sin(p.x), abs=1e-15)


def test_poles_and_touching_zeros_are_not_critical_points():
    f, d1, d2 = functions_of("1/x")
    x = np.linspace(-1, 1, 1001)  # includes 0, where 1/x is inf
    points, _ = critical_points(x, f, d1, d2, d1(x), d2(x))
    assert points == []  # f'' changes sign across the pole: not an inflection point
    f, d1, d2 = functions_of("x^3")
    x = np.linspace(-1, 1, 1000)
    points, _ = critical_points(x, f, d1, d2, d1(x), d2(x))
    assert [(round(p.x, 12), p.kind) for p in points] == [(0.0, "inflection")]  # f' = 3x^2 only touches 0


def test_an_exact_zero_on_the_grid_is_found_once():
    x = np.linspace(-1, 1, 11)
    assert sign_changes(x, x) == [(x[4], x[6])]  # the nonzero neighbours of the zero at x[5]
    f, d1, d2 = functions_of("cos(x)")
    points, count = critical_points(x, f, d1, d2, d1(x), d2(x))
    assert count == 1 and (points[0].x, points[0].y, points[0].kind) == (0.0, 1.0, "maximum")


def test_polynomial_coefficients_and_their_derivative_as_numpy_gives_them():
    parsed = parse_expression("3x^4 - 2x + a")
    a = next(s for s in parsed.expr.free_symbols if s.name == "a")
    coefficients = polynomial_coefficients(parsed.expr, parsed.variable, {a: 5.0})
    np.testing.assert_array_equal(coefficients, [3, 0, 0, -2, 5])
    np.testing.assert_array_equal(derivative_coefficients(coefficients), np.poly1d([3, 0, 0, -2, 5]).deriv().coeffs)
    assert polynomial_text(derivative_coefficients(coefficients)) == "12*x^3 - 2"
    assert polynomial_coefficients(parse_expression("sin(x)").expr, parsed.variable) is None
    assert polynomial_text(np.array([0.0])) == "0"


@pytest.mark.parametrize("k, low, high", [(300, -6.0, 6.0), (40, 1e3, 1e3 + 5), (2e5, -1e-4, 1e-4)])
def test_thousands_of_critical_points_are_all_found_to_full_precision(k, low, high):
    """sin(kx): maxima and minima at (pi/2 + n pi)/k, inflections at n pi/k; every one is counted and each
    listed one is found to within a few doubles, at large and tiny scales of x alike."""
    f, d1, d2 = functions_of(f"sin({k}*x)")
    x = np.linspace(low, high, 2000)
    points, count = critical_points(x, f, d1, d2, d1(x), d2(x))
    n = np.arange(math.floor(low * k / math.pi) - 1, math.ceil(high * k / math.pi) + 2)
    extrema = (math.pi / 2 + n * math.pi) / k
    inflections = n * math.pi / k
    inside = lambda t: t[(t > x[0]) & (t < x[-1])]  # noqa: E731
    expected = np.sort(np.concatenate([inside(extrema), inside(inflections)]))
    assert count == expected.size
    assert len(points) == min(count, MAX_POINTS)
    for point, truth in zip(points, expected, strict=False):
        assert point.x == pytest.approx(truth, rel=1e-13, abs=1e-13 * abs(high - low))
        kind = "inflection" if abs(math.sin(k * truth)) < 0.5 else ("maximum" if math.sin(k * truth) > 0
                                                                      else "minimum")
        assert point.kind == kind


@pytest.mark.parametrize("text, bound", [("x", 1), ("3", 0), ("(x+1)^5000", 5000), ("(x^30)^30*x", 901),
                                         ("x^2*(x-1)^3 + x^4", 5), ("x^(1/2)", None), ("sin(x)*x", None)])
def test_a_degree_bound_is_read_off_the_tree_without_expanding_it(text, bound):
    from explorer.core.calculus.polynomial import MAX_DEGREE, degree_bound

    parsed = parse_expression(text)
    assert degree_bound(parsed.expr, parsed.variable) == bound
    if bound is not None and bound > MAX_DEGREE:
        assert polynomial_coefficients(parsed.expr, parsed.variable) is None


@pytest.mark.parametrize("text", ["(1e200*x + 1)^2", "1e300*x^6", "x^2/1e300 + 1", "123456789012345678901234567890*x^2"])
def test_coefficients_beyond_double_precision_are_not_shown_as_a_polynomial(text):
    from explorer.core.calculus.stage import calculus_for
    from explorer.core.derive import exact_derivatives
    from explorer.core.request import DerivativeRequest

    request = DerivativeRequest(text, order=2)
    result = calculus_for(request, exact_derivatives(request), 0.5)
    if result is not None and result.polynomial is not None:
        assert np.all(np.isfinite(result.polynomial)) and np.all(np.isfinite(result.polynomial_derivative))
        parsed = parse_expression(text)
        x = np.array([0.3, 0.7])
        second = sympy.diff(parsed.expr, parsed.variable, 2)
        exact = np.array([float(second.subs(parsed.variable, t)) for t in x])
        np.testing.assert_allclose(np.polyval(result.polynomial_derivative, x), exact, rtol=1e-12)
    else:  # only where some coefficient overflows
        assert text in ("(1e200*x + 1)^2", "1e300*x^6")


def _calculus(text, probe, **fields):
    """The calculus stage of a request for text at probe, with SymPy run here up to the Taylor degree."""
    from explorer.core.calculus.stage import calculus_for
    from explorer.core.derive import exact_derivatives
    from explorer.core.pipeline import derivatives_needed
    from explorer.core.request import DerivativeRequest

    request = DerivativeRequest(text, probe=probe, **fields)
    symbolic = exact_derivatives(request, max(derivatives_needed(request), request.taylor_degree))
    return calculus_for(request, symbolic, probe)


@pytest.mark.parametrize("scale", ["1e-300", "1", "1e300", "1e308"])
def test_where_the_taylor_polynomial_holds_does_not_depend_on_the_scale_of_f(scale):
    """The tangent of c sin(x) at 0.5 is within 1% of c sin's spread (2c on [-6, 6]) where
    |sin x - sin 0.5 - cos 0.5 (x - 0.5)| <= 0.02, whatever c: about 0.18..0.77, not the whole range."""
    result = _calculus(f"{scale}*sin(x)", 0.5, taylor_degree=1)
    x = np.linspace(-6, 6, 2000)
    close = np.abs(np.sin(x) - math.sin(0.5) - math.cos(0.5) * (x - 0.5)) <= 0.02
    inside = x[close & (np.abs(x - 0.5) < 1)]
    assert result.taylor_interval == pytest.approx((inside[0], inside[-1]), abs=2 * (x[1] - x[0]))


@pytest.mark.parametrize("text, low, high, truth, kind", [
    # x near 1e15: doubles are 0.125 apart and the grid's 0.001 steps repeat them, so f' = 0 on a run of
    # grid points between its negative and positive values
    ("(x - 1e15)^2", 1e15 - 1, 1e15 + 1, 1e15, "minimum"),
    ("-(x - 1e15)^2", 1e15 - 1, 1e15 + 1, 1e15, "maximum"),
    ("(x - 1e15)^3", 1e15 - 1, 1e15 + 1, 1e15, "inflection"),
    # f' = 8x^7 underflows to 0 for |x| below about 1e-46: a run of zeros around the minimum at 0
    ("x^8", -1e-45, 1e-45, 0.0, "minimum"),
    ("x^9", -1e-45, 1e-45, 0.0, "inflection"),
])
def test_a_sign_change_across_a_run_of_exact_zeros_is_found_in_its_middle(text, low, high, truth, kind):
    result = _calculus(text, (low + high) / 2, x_min=low, x_max=high)
    assert [p.kind for p in result.critical] == [kind]
    assert result.critical[0].x == pytest.approx(truth, abs=1e-3 * (high - low))



@pytest.mark.parametrize("text, low, high, expected", [
    # f' changes sign through its own pole, where f is continuous: a cusp's extremum, or (f'' through a pole)
    # a vertical tangent's inflection
    ("cbrt(x)^2", -6, 6, [(0.0, 0.0, "minimum")]),
    ("sqrt(abs(x))", -6, 6, [(0.0, 0.0, "minimum")]),
    ("-sqrt(abs(x - 1))", -6, 6, [(1.0, 0.0, "maximum")]),
    ("cbrt(x)", -6, 6, [(0.0, 0.0, "inflection")]),
    ("cbrt(x - 1e6)^2", 1e6 - 1, 1e6 + 1, [(1e6, 0.0, "minimum")]),
    ("cbrt(x^2 - 2)^2", 0.5, 2, [(math.sqrt(2), 0.0, "minimum")]),
    # where f itself jumps or has a pole there is no extremum or inflection
    ("1/x", -6, 6, []),
    ("1/x^2", -6, 6, []),
    ("log(abs(x))", -6, 6, []),
    ("sqrt(abs(x)) + sign(x)", -6, 6, []),
    ("cbrt(x) + sign(x)", -6, 6, []),
    ("tan(x)", 1, 2, []),
])
def test_a_sign_change_through_a_singularity_counts_only_where_f_is_continuous(text, low, high, expected):
    result = _calculus(text, low + 0.3 * (high - low), x_min=low, x_max=high)
    found = [(p.x, p.y, p.kind) for p in result.critical]
    assert [k for _, _, k in found] == [k for _, _, k in expected]
    for (x, y, _), (x_true, y_true, _) in zip(found, expected, strict=True):
        assert x == pytest.approx(x_true, rel=1e-12, abs=1e-12)
        assert y == pytest.approx(y_true, abs=1e-3)


def test_corners_of_abs_sin_are_minima():
    """|sin x| has minima 0 at the multiples of pi where f' = cos(x) sign(sin x) jumps from -1 to 1."""
    result = _calculus("abs(sin(x))", 0.5)
    minima = [p for p in result.critical if p.kind == "minimum"]
    assert [round(p.x / math.pi, 12) for p in minima] == [-1, 0, 1]
    assert all(abs(p.y) < 1e-15 for p in minima)
