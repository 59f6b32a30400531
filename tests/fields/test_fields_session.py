"""The several-variables window's staged computation and the contour lines it draws, against analytic truth."""

from dataclasses import replace

import numpy as np
import pytest

from explorer.core.fields.contours import contour_levels, contours, level_segments
from explorer.core.fields.session import (
    STAGE_INPUTS,
    CompareStage,
    ContextCache,
    DescentStage,
    ErrorStage,
    FieldRequest,
    MapStage,
    PointStage,
    field_stages,
    same_inputs,
)
from explorer.core.fields.variables import FieldInputError
from explorer.core.inputs import declared_inputs
from explorer.core.request import Method


def stages(request, cache=None, skip=frozenset()):
    found = {}
    for stage in field_stages(request, cache or ContextCache(), skip):
        found[type(stage)] = stage
    return found


def test_a_circle_traced_by_marching_squares_lies_on_the_circle():
    x = np.linspace(-2, 2, 81)
    y = np.linspace(-2, 2, 61)
    values = x[None, :] ** 2 + y[:, None] ** 2
    segments = level_segments(x, y, values, 1.0)
    radius = np.hypot(segments[:, 0], segments[:, 1])
    assert len(segments) > 100 and np.max(np.abs(radius - 1)) < 2e-3  # linear interpolation on a 0.05 grid
    # every segment is short (within one cell) and the two ends of each are distinct
    lengths = np.hypot(*(segments[0::2] - segments[1::2]).T)
    assert np.all(lengths < 0.1) and np.all(lengths > 0)


def test_a_saddle_cell_and_nan_cells():
    x = y = np.array([0.0, 1.0])
    saddle = np.array([[1.0, -1.0], [-1.0, 1.0]])  # rows y, columns x
    assert len(level_segments(x, y, saddle, 0.0)) == 4  # two segments cutting off two corners
    assert len(level_segments(x, y, np.array([[np.nan, 1.0], [-1.0, 1.0]]), 0.0)) == 0
    assert contour_levels(np.ones((3, 3))).size == 0
    lines = contours(np.arange(3.0), np.arange(3.0), np.add.outer(np.arange(3.0), np.arange(3.0)), [1.5])
    np.testing.assert_allclose(lines.all_segments().sum(axis=1), 1.5)  # x + y = 1.5 on every point


def test_the_map_is_f_on_the_grid_and_the_arrows_are_the_analytic_gradient():
    request = FieldRequest(expression="sin(x)*cos(y) + a*x*y", parameters=(("a", 0.5),), grid=60, arrows=12)
    found = stages(request)
    m = found[MapStage]
    x, y = m.field_map.x, m.field_map.y
    np.testing.assert_allclose(m.field_map.values, np.sin(x)[None, :] * np.cos(y)[:, None] + 0.5 * np.outer(y, x),
                               rtol=1e-14, atol=1e-15)
    a = m.arrows
    assert a.method is Method.SYMBOLIC and a.gx.shape == (9, 12)  # 6 high, 8 wide: 12 along x
    np.testing.assert_allclose(a.gx, np.cos(a.x)[None, :] * np.cos(a.y)[:, None] + 0.5 * a.y[:, None], atol=1e-14)
    np.testing.assert_allclose(a.gy, -np.sin(a.x)[None, :] * np.sin(a.y)[:, None] + 0.5 * a.x[None, :], atol=1e-14)
    assert len(m.contours.levels) > 5 and len(m.contours.all_segments()) > 0


