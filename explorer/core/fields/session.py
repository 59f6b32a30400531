"""One several-variables computation for the window: f over a rectangle (heat map, contours, gradient arrows),
each method's |error| at the slider's h, the report at a clicked point with the slice through it, gradient
descent from a start point, then every method's error over the map; as stages a newer request can cut short,
each skipped when its inputs are those of the stage already on screen (a slider move does not redraw f)."""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

import numpy as np

from ..inputs import Flag, NamedValues, OneOf, Real, Text, Whole, declare, field_problems
from ..limits import (
    MAX_ARROWS,
    MAX_DESCENT_STEPS,
    MAX_GRID,
    MAX_LEARNING_RATE,
    MAX_LENGTH,
    MAX_MOMENTUM,
    MAX_NAME_LENGTH,
    MAX_NOISE,
    MAX_PARAMETERS,
    MAX_STEP,
    MIN_GRID,
    MIN_STEP,
    RANGE_LIMIT,
)
from ..request import Method
from .context import FIELD_METHODS, FieldContext
from .contours import Contours, contours
from .descent import DescentPath, StabilityBound, gradient_descent, stability_bound
from .maps import (
    ArrowField,
    ErrorMaps,
    FieldMap,
    HessianEigen,
    Rectangle,
    arrow_field,
    error_maps,
    field_map,
    hessian_eigen,
    step_floors,
)
from .sampled import SampledGradient, exact_gradient, sampled_gradient_of
from .stencils import STENCIL_METHODS
from .symbolic import Differentiate, differentiate_here
from .variables import FieldExpression, FieldInputError, parameter_values, parse_field, parse_names
from .vector import GradientReport, directional, gradient_report

# The partial an error map shows, by its plain-text name.
PARTIALS: dict[str, tuple[int, int]] = {"df/dx": (1, 0), "df/dy": (0, 1), "d2f/dx2": (2, 0), "d2f/dxdy": (1, 1),
                                        "d2f/dy2": (0, 2)}
# The methods that can give the descent its gradient and the error map its values (all of them).
GRADIENT_METHODS = tuple(m.value for m in FIELD_METHODS)
SLICE_POINTS = 401
CONTEXT_CACHE = 16  # expressions whose FieldContext (and so their exact partials) are kept


def _real(label: str, default: float, **bounds) -> Real:
    return Real(label, default, **({"low": -RANGE_LIMIT, "high": RANGE_LIMIT} | bounds))


@dataclass(frozen=True)
class FieldRequest:
    """What the several-variables window shows; each input declared once (stored with the session)."""

    expression: str = declare(Text("function of x, y", "sin(x)*cos(y) + (x^2 + 3y^2)/10", max_length=MAX_LENGTH))
    variables: str = declare(Text("variables", "x, y", max_length=200))
    parameters: tuple[tuple[str, float], ...] = declare(NamedValues(
        "parameters (several variables)", (), value=_real("parameter value", 1.0), max_name_length=MAX_NAME_LENGTH,
        max_count=MAX_PARAMETERS))
    x_min: float = declare(_real("map x from", -4.0))
    x_max: float = declare(_real("map x to", 4.0))
    y_min: float = declare(_real("map y from", -3.0))
    y_max: float = declare(_real("map y to", 3.0))
    grid: int = declare(Whole("grid points per side", 200, low=MIN_GRID, high=MAX_GRID))
    arrows: int = declare(Whole("arrows per side", 20, low=MIN_GRID, high=MAX_ARROWS))
    step: float = declare(Real("step h (several variables)", 1e-3, low=MIN_STEP, high=MAX_STEP, positive=True))
    partial: str = declare(OneOf("error map of", "df/dx", options=tuple(PARTIALS)))
    method: str = declare(OneOf("method (maps and descent)", "central", options=GRADIENT_METHODS))
    # The error map of a first partial by np.gradient of f's samples on the map's grid (edge_order 2), as
    # with measured data on a grid, instead of the method's.
    sampled: bool = declare(Flag("np.gradient of the grid's samples", False))
    noise: float = declare(Real("noise sigma of the samples", 0.0, low=0.0, high=MAX_NOISE))
    point_x: float = declare(_real("point x", 1.0))
    point_y: float = declare(_real("point y", 0.5))
    angle: float = declare(Real("slice direction (degrees)", 30.0, low=-360.0, high=360.0))
    start_x: float = declare(_real("descent start x", 3.0))
    start_y: float = declare(_real("descent start y", 2.5))
    learning_rate: float = declare(Real("learning rate", 0.1, low=0.0, high=MAX_LEARNING_RATE, positive=True))
    descent_steps: int = declare(Whole("descent steps", 100, low=1, high=MAX_DESCENT_STEPS))
    momentum: float = declare(Real("momentum", 0.0, low=0.0, high=MAX_MOMENTUM))
    request_id: int = field(default=0, compare=False)

    @property
    def rectangle(self) -> Rectangle:
        return Rectangle(self.x_min, self.x_max, self.y_min, self.y_max, self.grid, self.grid)

    @property
    def gradient_method(self) -> Method:
        return Method(self.method)

    @property
    def counts(self) -> tuple[int, int]:
        return PARTIALS[self.partial]

    def problems(self) -> list[str]:
        """Every unusable input, one line each (the expression's own problems come from parsing it)."""
        found = field_problems(self)
        if not found:
            found += self.rectangle.problems()
        return found


