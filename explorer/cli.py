"""Command line: `derive` prints derivatives and their errors, `export` writes a plot or CSV, `data`
differentiates samples, `steps` shows a derivation, `gradient` several variables; no command opens the window."""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from .core.derive import derive_at
from .core.display import exact_text, resolved_all
from .core.expression import numbers
from .core.expression.errors import ExpressionError
from .core.expression.parser import parse_expression
from .core.limits import DERIVE_TIMEOUT, MAX_ACCURACY, MAX_ORDER, RANGE_LIMIT
from .core.pipeline import derivatives_needed, method_context
from .core.request import DerivativeRequest, Method
from .core.symbolic.derivatives import SymbolicDerivatives, python_of
from .core.symbolic.engine import SymbolicEngine, SymbolicError

COMMANDS = ("derive", "export", "data", "steps", "gradient", "grid")


class UsageError(Exception):
    """Bad command-line input: reported as one `error:` line and exit status 2."""


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # argparse reads "-1e308" or "-pi/4" as an option (its negative-number pattern has no exponent and no
        # names): --from -1e308 was "expected one argument", although numbers are constant expressions. Every
        # option here is "--name" or a single letter ("-o"), so anything else after one "-" is a value (and no
        # option matches this pattern, which argparse also asks of each option it is given).
        self._negative_number_matcher = re.compile(r"^-(?!-)(?![A-Za-z]$).")

    def error(self, message: str):  # argparse would print usage and a second line; one line is enough
        raise UsageError(message)


QUOTED_CHARACTERS = 40  # of an argument quoted in an error: enough to recognise it; an argument may be 100 kB


def _quoted(text: str) -> str:
    """text as an error quotes it: repr, shortened to its first QUOTED_CHARACTERS characters."""
    return repr(text[:QUOTED_CHARACTERS]) + ("..." if len(text) > QUOTED_CHARACTERS else "")


def _number(text: str, kind: str = "number") -> float:
    """A number given on the command line: a point, a parameter's value, a step h or seconds (kind).
    Constant expressions such as pi/4 are allowed; reading one is bounded in time (core.expression.numbers)."""
    read, what = {"number": (numbers.parse_number, "a number"), "step": (numbers.parse_step, "a step"),
                  "h": (_step_as_given, "a step h"), "seconds": (numbers.parse_seconds, "a number of seconds")}[kind]
    try:
        return read(text)
    except ExpressionError as exc:
        raise argparse.ArgumentTypeError(f"{_quoted(text)} is not {what}: {exc}") from None


class _CountedPoints(argparse.Action):
    """--at X [X ...] (nargs "+") and each repeated --point (append): at most MAX_FIELD_POINTS points, counted
    before any is read, since reading one is a bounded parse that still costs some 0.2 ms: a long list of
    points would otherwise run for minutes before its count was refused. `const` reads one value."""

    def __call__(self, parser, namespace, values, option_string=None):
        from .core.limits import MAX_FIELD_POINTS

        appending = self.nargs is None
        texts = [values] if appending else list(values)
        earlier = list(getattr(namespace, self.dest) or []) if appending else []
        if len(earlier) + len(texts) > MAX_FIELD_POINTS:
            raise argparse.ArgumentError(self, f"more than {MAX_FIELD_POINTS} points")
        try:
            read = [self.const(text) for text in texts]
        except argparse.ArgumentTypeError as exc:
            raise argparse.ArgumentError(self, str(exc)) from None
        setattr(namespace, self.dest, earlier + read)


def _refuse_the_variable_as_parameter(args: argparse.Namespace, instead: str) -> None:
    """--param x=2 where x is the variable would be ignored (the variable takes its points, not one value), and
    the output would not say so: refused, as `gradient` and `derive --vars` refuse it."""
    for name, _ in args.param:
        if name == args.var:
            raise UsageError(f"{name!r} is the variable, not a parameter: give {instead}")


def _step_as_given(text: str) -> float:
    """--h: used as given (1e-20 for the complex step is fine), but positive and no wider than x's range."""
    h = numbers.parse_number(text)
    if not 0 < h <= RANGE_LIMIT:
        raise ExpressionError(f"a step must be positive and at most {RANGE_LIMIT:g}", None, text)
    return h


def _whole(text: str) -> int:
    """A whole number (--points, --accuracy, ...): digits 0-9 as in expressions; int() alone also reads ٣, ３
    and 1_000."""
    if not re.fullmatch(r"\s*[+-]?[0-9]+\s*", text):
        raise argparse.ArgumentTypeError(f"{_quoted(text)} is not a whole number (digits 0-9)")
    if len(text.strip().lstrip("+-").lstrip("0")) > 20:  # no count or order comes near; int() would read 4300 digits
        raise argparse.ArgumentTypeError(f"{_quoted(text.strip())} is far too large")
    return int(text)


def _output(text: str) -> str:
    """-o FILE: a name, not empty (-o '' printed to the terminal as if no -o was given, or was 'a directory')."""
    if not text:  # (" " is a name the file system takes)
        raise argparse.ArgumentTypeError("the output file name is empty")
    return text


def _output_format(output: str, formats: tuple[str, ...]) -> str:
    """-o's suffix in lower case, one of formats (".csv", ...); a UsageError naming the file otherwise, since
    the suffix is all that says what the file holds (a table written as grad.png would be a picture's name on
    CSV text)."""
    from .core.export.atomic import shown_path

    suffix = Path(output).suffix.lower()
    if suffix not in formats:
        kind = f"unknown format {suffix!r}" if suffix else "no suffix to say the format"
        choices = " or ".join(filter(None, (", ".join(formats[:-1]), formats[-1])))
        raise UsageError(f"cannot write {shown_path(output)}: {kind}; use {choices}")
    return suffix


