"""'Copy as Python' is NumPy code that runs as written on arrays and gives the values the app plots."""

from __future__ import annotations

import re

import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from steps_strategies import expression_text

from explorer.core.expression.errors import ExpressionError
from explorer.core.expression.functions import FUNCTIONS
from explorer.core.expression.parser import make_symbol, parse_expression
from explorer.core.symbolic.derivatives import drop_distributions, evaluate
from explorer.core.symbolic.python_code import NoNumPyCode, numpy_code, numpy_imports

X = make_symbol("x")
GRID = np.concatenate([np.linspace(-4.0, 4.0, 81), [0.0, 1e-3, -1e-3, 12.5]])
PARAMETER = 1.3  # the value of a, the one parameter the expressions use


def run(code: str, x: np.ndarray) -> np.ndarray:
    """Execute the code as a user would: after its imports, with x an array and a a number."""
    namespace: dict[str, object] = {}
    exec("\n".join(numpy_imports(code)), namespace)  # noqa: S102 - the code under test is ours
    with np.errstate(all="ignore"):
        value = eval(code, namespace, {"x": x, "a": PARAMETER})  # noqa: S307
    return np.broadcast_to(np.asarray(value, dtype=complex if np.iscomplexobj(value) else float), x.shape)


def app_values(expr: sympy.Expr, grid: np.ndarray = GRID) -> np.ndarray:
    """expr on grid as the app plots it: distributions dropped (MethodContext does so), then evaluate."""
    expr, _ = drop_distributions(expr)
    symbols = (X, *sorted(expr.free_symbols - {X}, key=lambda s: s.name))
    return evaluate(expr, symbols, grid, [PARAMETER] * (len(symbols) - 1))


def assert_same_as_the_app(expr: sympy.Expr) -> None:
    code = numpy_code(expr)
    mine = run(code, GRID)
    if np.iscomplexobj(mine):  # the app shows a gap where a value is not real
        mine = np.where(np.abs(mine.imag) <= 1e-12 * np.maximum(np.abs(mine.real), 1.0), mine.real, np.nan)
    app = app_values(expr)
    both = np.isfinite(app) & np.isfinite(mine)
    # at a singular point inf - inf may be NaN in one order of operations and inf in another
    assert np.array_equal(np.isfinite(app), np.isfinite(mine)), (code, GRID[np.isfinite(app) != np.isfinite(mine)])
    # The same formula, rounded in another order (the app compiles common subexpressions once), so compared
    # where its value is set by x to 1e-9: sec(cosh(cosh(x))) at x = 4 moves by 1e-4 when x moves by 1e-16.
    nudged = app_values(expr, GRID * (1 + 4e-16))
    with np.errstate(all="ignore"):
        settled = np.abs(nudged - app) <= 1e-10 * np.abs(app)
    np.testing.assert_allclose(mine[both & settled], app[both & settled], rtol=1e-9, atol=1e-300, err_msg=code)


BARE = re.compile(r"(?<![\w.])(" + "|".join(sorted(FUNCTIONS) + ["copysign", "arcsin", "arctan", "sqrt"]) + r")\(")


@pytest.mark.parametrize("text", [
    "sin(x)", "exp(-x^2/2) cos(3x)", "abs(x)", "sign(x)", "cbrt(x)", "erf(x)", "log(x, 2)", "sqrt(x)", "x^x",
    "sec(x) + csc(x) + cot(x)", "asin(x/5) + acos(x/5) + atan(x)", "asinh(x) + acosh(x) + atanh(x/5)",
    "sinh(x) cosh(x) tanh(x)", "pi x + e^x", "a x^a", "2^x", "x^(-2)", "1/(x^2+1)", "1.5 x^2.5", "7",
])
@pytest.mark.parametrize("order", [0, 1, 2])
def test_the_code_of_f_and_its_derivatives_runs_on_arrays_as_the_app_evaluates(text, order):
    parsed = parse_expression(text)
    expr = sympy.diff(parsed.expr, X, order) if order else parsed.expr
    code = numpy_code(expr)
    assert not BARE.search(code), code  # every function named by its module: np.exp, never exp
    assert_same_as_the_app(expr)


def test_sign_and_abs_are_numpys_not_pythons():
    assert numpy_code(sympy.diff(sympy.Abs(X), X)) == "np.sign(x)"
    assert numpy_code(sympy.Abs(X)) == "np.abs(x)"
    assert numpy_code(parse_expression("cbrt(x)").expr) == "np.cbrt(x)"
    assert numpy_code(sympy.erf(X)) == "scipy.special.erf(x)"
    assert numpy_imports("scipy.special.erf(x)*np.exp(x)") == ("import numpy as np", "import scipy.special")
    np.testing.assert_array_equal(run(numpy_code(sympy.sign(X)), np.array([-2.0, 0.0, 3.0])), [-1.0, 0.0, 1.0])


def test_distributions_are_zero_as_the_app_plots_them():
    second = sympy.diff(sympy.Abs(X), X, 2)  # 2 DiracDelta(x)
    assert numpy_code(second) == "0"
    assert_same_as_the_app(sympy.diff(sympy.Abs(X) * X**2, X, 2))


def test_piecewise_and_heaviside_run_on_arrays():
    for expr in (sympy.Piecewise((X**2, X > 0), (-X, True)), sympy.Heaviside(X) * sympy.sin(X),
                 sympy.Piecewise((sympy.exp(X), X < 1), (sympy.E, True))):
        assert_same_as_the_app(expr)


def test_a_derivative_sympy_left_unevaluated_has_no_code_and_says_so():
    second = sympy.diff(sympy.Abs(sympy.acos(X)), X, 2)  # contains Derivative(sign(acos(x)), x)
    with pytest.raises(NoNumPyCode, match="unevaluated"):
        numpy_code(second)


def test_numbers_beyond_double_precision_are_doubles():
    code = numpy_code(sympy.sin(10**20 * X) + sympy.Rational(10**30, 3) * X)
    assert "100000000000000000000" not in code
    assert np.all(np.isfinite(run(code, GRID)))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(expression_text(), st.sampled_from([0, 1, 2]))
def test_random_expressions_and_derivatives_as_the_app_evaluates(text, order):
    try:
        parsed = parse_expression(text)
    except ExpressionError:
        assume(False)
    expr = sympy.diff(parsed.expr, X, order) if order else parsed.expr
    assume(sympy.count_ops(expr) < 400 and not expr.has(sympy.Derivative))  # the app cannot evaluate those
    assert not BARE.search(numpy_code(expr))
    assert_same_as_the_app(expr)


def test_scipy_is_imported_only_for_erf():
    assert numpy_imports(numpy_code(sympy.sin(X))) == ("import numpy as np",)
    assert numpy_imports(numpy_code(X**2)) == ()
