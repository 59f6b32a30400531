"""The curves, errors and step sweep of one computation as CSV tables."""

from __future__ import annotations

import os

import numpy as np

from ..numeric.error_analysis import StepSweep
from .atomic import atomic_path
from ..pipeline import CurveResult, ErrorResult


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


def write_csv(path: str | os.PathLike, curves: CurveResult, errors: ErrorResult | None, about: str = "") -> None:
    """Write x, f, each method's derivative and error to path atomically; NaN marks undefined values.
    `about` (what was computed: DerivativeRequest.summary) heads the file as a # comment."""
    _write_table(path, *csv_columns(curves, errors), comments=[about])


def write_sweep_csv(path: str | os.PathLike, sweep: StepSweep, about: str = "") -> None:
    """Write the error-against-h sweep to path atomically, headed by `about` and the x it was taken at."""
    _write_table(path, *sweep_columns(sweep), comments=[about, f"error against step h at x = {sweep.probe!r}"])


def _write_table(path: str | os.PathLike, names: list[str], table: np.ndarray, comments: list[str]) -> None:
    with atomic_path(path) as temporary, open(temporary, "w", newline="") as stream:
        stream.writelines(f"# {line}\n" for line in comments if line)
        np.savetxt(stream, table, delimiter=",", header=",".join(names), comments="", fmt="%.17g")
