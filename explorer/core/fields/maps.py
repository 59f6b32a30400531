"""Two variables over a rectangle: f on a grid, the gradient on a coarse grid (arrows), each method's |error|
at a base step over the grid, the Hessian's eigen-directions at a point, and the slice of f along a line
through a point as a one-variable expression the one-variable pipeline takes."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import sympy

from ..limits import MAX_ARROWS, MAX_GRID, MIN_GRID, RANGE_LIMIT
from ..numeric.error_analysis import absolute_error
from ..numeric.steps import own_scale_of, scale_floor
from ..request import Method
from .context import FIELD_METHODS, FieldContext
from .variables import FieldExpression, FieldInputError, as_points
from .vector import gradient, hessian, unit_vector


@dataclass(frozen=True)
class Rectangle:
    """[x_min, x_max] x [y_min, y_max] sampled by nx x ny points (ends included)."""

    x_min: float
    x_max: float
    y_min: float
    y_max: float
    nx: int = 200
    ny: int = 200

    def problems(self) -> list[str]:
        """What is wrong with this rectangle, one line each; empty if nothing."""
        found = []
        for axis, low, high in (("x", self.x_min, self.x_max), ("y", self.y_min, self.y_max)):
            if not (np.isfinite(low) and np.isfinite(high) and abs(low) <= RANGE_LIMIT and abs(high) <= RANGE_LIMIT):
                found.append(f"the {axis} range must be finite numbers within +-{RANGE_LIMIT:g}")
            elif not low < high:
                found.append(f"the {axis} range must have its start below its end")
        for axis, n in (("x", self.nx), ("y", self.ny)):
            if not (isinstance(n, (int, np.integer)) and MIN_GRID <= n <= MAX_GRID):
                found.append(f"{axis} points must be a whole number {MIN_GRID}..{MAX_GRID}")
        return found

    def checked(self) -> Rectangle:
        problems = self.problems()
        if problems:
            raise FieldInputError("; ".join(problems))
        return self

    @property
    def x(self) -> np.ndarray:
        return np.linspace(self.x_min, self.x_max, self.nx)

    @property
    def y(self) -> np.ndarray:
        return np.linspace(self.y_min, self.y_max, self.ny)

    def points(self) -> np.ndarray:
        """The grid as points (2, ny, nx): rows are y, columns are x (as images and np.gradient have them)."""
        return np.array(np.meshgrid(self.x, self.y, indexing="xy"))

    def coarse(self, arrows: int) -> Rectangle:
        """The same rectangle with at most `arrows` points along its longer side (for arrows)."""
        if not (isinstance(arrows, (int, np.integer)) and MIN_GRID <= arrows <= MAX_ARROWS):
            raise FieldInputError(f"arrows per side must be a whole number {MIN_GRID}..{MAX_ARROWS}")
        width, height = self.x_max - self.x_min, self.y_max - self.y_min
        nx = arrows if width >= height else max(MIN_GRID, round(arrows * width / height))
        ny = arrows if height >= width else max(MIN_GRID, round(arrows * height / width))
        return Rectangle(self.x_min, self.x_max, self.y_min, self.y_max, nx, ny)


# Points per side of the grid f's own scale is measured on (its median needs no finer grid than this).
OWN_SCALE_GRID = 33


def step_floors(context: FieldContext, rectangle: Rectangle, counts: Sequence[int] = (1, 0)) -> tuple[float, float]:
    """s0 of each variable's step scale max(|x_i|, s0_i) over the rectangle, as one variable's range gives it
    (steps.scale_floor): 1 where the rectangle reaches |x_i| >= 1, else the rectangle's own magnitude along
    x_i, or f's own scale along x_i (own_scale_of, from autodiff's partial of the order `counts` asks for along
    x_i, at least 1) where that is much larger. A floor of 1 on [1e-9, 2e-9]^2 made the slider's step h0
    whatever x is there: log(x y) and sqrt(x) y had no central difference, sin(1e9 x) y none within 100%."""
    _two_variables(context)
    rectangle = rectangle.checked()
    side = min(rectangle.nx, rectangle.ny, OWN_SCALE_GRID)
    points = Rectangle(rectangle.x_min, rectangle.x_max, rectangle.y_min, rectangle.y_max, side, side).points()
    f = context.f_exact(points)
    floors = []
    for axis, (low, high) in enumerate(((rectangle.x_min, rectangle.x_max), (rectangle.y_min, rectangle.y_max))):
        order = max(1, int(counts[axis]))
        along = tuple(order if k == axis else 0 for k in range(2))
        reaches_one = max(abs(low), abs(high)) >= 1  # s0 is 1 there whatever f's own scale: spare autodiff
        own = (own_scale_of(f, context.partial(Method.AUTODIFF, along, points), order)
               if not reaches_one and context.unavailable(Method.AUTODIFF, along) is None else 0.0)
        floors.append(scale_floor(low, high, own, order))
    return floors[0], floors[1]


def _two_variables(context: FieldContext) -> None:
    if context.dimension != 2:
        raise FieldInputError(f"a map needs 2 variables; f has {context.dimension}")


@dataclass(frozen=True, eq=False)
class FieldMap:
    """f over the grid: values[j, i] is f(x[i], y[j]); NaN where f is undefined."""

    x: np.ndarray
    y: np.ndarray
    values: np.ndarray


def field_map(context: FieldContext, rectangle: Rectangle) -> FieldMap:
    _two_variables(context)
    rectangle = rectangle.checked()
    return FieldMap(rectangle.x, rectangle.y, context.f_exact(rectangle.points()))


@dataclass(frozen=True, eq=False)
class ArrowField:
    """The gradient on a coarse grid: (gx[j, i], gy[j, i]) at (x[i], y[j]), by `method`."""

    x: np.ndarray
    y: np.ndarray
    gx: np.ndarray
    gy: np.ndarray
    method: Method


def arrow_field(context: FieldContext, rectangle: Rectangle, arrows: int = 20, method: Method | None = None
                ) -> ArrowField:
    """The gradient at most `arrows` points along the longer side, by method (default: the reference,
    symbolic or autodiff; central when neither is available)."""
    _two_variables(context)
    coarse = rectangle.checked().coarse(arrows)
    if method is None:
        method = context.reference((1, 0)) or Method.CENTRAL
    g = gradient(context, method, coarse.points())
    return ArrowField(coarse.x, coarse.y, g[0], g[1], method)


@dataclass(frozen=True, eq=False)
class ErrorMaps:
    """Each method's |error| over the grid for one partial, against the reference's values."""

    x: np.ndarray
    y: np.ndarray
    counts: tuple[int, int]
    reference: Method | None
    exact: np.ndarray  # (ny, nx)
    values: dict[Method, np.ndarray]
    errors: dict[Method, np.ndarray]  # |value - exact|; NaN where either is undefined
    notes: dict[Method, str]


def error_maps(context: FieldContext, rectangle: Rectangle, counts: Sequence[int] = (1, 0),
               methods: Iterable[Method] = FIELD_METHODS, base: float | None = None) -> ErrorMaps:
    """The partial `counts` over the grid by each method at base step `base` (scaled with |x_i| at each point;
    default: each method's balancing step), and its |error| against the reference."""
    _two_variables(context)
    rectangle = rectangle.checked()
    x_count, y_count = counts  # one count per variable of the map
    pair = (x_count, y_count)
    points = rectangle.points()
    reference = context.reference(pair)
    exact = context.partial(reference, pair, points) if reference else np.full(points.shape[1:], np.nan)
    values, errors, notes = {}, {}, {}
    for method in methods:
        reason = context.unavailable(method, pair)
        if reason is not None:
            notes[method] = reason
            continue
        value = exact if method is reference else context.partial(
            method, pair, points, context.steps(method, pair, points, base))
        values[method] = value
        errors[method] = absolute_error(value, exact)
    return ErrorMaps(rectangle.x, rectangle.y, pair, reference, exact, values, errors, notes)


@dataclass(frozen=True, eq=False)
class HessianEigen:
    """The Hessian at a point and its eigen-decomposition: values ascending, vectors[:, k] the unit direction
    of values[k] (curvature along it). None of them when the Hessian is not finite there."""

    point: np.ndarray
    hessian: np.ndarray  # (d, d)
    values: np.ndarray  # (d,)
    vectors: np.ndarray  # (d, d), columns

    @property
    def kind(self) -> str:
        """What the point looks like to second order: minimum-like, maximum-like, saddle, or degenerate."""
        if not np.all(np.isfinite(self.values)):
            return "undefined"
        scale = max(float(np.max(np.abs(self.values))), np.finfo(float).tiny)
        small = np.abs(self.values) <= 1e-12 * scale
        if np.any(small):
            return "degenerate"
        if np.all(self.values > 0):
            return "convex (minimum-like)"
        if np.all(self.values < 0):
            return "concave (maximum-like)"
        return "saddle"


def hessian_eigen(context: FieldContext, point: Sequence[float], method: Method | None = None) -> HessianEigen:
    """The Hessian at one point by method (default: the reference) and its eigenvalues and directions."""
    at = as_points(context.field, point)
    if at.ndim != 1:
        raise FieldInputError("give one point")
    if method is None:
        method = context.reference(tuple(2 if i == 0 else 0 for i in range(context.dimension))) or Method.CENTRAL
    h = hessian(context, method, at)
    d = context.dimension
    if not np.all(np.isfinite(h)):
        return HessianEigen(at, h, np.full(d, np.nan), np.full((d, d), np.nan))
    values, vectors = np.linalg.eigh(h)
    return HessianEigen(at, h, values, vectors)


@dataclass(frozen=True)
class SliceExpression:
    """f(p + s u) as one-variable text in s (SymPy syntax the parser reads), u of unit length, so that its
    derivative at s = 0 is the directional derivative grad f(p) . u. Parameters stay names."""

    text: str
    variable: str
    point: tuple[float, ...]
    direction: tuple[float, ...]


def _number(value: float) -> str:
    text = repr(float(value))
    return f"({text})" if text.startswith("-") else text


def slice_expression(field: FieldExpression, point: Sequence[float], direction: Sequence[float]) -> SliceExpression:
    """The slice of f along the line through point with direction (normalised), as text in a new variable
    (s, or the first of t, r, ... not already a name of f). Numbers are written as Python's shortest exact
    repr of each double, so the text reproduces the line exactly."""
    at = np.asarray(point, dtype=float)
    if at.shape != (field.dimension,) or not np.all(np.isfinite(at)):
        raise FieldInputError(f"a point needs {field.dimension} finite coordinates")
    u = unit_vector(direction, field.dimension)
    taken = set(field.variable_names) | set(field.parameter_names)
    variable = next(name for name in ("s", "t", "r", "q", "w", *(f"s{k}" for k in range(1, 100))) if name not in taken)
    # Placeholders no user name can be (names start with a letter), replaced in the printed text.
    holders = {v: sympy.Symbol(f"_slice{k}_", real=True) for k, v in enumerate(field.variables)}
    printed = sympy.sstr(field.expr.xreplace(holders), order="none")
    for k, (p, c) in enumerate(zip(at, u, strict=True)):
        if c == 0:
            line = f"{_number(p)}"
        else:
            sign = "-" if c < 0 else "+"
            line = f"({repr(float(p))} {sign} {repr(abs(float(c)))}*{variable})"
        printed = re.sub(rf"\b_slice{k}_\b", line, printed)
    return SliceExpression(printed, variable, tuple(float(p) for p in at), tuple(float(c) for c in u))