def _refuse_writing_over_the_input(source: str, output: str) -> None:
    """-o naming the file that is read (as given, as ./in.csv, through a link, or a hard link to it) would replace
    the user's samples with the result: refused before anything is read or written."""
    from .core.export.atomic import shown_path

    try:
        same = source != "-" and os.path.samefile(source, output)
    except OSError:  # either does not exist (yet): two different files
        return
    if same:
        raise UsageError(f"cannot write {shown_path(output)}: it is the input file {shown_path(source)}, which "
                         "would be lost; write to another name")


def _order(text: str) -> int:
    """--order: a whole number read as every other (_whole), within 1..MAX_ORDER."""
    try:
        order = _whole(text)
    except argparse.ArgumentTypeError:
        order = None
    if order is None or not 1 <= order <= MAX_ORDER:
        raise argparse.ArgumentTypeError(f"order must be a whole number 1..{MAX_ORDER}, not {_quoted(text)}")
    return order


def _parameter(text: str) -> tuple[str, float]:
    from .core.expression.parser import name_problem

    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"parameter must look like name=value, not {_quoted(text)}")
    problem = name_problem(name)
    if problem:
        raise argparse.ArgumentTypeError(f"{_quoted(name)} cannot be a parameter: {problem}")
    return name, _number(value)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for `python -m explorer`."""
    parser = _Parser(prog="derivative-explorer", description=__doc__)
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("expression", help="f in SymPy syntax; ^ is power, 2x is 2*x")
        sub.add_argument("--var", default="x", help="the variable (default x); other names are parameters")
        sub.add_argument("--order", type=_order, default=DerivativeRequest.order,
                         help=f"derivative order 1..{MAX_ORDER}")
        sub.add_argument("--accuracy", type=_whole, choices=range(1, MAX_ACCURACY + 1),
                         default=DerivativeRequest.accuracy, help="finite-difference accuracy order p")
        sub.add_argument("--param", type=_parameter, action="append", default=[], metavar="NAME=VALUE",
                         help="value of a parameter (default 1)")
        sub.add_argument("--timeout", type=lambda text: _number(text, "seconds"), default=DERIVE_TIMEOUT,
                         metavar="SECONDS",
                         help="seconds SymPy may take before giving up (at most one hour)")
        sub.add_argument("--noise", type=_number, default=DerivativeRequest.noise, metavar="SIGMA",
                         help="standard deviation of noise on every sample of f, as in measured data")

    derive = commands.add_parser("derive", help="print derivatives and their errors at points")
    common(derive)
    derive.add_argument("--method", choices=[m.value for m in Method] + ["all"], default="all")
    derive.add_argument("--at", action=_CountedPoints, const=_number, nargs="+", default=[1.0], metavar="X",
                        help="points (default 1)")
    derive.add_argument("--h", type=lambda text: _number(text, "h"), default=None,
                        help="step size, taken as given at every point (made exactly representable there); "
                             "default: at each point the step balancing truncation against round-off")
    derive.add_argument("--json", action="store_true", help="print JSON instead of a table")
    derive.add_argument("--vars", type=_variables, default=None, metavar="X,Y,...",
                        help="several variables: f(x, y, ...) (the other names stay parameters)")
    derive.add_argument("--wrt", type=_wrt, default=None, metavar="X,Y",
                        help="with --vars: one variable per differentiation (x,y is d2f/dxdy, x,x is d2f/dx2); "
                             "default: the first variable, --order times")
    derive.add_argument("--point", action=_CountedPoints, const=_assignments, default=[], metavar="X=1,Y=2",
                        help="with --vars: a point, every variable given (repeat for more; default all 1)")

    export = commands.add_parser("export", help="write the plots (.png, .svg) or the data (.csv) without a window")
    common(export)
    export.add_argument("-o", "--output", type=_output, required=True,
                        help="file to write; its suffix picks the format")
    export.add_argument("--from", dest="x_min", type=_number, default=DerivativeRequest.x_min)
    export.add_argument("--to", dest="x_max", type=_number, default=DerivativeRequest.x_max)
    export.add_argument("--points", type=_whole, default=DerivativeRequest.points)
    export.add_argument("--h", type=lambda text: _number(text, "h"), default=DerivativeRequest.step)
    export.add_argument("--probe", type=_number, default=None, metavar="X",
                        help="x of the error-against-h panel (default: 30%% into where the derivative exists)")

    from .core.data.methods import METHOD_NAMES

    data_command = commands.add_parser("data", help="derivatives of measured samples y(t) from a file (CSV, TSV, text)")
    data_command.add_argument("file", help="CSV, TSV or whitespace-separated text, with or without a header; "
                                           "- reads standard input")
    data_command.add_argument("--t", dest="t_column", default=None, metavar="COLUMN",
                              help="the t column: header name or number, 1 for the first (default 1)")
    data_command.add_argument("--y", dest="y_column", default=None, metavar="COLUMN",
                              help="the y column (default 2; a file with one column is y at unit spacing)")
    data_command.add_argument("--order", type=_whole, choices=(1, 2), default=1, help="1 velocity, 2 acceleration")
    data_command.add_argument("--method", choices=("auto", *METHOD_NAMES), default="auto",
                              help="default auto: the method and its parameters chosen from the data")
    data_command.add_argument("--param", type=_parameter, action="append", default=[], metavar="NAME=VALUE",
                              help="a method parameter (e.g. window=51, lam=1e-6); the others are chosen from the data")
    data_output = data_command.add_mutually_exclusive_group()
    data_output.add_argument("--json", action="store_true", help="print one JSON object with every sample")
    data_output.add_argument("-o", "--output", type=_output, metavar="OUT.csv",
                             help="write t, y and the derivative as CSV")

    steps_command = commands.add_parser("steps", help="the derivative rule by rule (sum, product, chain, ...)")
    steps_command.add_argument("expression", help="f in SymPy syntax; ^ is power, 2x is 2*x")
    steps_command.add_argument("--var", default="x", help="the variable (default x); other names are constants")
    steps_command.add_argument("--order", type=_order, default=1, help=f"derivative order 1..{MAX_ORDER}")
    from .core.limits import STEPS_TIMEOUT

    steps_command.add_argument("--timeout", type=lambda text: _number(text, "seconds"), default=STEPS_TIMEOUT,
                               metavar="SECONDS", help=f"seconds the steps may take (default {STEPS_TIMEOUT:g})")
    steps_format = steps_command.add_mutually_exclusive_group()
    forms = (("json", "one JSON object"), ("latex", "a LaTeX aligned block"), ("markdown", "a Markdown list"))
    for flag, what in forms:
        steps_format.add_argument(f"--{flag}", dest="format", action="store_const", const=flag, default="text",
                                  help=f"print {what} instead of an indented list")

    gradient_command = commands.add_parser("gradient", help="gradient, Hessian and Laplacian of f(x, y, ...) at points")
    gradient_command.add_argument("expression", help="f in SymPy syntax; ^ is power, 2x is 2*x")
    gradient_command.add_argument("--vars", type=_variables, required=True, metavar="X,Y,...",
                                  help="the variables (the other names are parameters)")
    gradient_command.add_argument("--point", action=_CountedPoints, const=_assignments, default=[], metavar="X=1,Y=2",
                                  help="a point, every variable given (repeat for more; default all 1)")
    gradient_command.add_argument("--direction", type=_assignments, default=None, metavar="X=1,Y=1",
                                  help="also the derivative along this vector (normalised)")
    gradient_command.add_argument("--method", choices=[m.value for m in Method] + ["all"], default="all")
    gradient_command.add_argument("--accuracy", type=_whole, choices=range(1, MAX_ACCURACY + 1), default=2,
                                  help="finite-difference accuracy order p")
    gradient_command.add_argument("--h", type=lambda text: _number(text, "h"), default=None,
                                  help="step size along every variable, taken as given; default: at each point the "
                                       "balancing step scaled with |x_i|")
    gradient_command.add_argument("--param", type=_parameter, action="append", default=[], metavar="NAME=VALUE",
                                  help="value of a parameter (default 1)")
    gradient_command.add_argument("--noise", type=_number, default=0.0, metavar="SIGMA",
                                  help="standard deviation of noise on every sample of f, as in measured data")
    gradient_command.add_argument("--timeout", type=lambda text: _number(text, "seconds"), default=DERIVE_TIMEOUT,
                                  metavar="SECONDS", help="seconds SymPy may take before giving up (at most one hour)")
    gradient_command.add_argument("--json", action="store_true", help="print JSON instead of a table")

    grid_command = commands.add_parser("grid", help="np.gradient of samples f(x, y) on a grid, read from a matrix "
                                                    "file (rows are y, columns x)")
    grid_command.add_argument("file", help="a matrix of numbers: CSV, TSV or whitespace; - reads standard input")
    grid_command.add_argument("--coordinates", action="store_true",
                              help="the first row holds the x values and the first column the y values")
    grid_command.add_argument("--dx", type=_number, default=1.0, help="x spacing without --coordinates (default 1)")
    grid_command.add_argument("--dy", type=_number, default=1.0, help="y spacing without --coordinates (default 1)")
    grid_command.add_argument("--edge-order", dest="edge_order", type=_whole, choices=(1, 2), default=2,
                              help="accuracy of the one-sided differences at the edges, as np.gradient's edge_order")
    grid_command.add_argument("--exact", metavar="EXPR", default=None,
                              help="f(x, y) in SymPy syntax: also its exact gradient and the |error| of np.gradient")
    grid_command.add_argument("--param", type=_parameter, action="append", default=[], metavar="NAME=VALUE",
                              help="value of a parameter of --exact (default 1)")
    grid_command.add_argument("--timeout", type=lambda text: _number(text, "seconds"), default=DERIVE_TIMEOUT,
                              metavar="SECONDS", help="seconds SymPy may take before giving up")
    grid_output = grid_command.add_mutually_exclusive_group()
    grid_output.add_argument("--json", action="store_true", help="print one JSON object with every grid value")
    grid_output.add_argument("-o", "--output", type=_output, metavar="OUT.csv",
                             help="write x, y, f, df/dx, df/dy (and the exact ones and errors) as CSV")
    return parser


def _f_note(f: float | None, beyond_doubles: bool = False) -> str:
    """What the table says beside a point where f has no finite value: undefined (NaN: log at -1), or infinite
    (1/x at 0, or x^2 at 1e155, beyond doubles, where the derivative 2e155 is fine and shown); or where f is a
    number but its formula overflows in doubles on the way (1e300*x*y at x = 2e8), which every numerical
    method evaluates it in."""
    if f is None:
        return "   (f is undefined here)"
    if math.isinf(f):
        return "   (f is infinite here: a pole, or beyond double range)"
    return "   (f's formula overflows in doubles here, so the methods that evaluate it have no value)" \
        if beyond_doubles else ""


def _finite_or_none(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _number_or_none(value: float) -> float | None:
    """value as a float, None where it is undefined (NaN); an infinite derivative stays infinite."""
    return None if math.isnan(value) else float(value)


def json_ready(report: object) -> object:
    """report with every infinite float as null: JSON has no infinity (the table prints inf)."""
    if isinstance(report, dict):
        return {key: json_ready(value) for key, value in report.items()}
    if isinstance(report, list):
        return [json_ready(value) for value in report]
    if isinstance(report, float) and not math.isfinite(report):
        return None
    return report


def derive(args: argparse.Namespace, engine: SymbolicEngine) -> dict:
    """Compute every requested method at every point; return a JSON-ready report.

    When SymPy gives up (timeout, too large, crashed), the numerical methods are measured against
    autodiff instead, as in the window, and a note says so; with noisy samples nothing exact is left,
    and the values come with their estimated errors only."""
    if args.vars:  # several variables: a partial derivative at points (issue 13)
        return derive_fields(args, engine)
    if args.wrt is not None or args.point:
        raise UsageError("--wrt and --point need --vars (the variables), e.g. --vars x,y")
    if args.h is not None and not args.h > 0:
        raise UsageError("--h must be positive")
    _refuse_the_variable_as_parameter(args, "its points with --at")
    parsed = parse_expression(args.expression, args.var)
    methods = tuple(Method) if args.method == "all" else (Method(args.method),)
    request = DerivativeRequest(args.expression, args.var, args.order, accuracy=args.accuracy, methods=methods,
                                parameters=tuple(args.param), noise=args.noise)
    problems = request.problems()
    if problems:
        raise UsageError("; ".join(problems))
    # One derivative beyond what the theory lines need: the balanced steps bound f^(n+p) over the stencil.
    needed = derivatives_needed(request) + 1
    job = engine.submit(parsed, needed)
    job.wait(needed + 1)
    symbolic = job.derivatives()
    general: dict[str, str] = {}
    if symbolic.of(request.order) is None:
        reason = job.error or "the derivative was not computed"
        symbolic = SymbolicDerivatives(parsed, (parsed.expr,), (str(reason),))
        context = method_context(request, symbolic)
        if context.reference is None:
            general["reference"] = (f"SymPy gave up ({reason}) and autodiff cannot stand in "
                                    f"({context.unavailable(Method.AUTODIFF)}): nothing exact to measure errors "
                                    "against, values with their estimated errors only")
        else:
            general["reference"] = f"SymPy gave up ({reason}); errors are measured against autodiff"
    result = derive_at(request, symbolic, np.array(args.at, dtype=float), args.h)
    derivative = symbolic.of(request.order)
    return {
        "expression": python_of(parsed.expr),
        "variable": args.var,
        "order": request.order,
        "derivative": python_of(derivative) if derivative is not None else None,
        "parameters": dict(zip(parsed.parameter_names, result.context.parameters, strict=True)),
        "reference": result.reference.value if result.reference else None,
        "noise": request.noise,
        "points": [
            {
                "x": float(xi),
                "f": _number_or_none(result.f[i]),  # inf where f overflows: null in JSON, said in the table
                # f is a number, but its formula overflows in doubles: the numerical methods have no value
                "f_beyond_doubles": bool(result.beyond_doubles[i]) if result.beyond_doubles is not None else False,
                "exact": _number_or_none(result.exact[i]),
                "methods": {
                    method.value: {
                        "value": _number_or_none(r.values[i]),
                        # estimated |error| from the samples alone; null for symbolic and autodiff (exact
                        # up to rounding) and where the value is undefined
                        "error_estimate": _number_or_none(r.estimate[i]),
                        "h": float(r.steps[i]) if r.steps is not None else None,  # the step taken at this x
                        "abs_error": _number_or_none(r.absolute[i]),
                        "rel_error": _number_or_none(r.relative[i]),
                    }
                    for method, r in result.methods.items()
                },
            }
            for i, xi in enumerate(result.x)
        ],
        "notes": {**general, **{method.value: reason for method, reason in result.notes.items()}},
    }


def format_table(report: dict) -> str:
    """The derive report as aligned text."""
    if "variables" in report:  # derive --vars
        return format_field_table(report)
    primes = "'" * report["order"] if report["order"] <= 3 else f"^({report['order']})"
    var = report["variable"]
    return _report_table(report, [f"f({var}) = {report['expression']}", f"f{primes}({var}) = "],
                         lambda point: f"{var} = {exact_text(point['x'])}", "h", 11, lambda r: r["h"])


def _parameters_line(parameters: dict[str, float]) -> str:
    """The parameters' values as given (a = 1.0000001 is not "a = 1")."""
    return "parameters: " + ", ".join(f"{name} = {exact_text(value)}" for name, value in parameters.items())


