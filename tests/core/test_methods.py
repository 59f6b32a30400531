import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from explorer.core.numeric.autodiff import autodiff_function
from explorer.core.expression.errors import ExpressionError
from explorer.core.expression.parser import parse_expression
from explorer.core.pipeline import derivatives_needed, method_context
from explorer.core.request import DerivativeRequest, Method
from explorer.core.symbolic.derivatives import SymbolicDerivatives, compile_numpy, derivative_chain, evaluate, is_defined_everywhere


def symbolic_for(text, up_to, variable="x"):
    parsed = parse_expression(text, variable)
    return SymbolicDerivatives(parsed, (parsed.expr, *derivative_chain(parsed.expr, parsed.variable, up_to)))


def context_for(text, order=1, accuracy=2, **kwargs):
    request = DerivativeRequest(text, order=order, accuracy=accuracy, **kwargs)
    return method_context(request, symbolic_for(text, derivatives_needed(request)))


def test_constant_derivative_broadcasts_to_x():
    context = context_for("x^2", order=2)
    x = np.linspace(-1, 1, 5)
    assert np.array_equal(context.derivative(Method.SYMBOLIC, x, 1e-3), np.full(5, 2.0))
    assert np.array_equal(context.derivative(Method.AUTODIFF, x, 1e-3), np.full(5, 2.0))
    assert np.array_equal(context_for("7").derivative(Method.SYMBOLIC, x, 1e-3), np.zeros(5))


def test_compiled_once_per_expression():
    parsed = parse_expression("sin(x)*exp(x)")
    symbols = (parsed.variable,)
    assert compile_numpy(parsed.expr, symbols) is compile_numpy(parse_expression("sin(x)*exp(x)").expr, symbols)


@pytest.mark.parametrize("text", ["a^b*x", "x*a^b", "a^b + x", "a^b", "a^b*sin(x)"])
def test_a_parameter_power_undefined_in_the_reals_is_undefined_by_autodiff_too(text):
    # With no x in it, a^b was computed between Python floats: (-8.0) ** (1/3) is complex there, and writing
    # it into the float result raised (a traceback from `derive`, a dead computation in the window).
    x = np.array([0.5, 1.0, 2.0])
    undefined = context_for(text, parameters=(("a", -8.0), ("b", 1 / 3)))
    assert np.isnan(undefined.derivative(Method.AUTODIFF, x, 0.0)).all()
    assert np.isnan(undefined.f(x)).all()
    defined = context_for(text, parameters=(("a", 8.0), ("b", 1 / 3)))
    np.testing.assert_allclose(defined.derivative(Method.AUTODIFF, x, 0.0),
                               defined.derivative(Method.SYMBOLIC, x, 0.0), rtol=1e-15)


def test_parameters_default_to_one_and_can_be_set():
    x = np.array([0.0, 1.0])
    default = context_for("a*exp(b*x)")
    assert np.allclose(default.derivative(Method.SYMBOLIC, x, 1e-3), np.exp(x))
    given_values = context_for("a*exp(b*x)", parameters=(("a", 2.0), ("b", 3.0)))
    assert np.allclose(given_values.derivative(Method.AUTODIFF, x, 1e-3), 6 * np.exp(3 * x))


def test_undefined_f_gives_gaps_not_values():
    context = context_for("log(x)")
    x = np.array([-1.0, 0.0, 2.0])
    for method in Method:
        values = context.derivative(method, x, 1e-6)
        assert np.isnan(values[:2]).all(), method
        assert values[2] == pytest.approx(0.5, rel=1e-6), method


@pytest.mark.parametrize(
    "text, everywhere",
    [("sin(x)*exp(-x^2)", True), ("x^3 - 2x", True), ("abs(x) + cbrt(x) + erf(x)", True), ("2^x*a", True),
     ("1/x", False), ("log(x)", False), ("sqrt(x)", False), ("tan(x)", False), ("x^x", False), ("x^(1/3)", False),
     ("log(-1) + x", False)],
)
def test_defined_everywhere_is_decided_from_the_expression(text, everywhere):
    assert is_defined_everywhere(parse_expression(text).expr) is everywhere


