"""Maps over a rectangle, the Hessian's eigen-directions, slices as one-variable expressions, and sampled grids
(np.gradient and matrix CSV files)."""

import numpy as np
import pytest

from explorer.core.expression.parser import parse_expression
from explorer.core.fields.context import FieldContext
from explorer.core.fields.maps import Rectangle, arrow_field, error_maps, field_map, hessian_eigen, slice_expression
from explorer.core.fields.matrix_csv import MatrixError, load_matrix, parse_matrix
from explorer.core.fields.sampled import grid_gradient_error, sampled_gradient, sampled_gradient_of
from explorer.core.fields.variables import FieldInputError, parse_field
from explorer.core.fields.vector import directional
from explorer.core.limits import MAX_GRID, MAX_MATRIX_BYTES
from explorer.core.request import Method
from explorer.core.symbolic.derivatives import evaluate


def context(text="sin(x)*cos(y)"):
    return FieldContext(parse_field(text, ["x", "y"]))


def test_field_map_is_rows_y_columns_x():
    rect = Rectangle(-1.0, 2.0, 0.0, 1.0, nx=4, ny=3)
    m = field_map(context("x + 10*y"), rect)
    assert m.values.shape == (3, 4)
    np.testing.assert_allclose(m.values, m.x[None, :] + 10 * m.y[:, None])


def test_rectangle_problems():
    assert Rectangle(0, 1, 0, 1, 2, 2).problems() == []
    assert len(Rectangle(1, 0, 0, np.inf, 1, MAX_GRID + 1).problems()) == 4
    with pytest.raises(FieldInputError):
        field_map(context(), Rectangle(0, 1, 1, 1))
    with pytest.raises(FieldInputError, match="2 variables"):
        field_map(FieldContext(parse_field("x*y*z", ["x", "y", "z"])), Rectangle(0, 1, 0, 1))


def test_arrows_on_a_coarse_grid():
    arrows = arrow_field(context(), Rectangle(-3, 3, -1, 1, 200, 200), arrows=21)
    assert arrows.gx.shape == (7, 21) and arrows.method is Method.SYMBOLIC
    np.testing.assert_allclose(arrows.gx, np.cos(arrows.x)[None, :] * np.cos(arrows.y)[:, None], rtol=1e-14)
    np.testing.assert_allclose(arrows.gy, -np.sin(arrows.x)[None, :] * np.sin(arrows.y)[:, None], rtol=1e-14)


def test_error_maps_at_a_base_step_follow_the_theory():
    rect = Rectangle(-3, 3, -3, 3, 60, 50)
    maps = error_maps(context(), rect, (1, 0), (Method.CENTRAL, Method.FORWARD, Method.COMPLEX), base=1e-3)
    assert maps.reference is Method.SYMBOLIC and maps.errors[Method.CENTRAL].shape == (50, 60)
    # central truncation h^2/6 |f'''| <= 1.5e-6 at h = 1e-3 * max(|x|, 1) <= 3e-3; the one-sided stencil of the
    # same accuracy (p = 2) has h^2/3 |f'''|: twice that
    central, forward = np.nanmax(maps.errors[Method.CENTRAL]), np.nanmax(maps.errors[Method.FORWARD])
    assert 1.3e-6 < central < 1.6e-6 and forward == pytest.approx(2 * central, rel=0.1)
    # the complex step has the same truncation h^2/6 |f'''| as central: only its round-off differs
    assert np.nanmax(maps.errors[Method.COMPLEX]) == pytest.approx(central, rel=1e-3)
    mixed = error_maps(context(), rect, (1, 1), (Method.CENTRAL, Method.COMPLEX), base=1e-4)
    assert Method.COMPLEX in mixed.notes and np.nanmax(mixed.errors[Method.CENTRAL]) < 1e-6