# Which inputs each stage depends on: a stage whose inputs equal those of the one on screen is not redone.
_FUNCTION = ("expression", "variables", "parameters")
RECTANGLE_INPUTS = (  # the map's rectangle and grid: usable only together (x from below x to)
    "x_min", "x_max", "y_min", "y_max", "grid")
STAGE_INPUTS: dict[str, tuple[str, ...]] = {
    "map": (*_FUNCTION, *RECTANGLE_INPUTS, "arrows"),
    "errors": (*_FUNCTION, *RECTANGLE_INPUTS, "partial", "method", "step", "noise", "sampled"),
    "point": (*_FUNCTION, *RECTANGLE_INPUTS, "point_x", "point_y", "angle", "method", "step", "noise"),
    "descent": (*_FUNCTION, "start_x", "start_y", "learning_rate", "descent_steps", "momentum", "method", "step",
                "noise"),
    "compare": (*_FUNCTION, *RECTANGLE_INPUTS, "partial", "step", "noise"),
}


def same_inputs(stage: str, old: FieldRequest | None, new: FieldRequest) -> bool:
    """Whether stage would give the same result for new as for old."""
    return old is not None and all(getattr(old, name) == getattr(new, name) for name in STAGE_INPUTS[stage])


def parse_request_field(request: FieldRequest) -> FieldExpression:
    """The request's f, its variables checked: the maps need exactly two. FieldInputError or ExpressionError."""
    names = parse_names(request.variables)
    if len(names) != 2:
        raise FieldInputError(f"the maps need two variables, like x, y; {len(names)} given "
                              "(the command line's gradient command takes any number)")
    return parse_field(request.expression, names)


@dataclass(frozen=True, eq=False)
class MapStage:
    """f over the grid with its contour lines, and the gradient on a coarse grid (by the reference)."""

    request_id: int
    variables: tuple[str, str]
    field_map: FieldMap
    contours: Contours
    arrows: ArrowField
    gradient: np.ndarray  # (2, ny, nx): the exact gradient at every grid point (for export); NaN without one
    reference: Method | None  # what gave it: symbolic, or autodiff when SymPy gave up


@dataclass(frozen=True, eq=False)
class ErrorStage:
    """The chosen method's |error| of one partial over the grid at base step h (its map drawn first)."""

    request_id: int
    partial: str
    method: Method
    step: float
    maps: ErrorMaps  # values and errors of the chosen method only (or its note, when it has none here)
    # with `sampled`: np.gradient of f's samples on the grid (drawn instead of the method's), or why not
    grid: SampledGradient | None = None
    grid_note: str = ""

    @property
    def grid_component(self) -> int | None:
        """Which component of the grid's gradient the error map shows (0 for df/dx, 1 for df/dy): None when
        np.gradient was not asked for or does not give this partial (the method's map is shown)."""
        return None if self.grid is None else {(1, 0): 0, (0, 1): 1}.get(PARTIALS[self.partial])

    def shown(self) -> tuple[str, np.ndarray, np.ndarray] | None:
        """(by what, values, |error|) of the partial the error map shows: np.gradient's when it was asked for
        and gives this partial, else the method's; None when there is neither."""
        component = self.grid_component
        if component is not None:
            assert self.grid is not None  # a component only with a grid
            return (f"np.gradient (edge_order {self.grid.edge_order})", self.grid.gradient[component],
                    self.grid.errors[component])
        if self.method in self.maps.values and self.method in self.maps.errors:
            return (f"{self.method.value} at h={self.step:g}", self.maps.values[self.method],
                    self.maps.errors[self.method])
        return None