def _report_table(report: dict, heading: list[str], where, h_header: str, h_width: int, step_of) -> str:
    """A derive report as aligned text: heading (its last line is completed by the derivative), what applies
    to every point, then a table per point (where(point) names it; step_of(method entry) is its h)."""
    derivative = report["derivative"] if report["derivative"] is not None else "(not available: see the notes)"
    lines = [*heading[:-1], heading[-1] + derivative]
    if report["parameters"]:
        lines.append(_parameters_line(report["parameters"]))
    if report["noise"]:
        lines.append(f"noise on f: standard deviation {report['noise']:g}")
    if report["reference"] not in (None, "symbolic"):
        lines.append(f"errors against {report['reference']}")

    def show(value, spec):
        return "-" if value is None else format(value, spec)

    for point in report["points"]:
        lines.append("")
        lines.append(f"{where(point)}{_f_note(point['f'], point.get('f_beyond_doubles', False))}")
        lines.append(f"  {'method':<12}{'value':>24}{'est. error':>12}{h_header:>{h_width}}{'abs error':>12}"
                     f"{'rel error':>12}")
        for name, r in point["methods"].items():
            lines.append(f"  {name:<12}{show(r['value'], '.17g'):>24}{show(r['error_estimate'], '.2e'):>12}"
                         f"{show(step_of(r), '.2e'):>{h_width}}{show(r['abs_error'], '.2e'):>12}"
                         f"{show(r['rel_error'], '.2e'):>12}")
    for name, reason in report["notes"].items():
        lines.append(f"{name}: {reason}")
    return "\n".join(lines)


