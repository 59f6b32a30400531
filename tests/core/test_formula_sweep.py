"""Formula inputs found wrong by a sweep of the formula side: each test is a class of inputs, checked against
truth computed here (mpmath), not against the app."""

import math

import mpmath
import numpy as np
import pytest

from explorer.core.derive import derive_at, exact_derivatives
from explorer.core.expression.errors import ExpressionError
from explorer.core.expression.parser import parse_expression
from explorer.core.request import DerivativeRequest, Method


def _symbolic_at(text: str, x: float, order: int = 1) -> float:
    request = DerivativeRequest(text, "x", order, methods=(Method.SYMBOLIC,))
    return float(derive_at(request, exact_derivatives(request), np.array([x])).exact[0])


@pytest.mark.parametrize("base", ["0", "0.0", "-2", "-1/2", "1", "1-1", "sin(0)", "-pi"])
def test_a_logarithm_base_that_is_not_positive_or_is_1_is_refused(base):
    # log(x, 0) was folded by SymPy to log(x)/zoo = 0: a constant f, derivative 0, that no base gives;
    # log(x, -2) was complex for every x, so every point was "undefined"
    with pytest.raises(ExpressionError, match="base of a logarithm"):
        parse_expression(f"log(x, {base})", "x")


@pytest.mark.parametrize("base", [2.0, 0.5, 10.0, math.e, 0.3, 1e-300, 7e200])
@pytest.mark.parametrize("x", [0.7, 3.0, 1e150])
def test_logarithms_to_a_valid_base_have_the_right_slope(base, x):
    text = f"log(x, {base!r})" if base != math.e else "log(x, e)"
    with mpmath.workdps(50):
        truth = float(1 / (mpmath.mpf(x) * mpmath.log(mpmath.mpf(base))))
    assert _symbolic_at(text, x) == pytest.approx(truth, rel=1e-14, abs=0)


@pytest.mark.parametrize("text, factor", [("2^0.0*x", 1.0), ("pi^(0.5-0.5)*x", 1.0), ("3.5^(1-1.0)*x^2", 1.0),
                                          ("sin(2^0.0)*x", math.sin(1.0)), ("x*e^(0.0)", 1.0),
                                          ("log(x, 2^0.0*3)", None)])
def test_a_constant_power_with_a_floating_zero_exponent_is_built(text, factor):
    # 2^0.0 raised ValueError inside the constant folding (int(mag(0)) = int(-inf)): "cannot build this
    # expression: ValueError" for a valid expression
    parse_expression(text, "x")
    x = 1.5
    if factor is None:
        truth = 1 / (x * math.log(3))
    else:
        truth = factor * (2 * x if "x^2" in text else 1)
    assert _symbolic_at(text, x) == pytest.approx(truth, rel=1e-15, abs=0)


UNEVALUATED = [  # SymPy leaves d/dx sign(g) unevaluated when g is not known to be real
    ("abs(acosh(x))", lambda x: abs(mpmath.acosh(x)), 2, [2.0, 1.5, 30.0]),
    ("abs(acosh(x))", lambda x: abs(mpmath.acosh(x)), 3, [2.0, 7.0]),
    ("sign(acos(x))", lambda x: mpmath.sign(mpmath.acos(x)), 1, [0.5, -0.3]),
    ("x*abs(acosh(x))", lambda x: x * abs(mpmath.acosh(x)), 2, [2.0, 4.0]),
    ("abs(asin(x))^3", lambda x: abs(mpmath.asin(x)) ** 3, 2, [0.5, -0.25]),
]


@pytest.mark.parametrize(("text", "function", "order", "points"), UNEVALUATED,
                         ids=[f"{c[0]}-{c[2]}" for c in UNEVALUATED])
def test_a_derivative_sympy_leaves_unevaluated_is_measured_against_autodiff_not_a_crash(text, function, order,
                                                                                         points):
    # the step balancing compiled f^(n+p) for NumPy, and the printer raised on the Derivative in it: a traceback
    request = DerivativeRequest(text, "x", order, methods=tuple(Method))
    result = derive_at(request, exact_derivatives(request), np.array(points))
    with mpmath.workdps(40):
        truths = [float(mpmath.diff(function, mpmath.mpf(x), order)) for x in points]
    if result.reference is Method.AUTODIFF:
        assert "unevaluated" in result.notes[Method.SYMBOLIC]
    for i, truth in enumerate(truths):
        assert result.exact[i] == pytest.approx(truth, rel=1e-12, abs=1e-14)
        assert result.methods[Method.CENTRAL].values[i] == pytest.approx(truth, rel=1e-4, abs=1e-6)