def test_the_error_map_follows_central_truncation_and_the_point_report_matches_the_partials():
    request = FieldRequest(expression="sin(x)*cos(y)", grid=50, step=1e-3, point_x=0.7, point_y=-0.4, angle=90.0)
    found = stages(request)
    errors = found[ErrorStage]
    assert errors.method is Method.CENTRAL and set(errors.maps.errors) == {Method.CENTRAL}
    # central truncation h^2/6 |d3f/dx3| with h = 1e-3 max(|x|, 1): at most 16e-6/6 |cos x cos y| <= 2.7e-6
    largest = np.nanmax(errors.maps.errors[Method.CENTRAL])
    assert 1e-6 < largest < 2.7e-6
    point = found[PointStage]
    px, py = 0.7, -0.4
    report = point.report
    np.testing.assert_allclose(report.exact_gradient, [np.cos(px) * np.cos(py), -np.sin(px) * np.sin(py)], rtol=1e-14)
    np.testing.assert_allclose(report.exact_hessian, [[-np.sin(px) * np.cos(py), -np.cos(px) * np.sin(py)],
                                                      [-np.cos(px) * np.sin(py), -np.sin(px) * np.cos(py)]], rtol=1e-13)
    assert np.max(report.gradient_error(Method.CENTRAL)) < 1e-6
    # the slice along +y through the point: f(px, py + s), its derivative -sin(px) sin(py + s)
    line = point.slice
    np.testing.assert_allclose(line.points[0], px, atol=1e-15)
    np.testing.assert_allclose(line.f, np.sin(px) * np.cos(line.points[1]), rtol=1e-13)
    np.testing.assert_allclose(line.exact, -np.sin(px) * np.sin(line.points[1]), atol=1e-14)
    np.testing.assert_allclose(line.by_method, line.exact, atol=1e-6)
    compare = found[CompareStage]
    assert compare.largest[Method.CENTRAL] == pytest.approx(largest)
    # the one-sided stencil of the same accuracy (p = 2) has h^2/3 |f'''|: twice central's
    assert compare.largest[Method.FORWARD] == pytest.approx(2 * largest, rel=0.1)


def test_descent_on_a_bowl_converges_below_two_over_l_and_diverges_above():
    request = FieldRequest(expression="x^2 + 3y^2", start_x=2.0, start_y=1.0, learning_rate=0.1, descent_steps=200)
    descent = stages(request)[DescentStage]
    assert descent.bound.bound == pytest.approx(1 / 3) and descent.bound.constant
    assert not descent.path.diverged and np.max(np.abs(descent.path.path[-1])) < 1e-10
    # just above 2/L each step multiplies y by 1 - 6 lr = -1.04: it grows, slowly
    above = stages(replace(request, learning_rate=0.34))[DescentStage].path
    assert abs(above.path[-1, 1]) > 1000 * abs(above.path[0, 1])
    fast = stages(replace(request, learning_rate=0.5))[DescentStage]  # x 2 per step: stopped at the bound
    assert fast.path.diverged and "diverged" in fast.path.reason


def test_a_method_without_a_gradient_says_why_and_the_other_stages_stand():
    found = stages(FieldRequest(expression="abs(x) + y^2", method="complex", grid=20))
    assert found[DescentStage].path is None and "analytic" in found[DescentStage].problem
    assert MapStage in found and CompareStage in found and Method.COMPLEX in found[ErrorStage].maps.notes


def test_noise_reaches_the_finite_differences_only():
    quiet = stages(FieldRequest(expression="x*y", grid=20, method="central"))[ErrorStage]
    noisy = stages(FieldRequest(expression="x*y", grid=20, method="central", noise=1e-6))[ErrorStage]
    assert np.nanmax(quiet.maps.errors[Method.CENTRAL]) < 1e-12
    assert 1e-5 < np.nanmedian(noisy.maps.errors[Method.CENTRAL]) < 1e-2  # sigma / h with h = 1e-3
    descent = stages(FieldRequest(expression="x^2+y^2", method="symbolic", noise=1.0, grid=20))[DescentStage]
    assert descent.noise == 0.0 and not descent.path.diverged


def test_a_slider_move_skips_the_map_and_reuses_the_symbolic_work():
    cache = ContextCache()
    request = FieldRequest(grid=30)
    stages(request, cache)
    context = cache.context(request)
    known = dict(context._exact)
    moved = replace(request, step=1e-6)
    skip = frozenset(name for name in STAGE_INPUTS if same_inputs(name, request, moved))
    assert skip == {"map"}
    found = stages(moved, cache, skip)
    assert MapStage not in found and ErrorStage in found
    assert cache.context(moved) is context and set(context._exact) >= set(known)


@pytest.mark.parametrize("change, message", [
    ({"variables": "x"}, "two variables"),
    ({"variables": "x, sin"}, "sin"),
    ({"x_min": 5.0}, "x range"),
    ({"expression": "x +* y"}, None),
    ({"grid": 1}, "grid points"),
    ({"learning_rate": 0.0}, "learning rate"),
])
def test_bad_inputs_are_one_line_errors(change, message):
    with pytest.raises(Exception, match=message) as caught:
        list(field_stages(replace(FieldRequest(), **change), ContextCache()))
    assert "\n" not in str(caught.value)
    assert isinstance(caught.value, (FieldInputError, ValueError)) or "Expression" in type(caught.value).__name__


