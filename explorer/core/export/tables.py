"""The curves, errors and step sweep of one computation as CSV tables."""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np

from ..numeric.error_analysis import StepSweep
from ..pipeline import CurveResult, DerivativeResults, ErrorResult
from .atomic import PathName, shown_path, write_atomically


class ExportError(Exception):
    """Nothing was written: no results to export yet, an unknown format, a picture that could not be made."""


def csv_columns(curves: CurveResult, errors: ErrorResult | None) -> tuple[list[str], np.ndarray]:
    """Column names and a (points, columns) array: x, f, each method's derivative, then each method's
    |error| and relative error."""
    names = ["x", "f"]
    columns = [curves.x, curves.f]
    for method, values in curves.derivatives.items():
        names.append(method.value)
        columns.append(values)
    if errors is not None:
        for kind, table in (("abs_error", errors.absolute), ("rel_error", errors.relative)):
            for method, values in table.items():
                names.append(f"{method.value}_{kind}")
                columns.append(values)
    return names, np.column_stack(columns)


def sweep_columns(sweep: StepSweep) -> tuple[list[str], np.ndarray]:
    """Column names and a (steps, columns) array: h, then each method's |error| and its theory lines."""
    names, columns = ["h"], [sweep.h]
    for kind, curves in (("abs_error", sweep.errors), ("truncation", sweep.truncation), ("roundoff", sweep.roundoff)):
        for method, values in curves.items():
            names.append(f"{method.value}_{kind}")
            columns.append(values)
    return names, np.column_stack(columns)


def curves_csv(results: DerivativeResults) -> str:
    """x, f, each method's derivative and error as CSV text, headed by a # line saying what was computed
    (DerivativeRequest.summary); NaN marks undefined values."""
    if results.curves is None:
        raise ExportError("nothing has been computed yet")
    return csv_table(*csv_columns(results.curves, results.errors), comments=[results.request.summary()])


def sweep_csv(results: DerivativeResults) -> str:
    """The error-against-h sweep as CSV text, headed by what was computed and the x it was taken at."""
    if results.sweep is None:
        raise ExportError("there is no error-against-h sweep yet")
    sweep = results.sweep.sweep
    return csv_table(*sweep_columns(sweep),
                     comments=[results.request.summary(), f"error against step h at x = {sweep.probe!r}"])


def write_csv(path: PathName, results: DerivativeResults) -> None:
    """Write curves_csv(results) to path atomically (UTF-8)."""
    write_atomically(path, _encoded(path, curves_csv, results))


def write_sweep_csv(path: PathName, results: DerivativeResults) -> None:
    """Write sweep_csv(results) to path atomically (UTF-8)."""
    write_atomically(path, _encoded(path, sweep_csv, results))


def _encoded(path: PathName, table: Callable[[DerivativeResults], str], results: DerivativeResults) -> bytes:
    try:
        return table(results).encode("utf-8")
    except ExportError as exc:
        raise ExportError(f"cannot write {shown_path(path)}: {exc}") from None


def comment_line(text: str) -> str:
    """text as one `# ` line of a CSV file. What it says may hold line breaks (an expression or a file name may:
    the parser reads them as spaces), which would end the comment and leave the rest of it as a row above the
    header; every run of white space is one space here."""
    return "# " + " ".join(text.split()) + "\n"


def csv_table(names: list[str], table: np.ndarray, comments: list[str]) -> str:
    """A CSV text: `# ` comment lines, a header of names, then the (rows, columns) table at full precision.
    Made in memory (a few MB at most), so the file is written in one checked, atomic step."""
    stream = io.StringIO()
    stream.writelines(comment_line(line) for line in comments if line)
    np.savetxt(stream, table, delimiter=",", header=",".join(names), comments="", fmt="%.17g")
    return stream.getvalue()