def test_functions_defined_everywhere_skip_the_domain_check_and_give_the_same_values():
    # The check costs a second evaluation of f; where f is finite everywhere it cannot change anything.
    context = context_for("sin(x)*exp(-x^2)")
    x = np.linspace(-3, 3, 7)
    exact = np.exp(-(x**2)) * (np.cos(x) - 2 * x * np.sin(x))
    for method in (Method.SYMBOLIC, Method.AUTODIFF, Method.COMPLEX, Method.CENTRAL, Method.RICHARDSON):
        values = context.derivative(method, x, np.array([[1e-3], [1e-4]]) if method.uses_step else 1e-20)
        assert values.shape == ((2, 7) if method.uses_step else (7,)), method
        np.testing.assert_allclose(values, np.broadcast_to(exact, values.shape), rtol=1e-4, atol=1e-6)


def test_complex_step_refuses_non_analytic_and_higher_orders():
    assert "analytic" in context_for("abs(x)").unavailable(Method.COMPLEX)
    assert "first derivatives" in context_for("sin(x)", order=2).unavailable(Method.COMPLEX)
    assert np.isnan(context_for("abs(x)").derivative(Method.COMPLEX, np.array([1.0]), 1e-20)).all()


def test_second_derivative_of_abs_is_zero_away_from_the_kink():
    context = context_for("abs(x)", order=2)
    x = np.array([-2.0, 3.0])
    assert np.array_equal(context.derivative(Method.SYMBOLIC, x, 1e-3), [0.0, 0.0])


@pytest.mark.parametrize("text", ["sin(x)", "exp(x)*cos(3x)", "erf(x)", "cbrt(x)", "atan(x)^2", "x^x", "sqrt(1+x^2)"])
@pytest.mark.parametrize("order", [1, 2, 4])
def test_exact_methods_agree(text, order):
    context = context_for(text, order=order)
    x = np.linspace(0.2, 1.7, 50)
    symbolic = context.derivative(Method.SYMBOLIC, x, 1e-3)
    autodiff = context.derivative(Method.AUTODIFF, x, 1e-3)
    np.testing.assert_allclose(autodiff, symbolic, rtol=1e-12, atol=1e-300)
    if order == 1 and context.unavailable(Method.COMPLEX) is None:
        np.testing.assert_allclose(context.derivative(Method.COMPLEX, x, 1e-20), symbolic, rtol=1e-13)


LEAVES = st.sampled_from(["x", "2", "0.5", "3", "pi"])
FUNCTIONS = st.sampled_from(["sin", "cos", "exp", "atan", "tanh", "sqrt", "log", "erf"])


def expressions():
    return st.recursive(
        LEAVES,
        lambda inner: st.one_of(
            st.builds(lambda a, op, b: f"({a}){op}({b})", inner, st.sampled_from(["+", "-", "*", "/"]), inner),
            st.builds(lambda f, a: f"{f}({a})", FUNCTIONS, inner),
            st.builds(lambda a, k: f"({a})^{k}", inner, st.sampled_from(["2", "3", "-1"])),
        ),
        max_leaves=6,
    )


@settings(max_examples=60, deadline=None)
@given(expressions(), st.integers(1, 2), st.floats(0.1, 2.0))
def test_autodiff_matches_symbolic_on_random_expressions(text, order, point):
    try:
        context = context_for(text, order=order)
    except ExpressionError:  # e.g. (x-x)^-1, refused as a division by zero
        assume(False)
    x = np.array([point])
    symbolic = context.derivative(Method.SYMBOLIC, x, 1e-3)[0]
    autodiff = context.derivative(Method.AUTODIFF, x, 1e-3)[0]
    assume(np.isfinite(symbolic) and 1e-8 < abs(symbolic) < 1e8)
    # Both are exact up to floating-point evaluation order; a tolerance of 1e-12 allows for that.
    assert autodiff == pytest.approx(symbolic, rel=1e-12)