def export(args: argparse.Namespace, engine: SymbolicEngine) -> str:
    """Write the plots or data of a request to args.output; return the path written, as printable text.
    A file that cannot be written is an OSError or UsageError naming args.output; the old file stays."""
    from .core.export.atomic import shown_path
    from .core.export.tables import ExportError

    suffix = _output_format(args.output, (".csv", ".png", ".svg"))
    _refuse_the_variable_as_parameter(args, "its range with --from and --to")
    request = DerivativeRequest(args.expression, args.var, args.order, args.x_min, args.x_max, args.points,
                                args.h, args.accuracy, parameters=tuple(args.param), probe=args.probe,
                                noise=args.noise)
    problems = request.problems()
    if problems:
        raise UsageError("; ".join(problems))
    parsed = parse_expression(args.expression, args.var)
    symbolic = engine.derivatives(parsed, derivatives_needed(request), request.order)
    try:
        if suffix == ".csv":  # no Qt needed
            from .core.export.tables import write_csv
            from .core.pipeline import collect_results

            write_csv(args.output, collect_results(request, symbolic))
        else:
            from .ui.export import export_headless

            export_headless(request, symbolic, args.output)
    except ExportError as exc:  # reported like bad input: one error line, exit status 2
        raise UsageError(str(exc)) from None
    return shown_path(args.output)  # a name that is not UTF-8 would make print() fail after the write