def test_every_input_is_declared_with_a_usable_default():
    names = dict(declared_inputs(FieldRequest))
    assert {"expression", "variables", "step", "learning_rate", "descent_steps", "momentum", "noise"} <= set(names)
    for name, spec in names.items():
        assert spec.problem(spec.default) is None, name


def test_a_new_function_is_prefetched_once_and_its_partials_then_come_from_the_engine():
    """The window tells the SymPy engine of each new function first (every first partial, then every second
    one, without waiting), so the child works them out while f is evaluated; the partials then equal SymPy's."""
    import time

    import sympy

    from explorer.core.fields.symbolic import engine_differentiate, engine_prefetch
    from explorer.core.symbolic.engine import SymbolicEngine

    engine = SymbolicEngine()
    told = []
    try:
        cache = ContextCache(lambda field: engine_differentiate(engine, field),
                             lambda field: (told.append(field.expr), engine_prefetch(engine, field)))
        request = FieldRequest(expression="sin(x*y) + x^3*y", grid=20)
        sent = engine.jobs_sent
        context = cache.context(request)
        assert len(told) == 1
        deadline = time.monotonic() + 20
        while engine.jobs_sent - sent < 4 and time.monotonic() < deadline:  # x and y, first then second order,
            time.sleep(0.01)                                                # with nobody waiting on them
        assert engine.jobs_sent - sent >= 4
        cache.context(replace(request, step=1e-6))  # a slider move: the same function, nothing new
        assert len(told) == 1
        x, y = context.field.variables
        f = context.field.expr
        for counts, exact in (((1, 0), sympy.diff(f, x)), ((0, 2), sympy.diff(f, y, 2)),
                              ((1, 1), sympy.diff(f, x, y))):
            assert sympy.simplify(context.exact_expression(counts) - exact) == 0
    finally:
        engine.close()


@pytest.mark.parametrize("x0, span", [(0.0, 4.0), (1e5, 1e-2), (-1e-6, 3e-6)])
def test_np_gradient_of_the_grid_is_exact_for_a_quadratic_and_second_order_otherwise(x0, span):
    """With `sampled`, the error map is np.gradient's (edge_order 2) over f sampled on the map's grid: exact
    to rounding for a quadratic, at any scale of x; about h^2/6 |f'''| inside for sin; second partials have
    no np.gradient map and say so."""
    scale = f"((x - {x0!r})/{span!r})"
    quadratic = FieldRequest(expression=f"3*{scale}^2 + 2*{scale}*y - y^2", x_min=x0, x_max=x0 + span,
                             y_min=-1.0, y_max=2.0, grid=41, sampled=True)
    errors = stages(quadratic, skip=frozenset({"point", "descent", "compare"}))[ErrorStage]
    assert errors.grid is not None and errors.grid_component == 0 and errors.grid.edge_order == 2
    gradient = errors.grid.gradient[0]
    # Exact but for rounding: x itself carries eps |x| of it, which the difference over h magnifies.
    h = span / 40
    rounding = 4 * np.finfo(float).eps * (abs(x0) + span) / h
    assert np.nanmax(errors.grid.errors[0]) <= (1e-9 + rounding) * np.nanmax(np.abs(gradient))
    wave = FieldRequest(expression="sin(x)*cos(y)", grid=201, sampled=True, partial="df/dy")
    found = stages(wave, skip=frozenset({"point", "descent", "compare"}))[ErrorStage]
    assert found.grid_component == 1
    h = 6.0 / 200  # y from -3 to 3 on 201 points
    inner = found.grid.errors[1][2:-2, 2:-2]
    assert h**2 / 6 * 0.5 < np.nanmax(inner) < h**2 / 6 * 1.01  # |d3/dy3 (sin x cos y)| <= 1
    second = stages(replace(wave, partial="d2f/dx2"), skip=frozenset({"point", "descent", "compare"}))[ErrorStage]
    assert second.grid is None and "first partials" in second.grid_note
