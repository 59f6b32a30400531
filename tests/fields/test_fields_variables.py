"""Variables, parameters, points and partial-derivative requests: what is accepted and what is refused."""

import numpy as np
import pytest

from explorer.core.expression.errors import ExpressionError
from explorer.core.fields.variables import (
    FieldInputError, as_points, counts_name, derivative_counts, parameter_values, parse_field, parse_names,
    point_from_values, split_assignments,
)
from explorer.core.limits import MAX_VARIABLES


def test_other_variables_are_taken_out_of_the_parameters():
    field = parse_field("a*x^2*y + b*z", ["x", "y", "z"])
    assert field.variable_names == ("x", "y", "z")
    assert field.parameter_names == ("a", "b")
    assert [s.name for s in field.symbols] == ["x", "y", "z", "a", "b"]
    assert all(s.is_real for s in field.variables)


def test_a_variable_need_not_appear():
    field = parse_field("x^2", ["x", "y"])
    assert field.dimension == 2 and field.parameters == ()


@pytest.mark.parametrize("names, problem", [
    ((), "at least one"),
    (("x", "x"), "twice"),
    (("x", "sin"), "'sin'"),  # a function (the parser says why)
    (("x", "pi"), "'pi'"),  # a constant
    (("x", "2y"), "'2y'"),
    (("x", "lambda"), "keyword"),
    (tuple(f"v{k}" for k in range(MAX_VARIABLES + 1)), "at most"),
])
def test_bad_variable_names_are_refused(names, problem):
    with pytest.raises(FieldInputError, match=problem):
        parse_field("1", names)


def test_parse_names():
    assert parse_names("x, y,z") == ("x", "y", "z")
    for bad in ("x,,y", "x,", "", "x,y,x"):
        with pytest.raises(ExpressionError):
            parse_names(bad)


def test_parameter_values_default_to_one_and_a_variable_is_not_a_parameter():
    field = parse_field("a*x + b*y", ["x", "y"])
    assert parameter_values(field, {"b": 3.0, "unused": 5.0}) == (1.0, 3.0)
    with pytest.raises(FieldInputError, match="variable"):
        parameter_values(field, {"x": 2.0})
    with pytest.raises(FieldInputError, match="range"):
        parameter_values(field, {"a": float("inf")})


def test_derivative_counts_and_names():
    field = parse_field("x*y*z", ["x", "y", "z"])
    assert derivative_counts(field, ("x", "y")) == (1, 1, 0)
    assert derivative_counts(field, ("y", "x")) == (1, 1, 0)
    assert derivative_counts(field, ("x", "x")) == (2, 0, 0)
    assert derivative_counts(field, (0, 2, 1)) == (0, 2, 1)
    assert counts_name(field, (1, 1, 0)) == "d2f/dxdy"
    assert counts_name(field, (2, 0, 1)) == "d3f/dx2dz"
    assert counts_name(field, (0, 1, 0)) == "df/dy"
    for bad in (("w",), (), ("x",) * 7, (0, 0, 0), (1, -1, 0)):
        with pytest.raises(FieldInputError):
            derivative_counts(field, bad)


def test_points():
    field = parse_field("x*y", ["x", "y"])
    assert point_from_values(field, {"y": 2, "x": 1}).tolist() == [1.0, 2.0]
    for bad, problem in (({"x": 1}, "no value for y"), ({"x": 1, "y": 2, "z": 3}, "not a variable"),
                         ([("x", 1), ("x", 2), ("y", 0)], "twice"), ({"x": np.nan, "y": 0}, "range"),
                         ({"x": 1e16, "y": 0}, "range")):
        with pytest.raises(FieldInputError, match=problem):
            point_from_values(field, bad)
    assert as_points(field, [np.zeros(3), 1.0]).shape == (2, 3)
    with pytest.raises(FieldInputError):
        as_points(field, np.zeros((3, 4)))


def test_split_assignments_keeps_commas_inside_values():
    assert split_assignments("x=log(8, 2), y=-1e-3") == [("x", "log(8, 2)"), ("y", "-1e-3")]
    for bad in ("x", "x=", "=1", " = "):
        with pytest.raises(FieldInputError):
            split_assignments(bad)