def test_unevaluated_derivatives_on_the_command_line(capsys):
    import json

    from explorer.cli import main

    assert main(["derive", "sign(acos(x))", "--at", "0.5", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["reference"] == "autodiff" and report["derivative"] == "Derivative(sign(acos(x)), x)"
    assert report["points"][0]["exact"] == 0
    assert main(["gradient", "abs(acosh(x*y))", "--vars", "x,y", "--point", "x=2,y=1", "--json"]) == 0
    point = json.loads(capsys.readouterr().out)["points"][0]
    with mpmath.workdps(40):
        truth = float(mpmath.diff(lambda x, y: mpmath.acosh(x * y), (2, 1), (1, 1)))
    assert point["hessian"]["autodiff"][0][1] == pytest.approx(truth, rel=1e-12)


OVERFLOWING = ["(e-a)^(1e44)*x", "exp(((e-a)^(1e15*123456789012345678901234567890)) - 1e308/tan(x))",
               "x*(2+a)^(1e300) + sin(x)"]


@pytest.mark.parametrize("text", OVERFLOWING)
def test_constants_overflowing_python_floats_make_values_undefined_not_a_traceback(text):
    # NumPy's generated code does (e - a)**1e44 in Python floats, which raise OverflowError: the complex step
    # (and autodiff) let it out of derive, a traceback on the command line
    request = DerivativeRequest(text, "x", 1, methods=tuple(Method))
    result = derive_at(request, exact_derivatives(request), np.array([0.5, 1.0]))
    for values in result.methods.values():
        assert values.values.shape == (2,)


@pytest.mark.parametrize("text", ["(e-a)^(1e44)*x*y", "x*(2+a)^(1e300) + sin(y)"])
def test_overflowing_constants_in_several_variables(capsys, text):
    from explorer.cli import main

    assert main(["gradient", text, "--vars", "x,y", "--json"]) == 0
    assert main(["derive", text, "--vars", "x,y", "--wrt", "x", "--json"]) == 0
    capsys.readouterr()


@pytest.mark.timeout(60)
@pytest.mark.parametrize("text", ["1e-300 - (3.0/e)^(e^x)", "exp((e-a)^(1e15*123456789012345678901234567890) - x)",
                                  "cosh(cot(2^0.0) - 2^x)", "sinh(exp(x)) + x^x"])
def test_exact_values_of_huge_exponentials_do_not_hang(text):
    # the exact values at points were worked out in intervals, and mpmath reduces exp(10^43429448) for hours
    request = DerivativeRequest(text, "x", 2, methods=(Method.SYMBOLIC,))
    result = derive_at(request, exact_derivatives(request), np.array([0.0, 0.5, -2.0, 1e8, 1e300]))
    assert result.exact.shape == (5,)


@pytest.mark.parametrize("text", ["csc(0.0)*x", "x + cot(0.0)", "sqrt(csc(-0.0))", "sin(x)^cot(0.0)",
                                  "cot(asin(-0.0)) + x", "cos(abs(csc(0.0))^(2^-1074))"])
def test_a_constant_at_a_pole_of_csc_or_cot_is_called_undefined(text):
    # mpmath's csc(0) and cot(0) divide by 0: "cannot build this expression: ZeroDivisionError"
    with pytest.raises(ExpressionError, match="is undefined"):
        parse_expression(text, "x")


TINY_FIELDS = [("x*y", lambda x, y: x * y), ("x*y^2 + y", lambda x, y: x * y**2 + y),
               ("sin(x)*y", lambda x, y: mpmath.sin(x) * y), ("exp(x)*y*1e-100", lambda x, y: mpmath.exp(x) * y * 1e-100)]


@pytest.mark.parametrize(("text", "function"), TINY_FIELDS, ids=[t for t, _ in TINY_FIELDS])
@pytest.mark.parametrize("point", [(1e-300, 1e-300), (1e-200, 3e-150), (-2e-250, 5e-60), (0.5, 1e-290)])
def test_the_complex_step_keeps_its_digits_where_partials_are_tiny(text, function, point):
    # h = 1e-20 made Im f = h df/dx subnormal: x*y at x = y = 1e-300 came out 9.9999e-301 (5 digits); in one
    # variable the step is raised out of the subnormal range, and now here too
    from explorer.core.fields.context import FieldContext
    from explorer.core.fields.variables import parse_field
    from explorer.core.fields.vector import gradient

    context = FieldContext(parse_field(text, ["x", "y"]))
    values = gradient(context, Method.COMPLEX, np.array(point, dtype=float).reshape(2, 1))
    with mpmath.workdps(700):
        truths = [float(mpmath.diff(function, [mpmath.mpf(p) for p in point], counts)) for counts in ((1, 0), (0, 1))]
    for k, truth in enumerate(truths):
        if abs(truth) > 1e-307:  # a partial that is itself subnormal has no 15 digits to keep
            assert values[k, 0] == pytest.approx(truth, rel=1e-14, abs=0), k


@pytest.mark.parametrize(("text", "derivative", "points"), [
    ("x^2", lambda x: 2 * x, [1e155, 1e200, 1e300, -1e250]),
    ("x^3", lambda x: 3 * x**2, [1e103, -1e102, 3e100]),
    ("1e100*x^2 + x", lambda x: 2e100 * x + 1, [1e100, -5e150]),
])
def test_the_complex_step_where_f_overflows_and_its_derivative_does_not(text, derivative, points):
    # h = 1e-20 |x| made Im f = h f' overflow: x^2 at 1e200 gave inf for 2e200
    request = DerivativeRequest(text, "x", 1, methods=(Method.SYMBOLIC, Method.COMPLEX))
    result = derive_at(request, exact_derivatives(request), np.array(points))
    with mpmath.workdps(50):
        truths = [float(derivative(mpmath.mpf(x))) for x in points]
    assert result.methods[Method.COMPLEX].values == pytest.approx(truths, rel=1e-15, abs=0)


@pytest.mark.parametrize(("text", "x", "note"), [
    ("x^2", "1e155", "infinite here"), ("exp(x)", "710", "infinite here"), ("1/x", "0", "infinite here"),
    ("log(x)", "-1", "undefined here"), ("sqrt(x)", "-4", "undefined here"), ("sin(x)", "2", None)])
def test_the_table_says_whether_f_is_undefined_or_infinite(capsys, text, x, note):
    # x^2 at 1e155 was "(f is undefined here)" above an exact derivative of 2e155: f is only beyond doubles
    from explorer.cli import main

    assert main(["derive", text, "--at", x, "--method", "symbolic"]) == 0
    heading = capsys.readouterr().out.splitlines()[3]
    assert heading.startswith("x = ")
    assert (note in heading) if note else heading.strip() == "x = 2"
    if x != "1e155":  # the several-variable points stay within 1e15
        assert main(["gradient", f"{text} + y", "--vars", "x,y", "--point", f"x={x},y=1", "--method",
                     "symbolic"]) == 0
        heading = capsys.readouterr().out.splitlines()[2]
        assert (note in heading) if note else "here" not in heading


@pytest.mark.parametrize(("text", "order", "kinks", "elsewhere"), [
    ("sign(x)", 1, [0.0], [1.0, -2.0]), ("sign(x)", 2, [0.0], [3.0]), ("abs(x)", 2, [0.0], [2.0, -1.0]),
    ("sign(x-0.1)", 1, [0.1], [0.2]), ("sign(x^2-1)", 1, [1.0, -1.0], [0.0, 2.0]),
    ("x*sign(x)", 2, [0.0], [1.0]), ("sign(x)*sin(x)", 2, [0.0], [1.0]), ("sign(a*x)", 1, [0.0], [0.5]),
])
def test_a_derivative_through_a_jump_is_undefined_at_the_jump_not_0(text, order, kinks, elsewhere):
    # sign'(x) = 2 DiracDelta(x): the app drops Dirac deltas (0 almost everywhere), and so reported sign'(0) = 0
    # as exact, and measured the finite differences' 1e5 against it
    request = DerivativeRequest(text, "x", order, methods=(Method.SYMBOLIC, Method.CENTRAL))
    result = derive_at(request, exact_derivatives(request), np.array(kinks + elsewhere))
    assert np.isnan(result.exact[:len(kinks)]).all()
    with mpmath.workdps(30):  # away from the jumps, the derivative of a step function (times something smooth)
        f = {"sign(x)": mpmath.sign, "abs(x)": abs, "sign(x-0.1)": lambda x: mpmath.sign(x - mpmath.mpf(0.1)),
             "sign(x^2-1)": lambda x: mpmath.sign(x * x - 1), "x*sign(x)": lambda x: x * mpmath.sign(x),
             "sign(x)*sin(x)": lambda x: mpmath.sign(x) * mpmath.sin(x), "sign(a*x)": mpmath.sign}[text]
        truths = [float(mpmath.diff(f, mpmath.mpf(x), order)) for x in elsewhere]
    assert result.exact[len(kinks):] == pytest.approx(truths, rel=1e-12, abs=1e-12)


def test_first_derivatives_of_kinks_keep_their_convention():
    # |x|' = sign(x) is 0 at 0 (the symmetric derivative); x sign(x) is |x| and agrees; sin(x) sign(x) too
    for text in ("abs(x)", "x*sign(x)", "sign(x)*sin(x)"):
        assert _symbolic_at(text, 0.0) == 0.0