def steps(args: argparse.Namespace) -> str:
    """The derivation rule by rule as text, JSON, LaTeX or Markdown (args.format), every step checked
    against SymPy; in a child process given up after args.timeout seconds. Its errors are SymbolicErrors."""
    from .core.symbolic.steps_format import rendered_within

    parsed = parse_expression(args.expression, args.var)
    return rendered_within(args.timeout, parsed.expr, parsed.variable, args.order, args.format)


DATA_ROWS_SHOWN = 10  # rows of the data table printed without --json or -o


def data(args: argparse.Namespace) -> str:
    """Differentiate the samples in args.file; return what to print: a summary with the first rows, one JSON
    object (--json), or the path written (-o OUT.csv, t, y and the derivative after a `# ` provenance line;
    -o OUT.png or OUT.svg, the data mode's panels).
    Unusable data or parameters are a UsageError (one error line, exit status 2)."""
    from .core.data import DataError, differentiate_samples
    from .core.data.loading import load_samples, parse_samples
    from .core.export.atomic import shown_path, write_atomically
    from .core.export.tables import comment_line
    from .core.limits import MAX_DATA_BYTES

    picture = False
    if args.output:
        picture = _output_format(args.output, (".csv", ".png", ".svg")) != ".csv"
        _refuse_writing_over_the_input(args.file, args.output)
    try:
        if args.file == "-":
            samples = parse_samples(sys.stdin.read(MAX_DATA_BYTES + 1), args.t_column, args.y_column, "standard input")
        else:
            samples = load_samples(args.file, args.t_column, args.y_column)
        if picture:  # the data mode's panels, drawn off screen: the same stages (and errors) as the window's
            from .core.data.session import DataRequest, SampleSet
            from .core.export.tables import ExportError
            from .ui.export import export_data_headless

            request = DataRequest(order=args.order, method=args.method, parameters=tuple(args.param))
            try:
                export_data_headless(SampleSet(samples.t, samples.y, samples.source, samples.warnings,
                                               t_label=samples.t_axis), request, args.output)
            except ExportError as exc:
                raise UsageError(str(exc)) from None
            return f"wrote {shown_path(args.output)}"
        result = differentiate_samples(samples.t, samples.y, args.order, args.method, warnings=samples.warnings,
                                       **dict(args.param))
    except DataError as exc:
        raise UsageError(str(exc)) from None
    columns = f"t = {samples.t_description}, y = {samples.y_name}"
    if args.json:
        report = {"source": samples.source, "t_column": samples.t_name, "y_column": samples.y_name,
                  **({"t_unit": samples.t_unit, "t_origin": samples.t_origin} if samples.t_unit else {}),
                  "order": result.order, "method": result.method, "parameters": dict(result.parameters),
                  "automatic": list(result.automatic), "reason": result.reason, "noise": result.noise,
                  "warnings": list(result.warnings), "t": result.t.tolist(), "y": result.y.tolist(),
                  "derivative": [_number_or_none(v) for v in result.derivative.tolist()]}
        return json.dumps(json_ready(report), indent=2, allow_nan=False, ensure_ascii=False)
    provenance = (f"derivative-explorer data: file {samples.source}; {columns}; order {result.order}; "
                  f"method {result.method}; parameters {result.describe_parameters()}")
    if args.output:
        name = "d" + "2" * (result.order == 2) + "y/dt" + "2" * (result.order == 2)
        lines = [comment_line(provenance) + f"t,y,{name}"]
        lines += [f"{t!r},{y!r},{d!r}" for t, y, d in zip(result.t.tolist(), result.y.tolist(),
                                                          result.derivative.tolist(), strict=True)]
        write_atomically(args.output, ("\n".join(lines) + "\n").encode("utf-8"))
        return f"wrote {shown_path(args.output)}"
    quantity = "velocity" if result.order == 1 else "acceleration"
    out = [f"data: {samples.source} ({columns}; {len(result.t)} samples)",
           *(f"note: {warning}" for warning in result.warnings),
           f"order {result.order} ({quantity}) by {result.method}: {result.describe_parameters()}",
           f"why: {result.reason}", "",
           f"{'t':>24}{'y':>24}{'derivative':>24}"]
    shown = slice(0, DATA_ROWS_SHOWN)
    # t with the digits that tell neighbouring rows apart (epoch seconds a microsecond apart are not all
    # "1700000000"); y and the derivative as before.
    for t, y, d in zip(resolved_all(result.t[shown].tolist(), least=10), result.y[shown], result.derivative[shown],
                       strict=True):
        out.append(f"{t:>24}{y:>24.10g}{d:>24.10g}")
    if len(result.t) > DATA_ROWS_SHOWN:
        out.append(f"... {len(result.t) - DATA_ROWS_SHOWN} more rows (--json or -o OUT.csv for all)")
    return "\n".join(out)