def test_hessian_eigen_directions():
    eigen = hessian_eigen(context("3*x^2 + 2*x*y + 3*y^2"), [0.3, -2.0])
    np.testing.assert_allclose(eigen.values, [4.0, 8.0])
    np.testing.assert_allclose(np.abs(eigen.vectors[:, 0]), [2**-0.5, 2**-0.5])
    np.testing.assert_allclose(eigen.hessian @ eigen.vectors, eigen.vectors * eigen.values, atol=1e-12)
    assert eigen.kind.startswith("convex")
    assert hessian_eigen(context("x^2 - y^2"), [1.0, 1.0]).kind == "saddle"
    assert hessian_eigen(context("-x^2 - y^2"), [1.0, 1.0]).kind.startswith("concave")
    assert hessian_eigen(context("log(x*y)"), [-1.0, 1.0]).kind == "undefined"


def test_a_slice_is_a_one_variable_expression_of_the_line():
    field = parse_field("a*sin(x)*cos(y) + x^2*y^3 + log(x, 2) + abs(y) + s", ["x", "y"])
    point, direction = [1.25, -0.5], [3.0, -4.0]
    sliced = slice_expression(field, point, direction)
    assert sliced.variable == "t"  # s is taken by a parameter of f
    assert sliced.direction == pytest.approx((0.6, -0.8))
    parsed = parse_expression(sliced.text, sliced.variable)
    assert [p.name for p in parsed.parameters] == ["a", "s"]
    c = FieldContext(field, parameters=(1.5, 2.0))
    for t in (0.0, 0.3, -1.1):
        on_line = np.array(point) + t * np.array(sliced.direction)
        value = evaluate(parsed.expr, (parsed.variable, *parsed.parameters), np.array(t), (1.5, 2.0))
        assert value == pytest.approx(float(c.f_exact(on_line)), rel=1e-14)
    # its derivative at 0 is the directional derivative
    import sympy

    slope = evaluate(sympy.diff(parsed.expr, parsed.variable), (parsed.variable, *parsed.parameters), np.array(0.0),
                     (1.5, 2.0))
    assert slope == pytest.approx(float(directional(c, Method.SYMBOLIC, np.array(point), direction)), rel=1e-13)


def test_a_slice_keeps_the_numbers_exact():
    sliced = slice_expression(parse_field("x*y", ["x", "y"]), [0.1, -1e-300], [1.0, 0.0])
    assert "0.1" in sliced.text and "(-1e-300)" in sliced.text
    with pytest.raises(FieldInputError):
        slice_expression(parse_field("x*y", ["x", "y"]), [1.0], [1.0, 0.0])


# -- sampled grids --------------------------------------------------------------------------------------------


def test_np_gradient_is_exact_on_quadratics_with_edge_order_2():
    x = np.linspace(-1, 2, 7)
    y = np.array([0.0, 0.1, 0.5, 0.6, 1.5])  # uneven
    X, Y = np.meshgrid(x, y)
    values = 3 * X**2 - X * Y + 2 * Y**2
    g = sampled_gradient(values, x, y, edge_order=2)
    np.testing.assert_allclose(g[0], 6 * X - Y, atol=1e-12)
    np.testing.assert_allclose(g[1], -X + 4 * Y, atol=1e-12)
    g1 = sampled_gradient(values, x, y, edge_order=1)
    assert np.max(np.abs(g1[0][:, 0] - (6 * X - Y)[:, 0])) > 0.1  # first order at the edges
    np.testing.assert_allclose(g1[0][:, 1:-1], (6 * X - Y)[:, 1:-1], atol=1e-12)  # inside, the same


@pytest.mark.parametrize("scale", [1e-300, 1e-200, 1e200, 1e300, 2.0**-1074 * 2**60])
@pytest.mark.parametrize("edge_order", [1, 2])
def test_uneven_coordinates_at_any_scale_give_the_gradient_they_give_at_unit_scale(scale, edge_order):
    # np.gradient's uneven-grid weights multiply two or three steps: at steps of 1e-300 they underflowed to 0
    # and df/dx of f = x/1e-300 (which is 1e300) came out NaN; at 1e300 they overflowed. The same samples
    # on coordinates scaled by any factor have their gradient scaled by its inverse.
    u = np.array([-1.0, 0.0, 0.25, 1.5, 2.0])  # uneven
    v = np.array([0.0, 0.1, 0.5, 0.6])
    U, V = np.meshgrid(u, v)
    values = 3 * U**2 - U * V + 2 * V**2
    unit = sampled_gradient(values, u, v, edge_order=edge_order)
    g = sampled_gradient(values, u * scale, v * scale, edge_order=edge_order)
    np.testing.assert_allclose(g * scale, unit, rtol=1e-13, atol=1e-13)
    if edge_order == 2:  # exact on a quadratic
        np.testing.assert_allclose(g * scale, [6 * U - V, -U + 4 * V], atol=1e-12)


