"""A grid of samples from a matrix CSV: rows are y, columns are x; one validated entry, one-line errors.

`load_matrix(path, coordinates=False)` reads a file, `parse_matrix(text, coordinates=False)` text. The caller
says whether the first row holds the x coordinates and the first column the y coordinates (`coordinates`):
nothing is guessed, so a first row of numbers is never silently taken for coordinates or for data. The cell
where the coordinate row and column meet is ignored (often a label such as y\\x, or empty).

Cells are separated by commas, semicolons, tabs or spaces (the first data line decides); `#` starts a
comment line; blank lines are skipped. Every cell must be a finite number (a missing value would leave a
hole np.gradient spreads to its neighbours); every row has as many cells as the first. Coordinates must be
finite and strictly increasing or decreasing. Without coordinates, x and y are 0, 1, 2, ... times the given
spacings. Size is bounded before parsing: MAX_MATRIX_BYTES, and MAX_GRID rows and columns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..limits import MAX_GRID, MAX_MATRIX_BYTES, MIN_GRID
from ..reading import read_limited, shown_path


class MatrixError(ValueError):
    """A matrix file or text that cannot be used: one line naming the problem (and the line and column)."""

    def __init__(self, message: str):
        super().__init__(" ".join(message.split()))


@dataclass(frozen=True, eq=False)
class MatrixData:
    """values[j, i] = f(x[i], y[j])."""

    values: np.ndarray  # (ny, nx)
    x: np.ndarray  # (nx,)
    y: np.ndarray  # (ny,)
    source: str
    delimiter: str  # comma, semicolon, tab or whitespace
    coordinates: bool  # x and y were read from the file (else they are index * spacing)


_SEPARATORS = {",": "comma", ";": "semicolon", "\t": "tab"}
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


_shown = shown_path


def load_matrix(path, coordinates: bool = False, x_spacing: float = 1.0, y_spacing: float = 1.0) -> MatrixData:
    """The matrix in the file at path (see the module's docstring); MatrixError if it cannot be used."""
    shown = _shown(path)
    data = read_limited(path, MAX_MATRIX_BYTES, "matrix", MatrixError)
    if b"\x00" in data:
        raise MatrixError(f"{shown} is a binary file, not text (it contains NUL bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")  # numbers are ASCII either way
    return parse_matrix(text, coordinates, x_spacing, y_spacing, source=shown)


def _cells(line: str, separator: str | None) -> list[str]:
    return [cell.strip() for cell in (line.split(separator) if separator else line.split())]


def _number(cell: str, line_number: int, column: int) -> float:
    if not _NUMBER.fullmatch(cell):
        what = "an empty cell" if not cell else f"{cell[:20]!r}"
        raise MatrixError(f"line {line_number}, column {column}: {what} is not a number")
    value = float(cell)
    if not np.isfinite(value):
        raise MatrixError(f"line {line_number}, column {column}: {cell[:20]} is out of double range")
    return value


def parse_matrix(text: str, coordinates: bool = False, x_spacing: float = 1.0, y_spacing: float = 1.0,
                 source: str = "pasted text") -> MatrixData:
    """The matrix in text (see the module's docstring); MatrixError if it cannot be used."""
    if len(text) > MAX_MATRIX_BYTES:
        raise MatrixError(f"{source} is longer than {MAX_MATRIX_BYTES / 2**20:.0f} MB, the limit for a matrix")
    for name, spacing in (("x", x_spacing), ("y", y_spacing)):
        if not (np.isfinite(spacing) and spacing > 0):
            raise MatrixError(f"the {name} spacing must be a positive finite number")
    lines = [(k, line) for k, line in enumerate(text.splitlines(), start=1)
             if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        raise MatrixError(f"{source} has no data (only blank or # comment lines)")
    limit = MAX_GRID + (1 if coordinates else 0)
    if len(lines) > limit:
        raise MatrixError(f"{source} has {len(lines)} rows; a matrix has at most {MAX_GRID} (plus a coordinate row)")
    first = lines[0][1]
    separator = next((s for s in _SEPARATORS if s in first), None)
    rows = []
    width = None
    for row_index, (line_number, line) in enumerate(lines):
        cells = _cells(line, separator)
        if width is None:
            width = len(cells)
            if width > limit:
                raise MatrixError(f"line {line_number} has {width} columns; a matrix has at most {MAX_GRID} "
                                  "(plus a coordinate column)")
        elif len(cells) != width:
            raise MatrixError(f"line {line_number} has {len(cells)} cell{'s' if len(cells) != 1 else ''}; "
                              f"line {lines[0][0]} has {width}")
        skip_first = coordinates and row_index == 0  # the corner cell is a label or empty
        rows.append([np.nan if (skip_first and c == 0) else _number(cell, line_number, c + 1)
                     for c, cell in enumerate(cells)])
    table = np.array(rows, dtype=float)
    if coordinates:
        x, y, values = table[0, 1:], table[1:, 0], table[1:, 1:]
        for name, axis in (("x (first row)", x), ("y (first column)", y)):
            steps = np.diff(axis)
            if axis.size >= 2 and not (np.all(steps > 0) or np.all(steps < 0)):
                raise MatrixError(f"the {name} coordinates must be strictly increasing or decreasing")
    else:
        values = table
        with np.errstate(over="ignore"):  # --dx 1e308 on 3 columns: the last x is inf, refused here
            x = np.arange(table.shape[1]) * float(x_spacing)
            y = np.arange(table.shape[0]) * float(y_spacing)
        for name, axis in (("x", x), ("y", y)):
            if not np.isfinite(axis).all():
                raise MatrixError(f"the {name} spacing times the number of points passes double range (1e308)")
    ny, nx = values.shape
    if min(ny, nx) < MIN_GRID:
        raise MatrixError(f"{source} gives a {ny} x {nx} grid of samples; at least {MIN_GRID} x {MIN_GRID} needed")
    return MatrixData(values, x, y, source, "whitespace" if separator is None else _SEPARATORS[separator],
                      coordinates)