# -- several variables (issue 13): `derive --vars` and `gradient` ---------------------------------------------


def _variables(text: str) -> tuple[str, ...]:
    """--vars x,y: the variables' names, validated."""
    from .core.fields.variables import parse_names

    try:
        return parse_names(text)
    except ExpressionError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _wrt(text: str) -> tuple[str, ...]:
    """--wrt x,y: one variable name per differentiation (checked against --vars later)."""
    names = tuple(part.strip() for part in text.split(","))
    if not all(names) or len(names) > MAX_ORDER:
        raise argparse.ArgumentTypeError(f"--wrt takes 1..{MAX_ORDER} variable names separated by commas, like x,y; "
                                         f"not {text[:60]!r}")
    return names


def _assignments(text: str) -> tuple[tuple[str, float], ...]:
    """--point x=1,y=pi/4: (name, value) pairs, each value read by _number (a comma inside a value, as in
    log(8, 2), stays in it)."""
    from .core.fields.variables import split_assignments
    from .core.limits import MAX_VARIABLES

    try:
        pairs = split_assignments(text)
    except ExpressionError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if len(pairs) > MAX_VARIABLES:
        raise argparse.ArgumentTypeError(f"a point has at most {MAX_VARIABLES} coordinates")
    return tuple((name, _number(value)) for name, value in pairs)


def _field_inputs(args: argparse.Namespace, engine: SymbolicEngine):
    """(field, context, points (d, n), methods) for `derive --vars` and `gradient`; SymPy runs in the engine."""
    from .core.fields.context import FIELD_METHODS, FieldContext
    from .core.fields.symbolic import engine_differentiate
    from .core.fields.variables import parameter_values, parse_field, point_from_values
    from .core.limits import MAX_FIELD_POINTS, MAX_NOISE

    if args.h is not None and not args.h > 0:
        raise UsageError("--h must be positive")
    if not 0 <= args.noise <= MAX_NOISE:
        raise UsageError(f"--noise must be between 0 and {MAX_NOISE:g}")
    if len(args.point) > MAX_FIELD_POINTS:
        raise UsageError(f"{len(args.point)} points; at most {MAX_FIELD_POINTS}")
    field = parse_field(args.expression, args.vars)
    values = parameter_values(field, args.param)
    given = args.point or [tuple((name, 1.0) for name in field.variable_names)]
    points = np.array([point_from_values(field, point) for point in given]).T
    methods = FIELD_METHODS if args.method == "all" else (Method(args.method),)
    context = FieldContext(field, values, accuracy=args.accuracy, noise=args.noise,
                           differentiate=engine_differentiate(engine, field))
    return field, context, points, methods


def _reference_note(failure: str | None, reference: Method | None) -> dict[str, str]:
    if failure is None or reference is Method.SYMBOLIC:
        return {}
    if reference is None:
        return {"reference": f"{failure}; nothing exact to measure errors against (noisy samples have no "
                             "formula for autodiff): values with their estimated errors only"}
    return {"reference": f"{failure}; errors are measured against {reference.value}"}


def derive_fields(args: argparse.Namespace, engine: SymbolicEngine) -> dict:
    """`derive --vars`: a partial derivative (--wrt) at points (--point) by every requested method, with its
    errors; the JSON of `derive` with "point" in place of "x", "variables" and "wrt" in place of "variable",
    and "h" the step along each differentiated variable."""
    from .core.fields.context import at_points
    from .core.fields.variables import counts_name, derivative_counts

    if args.at != [1.0]:
        raise UsageError("--at gives x for one variable; with --vars give each point as --point x=1,y=2")
    field, context, points, methods = _field_inputs(args, engine)
    names = field.variable_names
    wrt = args.wrt if args.wrt is not None else (names[0],) * args.order
    if args.wrt is not None and args.order not in (1, len(wrt)):
        raise UsageError(f"--order {args.order} disagrees with --wrt {','.join(wrt)} (order {len(wrt)}); "
                         "give --wrt alone")
    counts = derivative_counts(field, wrt)
    result = at_points(context, counts, points, methods, base=args.h, scale=args.h is None)
    differentiated = [k for k, c in enumerate(counts) if c]

    def steps_at(r, i):
        return None if r.steps is None else {names[k]: float(r.steps[k, i]) for k in differentiated}

    return {
        "expression": python_of(field.expr),
        "variables": list(names),
        "wrt": list(wrt),
        "partial": counts_name(field, counts),
        "order": sum(counts),
        "derivative": python_of(result.expression) if result.expression is not None else None,
        "parameters": dict(zip(field.parameter_names, context.parameters, strict=True)),
        "reference": result.reference.value if result.reference else None,
        "noise": args.noise,
        "points": [
            {
                "point": {name: float(points[k, i]) for k, name in enumerate(names)},
                "f": _number_or_none(result.f[i]),  # inf where f overflows: null in JSON, said in the table
                "exact": _number_or_none(result.exact[i]),
                "methods": {
                    method.value: {
                        "value": _number_or_none(r.values[i]),
                        "error_estimate": _number_or_none(r.estimate[i]),
                        "h": steps_at(r, i),  # the step along each differentiated variable at this point
                        "abs_error": _number_or_none(r.absolute[i]),
                        "rel_error": _number_or_none(r.relative[i]),
                    }
                    for method, r in result.methods.items()
                },
            }
            for i in range(points.shape[1])
        ],
        "notes": {**_reference_note(context.symbolic_failure(counts), result.reference),
                  **{method.value: reason for method, reason in result.notes.items()}},
    }