def test_coordinates_spanning_the_whole_double_range():
    # The step from -1e308 to 1e308 is beyond the largest double: it was inf and the central df/dx 0.
    x = np.array([-1e308, 0.0, 1e308])
    values = np.tile(np.array([1.0, 2.0, 3.0]), (3, 1))
    g = sampled_gradient(values, x, np.array([0.0, 1.0, 2.0]), edge_order=2)
    np.testing.assert_allclose(g[0], 1e-308, rtol=1e-12)
    np.testing.assert_array_equal(g[1], 0.0)


@pytest.mark.parametrize("edge_order", [1, 2])
def test_samples_near_the_largest_double_give_their_finite_gradient(edge_order):
    # Inside the stencils 4 f1 or f1 - f0 overflowed although the derivative is finite: a grid of 1e308
    # everywhere gave +-inf at its edges (the truth is 0), and s * x gave NaN in its last column.
    constant = sampled_gradient(np.full((4, 5), 1e308), 1.0, 1.0, edge_order=edge_order)
    np.testing.assert_array_equal(constant, 0.0)
    x = np.array([0.0, 1.0, 2.5, 3.0, 5.0])  # uneven
    y = np.array([0.0, 0.5, 2.0, 3.0])
    X, Y = np.meshgrid(x, y)
    s = 1.7e308 / 75  # the largest sample, 3 X**2 - X Y + 2 Y**2 at (5, 0), is then 1.7e308
    values = s * (3 * X**2 - X * Y + 2 * Y**2)
    assert np.all(np.isfinite(values))
    g = sampled_gradient(values, x, y, edge_order=edge_order)
    assert np.all(np.isfinite(g))
    unit = sampled_gradient(3 * X**2 - X * Y + 2 * Y**2, x, y, edge_order=edge_order)
    np.testing.assert_allclose(g, s * unit, rtol=1e-13, atol=1e-13 * s)
    if edge_order == 2:  # exact on a quadratic
        np.testing.assert_allclose(g, [s * (6 * X - Y), s * (-X + 4 * Y)], rtol=1e-13, atol=1e-13 * s)


def test_a_derivative_beyond_the_largest_double_stays_infinite_and_tiny_samples_keep_their_gradient():
    # -1e308 beside 1e308 one step away: the derivative 2e308 is beyond doubles (inf, with its sign), and the
    # tiny samples elsewhere in the same grid are not flushed to 0 by any scaling.
    values = np.full((3, 5), 1e-300)
    values[:, 3] = 2e-300
    values[0, 0], values[0, 1] = -1e308, 1e308
    g = sampled_gradient(values, 1.0, 1.0, edge_order=1)
    assert g[0][0, 0] == np.inf and g[1][0, 0] == 1e308
    assert g[0][1, 3] == 0.0 and g[0][1, 2] == pytest.approx(0.5e-300, rel=1e-12)
    assert g[0][2, 4] == pytest.approx(-1e-300, rel=1e-12)


def test_np_gradient_against_the_exact_gradient_converges_at_second_order():
    errors = []
    for n in (21, 41, 81):
        result = sampled_gradient_of(context(), Rectangle(-2, 2, -1, 1, n, n), edge_order=2)
        assert result.reference is Method.SYMBOLIC
        errors.append(np.nanmax(result.errors))
    assert errors[0] / errors[1] == pytest.approx(4, rel=0.25) and errors[1] / errors[2] == pytest.approx(4, rel=0.25)


