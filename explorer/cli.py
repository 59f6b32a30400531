"""Command line: `derive` prints derivatives and their errors, `export` writes a plot or CSV, no command opens the window."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Mapping, Sequence

import numpy as np

from .core.derive import derive_at
from .core.expression.errors import ExpressionError
from .core.expression.parser import parse_expression
from .core.pipeline import derivatives_needed, method_context
from .core.request import DerivativeRequest, Method
from .core.limits import MAX_ACCURACY, MAX_ORDER
from .core.symbolic.derivatives import SymbolicDerivatives, python_of
from .core.symbolic.engine import SymbolicEngine, SymbolicError


COMMANDS = ("derive", "export", "data")


class UsageError(Exception):
    """Bad command-line input: reported as one `error:` line and exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse would print usage and a second line; one line is enough
        raise UsageError(message)


def _number(text: str, kind: str = "number") -> float:
    """A number given on the command line: a point, a parameter's value, a step or seconds (kind); constant
    expressions such as pi/4 are allowed."""
    try:
        value = parse_expression(text).expr
    except ExpressionError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number: {exc}") from None
    if value.free_symbols:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number")
    number = complex(value.evalf())
    if number.imag != 0 or not math.isfinite(number.real):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite real number")
    if kind == "seconds" and not number.real > 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds")
    return number.real