def _point_text(point: dict) -> str:
    return ", ".join(f"{name} = {exact_text(value)}" for name, value in point.items())


def format_field_table(report: dict) -> str:
    """The `derive --vars` report as aligned text."""
    variables = ", ".join(report["variables"])
    return _report_table(report, [f"f({variables}) = {report['expression']}", f"{report['partial']} = "],
                         lambda point: _point_text(point["point"]), "h (largest)", 12,
                         lambda r: max(r["h"].values()) if r["h"] else None)


def gradient(args: argparse.Namespace, engine: SymbolicEngine) -> dict:
    """`gradient`: gradient, Hessian and Laplacian (and the derivative along --direction) at points by every
    requested method, each with its |error| against the exact one."""
    from .core.fields.variables import direction_from_values
    from .core.fields.vector import gradient_report

    field, context, points, methods = _field_inputs(args, engine)
    names = field.variable_names
    direction = direction_from_values(field, args.direction) if args.direction is not None else None
    report = gradient_report(context, points, methods, base=args.h, scale=args.h is None, direction=direction)
    d, n = points.shape

    def vector(array, i):
        return [_number_or_none(array[k, i]) for k in range(d)]

    def matrix(array, i):
        return [[_number_or_none(array[k, m, i]) for m in range(d)] for k in range(d)]

    entries = []
    for i in range(n):
        entry = {
            "point": {name: float(points[k, i]) for k, name in enumerate(names)},
            "f": _number_or_none(report.f[i]),
            "gradient": {m.value: vector(g, i) for m, g in report.gradients.items()},
            "hessian": {m.value: matrix(h, i) for m, h in report.hessians.items()},
            "laplacian": {m.value: _number_or_none(report.laplacian(m)[i]) for m in report.hessians},
            "gradient_error": {m.value: vector(report.gradient_error(m), i) for m in report.gradients},
            "hessian_error": {m.value: matrix(report.hessian_error(m), i) for m in report.hessians},
        }
        if direction is not None:
            entry["directional"] = {m.value: _number_or_none(values[i]) for m in report.gradients
                                    if (values := report.directional(m)) is not None}
        entries.append(entry)
    first = tuple(1 if k == 0 else 0 for k in range(d))
    return {
        "expression": python_of(field.expr),
        "variables": list(names),
        "parameters": dict(zip(field.parameter_names, context.parameters, strict=True)),
        "reference": report.reference.value if report.reference else None,
        "noise": args.noise,
        "direction": None if report.direction is None else dict(zip(names, map(float, report.direction), strict=True)),
        "points": entries,
        "notes": {**_reference_note(context.symbolic_failure(first), report.reference), **report.notes},
    }


def format_gradient_table(report: dict) -> str:
    """The `gradient` report as aligned text: a gradient table and a Hessian table per point."""
    names = report["variables"]
    lines = [f"f({', '.join(names)}) = {report['expression']}"]
    if report["parameters"]:
        lines.append(_parameters_line(report["parameters"]))
    if report["noise"]:
        lines.append(f"noise on f: standard deviation {report['noise']:g}")
    if report["direction"] is not None:
        lines.append(f"direction (unit): {_point_text(report['direction'])}")
    if report["reference"] not in (None, "symbolic"):
        lines.append(f"errors against {report['reference']}")

    def show(value, spec=".10g"):
        return "-" if value is None else format(value, spec)

    def largest(values):
        known = [v for row in values for v in (row if isinstance(row, list) else [row]) if v is not None]
        return max(known) if known else None

    pairs = [(k, m) for k in range(len(names)) for m in range(k, len(names))]
    for point in report["points"]:
        lines.append("")
        lines.append(f"{_point_text(point['point'])}   f = {show(point['f'], '.17g')}{_f_note(point['f'])}")
        header = "".join(f"{'df/d' + name:>19}" for name in names)
        extra = f"{'along u':>19}" if "directional" in point else ""
        lines.append(f"  {'gradient':<12}{header}{extra}{'max |error|':>13}")
        for method, values in point["gradient"].items():
            along = f"{show(point['directional'][method]):>19}" if "directional" in point else ""
            lines.append(f"  {method:<12}{''.join(f'{show(v):>19}' for v in values)}{along}"
                         f"{show(largest(point['gradient_error'][method]), '.2e'):>13}")
        if point["hessian"]:
            header = "".join(f"{'d2f/d' + (names[k] + '2' if k == m else names[k] + 'd' + names[m]):>19}"
                             for k, m in pairs)
            lines.append(f"  {'hessian':<12}{header}{'laplacian':>19}{'max |error|':>13}")
            for method, values in point["hessian"].items():
                lines.append(f"  {method:<12}{''.join(f'{show(values[k][m]):>19}' for k, m in pairs)}"
                             f"{show(point['laplacian'][method]):>19}"
                             f"{show(largest(point['hessian_error'][method]), '.2e'):>13}")
    for name, reason in report["notes"].items():
        lines.append(f"{name}: {reason}")
    return "\n".join(lines)


