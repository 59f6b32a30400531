"""Which names are variables: parsed with the one-variable parser, the other variables taken back out of
its parameters. Names, points and partial-derivative requests are validated here, once."""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import sympy

from ..expression.errors import ExpressionError
from ..expression.parser import ParsedExpression, make_symbol, parse_expression
from ..limits import MAX_ORDER, MAX_PARAMETERS, MAX_VARIABLES, RANGE_LIMIT


class FieldInputError(ExpressionError):
    """Variables, a point or a derivative request that cannot be used: one line saying why."""


@dataclass(frozen=True, eq=False)
class FieldExpression:
    """f of several variables: the parsed expression, its variables (in the user's order) and its parameters
    (every other name, sorted)."""

    parsed: ParsedExpression
    variables: tuple[sympy.Symbol, ...]
    parameters: tuple[sympy.Symbol, ...]

    @property
    def expr(self) -> sympy.Expr:
        return self.parsed.expr

    @property
    def dimension(self) -> int:
        return len(self.variables)

    @property
    def variable_names(self) -> tuple[str, ...]:
        return tuple(v.name for v in self.variables)

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parameters)

    @property
    def symbols(self) -> tuple[sympy.Symbol, ...]:
        """Variables then parameters: the argument order of every compiled function."""
        return self.variables + self.parameters

    def index(self, name: str) -> int:
        """Position of variable `name`; FieldInputError if it is not one."""
        try:
            return self.variable_names.index(name)
        except ValueError:
            raise FieldInputError(f"{name!r} is not a variable (the variables are "
                                  f"{', '.join(self.variable_names)})") from None


def name_problem(name: str) -> str | None:
    """Why name cannot be a variable, or None if it can: it must be a name the parser takes as a variable
    (not a function, a constant or a reserved word) and that parses to itself."""
    if not isinstance(name, str):
        return "a name must be text"
    if keyword.iskeyword(name):
        return f"{name!r} is a Python keyword, not a variable name"
    try:
        parsed = parse_expression(name, name)
    except ExpressionError as exc:
        return exc.message
    if parsed.expr != make_symbol(name):
        return f"{name!r} is not a name"
    return None


def variables_problem(names: Sequence[str]) -> str | None:
    """Why names cannot be the variables, or None if they can."""
    if not names:
        return "give at least one variable"
    if len(names) > MAX_VARIABLES:
        return f"{len(names)} variables; at most {MAX_VARIABLES}"
    for name in names:
        problem = name_problem(name)
        if problem:
            return problem if repr(name) in problem else f"{name!r} cannot be a variable: {problem}"
    seen = set()
    for name in names:
        if name in seen:
            return f"variable {name!r} is given twice"
        seen.add(name)
    return None


def parse_names(text: str) -> tuple[str, ...]:
    """'x,y, z' -> ('x', 'y', 'z'), validated as variables; FieldInputError if they cannot be."""
    names = tuple(part.strip() for part in text.split(","))
    if len(names) > MAX_VARIABLES:  # before looking at each: the text may be long
        raise FieldInputError(f"{len(names)} variables; at most {MAX_VARIABLES}")
    if any(not name for name in names):
        raise FieldInputError(f"variables must be names separated by commas, like x,y; not {text[:60]!r}")
    problem = variables_problem(names)
    if problem:
        raise FieldInputError(problem)
    return names


def parse_field(text: str, variables: Sequence[str]) -> FieldExpression:
    """Parse text as a function of the named variables (ExpressionError if it is bad); every other name
    is a parameter. A variable need not appear in text (f(x, y) = x^2 is constant in y)."""
    variables = tuple(variables)
    problem = variables_problem(variables)
    if problem:
        raise FieldInputError(problem)
    parsed = parse_expression(text, variables[0])
    symbols = tuple(make_symbol(name) for name in variables)
    parameters = tuple(p for p in parsed.parameters if p.name not in variables)
    if len(parameters) > MAX_PARAMETERS:
        raise FieldInputError(f"{len(parameters)} parameters; at most {MAX_PARAMETERS}")
    return FieldExpression(parsed=parsed, variables=symbols, parameters=parameters)


def parameter_values(field: FieldExpression, given: Mapping[str, float] | Sequence[tuple[str, float]] = ()
                     ) -> tuple[float, ...]:
    """The value of each parameter of field, 1.0 for any not given. A name that is a variable cannot be given
    a value (FieldInputError); a name f does not use is ignored, as the one-variable CLI does."""
    given = dict(given)
    for name, value in given.items():
        if name in field.variable_names:
            raise FieldInputError(f"{name!r} is a variable, not a parameter: give its value in the point")
        if not (np.isfinite(value) and abs(value) <= RANGE_LIMIT):
            raise FieldInputError(f"parameter {name} = {value!r} is out of range (|value| <= {RANGE_LIMIT:g})")
    return tuple(float(given.get(name, 1.0)) for name in field.parameter_names)


