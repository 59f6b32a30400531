"""The exact values reported at chosen points (derive --at, derive --vars, gradient) are exact: correct to the
last bit where NumPy's doubles of SymPy's formula lose every digit to cancellation.

The truth is mpmath's, independent of the app: each function written again by hand in mpmath and
differentiated by mpmath.diff at 60 digits (or a closed form), at the very double the app is given."""

import json

import mpmath
import numpy as np
import pytest

from explorer.cli import main
from explorer.core.derive import derive_at, exact_derivatives
from explorer.core.fields.context import FieldContext, at_points
from explorer.core.fields.variables import parse_field
from explorer.core.fields.vector import gradient_report
from explorer.core.request import DerivativeRequest, Method

# (expression, the same in mpmath, points): formulas whose doubles cancel catastrophically at these scales
CANCELLING = [
    ("(1-cos(x))/x^2", lambda x: (1 - mpmath.cos(x)) / x**2, [1e-5, 1e-3, 3e-8, -2e-4, 1e-200, 1.0]),
    ("(exp(x)-1)/x", lambda x: mpmath.expm1(x) / x, [1e-8, -1e-12, 1e-300, 2.5]),
    ("sqrt(x^2+1)-x", lambda x: mpmath.sqrt(x**2 + 1) - x, [1e8, 3e5, 1e150, -7.0]),
    ("log(1+x)/x", lambda x: mpmath.log1p(x) / x, [1e-9, 1e-15, 0.5]),
    ("(sin(x)-x)/x^3", lambda x: (mpmath.sin(x) - x) / x**3, [1e-3, 1e-6, 2.0]),
    ("x*(sqrt(1+1/x^2)-1)", lambda x: x * (mpmath.sqrt(1 + 1 / x**2) - 1), [1e7, 1e100]),
    # every function of the whitelist with an interval of its own, where it cancels or saturates
    ("(atan(x)-x)/x^3", lambda x: (mpmath.atan(x) - x) / x**3, [1e-4, 1e-9, 3.0]),
    ("tanh(x)", mpmath.tanh, [50.0, 20.0, -30.0, 1e-5]),
    ("(asinh(x)-x)/x^3", lambda x: (mpmath.asinh(x) - x) / x**3, [1e-4, -1e-7]),
    ("(sinh(x)-x)/x^3 + (cosh(x)-1)/x^2", lambda x: (mpmath.sinh(x) - x) / x**3 + (mpmath.cosh(x) - 1) / x**2,
     [1e-4, 2e-9]),
    ("erf(x)", mpmath.erf, [6.0, 26.0]),
    ("(asin(x)-x)/x^3 + (acos(x)-pi/2)/x^2", lambda x: (mpmath.asin(x) - x) / x**3
     + (mpmath.acos(x) - mpmath.pi / 2) / x**2, [1e-4, 0.5]),
    ("(cbrt(1+x)-1)/x + atanh(x)/x", lambda x: (mpmath.cbrt(1 + x) - 1) / x + mpmath.atanh(x) / x, [1e-9, -1e-6]),
    ("acosh(1+x)^2/x", lambda x: mpmath.acosh(1 + x) ** 2 / x, [1e-9, 2.0]),
]


def _digits(*coordinates: float) -> int:
    """Enough digits for mpmath's own cancellation at these coordinates (1 - cos x at 1e-200 needs 400; erf at 26 is 1 - 1e-296)."""
    return 400 + 8 * max(abs(int(mpmath.log10(abs(c)))) if c else 0 for c in coordinates)


def _truth(function, x: float, order: int = 0) -> float:
    with mpmath.workdps(_digits(x)):
        x = mpmath.mpf(x)
        return float(mpmath.diff(function, x, order) if order else function(x))


@pytest.mark.parametrize("order", [1, 2, 3])
@pytest.mark.parametrize(("text", "function", "points"), CANCELLING, ids=[c[0] for c in CANCELLING])
def test_exact_derivative_at_points_is_right_where_doubles_cancel(text, function, points, order):
    request = DerivativeRequest(text, "x", order, methods=(Method.SYMBOLIC,))
    result = derive_at(request, exact_derivatives(request), np.array(points))
    for x, exact, value, f in zip(points, result.exact, result.methods[Method.SYMBOLIC].values, result.f,
                                  strict=True):
        truth = _truth(function, x, order)
        assert exact == pytest.approx(truth, rel=1e-14, abs=1e-300), (text, x, order)
        assert value == exact
        assert f == pytest.approx(_truth(function, x), rel=1e-15), (text, x)


def test_a_defined_value_lost_to_0_over_0_in_doubles_is_not_called_undefined():
    # (1 - cos x)/x^2 at 1e-200: x^2 underflows, NumPy says 0/0; f is 1/2 there and f' = -x/12
    request = DerivativeRequest("(1-cos(x))/x^2", "x", 1, methods=(Method.SYMBOLIC, Method.CENTRAL))
    result = derive_at(request, exact_derivatives(request), np.array([1e-200]))
    assert result.f[0] == 0.5
    assert result.exact[0] == pytest.approx(-1e-200 / 12, rel=1e-15, abs=0)