def grid(args: argparse.Namespace, engine: SymbolicEngine) -> str:
    """`grid`: np.gradient of a matrix of samples f(x_i, y_j) (rows y, columns x), with edge_order, and, given
    --exact, the exact gradient there and the |error|; what to print: a summary, one JSON object, or the path
    of the CSV written (-o). Unusable input is a UsageError (one line, exit status 2)."""
    from .core.export.atomic import shown_path, write_atomically
    from .core.export.tables import csv_table
    from .core.fields.context import FieldContext
    from .core.fields.matrix_csv import MatrixError, load_matrix, parse_matrix
    from .core.fields.sampled import exact_gradient, sampled_gradient
    from .core.fields.symbolic import engine_differentiate
    from .core.fields.variables import FieldInputError, parameter_values, parse_field
    from .core.limits import MAX_MATRIX_BYTES

    if args.output:
        _output_format(args.output, (".csv",))
        _refuse_writing_over_the_input(args.file, args.output)
    try:
        if args.file == "-":
            matrix = parse_matrix(sys.stdin.read(MAX_MATRIX_BYTES + 1), args.coordinates, args.dx, args.dy,
                                  "standard input")
        else:
            matrix = load_matrix(args.file, args.coordinates, args.dx, args.dy)
        g = sampled_gradient(matrix.values, matrix.x, matrix.y, args.edge_order)
        xs, ys = np.meshgrid(matrix.x, matrix.y)
        exact = reference = None
        if args.exact is not None:
            field = parse_field(args.exact, ("x", "y"))
            context = FieldContext(field, parameter_values(field, args.param),
                                   differentiate=engine_differentiate(engine, field))
            exact, reference = exact_gradient(context, np.array([xs, ys]))
    except (MatrixError, FieldInputError) as exc:
        raise UsageError(str(exc)) from None
    with np.errstate(invalid="ignore"):
        errors = None if exact is None else np.abs(g - exact)
    about = (f"derivative-explorer grid: {matrix.source}; {matrix.values.shape[1]} x values by "
             f"{matrix.values.shape[0]} y values; np.gradient, edge_order {args.edge_order}"
             + (f"; exact: {args.exact} ({reference.value if reference else 'none'})" if args.exact else ""))
    if args.json:
        def rows(a):
            return [[_number_or_none(v) for v in row] for row in a.tolist()]

        report = {"source": matrix.source, "x": matrix.x.tolist(), "y": matrix.y.tolist(),
                  "edge_order": args.edge_order, "f": rows(matrix.values),
                  "gradient": {"x": rows(g[0]), "y": rows(g[1])},
                  "exact": None if exact is None else {"x": rows(exact[0]), "y": rows(exact[1])},
                  "reference": reference.value if reference else None,
                  "max_error": None if errors is None else {axis: _number_or_none(np.nanmax(errors[k]))
                                                             if np.isfinite(errors[k]).any() else None
                                                             for k, axis in enumerate("xy")}}
        return json.dumps(json_ready(report), indent=2, allow_nan=False, ensure_ascii=False)
    names = ["x", "y", "f", "df/dx", "df/dy"]
    columns = [xs, ys, matrix.values, g[0], g[1]]
    if exact is not None and errors is not None:
        names += ["exact df/dx", "exact df/dy", "|error| df/dx", "|error| df/dy"]
        columns += [exact[0], exact[1], errors[0], errors[1]]
    if args.output:
        write_atomically(args.output, csv_table(names, np.column_stack([np.ravel(c) for c in columns]), [about])
                         .encode())
        return f"wrote {shown_path(args.output)}"
    lines = [about]
    if errors is not None:
        for k, axis in enumerate("xy"):
            known = errors[k][np.isfinite(errors[k])]
            lines.append(f"|error| of df/d{axis}: largest {known.max():.3g}, median {np.median(known):.3g}"
                         if known.size else f"|error| of df/d{axis}: no exact value to compare with")
    lines.append(",".join(names))
    table = np.column_stack([np.ravel(c) for c in columns])
    lines += [",".join(f"{v:.10g}" for v in row) for row in table[:DATA_ROWS_SHOWN]]
    if len(table) > DATA_ROWS_SHOWN:
        lines.append(f"... {len(table) - DATA_ROWS_SHOWN} more rows (--json or -o OUT.csv for all)")
    return "\n".join(lines)


def display_problem(environ: Mapping[str, str], platform: str) -> str | None:
    """Why the window cannot open here, in one line that names the way out; None when it can.

    Without this, Qt aborts with a core dump and several lines of its own when there is no display.
    """
    if not platform.startswith("linux") or environ.get("QT_QPA_PLATFORM"):
        return None  # macOS and Windows always have a screen; a chosen platform plugin knows its own
    if environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"):
        return None
    return ("no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is set); without a window, "
            "use 'derivative-explorer derive EXPR' or 'derivative-explorer export EXPR -o FILE', "
            "or run under a desktop session or xvfb-run")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `python -m explorer` and `derivative-explorer`."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and not argv[0].startswith("-") and argv[0] not in COMMANDS:
        print(f"error: unknown command {argv[0][:40]!r}; the commands are {', '.join(COMMANDS)} "
              "(no command opens the window)", file=sys.stderr)
        return 2
    if not argv or argv[0] not in (*COMMANDS, "-h", "--help"):
        problem = display_problem(os.environ, sys.platform)
        if problem is not None:
            print(f"error: {problem}", file=sys.stderr)
            return 2
        from .ui.app import run_app

        return run_app(argv)
    try:
        args = build_parser().parse_args(argv)
        if args.command == "data":  # samples only: no SymPy child process
            print(data(args))
            return 0
        if args.command == "steps":  # its own child process, not the engine's
            print(steps(args))
            return 0
        engine = SymbolicEngine(derive_timeout=args.timeout, start_method="fork" if sys.platform != "win32" else None)
        try:
            if args.command == "derive":
                report = derive(args, engine)
                print(json.dumps(json_ready(report), indent=2, allow_nan=False) if args.json else format_table(report))
            elif args.command == "grid":
                print(grid(args, engine))
            elif args.command == "gradient":
                report = gradient(args, engine)
                print(json.dumps(json_ready(report), indent=2, allow_nan=False) if args.json
                      else format_gradient_table(report))
            else:
                print(f"wrote {export(args, engine)}")
        finally:
            engine.close()
    except BrokenPipeError:
        # The reader stopped reading (`| head`): nothing is wrong to report. Further writes, Python's own
        # flush at exit among them, go nowhere instead of raising again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except (UsageError, ExpressionError, SymbolicError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
