from dataclasses import replace

import numpy as np
import pytest

from explorer.core.numeric.error_analysis import optimum, relative_error, step_grid
from explorer.core.expression.parser import parse_expression
from explorer.core.pipeline import (
    CurveResult,
    ErrorResult,
    SweepResult,
    compute_stages,
    derivatives_needed,
    f_only_curves,
    sweep_stage,
)
from explorer.core.request import DerivativeRequest, Method
from explorer.core.derive import exact_derivatives
from explorer.core.symbolic.derivatives import SymbolicDerivatives


def symbolic_for(request):
    return exact_derivatives(request)


def run(request):
    return list(compute_stages(request, symbolic_for(request)))


def test_stages_arrive_in_order_with_the_request_id():
    stages = run(DerivativeRequest("sin(x)", points=300, request_id=7))
    assert [type(s) for s in stages] == [CurveResult, ErrorResult, SweepResult]
    assert {s.request_id for s in stages} == {7}
    curves = stages[0]
    assert curves.x.shape == (300,) and curves.reference is Method.SYMBOLIC
    np.testing.assert_allclose(curves.derivatives[Method.CENTRAL], np.cos(curves.x), atol=1e-9)


def test_errors_follow_the_truncation_law():
    # Forward difference, p = 1: error ~ h/2 |f''|; for exp at h = 1e-4 that is 5e-5 * e^x.
    request = DerivativeRequest("exp(x)", x_min=0, x_max=1, points=11, step=1e-4, accuracy=1)
    errors = run(request)[1]
    np.testing.assert_allclose(errors.relative[Method.FORWARD], 5e-5, rtol=1e-3)
    assert Method.SYMBOLIC not in errors.absolute


def test_sweep_finds_the_textbook_optimum_and_theory_brackets_it():
    request = DerivativeRequest("exp(x)", x_min=0, x_max=2, accuracy=1, probe=1.0)
    sweep = run(request)[2].sweep
    h_star, error = sweep.optimum[Method.FORWARD]
    # sqrt(eps) ~ 1.5e-8; with exact steps the round-off is f's alone, and near h* the errors of 1e-9 .. 1e-8
    # differ by the luck of rounding only (1e-9 wins by 5%)
    assert 5e-10 < h_star < 1e-7
    assert error < 1e-7
    # Far from h*, one of the two theory lines explains the measured error within a factor of 10.
    big = sweep.h > 1e-3
    assert np.all(np.abs(np.log10(sweep.errors[Method.FORWARD][big] / sweep.truncation[Method.FORWARD][big])) < 1)
    assert set(sweep.optimum) >= {Method.FORWARD, Method.CENTRAL, Method.RICHARDSON, Method.COMPLEX}
    assert Method.AUTODIFF not in sweep.optimum  # autodiff does not depend on h
    assert np.array_equal(sweep.h, step_grid())


def test_central_at_its_optimum_beats_1e_8():
    sweep = run(DerivativeRequest("sin(x)", probe=0.7))[2].sweep
    assert sweep.optimum[Method.CENTRAL][1] / np.cos(0.7) < 1e-8


def test_symbolic_gave_up_falls_back_to_autodiff_reference():
    parsed = parse_expression("sin(x)")
    stages = list(compute_stages(DerivativeRequest("sin(x)", order=2), SymbolicDerivatives(parsed, (parsed.expr,))))
    curves = stages[0]
    assert curves.reference is Method.AUTODIFF
    assert "not available" in curves.notes[Method.SYMBOLIC]
    assert Method.CENTRAL in stages[1].absolute


def test_domain_errors_make_gaps():
    curves = run(DerivativeRequest("log(x)", x_min=-2, x_max=2, points=5))[0]
    for values in curves.derivatives.values():
        assert np.isnan(values[:3]).all() and np.isfinite(values[3:]).all()


def test_bad_request_is_refused():
    with pytest.raises(ValueError, match="x range"):
        run(DerivativeRequest("x", x_min=1, x_max=0))


def test_relative_error_is_undefined_where_exact_is_zero():
    assert np.isnan(relative_error(np.array([1e-3]), np.array([0.0]))).all()


def test_sweep_moves_off_a_gap_unless_the_user_put_it_there():
    request = DerivativeRequest("log(x)", x_min=-2.0, x_max=4.0, points=601)
    symbolic = symbolic_for(request)
    sweep = sweep_stage(request, symbolic).sweep
    assert 1.1 < sweep.probe < 1.3  # 30% into (0, 4], where log is defined; -0.2 would have no errors
    assert np.isfinite(sweep.errors[Method.CENTRAL]).any()
    chosen = sweep_stage(replace(request, probe=-1.0), symbolic).sweep
    assert chosen.probe == -1.0 and not np.isfinite(chosen.errors[Method.CENTRAL]).any()


def test_curves_computed_from_f_alone_are_the_ones_the_stages_would_compute():
    request = DerivativeRequest("exp(-x^2)*sin(3x) + log(x)", x_min=-1.0, x_max=2.0, points=301)
    symbolic = symbolic_for(request)
    known = f_only_curves(request, symbolic.parsed)
    assert set(known) == set(Method) - {Method.SYMBOLIC}
    fresh, reused = run(request)[0], list(compute_stages(request, symbolic, known))[0]
    for method in Method:
        np.testing.assert_array_equal(reused.derivatives[method], fresh.derivatives[method])
    assert reused.derivatives[Method.CENTRAL] is known[Method.CENTRAL]  # not computed twice


def test_a_faster_turning_function_has_a_smaller_best_step():
    # The lesson of the sin(k·x) preset: h* of central differences shrinks as k grows.
    best = {}
    for k in (1.0, 30.0):
        request = DerivativeRequest("sin(k x)", x_min=-3.0, x_max=3.0, points=101, parameters=(("k", k),))
        best[k] = sweep_stage(request, symbolic_for(request)).sweep.optimum[Method.CENTRAL][0]
    assert best[30.0] < best[1.0] / 3