def test_undefined_stays_undefined_and_parameters_count():
    request = DerivativeRequest("a*log(x) + (1-cos(x))/x^2", "x", 1, methods=(Method.SYMBOLIC,),
                                parameters=(("a", 3.0),))
    result = derive_at(request, exact_derivatives(request), np.array([-1.0, 0.0, 1e-6]))
    assert np.isnan(result.exact[:2]).all() and np.isnan(result.f[:2]).all()
    with mpmath.workdps(_digits(1e-6)):
        truth = float(mpmath.diff(lambda x: 3 * mpmath.log(x) + (1 - mpmath.cos(x)) / x**2, mpmath.mpf(1e-6)))
    assert result.exact[2] == pytest.approx(truth, rel=1e-14, abs=0)


def test_errors_are_measured_against_the_true_derivative():
    # autodiff differentiates the program of doubles, which cancels: it is 1.6 at 1e-8, the truth 0.5
    request = DerivativeRequest("(exp(x)-1)/x", "x", 1, methods=(Method.SYMBOLIC, Method.AUTODIFF))
    result = derive_at(request, exact_derivatives(request), np.array([1e-8]))
    autodiff = result.methods[Method.AUTODIFF]
    truth = _truth(lambda x: mpmath.expm1(x) / x, 1e-8, 1)
    assert autodiff.absolute[0] == pytest.approx(abs(autodiff.values[0] - truth), rel=1e-12)


def test_derive_json_exact_value(capsys):
    assert main(["derive", "(1-cos(x))/x^2", "--at", "1e-5", "--json"]) == 0
    point = json.loads(capsys.readouterr().out)["points"][0]
    truth = _truth(lambda x: (1 - mpmath.cos(x)) / x**2, 1e-5, 1)
    assert point["exact"] == pytest.approx(truth, rel=1e-14, abs=0)
    assert point["methods"]["symbolic"]["abs_error"] == 0.0
    # central's step balances for the true scale of f: its error is a small part of the truth now
    assert point["methods"]["richardson"]["abs_error"] == pytest.approx(
        abs(point["methods"]["richardson"]["value"] - truth), rel=1e-9)


def _field_truth(function, point, counts):
    with mpmath.workdps(_digits(*point)):
        return float(mpmath.diff(function, [mpmath.mpf(p) for p in point], tuple(counts)))


FIELD = ("(1-cos(x*y))/(x*y)^2", lambda x, y: (1 - mpmath.cos(x * y)) / (x * y) ** 2)


@pytest.mark.parametrize("point", [(1e-5, 1.0), (3e-4, -2.0), (1e-100, 1e-100), (1.5, 0.5)])
def test_field_partials_at_points_are_exact(point):
    text, function = FIELD
    context = FieldContext(parse_field(text, ["x", "y"]))
    points = np.array(point, dtype=float).reshape(2, 1)
    for counts in [(1, 0), (0, 1), (1, 1), (2, 0)]:
        report = at_points(context, counts, points, (Method.SYMBOLIC,))
        assert report.exact[0] == pytest.approx(_field_truth(function, point, counts), rel=1e-13, abs=1e-300)
    report = gradient_report(context, points, (Method.SYMBOLIC, Method.CENTRAL))
    with mpmath.workdps(_digits(*point)):
        assert report.f[0] == pytest.approx(float(function(*map(mpmath.mpf, point))), rel=1e-15)
    for k, counts in enumerate([(1, 0), (0, 1)]):
        assert report.exact_gradient[k, 0] == pytest.approx(_field_truth(function, point, counts), rel=1e-13,
                                                            abs=1e-300)
    for (i, j), counts in {(0, 0): (2, 0), (0, 1): (1, 1), (1, 1): (0, 2)}.items():
        truth = _field_truth(function, point, counts)
        assert report.exact_hessian[i, j, 0] == pytest.approx(truth, rel=1e-12, abs=1e-300)
        assert report.exact_hessian[j, i, 0] == report.exact_hessian[i, j, 0]


@pytest.mark.parametrize("text", ["tanh((1e-308 - 123456789012345678901234567890*x)^0.3)",
                                  "atan((-x)^(1/3)) + sign((x-2)^0.5) + cbrt((x-3)^1.5) + erf(log(x-5))"])
def test_values_without_a_real_interval_keep_their_doubles(text):
    # a complex interval reached a function bounded through its end points: AttributeError, a traceback
    request = DerivativeRequest(text, "x", 1, methods=(Method.SYMBOLIC, Method.CENTRAL))
    symbolic = exact_derivatives(request)
    result = derive_at(request, symbolic, np.array([1.0, -1.0, 0.5, 7.0]))
    assert result.exact.shape == (4,)


@pytest.mark.parametrize("text", ["asinh(1e15) + csc(acosh(-1) + 1) + x", "tanh(acos(2^1023) + atan(x))",
                                  "sinh(x*atanh(3.0)) + e"])
def test_complex_constants_inside_bounded_functions_do_not_raise(text):
    request = DerivativeRequest(text, "x", 1, methods=(Method.SYMBOLIC,))
    result = derive_at(request, exact_derivatives(request), np.array([0.5, 2.0]))
    assert result.exact.shape == (2,)