@dataclass(frozen=True, eq=False)
class CompareStage:
    """Every method's |error| of the same partial over the grid at h, summed up: median and largest."""

    request_id: int
    partial: str
    step: float
    maps: ErrorMaps
    median: dict[Method, float]
    largest: dict[Method, float]


@dataclass(frozen=True, eq=False)
class SliceLine:
    """f along the line point + s u inside the rectangle, and the directional derivative D_u f there: exact
    (the reference) and by the chosen method at h."""

    s: np.ndarray
    points: np.ndarray  # (2, n)
    f: np.ndarray
    exact: np.ndarray
    by_method: np.ndarray
    method: Method
    direction: np.ndarray  # unit vector


@dataclass(frozen=True, eq=False)
class PointStage:
    """At one point: the gradient and Hessian by every method with their errors, the Hessian's eigen-
    directions, and the slice through the point."""

    request_id: int
    point: np.ndarray  # (2,)
    report: GradientReport
    eigen: HessianEigen
    slice: SliceLine


@dataclass(frozen=True, eq=False)
class DescentStage:
    """Gradient descent from the start point, with the gradient by the chosen method, and 2/L there."""

    request_id: int
    path: DescentPath | None  # None when the method gives no gradient here (`problem` says why)
    bound: StabilityBound
    noise: float  # the noise the gradient's samples had (0 for the methods that need f's formula)
    problem: str | None = None


FieldStage = MapStage | ErrorStage | PointStage | DescentStage | CompareStage


class ContextCache:
    """FieldContexts by expression, variables and parameter values, so that a slider move or a new point
    redoes no symbolic work; a context with noise shares its exact partials with the one without.

    Used from one thread at a time (the window's worker)."""

    def __init__(self, differentiate: Callable[[FieldExpression], Differentiate] | None = None,
                 prefetch: Callable[[FieldExpression], None] | None = None):
        """differentiate(field) gives the Differentiate for field's partials (a SymbolicEngine's, say);
        default: SymPy in this thread. prefetch(field), if given, is told of each new function first, so
        that its partials can be worked out elsewhere while f is evaluated here."""
        self.differentiate = differentiate
        self.prefetch = prefetch
        self._contexts: OrderedDict[tuple, FieldContext] = OrderedDict()
        self._placed: OrderedDict[tuple, FieldContext] = OrderedDict()  # by function, rectangle, partial, noise

    def context(self, request: FieldRequest, noise: float = 0.0) -> FieldContext:
        """The request's f with its parameter values, steps scaled over its rectangle (step_floors), and noise."""
        parsed = parse_request_field(request)
        values = parameter_values(parsed, {name: value for name, value in request.parameters
                                           if name in parsed.parameter_names})
        key = (request.expression, parsed.variable_names, values)
        base = self._contexts.get(key)
        if base is None:
            if self.prefetch is not None:
                self.prefetch(parsed)
            how = self.differentiate(parsed) if self.differentiate is not None else differentiate_here
            base = FieldContext(parsed, values, differentiate=how)
            self._contexts[key] = base
            while len(self._contexts) > CONTEXT_CACHE:
                self._contexts.popitem(last=False)
        self._contexts.move_to_end(key)
        # the floors measured once per function, rectangle and partial: a slider move or a new point reuses them
        where = (key, request.x_min, request.x_max, request.y_min, request.y_max, request.counts, noise)
        placed = self._placed.get(where)
        if placed is None:
            floors = (step_floors(base, request.rectangle, request.counts) if not noise
                      else self.context(request).step_floor)
            # the same dict: exact partials computed once
            placed = self._placed[where] = replace(base, noise=noise, step_floor=floors, _exact=base._exact)
            while len(self._placed) > 2 * CONTEXT_CACHE:
                self._placed.popitem(last=False)
        self._placed.move_to_end(where)
        return placed