def test_autodiff_function_is_cached():
    parsed = parse_expression("sin(x)")
    assert autodiff_function(parsed.expr, (parsed.variable,), 2) is autodiff_function(parsed.expr, (parsed.variable,), 2)


def test_evaluate_turns_complex_into_gaps():
    parsed = parse_expression("sqrt(x)")
    values = evaluate(parsed.expr, (parsed.variable,), np.array([-4.0, 4.0]))
    assert np.isnan(values[0]) and values[1] == 2.0


@pytest.mark.parametrize("text", ["1", "7.25", "a*b + 3", "pi^2"])
@pytest.mark.parametrize("order", [1, 2, 3])
def test_a_function_that_does_not_depend_on_x_has_derivative_exactly_zero(text, order):
    context = context_for(text, order=order, parameters=(("a", 0.3), ("b", -11.0)))
    x = np.array([-2.0, 0.5, 3.0, 1e8])
    for method in Method:
        if context.unavailable(method):
            continue
        for step in (1e-2, 1e-5):
            assert np.array_equal(context.derivative(method, x, step), np.zeros(4)), (method, step)


# f, its derivative by hand, and points inside f's domain
ANALYTIC = [
    ("sin(3x)", lambda x: 3 * np.cos(3 * x), (-2.0, 2.0)),
    ("cos(x)^2", lambda x: -2 * np.cos(x) * np.sin(x), (-2.0, 2.0)),
    ("tan(x)", lambda x: 1 / np.cos(x) ** 2, (-1.2, 1.2)),
    ("sec(x)", lambda x: np.tan(x) / np.cos(x), (-1.2, 1.2)),
    ("csc(x)", lambda x: -np.cos(x) / np.sin(x) ** 2, (0.2, 3.0)),
    ("cot(x)", lambda x: -1 / np.sin(x) ** 2, (0.2, 3.0)),
    ("asin(x)", lambda x: 1 / np.sqrt(1 - x**2), (-0.9, 0.9)),
    ("acos(x)", lambda x: -1 / np.sqrt(1 - x**2), (-0.9, 0.9)),
    ("atan(2x)", lambda x: 2 / (1 + 4 * x**2), (-3.0, 3.0)),
    ("sinh(x)", np.cosh, (-3.0, 3.0)),
    ("cosh(x)", np.sinh, (-3.0, 3.0)),
    ("tanh(x)", lambda x: 1 / np.cosh(x) ** 2, (-3.0, 3.0)),
    ("asinh(x)", lambda x: 1 / np.sqrt(x**2 + 1), (-3.0, 3.0)),
    ("acosh(x)", lambda x: 1 / np.sqrt(x**2 - 1), (1.1, 4.0)),
    ("atanh(x)", lambda x: 1 / (1 - x**2), (-0.9, 0.9)),
    ("exp(-x^2)*sin(3x)", lambda x: np.exp(-(x**2)) * (3 * np.cos(3 * x) - 2 * x * np.sin(3 * x)), (-3.0, 3.0)),
    ("log(x)", lambda x: 1 / x, (0.1, 5.0)),
    ("log(x, 2)", lambda x: 1 / (x * np.log(2)), (0.1, 5.0)),
    ("sqrt(x)", lambda x: 0.5 / np.sqrt(x), (0.1, 5.0)),
    ("cbrt(x)", lambda x: 1 / (3 * np.cbrt(x) ** 2), (0.1, 5.0)),
    ("abs(x)^3", lambda x: 3 * x * np.abs(x), (-2.0, 2.0)),
    ("sign(x)*x^2", lambda x: 2 * np.abs(x), (0.1, 2.0)),
    ("erf(x)", lambda x: 2 / np.sqrt(np.pi) * np.exp(-(x**2)), (-3.0, 3.0)),
    ("x^x", lambda x: x**x * (np.log(x) + 1), (0.1, 3.0)),
    ("2^x", lambda x: 2**x * np.log(2), (-3.0, 3.0)),
    ("x^2.5 - 1/x + x^-3", lambda x: 2.5 * x**1.5 + 1 / x**2 - 3 / x**4, (0.1, 3.0)),
    ("a*exp(b x) + c", lambda x: 2 * 0.5 * np.exp(0.5 * x), (-3.0, 3.0)),
    ("x^a", lambda x: 2 * x, (-3.0, 3.0)),
    ("3x + 1", lambda x: np.full_like(x, 3.0), (-3.0, 3.0)),
]


