"""The curves, errors and step sweep of one computation as CSV, and the atomic file write every export uses."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from .error_analysis import StepSweep
from .pipeline import CurveResult, ErrorResult


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[str]:
    """A temporary path beside `path`; renamed onto it when the block succeeds, removed when it fails."""
    target = Path(path)
    # Same directory, so os.replace is a rename on one file system: readers see the old or the new file, never half.
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or ".")
    os.close(handle)
    try:
        yield temporary
        # mkstemp makes the file private (0600); give it the mode a plain open() would have.
        os.chmod(temporary, target.stat().st_mode & 0o777 if target.exists() else 0o666 & ~_umask())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


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