def slice_line(context: FieldContext, rectangle: Rectangle, point: np.ndarray, angle_degrees: float, method: Method,
               base: float, points: int = SLICE_POINTS) -> SliceLine:
    """The slice through point along angle, over the part of the line inside the rectangle (the point's
    neighbourhood when the point lies outside)."""
    u = np.array([math.cos(math.radians(angle_degrees)), math.sin(math.radians(angle_degrees))])
    reach = []
    for k, (low, high) in enumerate(((rectangle.x_min, rectangle.x_max), (rectangle.y_min, rectangle.y_max))):
        if abs(u[k]) > 1e-12:
            ends = sorted(((low - point[k]) / u[k], (high - point[k]) / u[k]))
            reach.append(ends)
    s_low = max(r[0] for r in reach)
    s_high = min(r[1] for r in reach)
    if not s_high > s_low:  # the line misses the rectangle: a stretch as long as its diagonal around the point
        half = 0.5 * math.hypot(rectangle.x_max - rectangle.x_min, rectangle.y_max - rectangle.y_min)
        s_low, s_high = -half, half
    s = np.linspace(s_low, s_high, points)
    on_line = point[:, None] + u[:, None] * s[None, :]
    reference = context.reference((1, 0))
    exact = (directional(context, reference, on_line, u.tolist()) if reference is not None
             else np.full(points, np.nan))
    by_method = directional(context, method, on_line, u.tolist(), base)
    return SliceLine(s, on_line, context.f_exact(on_line), exact, by_method, method, u)


def field_stages(request: FieldRequest, cache: ContextCache, skip: frozenset[str] = frozenset()
                 ) -> Iterator[FieldStage]:
    """The stages of request not in skip, in order: map, errors, point, descent, compare. FieldInputError or
    ExpressionError (one line) when the request cannot be computed at all."""
    problems = request.problems()
    if problems:
        raise FieldInputError("; ".join(problems))
    method = request.gradient_method
    noisy = request.noise if method in STENCIL_METHODS else 0.0
    context = cache.context(request)
    variables = context.field.variable_names
    rectangle = request.rectangle
    if "map" not in skip:
        values = field_map(context, rectangle)
        lines = contours(values.x, values.y, values.values)
        arrows = arrow_field(context, rectangle, min(request.arrows, MAX_ARROWS))
        grad, reference = exact_gradient(context, rectangle.points())
        yield MapStage(request.request_id, (variables[0], variables[1]), values, lines, arrows, grad, reference)
    sampled = cache.context(request, request.noise)  # the finite differences see the noise
    if "errors" not in skip:
        maps = error_maps(sampled, rectangle, request.counts, (method,), base=request.step)
        grid, note = None, ""
        if request.sampled:
            if request.counts in ((1, 0), (0, 1)):
                grid = sampled_gradient_of(sampled, rectangle, edge_order=2)
            else:
                note = "np.gradient gives first partials only"
        yield ErrorStage(request.request_id, request.partial, method, request.step, maps, grid, note)
    if "point" not in skip:
        point = np.array([request.point_x, request.point_y])
        report = gradient_report(sampled, point, FIELD_METHODS, base=request.step)
        eigen = hessian_eigen(context, point.tolist())
        line = slice_line(sampled, rectangle, point, request.angle, method, request.step)
        yield PointStage(request.request_id, point, report, eigen, line)
    if "descent" not in skip:
        start = np.array([request.start_x, request.start_y])
        base = request.step if method.uses_step else None
        bound = stability_bound(context, start.tolist())
        try:
            path = gradient_descent(context, start.tolist(), request.learning_rate, request.descent_steps,
                                    request.momentum, method, base, noisy)
        except FieldInputError as exc:  # the complex step on abs(x), say: the other stages stand
            yield DescentStage(request.request_id, None, bound, noisy, f"no descent: {exc}")
        else:
            yield DescentStage(request.request_id, path, bound, noisy)
    if "compare" not in skip:
        every = error_maps(sampled, rectangle, request.counts, FIELD_METHODS, base=request.step)
        with np.errstate(all="ignore"):
            median = {m: _finite_or_nan(np.nanmedian, e) for m, e in every.errors.items()}
            largest = {m: _finite_or_nan(np.nanmax, e) for m, e in every.errors.items()}
        yield CompareStage(request.request_id, request.partial, request.step, every, median, largest)


def _finite_or_nan(summary, values: np.ndarray) -> float:
    return float(summary(values)) if np.any(np.isfinite(values)) else math.nan