def test_sampled_gradient_refuses_bad_grids():
    for values, kwargs, problem in ((np.zeros(5), {}, "2-D"), (np.zeros((2, 5)), {}, "at least 3"),
                                    (np.zeros((3, 3)), {"edge_order": 3}, "edge_order"),
                                    (np.zeros((3, 3)), {"x_spacing": 0.0}, "spacing"),
                                    (np.zeros((3, 3)), {"x_spacing": [0, 1, 1]}, "strictly"),
                                    (np.zeros((3, 3)), {"y_spacing": [0, 1]}, "3 y coordinates")):
        with pytest.raises(FieldInputError, match=problem):
            sampled_gradient(values, **kwargs)


def test_a_matrix_csv_with_coordinates():
    text = "# f = x + 10 y\ny\\x, 0, 0.5, 2\n-1, -10, -9.5, -8\n\n1, 10, 10.5, 12\n3, 30, 30.5, 32\n"
    data = parse_matrix(text, coordinates=True)
    assert data.values.shape == (3, 3) and data.delimiter == "comma"
    np.testing.assert_array_equal(data.x, [0, 0.5, 2])
    np.testing.assert_array_equal(data.y, [-1, 1, 3])
    exact = np.array([np.ones((3, 3)), 10 * np.ones((3, 3))])
    assert np.max(grid_gradient_error(data.values, data.x, data.y, exact)) < 1e-12


def test_a_matrix_without_coordinates_takes_the_spacings():
    data = parse_matrix("1 2 3\n4 5 6\n", x_spacing=0.5, y_spacing=2.0)
    assert data.delimiter == "whitespace"
    np.testing.assert_array_equal(data.x, [0, 0.5, 1.0])
    np.testing.assert_array_equal(data.y, [0, 2.0])
    assert parse_matrix("1;2\n3;4").delimiter == "semicolon" and parse_matrix("1\t2\n3\t4").delimiter == "tab"


@pytest.mark.parametrize("text, kwargs, message", [
    ("", {}, "no data"),
    ("# only a comment\n\n", {}, "no data"),
    ("1,2,3\n4,5\n", {}, "line 2 has 2 cells; line 1 has 3"),
    ("1,2\n3,x\n", {}, "line 2, column 2: 'x' is not a number"),
    ("1,2\n3,\n", {}, "line 2, column 2: an empty cell"),
    ("1,2\n3,nan\n", {}, "not a number"),
    ("1,2\n3,1e999\n", {}, "out of double range"),
    ("1,2,3\n", {}, "1 x 3 grid"),
    ("c,0,1\n0,1,2\n0,3,4\n", {"coordinates": True}, r"y \(first column\) coordinates must be strictly"),
    ("c,1,0,1\n0,1,2,3\n1,3,4,5\n", {"coordinates": True}, r"x \(first row\)"),
    ("1,2\n3,4\n", {"x_spacing": -1.0}, "spacing"),
    ("\n".join(["1,2"] * (MAX_GRID + 1)), {}, "at most"),
    (",".join(["1"] * (MAX_GRID + 1)) + "\n" + ",".join(["1"] * (MAX_GRID + 1)), {}, "columns"),
])
def test_bad_matrices_are_one_line_errors(text, kwargs, message):
    with pytest.raises(MatrixError, match=message) as caught:
        parse_matrix(text, **kwargs)
    assert "\n" not in str(caught.value)


def test_loading_a_matrix_file(tmp_path):
    path = tmp_path / "grid.csv"
    path.write_text("1,2\n3,4\n")
    assert load_matrix(path).values.tolist() == [[1, 2], [3, 4]]
    with pytest.raises(MatrixError, match="no such file"):
        load_matrix(tmp_path / "missing.csv")
    with pytest.raises(MatrixError, match="directory"):
        load_matrix(tmp_path)
    big = tmp_path / "big.csv"
    with open(big, "wb") as handle:
        handle.truncate(MAX_MATRIX_BYTES + 1)
    with pytest.raises(MatrixError, match="MB"):
        load_matrix(big)
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"1,2\x00\n")
    with pytest.raises(MatrixError, match="binary"):
        load_matrix(binary)