def derivative_counts(field: FieldExpression, wrt: Sequence[str] | Sequence[int]) -> tuple[int, ...]:
    """How many times each variable is differentiated: ('x', 'y') -> (1, 1) is d2f/dxdy, ('x', 'x') -> (2, 0).

    Mixed partials are taken in any order (they agree where f is smooth enough, which is where they are
    worth comparing). A tuple of whole numbers, one per variable, is taken as the counts themselves."""
    given: tuple[str | int, ...] = tuple(wrt)
    whole = [k for k in given if isinstance(k, (int, np.integer)) and not isinstance(k, bool)]
    if given and len(whole) == len(given):
        if len(whole) != field.dimension or any(k < 0 for k in whole):
            raise FieldInputError(f"give one count >= 0 per variable ({field.dimension}), not {given}")
        counts = tuple(int(k) for k in whole)
    else:
        counts_list = [0] * field.dimension
        for name in given:
            counts_list[field.index(str(name))] += 1
        counts = tuple(counts_list)
    order = sum(counts)
    if not 1 <= order <= MAX_ORDER:
        raise FieldInputError(f"the derivative's order is {order}; it must be 1..{MAX_ORDER}")
    return counts


def counts_name(field: FieldExpression, counts: Sequence[int]) -> str:
    """d2f/dxdy, df/dx, d3f/dx2dy: how a partial derivative is written in plain text."""
    order = sum(counts)
    parts = "".join(f"d{name}" + (str(k) if k > 1 else "")
                    for name, k in zip(field.variable_names, counts, strict=True) if k)
    return f"d{order if order > 1 else ''}f/{parts}"


_ASSIGNMENT = re.compile(r",\s*(?=[A-Za-z_][A-Za-z0-9_]*\s*=)")  # a comma that starts the next name=


def split_assignments(text: str) -> list[tuple[str, str]]:
    """'x=1,y=log(8, 2)' -> [('x', '1'), ('y', 'log(8, 2)')]: commas inside a value stay in it (the split is
    at a comma followed by name=). The values are left as text, for the caller's number parser."""
    pairs = []
    for part in _ASSIGNMENT.split(text.strip()):
        name, sep, value = part.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise FieldInputError(f"a point must look like x=1,y=2; not {text[:60]!r}")
        pairs.append((name.strip(), value.strip()))
    return pairs


def point_from_values(field: FieldExpression, values: Mapping[str, float] | Sequence[tuple[str, float]]
                      ) -> np.ndarray:
    """The point (d,) with the given value of every variable: each exactly once, finite, |value| <= RANGE_LIMIT."""
    return _coordinates(field, values, "point", RANGE_LIMIT)


def direction_from_values(field: FieldExpression, values: Mapping[str, float] | Sequence[tuple[str, float]]
                          ) -> np.ndarray:
    """The direction (d,) with the given component along every variable: each exactly once and finite, of any
    size (it is normalised; vector.unit_vector refuses the zero vector)."""
    return _coordinates(field, values, "direction", None)


def _coordinates(field: FieldExpression, values: Mapping[str, float] | Sequence[tuple[str, float]], what: str,
                 limit: float | None) -> np.ndarray:
    pairs = list(values.items()) if isinstance(values, Mapping) else list(values)
    coordinates: dict[str, float] = {}
    for name, value in pairs:
        field.index(name)  # a name that is not a variable is an error, not ignored: a typo would move the point
        if name in coordinates:
            raise FieldInputError(f"{name} is given twice in one {what}")
        value = float(value)
        if limit is not None and not (np.isfinite(value) and abs(value) <= limit):
            raise FieldInputError(f"{name} = {value!r} is out of range (|{name}| <= {limit:g})")
        if not np.isfinite(value):
            raise FieldInputError(f"{name} = {value!r} in the {what} is not a finite number")
        coordinates[name] = value
    missing = [name for name in field.variable_names if name not in coordinates]
    if missing:
        raise FieldInputError(f"the {what} gives no value for {', '.join(missing)}")
    return np.array([coordinates[name] for name in field.variable_names])


def as_points(field: FieldExpression, points: np.ndarray | Sequence[float]) -> np.ndarray:
    """points as a float array (d, ...) whose coordinates all have one shape (broadcast): points[i] is
    coordinate i of every point. One point may be given as a sequence of d numbers."""
    if isinstance(points, (list, tuple)) and any(np.ndim(p) > 0 for p in points):
        array = np.array(np.broadcast_arrays(*(np.asarray(p, dtype=float) for p in points)))
    else:
        array = np.asarray(points, dtype=float)
    if array.ndim == 0 or array.shape[0] != field.dimension:
        raise FieldInputError(f"points must have {field.dimension} coordinates along their first axis, "
                              f"not shape {array.shape}")
    return array