def test_the_sweep_reports_each_method_at_the_probe_and_the_current_step():
    # Forward difference, p = 1, on exp at x = 0.5 with h = 1e-4: error ~ h/2 e^0.5.
    request = DerivativeRequest("exp(x)", x_min=0, x_max=1, step=1e-4, accuracy=1, probe=0.5)
    result = sweep_stage(request, symbolic_for(request))
    assert result.reference is Method.SYMBOLIC and result.exact == pytest.approx(np.exp(0.5), rel=1e-15)
    assert set(result.at_step) == set(Method)
    assert result.error_at_step(Method.SYMBOLIC) == 0.0
    assert result.error_at_step(Method.FORWARD) == pytest.approx(0.5e-4 * np.exp(0.5), rel=1e-3)
    assert result.error_at_step(Method.BACKWARD) == pytest.approx(0.5e-4 * np.exp(0.5), rel=1e-3)
    assert result.error_at_step(Method.CENTRAL) < 1e-8  # central is second order whatever p asks
    assert result.error_at_step(Method.AUTODIFF) < 1e-15


def test_a_method_undefined_at_the_probe_has_no_error_there():
    request = DerivativeRequest("sqrt(x)", x_min=0, x_max=1, step=1e-2, probe=0.005)
    result = sweep_stage(request, symbolic_for(request))
    assert np.isnan(result.at_step[Method.BACKWARD]) and np.isnan(result.error_at_step(Method.BACKWARD))
    assert np.isfinite(result.at_step[Method.FORWARD])


def test_a_request_sums_itself_up_in_one_line():
    request = DerivativeRequest("k*sin(x)", x_min=-1, x_max=2, points=11, step=1e-3, order=2,
                                parameters=(("k", 0.5),), noise=1e-6)
    assert request.summary() == ("f(x) = k*sin(x); derivative order 2; x from -1 to 2, 11 points; h = 0.001; "
                                 "accuracy p = 2; k = 0.5; noise sigma = 1e-06")
    assert "noise" not in DerivativeRequest("x").summary()


def test_a_lucky_step_is_not_the_best_step():
    # With exact steps a step of a few ulps can hit the exact derivative by luck (the Runge function at
    # x = -0.4 gave h* = 6e-16, a grid step away from errors of 1): h* must be where the V bottoms out.
    request = DerivativeRequest("1/(1+25x^2)", x_min=-1.0, x_max=1.0)
    sweep = sweep_stage(request, symbolic_for(request)).sweep
    for method in (Method.FORWARD, Method.BACKWARD, Method.CENTRAL):
        h_star, error = sweep.optimum[method]
        assert 1e-9 < h_star < 1e-4, method
        index = int(np.flatnonzero(sweep.h == h_star)[0])
        assert np.max(sweep.errors[method][index - 2:index + 3]) < 1e-8, method  # neighbours just as good
    assert optimum(np.array([1e-3, 1e-2, 1e-1]), np.array([np.nan, 0.5, np.nan])) == (1e-2, 0.5)
    errors = np.array([1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.2, 0.1, 0.1])
    assert optimum(np.arange(9.0), errors) == (8.0, 0.1)


@pytest.mark.parametrize("expression, x_min, x_max", [("sin(3x)*exp(-x^2/3)", -6, 6), ("log(x)", 1e6, 1e6 + 3),
                                                       ("x^2 + 1e-8 x", -1e-7, 1e-7)])
def test_a_step_change_reuses_what_the_step_does_not_change_and_equals_a_fresh_computation(expression, x_min,
                                                                                          x_max):
    from explorer.core import pipeline

    request = DerivativeRequest(expression, points=400, x_min=x_min, x_max=x_max, request_id=1)
    symbolic = symbolic_for(request)
    first = list(compute_stages(request, symbolic))
    moved = replace(request, step=request.step / 7, request_id=2)
    second = list(compute_stages(moved, symbolic))
    for method in (Method.SYMBOLIC, Method.AUTODIFF):  # computed once, shared, and safe to share
        assert second[0].derivatives[method] is first[0].derivatives[method]
        assert not second[0].derivatives[method].flags.writeable
    assert second[2].sweep is first[2].sweep and second[0].f is first[0].f
    pipeline._step_free.clear()
    fresh = list(compute_stages(moved, symbolic))
    for method, values in fresh[0].derivatives.items():
        np.testing.assert_array_equal(second[0].derivatives[method], values)
    for method, values in fresh[1].absolute.items():
        np.testing.assert_array_equal(second[1].absolute[method], values)
    assert second[2].at_step == fresh[2].at_step and second[2].steps == fresh[2].steps
    # What the step changes is computed for the new step: the forward difference moved with it.
    assert not np.array_equal(second[0].derivatives[Method.FORWARD], first[0].derivatives[Method.FORWARD])
    # Anything else is a new computation: another range, order or parameter value.
    other = list(compute_stages(replace(request, x_max=x_max + (x_max - x_min)), symbolic))
    assert other[0].derivatives[Method.SYMBOLIC] is not first[0].derivatives[Method.SYMBOLIC]


def test_the_step_free_cache_is_bounded():
    from explorer.core import pipeline

    pipeline._step_free.clear()
    for k in range(pipeline.STEP_FREE_CACHE_SIZE * 3):
        request = DerivativeRequest(f"sin({k + 1}x)", points=50)
        list(compute_stages(request, symbolic_for(request)))
    assert len(pipeline._step_free._values) <= pipeline.STEP_FREE_CACHE_SIZE