def _order(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= MAX_ORDER:
        raise argparse.ArgumentTypeError(f"order must be a whole number 1..{MAX_ORDER}, not {text!r}")
    return int(text)


def _parameter(text: str) -> tuple[str, float]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"parameter must look like name=value, not {text!r}")
    return name.strip(), _number(value)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for `python -m explorer`."""
    parser = _Parser(prog="derivative-explorer", description=__doc__)
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("expression", help="f in SymPy syntax; ^ is power, 2x is 2*x")
        sub.add_argument("--var", default="x", help="the variable (default x); other names are parameters")
        sub.add_argument("--order", type=_order, default=1, help=f"derivative order 1..{MAX_ORDER}")
        sub.add_argument("--accuracy", type=int, choices=range(1, MAX_ACCURACY + 1), default=2, help="finite-difference accuracy order p")
        sub.add_argument("--param", type=_parameter, action="append", default=[], metavar="NAME=VALUE",
                         help="value of a parameter (default 1)")
        sub.add_argument("--timeout", type=lambda text: _number(text, "seconds"), default=5.0, metavar="SECONDS",
                         help="seconds SymPy may take before giving up (at most one hour)")
        sub.add_argument("--noise", type=_number, default=0.0, metavar="SIGMA",
                         help="standard deviation of noise on every sample of f, as in measured data")

    derive = commands.add_parser("derive", help="print derivatives and their errors at points")
    common(derive)
    derive.add_argument("--method", choices=[m.value for m in Method] + ["all"], default="all")
    derive.add_argument("--at", type=_number, nargs="+", default=[1.0], metavar="X", help="points (default 1)")
    derive.add_argument("--h", type=_number, default=None,
                        help="step size, taken as given at every point (made exactly representable there); "
                             "default: at each point the step balancing truncation against round-off")
    derive.add_argument("--json", action="store_true", help="print JSON instead of a table")

    export = commands.add_parser("export", help="write the plots (.png, .svg) or the data (.csv) without a window")
    common(export)
    export.add_argument("-o", "--output", required=True, help="file to write; its suffix picks the format")
    export.add_argument("--from", dest="x_min", type=_number, default=-5.0)
    export.add_argument("--to", dest="x_max", type=_number, default=5.0)
    export.add_argument("--points", type=int, default=2000)
    export.add_argument("--h", type=_number, default=1e-5)
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
    data_command.add_argument("--order", type=int, choices=(1, 2), default=1, help="1 velocity, 2 acceleration")
    data_command.add_argument("--method", choices=("auto", *METHOD_NAMES), default="auto",
                              help="default auto: the method and its parameters chosen from the data")
    data_command.add_argument("--param", type=_parameter, action="append", default=[], metavar="NAME=VALUE",
                              help="a method parameter (e.g. window=51, lam=1e-6); the others are chosen from the data")
    data_output = data_command.add_mutually_exclusive_group()
    data_output.add_argument("--json", action="store_true", help="print one JSON object with every sample")
    data_output.add_argument("-o", "--output", metavar="OUT.csv", help="write t, y and the derivative as CSV")
    return parser


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
    if args.h is not None and not args.h > 0:
        raise UsageError("--h must be positive")
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
        if method_context(request, symbolic).reference is None:
            general["reference"] = (f"SymPy gave up ({reason}); noisy samples leave nothing exact to measure "
                                    "errors against: values with their estimated errors only")
        else:
            general["reference"] = f"SymPy gave up ({reason}); errors are measured against autodiff"
    result = derive_at(request, symbolic, np.array(args.at, dtype=float), args.h)
    derivative = symbolic.of(request.order)
    return {
        "expression": python_of(parsed.expr),
        "variable": args.var,
        "order": request.order,
        "derivative": python_of(derivative) if derivative is not None else None,
        "parameters": dict(zip(parsed.parameter_names, result.context.parameters)),
        "reference": result.reference.value if result.reference else None,
        "noise": request.noise,
        "points": [
            {
                "x": float(xi),
                "f": _finite_or_none(result.f[i]),
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
    primes = "'" * report["order"] if report["order"] <= 3 else f"^({report['order']})"
    var = report["variable"]
    derivative = report["derivative"] if report["derivative"] is not None else "(not available: see the notes)"
    lines = [f"f({var}) = {report['expression']}", f"f{primes}({var}) = {derivative}"]
    if report["parameters"]:
        lines.append("parameters: " + ", ".join(f"{k} = {v:g}" for k, v in report["parameters"].items()))
    if report["noise"]:
        lines.append(f"noise on f: standard deviation {report['noise']:g}")
    if report["reference"] not in (None, "symbolic"):
        lines.append(f"errors against {report['reference']}")

    def show(value, spec):
        return "-" if value is None else format(value, spec)

    for point in report["points"]:
        lines.append("")
        undefined = "   (f is undefined here)" if point["f"] is None else ""
        lines.append(f"{var} = {point['x']:g}{undefined}")
        lines.append(f"  {'method':<12}{'value':>24}{'est. error':>12}{'h':>11}{'abs error':>12}{'rel error':>12}")
        for name, r in point["methods"].items():
            lines.append(
                f"  {name:<12}{show(r['value'], '.17g'):>24}{show(r['error_estimate'], '.2e'):>12}"
                f"{show(r['h'], '.2e'):>11}{show(r['abs_error'], '.2e'):>12}{show(r['rel_error'], '.2e'):>12}"
            )
    for name, reason in report["notes"].items():
        lines.append(f"{name}: {reason}")
    return "\n".join(lines)


def export(args: argparse.Namespace, engine: SymbolicEngine) -> str:
    """Write the plots or data of a request to args.output; return the path written, as printable text.
    A file that cannot be written is an OSError or UsageError naming args.output; the old file stays."""
    from pathlib import Path

    from .core.export.atomic import shown_path
    from .core.export.tables import ExportError

    suffix = Path(args.output).suffix.lower()
    if suffix not in (".csv", ".png", ".svg"):
        raise UsageError(f"cannot export to {suffix or 'a file without suffix'!r}; use .csv, .png or .svg")
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


DATA_ROWS_SHOWN = 10  # rows of the data table printed without --json or -o


def data(args: argparse.Namespace) -> str:
    """Differentiate the samples in args.file; return what to print: a summary with the first rows, one JSON
    object (--json), or the path written (-o OUT.csv, t, y and the derivative after a `# ` provenance line).
    Unusable data or parameters are a UsageError (one error line, exit status 2)."""
    from .core.data import DataError, differentiate_samples
    from .core.data.loading import load_samples, parse_samples
    from .core.export.atomic import shown_path, write_atomically
    from .core.limits import MAX_DATA_BYTES

    try:
        if args.file == "-":
            samples = parse_samples(sys.stdin.read(MAX_DATA_BYTES + 1), args.t_column, args.y_column, "standard input")
        else:
            samples = load_samples(args.file, args.t_column, args.y_column)
        result = differentiate_samples(samples.t, samples.y, args.order, args.method, warnings=samples.warnings,
                                       **dict(args.param))
    except DataError as exc:
        raise UsageError(str(exc)) from None
    columns = f"t = {samples.t_name}, y = {samples.y_name}"
    if args.json:
        report = {"source": samples.source, "t_column": samples.t_name, "y_column": samples.y_name,
                  "order": result.order, "method": result.method, "parameters": dict(result.parameters),
                  "automatic": list(result.automatic), "reason": result.reason, "noise": result.noise,
                  "warnings": list(result.warnings), "t": result.t.tolist(), "y": result.y.tolist(),
                  "derivative": [_number_or_none(v) for v in result.derivative.tolist()]}
        return json.dumps(json_ready(report), indent=2, allow_nan=False, ensure_ascii=False)
    provenance = (f"derivative-explorer data: file {samples.source}; {columns}; order {result.order}; "
                  f"method {result.method}; parameters {result.describe_parameters()}")
    if args.output:
        name = "d" + "2" * (result.order == 2) + "y/dt" + "2" * (result.order == 2)
        lines = ["# " + " ".join(provenance.split()), f"t,y,{name}"]
        lines += [f"{t!r},{y!r},{d!r}" for t, y, d in zip(result.t.tolist(), result.y.tolist(),
                                                          result.derivative.tolist(), strict=True)]
        write_atomically(args.output, ("\n".join(lines) + "\n").encode("utf-8"))
        return f"wrote {shown_path(args.output)}"
    quantity = "velocity" if result.order == 1 else "acceleration"
    out = [f"data: {samples.source} ({columns}; {len(result.t)} samples)",
           *(f"loading: {warning}" for warning in result.warnings),
           f"order {result.order} ({quantity}) by {result.method}: {result.describe_parameters()}",
           f"why: {result.reason}", "",
           f"{'t':>24}{'y':>24}{'derivative':>24}"]
    for t, y, d in list(zip(result.t, result.y, result.derivative, strict=True))[:DATA_ROWS_SHOWN]:
        out.append(f"{t:>24.10g}{y:>24.10g}{d:>24.10g}")
    if len(result.t) > DATA_ROWS_SHOWN:
        out.append(f"... {len(result.t) - DATA_ROWS_SHOWN} more rows (--json or -o OUT.csv for all)")
    return "\n".join(out)


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
        engine = SymbolicEngine(derive_timeout=args.timeout, start_method="fork" if sys.platform != "win32" else None)
        try:
            if args.command == "derive":
                report = derive(args, engine)
                print(json.dumps(json_ready(report), indent=2, allow_nan=False) if args.json else format_table(report))
            else:
                print(f"wrote {export(args, engine)}")
        finally:
            engine.close()
    except (UsageError, ExpressionError, SymbolicError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