@pytest.mark.parametrize("text, derivative, interval", ANALYTIC)
def test_first_derivatives_by_forward_mode_match_the_analytic_ones(text, derivative, interval):
    from explorer.core.numeric.forward_mode import first_derivative

    context = context_for(text, parameters=(("a", 2.0), ("b", 0.5), ("c", 7.0)))
    assert first_derivative(context.symbolic.derivatives[0], context.symbols) is not None  # not autograd
    x = np.linspace(*interval, 301)
    autodiff = context.derivative(Method.AUTODIFF, x, 0.0)
    np.testing.assert_allclose(autodiff, derivative(x), rtol=1e-13, atol=1e-13)
    # and identical to within rounding with autograd's reverse mode, which it replaced for order 1
    reverse = autodiff_function(context.symbolic.derivatives[0], context.symbols, 1)(x, *context.parameters)
    np.testing.assert_allclose(autodiff, np.broadcast_to(reverse, x.shape), rtol=1e-14, atol=1e-15)


def test_forward_mode_leaves_gaps_where_f_is_undefined_and_keeps_infinite_slopes():
    context = context_for("log(x) + sqrt(x + 1)")
    values = context.derivative(Method.AUTODIFF, np.array([-2.0, -0.5, 0.0, 2.0]), 0.0)
    assert np.isnan(values[:3]).all() and values[3] == pytest.approx(0.5 + 0.5 / np.sqrt(3), rel=1e-15)
    assert context_for("sqrt(x)").derivative(Method.AUTODIFF, np.array([0.0]), 0.0)[0] == np.inf


@pytest.mark.parametrize("text", ["exp(-x^2)*sin(3x)", "log(x)", "1/(1+25x^2)"])
def test_long_grids_worked_in_blocks_give_what_short_ones_give(text):
    # A long x is computed in blocks (cache-sized): every point must come out as if computed alone.
    context = context_for(text)
    x = np.linspace(-3.0, 3.0, 50_001)
    sample = np.arange(0, x.size, 997)
    for method in (Method.CENTRAL, Method.FORWARD, Method.RICHARDSON, Method.COMPLEX, Method.AUTODIFF):
        whole = context.scaled_derivative(method, x, 1e-5)
        alone = context.scaled_derivative(method, x[sample], 1e-5)
        np.testing.assert_array_equal(whole[sample], alone, err_msg=method.value)


@pytest.mark.parametrize("text, x, exact", [
    # tanh' = 1 - tanh^2 cancelled to 0 from x = 19 on; these are sech^2 and its derivatives there
    ("tanh(x)", [20.0, -30.0, 0.5], [[1.6993417021166355e-17, 3.502604305078608e-26, 0.7864477329659274],
                                     [-3.398683404233271e-17, 7.005208610157216e-26, -0.7268619813835873]]),
    ("3tanh(2x)", [15.0], [[2.101562583047165e-25], [None]]),
    # asinh' = 1/sqrt(x^2 + 1): x^2 overflowed to inf from 1e154 on, and the derivative read 0
    ("asinh(x)", [1e200, -1e300, 0.5], [[1e-200, 1e-300, 0.8944271909999159], [-0.0, 0.0, -0.35777087639996635]]),
    ("sqrt(x^2 + 1)", [1e200, -1e200, 0.0], [[1.0, -1.0, 0.0], [None, None, 1.0]]),
])
def test_exact_derivatives_evaluate_without_cancellation_or_overflow(text, x, exact):
    symbolic = symbolic_for(text, 2)
    parsed = symbolic.parsed
    for order, wanted in enumerate(exact, start=1):
        values = evaluate(symbolic.of(order), (parsed.variable,), np.array(x))
        for value, truth in zip(values, wanted, strict=True):
            if truth is not None:
                assert value == pytest.approx(truth, rel=1e-7, abs=0), (text, order, x)
