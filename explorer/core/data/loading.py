"""Samples from a file or pasted text: one validated entry, a rich result, one-line errors.

`load_samples(path, t=None, y=None)` reads a file; `parse_samples(text, t=None, y=None)` reads text pasted
from a spreadsheet or typed. Both return `Samples`: t ascending and distinct, y, the columns used, and
every row that was dropped, sorted or merged, with counts and line numbers. Anything unusable is one
`DataError` naming the problem and, where it applies, the line and column.

What is read
- CSV (comma), semicolon-separated, TSV (tab) or whitespace-separated text, with or without a header
  line; `#`, `%` (MATLAB, Octave) and `//` start a comment line, and so does `;` unless it separates the
  cells; blank lines are skipped; a UTF-8 byte-order mark is ignored, UTF-16 (Excel's "Unicode text") and
  UTF-32 are read by their byte-order mark (UTF-16 of ASCII text also without one), and other text that is
  not UTF-8 is read as Windows-1252 (Latin-1 with €, … and typographic quotes; numbers are ASCII either
  way). A first line `sep=;` (as Excel writes) names the separator. A line of units under the header
  (s, m, ...: text in every filled cell, no number) is skipped, and said. A separator after the header's
  last name, or after every row's last cell (but not both), is read as the spreadsheet meant it: no
  column, or an unnamed empty one.
- A header is a first line with a cell that is not a number (nor a date or time). Columns are chosen by
  header name (exact, then ignoring case) or by number, 1 for the first as in a spreadsheet. By default t
  is column 1 and y column 2; in whitespace-separated text, names with a space in them ('time (s)') are read
  when the columns are set apart by two spaces or more; a single column is y at unit spacing (t = 0, 1,
  2, ... by data row, as np.gradient(y) does). A first column without a name that holds the row numbers
  0, 1, 2, ... or 1, 2, 3, ... (pandas' to_csv, R's write.csv) is passed over: t is then column 2 and y
  column 3, and the result says so.
- Decimal commas (1,5): accepted in tab-, semicolon- or space-separated text when no number in the data
  has a decimal point, which is what a spreadsheet in a decimal-comma locale pastes; the result says so.
  With a comma as separator a comma is never a decimal mark; thousands separators are not read (a cell
  with both . and , is an error naming it).
- A t column of ISO 8601 dates and times (2024-03-01, 2024-03-01T12:30:00, 2024-03-01 12:30:00.25,
  with Z or +01:00 when zoned; timestamps from loggers, prices by date) is read as time since its earliest
  value, in the unit its median step is counted in most naturally (seconds, minutes, hours or days), so
  that derivatives are per that unit; the result says the unit and the origin.
- Empty cells and NaN, NA, N/A, null, none, -, . (FRED) and Excel's #N/A, #DIV/0!, ... are missing values;
  inf and -inf are numbers that are not finite. A row with either in its t or y cell is dropped and counted;
  other columns are not read.

What is done
- Rows are sorted by t when they are not in order (stable, so equal t keep their order) and said so.
- Repeated t values are merged: their y averaged; how many and the first lines are reported.
- At least 2 distinct t must remain; all t equal is an error.

Cost is bounded: at most MAX_DATA_BYTES are read (a larger file is refused before reading), MAX_DATA_ROWS
rows and MAX_DATA_COLUMNS columns; only regular files are read (a directory, a FIFO or /dev/zero is
refused). Clean files take NumPy's C parser (10^6 rows of two columns in about half a second); a file it
refuses is read again line by line, to name the first problem or to drop the rows with missing cells.
"""

from __future__ import annotations

import csv
import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..limits import MAX_DATA_BYTES, MAX_DATA_COLUMNS, MAX_DATA_ROWS
from ..reading import read_limited, shown_path
from .errors import DataError

Column = str | int | None
SHOWN_LINES = 5  # line numbers listed per note
# Rows handed to NumPy's C parsers at once: they hold the GIL throughout, and a file is read in a worker thread
# while the window goes on (10^6 rows in one call froze it for about 0.65 s; a chunk takes a few tens of ms).
CHUNK_ROWS = 50_000
SPLIT_CHARS = 2_000_000  # characters of text split into lines at once, for the same reason

# Missing values: also "." (FRED and SAS) and Excel's error values, which a CSV export writes for a formula
# without a value (#N/A is Excel's NA()).
MISSING = frozenset({"", "nan", "+nan", "-nan", "na", "n/a", "null", "none", "-", "?", ".",
                     "#n/a", "#div/0!", "#value!", "#num!", "#ref!", "#null!", "#name?", "#n/a n/a"})
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]?(?:inf|infinity)", re.IGNORECASE)
_DECIMAL_COMMA_NUMBER = re.compile(r"[+-]?\d*,\d+(?:[eE][+-]?\d+)?")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", None: "whitespace"}


@dataclass(frozen=True)
class RowNote:
    """Something loading did to some rows: what, how many, and the first few file lines (1-based)."""

    what: str
    count: int
    lines: tuple[int, ...]

    def __str__(self) -> str:
        shown = ", ".join(str(n) for n in self.lines[:SHOWN_LINES])
        more = ", ..." if self.count > SHOWN_LINES and len(self.lines) >= SHOWN_LINES else ""
        where = f" (line{'s' if len(self.lines) > 1 else ''} {shown}{more})" if self.lines else ""
        return f"{self.what}: {self.count}{where}"


@dataclass(frozen=True, eq=False)
class Samples:
    """Checked samples: t ascending and distinct, y finite, and what loading did to get there."""

    t: np.ndarray
    y: np.ndarray
    source: str  # the file name, or "pasted text"
    t_name: str  # the t column's header name or "column k"; "row index" for unit spacing
    y_name: str
    columns: tuple[str, ...]  # every column's name (header or "column k")
    has_header: bool
    delimiter: str  # comma, semicolon, tab, whitespace
    decimal_comma: bool
    rows: int  # data rows read (comments, blank lines and the header not counted)
    unit_spacing: bool  # t is the row index (a single column, or t="index")
    notes: tuple[RowNote, ...]
    t_unit: str = ""  # for a t column of dates and times: "seconds", "minutes", "hours" or "days"
    t_origin: str = ""  # ... and the date and time t = 0 is (the earliest), ISO 8601
    row_numbers: str = ""  # an unnamed first column of row numbers passed over by the default t, as "0..n-1"
    t_place: int | None = None  # the places of the t and y columns read among columns, 0 for the first (None:
    y_place: int = 0  # t is the row index); by place, as two columns may share a name

    @property
    def t_axis(self) -> str:
        """A label for an axis of t: "t", with the unit and origin when the column held dates and times."""
        return f"t ({self.t_unit} since {self.t_origin})" if self.t_unit else "t"

    @property
    def t_description(self) -> str:
        """The t column's name, with its unit and origin when it held dates and times."""
        return f"{self.t_name} ({self.t_unit} since {self.t_origin})" if self.t_unit else self.t_name

    @property
    def warnings(self) -> tuple[str, ...]:
        """What a user should know about how the samples were read, one line each."""
        lines = [str(note) for note in self.notes]
        if self.decimal_comma:
            lines.insert(0, "decimal commas read as decimal points")
        if self.unit_spacing:
            lines.insert(0, f"t is the row index 0..{self.rows - 1} (unit spacing)")
        if self.t_unit:
            lines.insert(0, f"{self.t_name} read as dates and times: t in {self.t_unit} since {self.t_origin}")
        if self.row_numbers:
            lines.insert(0, f"{self.columns[0]} (no name; {self.row_numbers}) read as row numbers, as pandas and R "
                            "write them, not as t")
        return tuple(lines)


# -- reading --------------------------------------------------------------------------------------------


_shown = shown_path


def read_text(path: str | os.PathLike[str] | os.PathLike[bytes] | bytes) -> str:
    """The text of a data file, refused (DataError) if it is not a regular, readable file within the limit."""
    data = read_limited(path, MAX_DATA_BYTES, "data", DataError)
    shown = _shown(path)
    return _decode(data, shown)


def _decode(data: bytes, shown: str) -> str:
    if not data or data.isspace():  # what strip() would leave empty, without copying the file
        raise DataError(f"{shown} is empty")
    encoding = _wide_encoding(data)
    if encoding:  # UTF-16 or UTF-32, as Excel's "Unicode text" saves: every ASCII character has NUL bytes beside it
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            raise DataError(f"{shown} is not text: it starts as {encoding.upper()} but does not decode as it") from None
        _refuse_binary(text, shown)
        return text
    if b"\x00" in data[:1 << 16] or b"\x00" in data:
        raise DataError(f"{shown} is a binary file, not text (it contains NUL bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:  # Windows' Western code page, as Excel saves: Latin-1 but for € ‚ „ … ‘ ’ “ ” – — ™ ... in 0x80-0x9F,
            text = data.decode("cp1252")  # which Latin-1 reads as control characters (0x85 even ends a line)
        except UnicodeDecodeError:  # one of the five bytes cp1252 leaves undefined
            text = data.decode("latin-1")
    _refuse_binary(text, shown)
    return text


_BYTE_ORDER_MARKS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
                     (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def _wide_encoding(data: bytes) -> str | None:
    """"utf-16" or "utf-32" for text that starts with their byte-order mark; "utf-16-le" or "utf-16-be" for
    text without one whose first 4 KB are ASCII characters each beside a NUL byte; else None."""
    for mark, encoding in _BYTE_ORDER_MARKS:
        if data.startswith(mark):
            return encoding
    head = data[:4096]
    if len(head) < 4 or len(head) % 2:
        return None
    even, odd = head[0::2], head[1::2]
    if not odd.strip(b"\x00") and even.isascii() and b"\x00" not in even:
        return "utf-16-le"
    if not even.strip(b"\x00") and odd.isascii() and b"\x00" not in odd:
        return "utf-16-be"
    return None


def _refuse_binary(text: str, shown: str) -> None:
    if "\x00" in text:  # as _decode refuses a file with NUL bytes: no text a spreadsheet copies holds one
        raise DataError(f"{shown} is binary, not text (it contains NUL characters)")
    sample = text[: 1 << 16]
    control = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r\f\v")
    if control > max(8, len(sample) // 100):
        raise DataError(f"{shown} looks like a binary file, not text ({control} control characters)")


# -- parsing ------------------------------------------------------------------------------------------


def load_samples(path: str | os.PathLike[str] | os.PathLike[bytes] | bytes, t: Column = None, y: Column = None
                 ) -> Samples:
    """Samples from the file at path; t and y choose columns by header name or number (1 = first)."""
    return _parse(read_text(path), t, y, _shown(path), binary_checked=True)


def parse_samples(text: str, t: Column = None, y: Column = None, source: str = "pasted text") -> Samples:
    """Samples from text (a file's content, or cells pasted from a spreadsheet)."""
    return _parse(text, t, y, source, binary_checked=False)


def _parse(text: str, t: Column, y: Column, source: str, binary_checked: bool) -> Samples:
    """parse_samples; binary_checked: read_text has already refused binary text (the same test on the same text)."""
    if len(text) > MAX_DATA_BYTES:
        raise DataError(f"{source} is larger than {MAX_DATA_BYTES / 2**20:.0f} MB, the limit for data")
    if not text or text.isspace():  # what strip() would leave empty, without copying the text
        raise DataError(f"{source} is empty")
    if not binary_checked:
        _refuse_binary(text, source)
    text = text.lstrip("\ufeff")
    lines = _lines(text)
    while lines and (not lines[-1] or lines[-1].isspace()):  # blank lines at the end, as editors leave them
        lines.pop()
    data_lines, numbers = _data_lines(text, lines)
    data_lines, numbers = _without_semicolon_comments(text, lines, data_lines, numbers)
    if not data_lines.size:
        raise DataError(f"{source} has no data (only comments or blank lines)")
    stated = _SEP_LINE.fullmatch(lines[int(data_lines[0])])
    if stated:  # Excel's "sep=;" first line names the separator
        data_lines, numbers = data_lines[1:], numbers[1:]
        if not data_lines.size:
            raise DataError(f"{source} has no data (only a sep= line)")
    first = lines[int(data_lines[0])]
    delimiter = stated.group(1) if stated else _delimiter([lines[int(i)] for i in data_lines[:50]])
    header_cells = _split(first, delimiter)
    has_header = any(not (_is_number_or_missing(cell) or _is_time(cell)) for cell in header_cells)
    header_line = int(numbers[0])
    units = None
    if has_header:
        names = tuple(_visible(_unquote(cell)) or f"column {k + 1}" for k, cell in enumerate(header_cells))
        data_lines, numbers = data_lines[1:], numbers[1:]
        if not data_lines.size:
            raise DataError(f"{source} has a header ({', '.join(names[:6])}) but no data rows")
        if data_lines.size > 1 and _is_units_line(_split(lines[int(data_lines[0])], delimiter), len(names)):
            units = RowNote("line read as the columns' units, not data", 1, (int(numbers[0]),))
            data_lines, numbers = data_lines[1:], numbers[1:]
    else:
        names = ()
    rows = int(data_lines.size)
    if rows > MAX_DATA_ROWS:
        raise DataError(f"{source} has {rows} data rows; the limit is {MAX_DATA_ROWS}")
    first_row, last_row = int(data_lines[0]), int(data_lines[-1])
    # no comment or blank line among the rows: a slice, not a copy loop
    contiguous = last_row - first_row + 1 == rows
    body = lines[first_row:last_row + 1] if contiguous else [lines[int(i)] for i in data_lines]
    decimal_comma = delimiter != "," and _uses_decimal_comma(body[:200], delimiter, source, numbers)
    first_cells = _split(body[0], delimiter)
    width = len(first_cells)
    if has_header and len(names) == width + 1 and not _unquote(header_cells[-1]):
        names = names[:-1]  # "t,y," over "0,1": a separator after the header's last name
    elif has_header and len(names) == width - 1 and not _unquote(first_cells[-1]):
        names += (f"column {width}",)  # "0,1," under "t,y": a separator after each row's last cell
    if has_header and delimiter is None and len(names) > width:  # names with a space, "time (s)    height (m)":
        spaced = re.split(r"\s{2,}", first.strip())  # the columns are set apart by more than one
        if len(spaced) == width:
            names = tuple(_visible(_unquote(cell)) or f"column {k + 1}" for k, cell in enumerate(spaced))
    if has_header and len(names) != width:
        note = (f" (is line {header_line} a title or note above the header? start it with #)"
                if len(names) < width else
                " (names with spaces? set the columns apart by a tab or two spaces)" if delimiter is None else "")
        raise DataError(f"line {numbers[0]}: {width} cells, but the header (line {header_line}) names "
                        f"{len(names)} column{'s' if len(names) != 1 else ''}{note}")
    if width > MAX_DATA_COLUMNS:
        raise DataError(f"line {numbers[0]}: {width} columns; the limit is {MAX_DATA_COLUMNS}")
    names = names or tuple(f"column {k + 1}" for k in range(width))
    # pandas' to_csv and R's write.csv put the row numbers first, under an empty name: not the default t
    row_numbers = (_row_numbers(body, delimiter) if t is None and has_header and width >= 3
                   and not _unquote(header_cells[0]) else "")
    first_data = 1 if row_numbers else 0
    unit = width == 1 or (isinstance(t, str) and t.strip().lower() in ("index", "row", "#"))
    if width == 1 and t is not None and not unit:
        raise DataError(f"{source} has a single column: it is y, and t is the row index (give no t column)")
    y_index = _column(y, names, "y", source) if y is not None else (0 if width == 1 else (1 if unit else None))
    t_index = None if unit else _column(t, names, "t", source) if t is not None else first_data
    if y_index is None:  # default y: the first column of data that is not t
        y_index = first_data + 1 if t_index == first_data else first_data
    if t_index is not None and t_index == y_index:
        raise DataError(f"t and y are the same column ({names[t_index]})")
    wanted = [y_index] if t_index is None else [t_index, y_index]
    times = t_index is not None and _holds_times(body, delimiter, t_index)
    origin: np.datetime64 = np.datetime64("NaT", "us")
    zoned = False
    if times:
        assert t_index is not None
        table, origin, zoned = _time_table(body, numbers, delimiter, decimal_comma, width, t_index, y_index, names)
    else:
        table = _parse_table(body, numbers, delimiter, decimal_comma, width, wanted, names, source)
    notes: list[RowNote] = [units] if units is not None else []
    line_numbers = numbers.copy()
    values = table
    # missing cells (empty, NaN, NA, ...) and non-finite numbers: dropped, counted
    keep: slice | np.ndarray = slice(None)  # every row (one pass over the table tells, the usual case)
    if not np.isfinite(values).all():
        empty = np.isnan(values).any(axis=1)
        infinite = np.isinf(values).any(axis=1)
        if empty.any():
            notes.append(RowNote("rows dropped for an empty or missing t or y cell", int(empty.sum()),
                                 tuple(int(n) for n in line_numbers[empty][:SHOWN_LINES])))
        if infinite.any():
            notes.append(RowNote("rows dropped for an infinite t or y (beyond double range)", int(infinite.sum()),
                                 tuple(int(n) for n in line_numbers[infinite][:SHOWN_LINES])))
        keep = ~(empty | infinite)
    if t_index is None:
        t_values = np.arange(rows, dtype=float)[keep]
        y_values = np.ascontiguousarray(values[keep, 0])
    else:
        t_values = np.ascontiguousarray(values[keep, 0])
        y_values = np.ascontiguousarray(values[keep, 1])
    kept_lines = line_numbers[keep]
    # With too few rows left, why the others went: 10^400 in every y cell is infinite, not missing.
    dropped = "".join(f"; {note}" for note in notes)
    if t_values.size == 0:
        used = f"y = {names[y_index]}" if t_index is None else f"t = {names[t_index]}, y = {names[y_index]}"
        raise DataError(f"{source}: no row has both a t and a y value ({used}; {rows} data rows){dropped}")
    if t_values.size == 1:
        raise DataError(f"{source} has a single usable row (line {int(kept_lines[0])}); a derivative needs at least 2"
                        f"{dropped}")
    t_name = "row index" if t_index is None else names[t_index]
    t_values, y_values, kept_lines, sort_note = _sorted(t_values, y_values, kept_lines, t_name)
    if sort_note:
        notes.append(sort_note)
    shown = (lambda value: _iso(origin + int(value) * _MICROSECOND, zoned)) if times else _shown_number
    t_values, y_values, merge_note = _merged(t_values, y_values, kept_lines, t_name, source, shown)
    if merge_note:
        notes.append(merge_note)
    t_unit = t_origin = ""
    if times:
        t_values, t_unit, t_origin = _in_time_unit(t_values, origin, zoned)
    return Samples(t_values, y_values, source, t_name, names[y_index], names, has_header,
                   _DELIMITER_NAMES[delimiter], decimal_comma, rows, t_index is None, tuple(notes), t_unit, t_origin,
                   row_numbers if t_index == first_data else "", t_index, y_index)


def _lines(text: str) -> list[str]:
    """text.splitlines(), a few MB at a time (cut after a newline, so each piece splits as the whole would): one
    call on 40 MB held the GIL for about 80 ms, while the window waits (see CHUNK_ROWS)."""
    lines: list[str] = []
    start = 0
    while start < len(text):
        cut = text.find("\n", start + SPLIT_CHARS)
        end = len(text) if cut < 0 else cut + 1
        lines += text[start:end].splitlines()
        start = end
    return lines


_BLANK_LINE = re.compile(r"\n[ \t\f\v]*\r?\n")
_SEP_LINE = re.compile(r" *sep=([,;\t]) *", re.IGNORECASE)


_COMMENTS = ("#", "%", "//")  # what starts a comment line: shell and Python, MATLAB and Octave, C-like loggers


def _data_lines(text: str, lines: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(indices into lines, 1-based line numbers) of the lines that are not blank or comments. A search (in C)
    finds whether there may be any; only then does a Python pass pick them out."""
    index = np.arange(len(lines))
    # (a single character is found at memory speed, "//" and "\n;" take 15 times as long: only if it is there)
    if ("#" in text or "%" in text or ("/" in text and "//" in text) or not lines[0].strip()
            or _has_blank_line(text)):
        index = np.asarray([i for i, line in enumerate(lines)
                            if line.strip() and not line.lstrip().startswith(_COMMENTS)], dtype=np.int64)
    return index, index + 1


def _without_semicolon_comments(text: str, lines: list[str], index: np.ndarray, numbers: np.ndarray
                                ) -> tuple[np.ndarray, np.ndarray]:
    """index and numbers less the lines led by ';' (comments in instrument and INI-style files), unless ';'
    separates the data, where such a line is a row whose first cell is empty."""
    if ";" not in text or not (text.lstrip().startswith(";") or "\n;" in text):
        return index, numbers
    led = np.fromiter((lines[i].lstrip().startswith(";") for i in index), dtype=bool, count=len(index))
    others = index[~led]
    if not led.any() or not others.size:
        return index, numbers
    stated = _SEP_LINE.fullmatch(lines[int(others[0])])
    separator = stated.group(1) if stated else _delimiter([lines[int(i)] for i in others[:50]])
    return (index, numbers) if separator == ";" else (others, numbers[~led])


def _has_blank_line(text: str) -> bool:
    """Whether _BLANK_LINE occurs in text without its trailing whitespace (found without copying the text)."""
    tail = text[-4096:]
    kept = len(tail.rstrip())
    end = len(text) - len(tail) + kept if kept else len(text.rstrip())  # len(text.rstrip())
    return _BLANK_LINE.search(text, 0, end) is not None


def _delimiter(sample: list[str]) -> str | None:
    """The separator the first lines agree on: tab, then semicolon, then comma, else runs of whitespace."""
    for candidate in ("\t", ";", ","):
        if sample and all(candidate in line for line in sample):
            return candidate
    for candidate in ("\t", ";", ","):
        if sum(candidate in line for line in sample) > len(sample) // 2:
            return candidate
    return None


def _split(line: str, delimiter: str | None) -> list[str]:
    if delimiter and '"' in line:  # a quoted cell may hold the separator ("Smith, J."), as CSV allows
        cells = next(csv.reader([line], delimiter=delimiter, skipinitialspace=True))
        return [cell.strip() for cell in cells]
    cells = line.split(delimiter) if delimiter else line.split()
    return [cell.strip() for cell in cells] if delimiter else cells


def _row_numbers(body: list[str], delimiter: str | None) -> str:
    """"0..n-1" or "1..n" when the first cells of the rows are the row numbers counted from 0 or 1 (as pandas'
    to_csv and R's write.csv write them, R's quoted), else "". Compared as one joined text (at C speed)."""
    if delimiter is None:
        return ""
    start = _unquote(body[0].partition(delimiter)[0])
    if start not in ("0", "1"):
        return ""
    first_cells = "\n".join([line.partition(delimiter)[0] for line in body]).replace('"', "")
    if first_cells != "\n".join(map(str, range(int(start), int(start) + len(body)))):
        return ""
    return f"{start}..{int(start) + len(body) - 1}"


def _visible(name: str) -> str:
    """name with characters that print as nothing (control characters, zero-width spaces) written as escapes,
    so that messages and the column boxes show them: a header of "\\x01" read as "()"."""
    return name if name.isprintable() else "".join(c if c.isprintable() else c.encode("unicode_escape").decode()
                                                   for c in name)


def _unquote(cell: str) -> str:
    cell = cell.strip()
    if len(cell) >= 2 and cell[0] == cell[-1] and cell[0] in "\"'":
        return cell[1:-1].strip()
    return cell


def _is_units_line(cells: list[str], width: int) -> bool:
    """A second header line of units (s, m, "m/s"), as data loggers write: as many cells as the header, some
    text and not one number, date or time (a row of a date and an unreadable y is data, to be named)."""
    return (len(cells) == width and any(_unquote(cell) for cell in cells)
            and not any(_unquote(cell) and (_is_number_or_missing(cell) or _is_time(cell)) for cell in cells))


def _is_time(cell: str) -> bool:
    """A date (and time), or a time of day: data, not a header's name."""
    cell = _unquote(cell)
    return bool(_TIME.fullmatch(cell) or _TIME_OF_DAY.fullmatch(cell))


def _is_number_or_missing(cell: str) -> bool:
    cell = _unquote(cell)
    return cell.lower() in MISSING or bool(_NUMBER.fullmatch(cell)) or bool(_DECIMAL_COMMA_NUMBER.fullmatch(cell))


def _uses_decimal_comma(body: list[str], delimiter: str | None, source: str, numbers: np.ndarray) -> bool:
    saw_comma = saw_point = False
    for k, line in enumerate(body):
        for column, cell in enumerate(_split(line, delimiter), start=1):
            cell = _unquote(cell)
            if "," in cell and "." in cell:
                raise DataError(f"line {int(numbers[k])}, column {column}: {cell!r} has both a decimal point and a "
                                "comma; write numbers without thousands separators")
            saw_comma |= "," in cell
            saw_point |= "." in cell and bool(_NUMBER.fullmatch(cell))
    return saw_comma and not saw_point


def _column(choice: Column, names: tuple[str, ...], role: str, source: str) -> int:
    if isinstance(choice, (int, np.integer)) and not isinstance(choice, bool):
        number = int(choice)
        if not 1 <= number <= len(names):
            raise DataError(f"{role} column {number} does not exist; columns are 1..{len(names)} "
                            f"({', '.join(names[:8])}{', ...' if len(names) > 8 else ''})")
        return number - 1
    text = str(choice).strip()
    if text in names:
        return names.index(text)
    folded = [n.lower() for n in names]
    if text.lower() in folded:
        return folded.index(text.lower())
    # A column number is digits 0-9 (str.isdigit and int() also take ١ and ²); the digits past leading zeros
    # are bounded before int() reads them, since no file has more columns than MAX_DATA_COLUMNS.
    if re.fullmatch(r"[0-9]+", text) and len(text.lstrip("0")) <= len(str(MAX_DATA_COLUMNS)):
        return _column(int(text), names, role, source)
    raise DataError(f"no column {text[:40]!r} for {role}; columns are: {', '.join(names[:12])}"
                    f"{', ...' if len(names) > 12 else ''}")


def _parse_table(body: list[str], numbers: np.ndarray, delimiter: str | None, decimal_comma: bool, width: int,
                 wanted: list[int], names: tuple[str, ...], source: str) -> np.ndarray:
    """(rows, len(wanted)) floats of the wanted columns, NaN for a missing cell; DataError at the first ragged
    row or cell that is not a number."""
    fast = _fast_table(body, delimiter, decimal_comma, width, wanted)
    if fast is not None:
        return fast
    out = np.empty((len(body), len(wanted)))
    for k, line in enumerate(body):
        cells = _row(line, delimiter, width, int(numbers[k]))
        for j, column in enumerate(wanted):
            out[k, j] = _number(cells[column], decimal_comma, int(numbers[k]), column, names)
    return out


def _row(line: str, delimiter: str | None, width: int, number: int) -> list[str]:
    """The cells of one data line (1-based line `number`); DataError when it has not `width` of them."""
    cells = _split(line, delimiter)
    if len(cells) != width:
        raise DataError(f"line {number}: {len(cells)} cell{'s' if len(cells) != 1 else ''} where the data has "
                        f"{width} (a ragged row)")
    return cells


def _fast_table(body: list[str], delimiter: str | None, decimal_comma: bool, width: int, wanted: list[int]
                ) -> np.ndarray | None:
    """NumPy's C parser on clean text, CHUNK_ROWS lines at a time; None when it refuses (the line-by-line reader
    then names the problem)."""
    if any('"' in line or "'" in line for line in body[:20]):
        return None
    parts = []
    for start in range(0, len(body), CHUNK_ROWS):
        part = _parsed_chunk(body[start:start + CHUNK_ROWS], delimiter, decimal_comma, width)
        if part is None:
            return None
        parts.append(part if wanted == list(range(width)) else part[:, wanted])
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _parsed_chunk(lines: list[str], delimiter: str | None, decimal_comma: bool, width: int) -> np.ndarray | None:
    if decimal_comma:
        lines = [line.replace(",", ".") for line in lines]
    for attempt in range(2):
        try:
            table = np.loadtxt(lines, delimiter=delimiter, comments=None, ndmin=2, dtype=float)
            break
        except (ValueError, IndexError, TypeError):
            if attempt or delimiter is None:
                return None
            # empty cells are the usual reason: fill them with nan by plain replaces (C speed), then retry once
            joined = "\n" + "\n".join(lines) + "\n"
            joined = joined.replace(delimiter + "\n", delimiter + "nan\n")
            joined = joined.replace("\n" + delimiter, "\nnan" + delimiter)
            for _ in range(2):  # a run of empty cells needs two passes (replace does not overlap)
                joined = joined.replace(delimiter + delimiter, delimiter + "nan" + delimiter)
            lines = joined[1:-1].split("\n")
    if table.shape != (len(lines), width):
        return None
    return table


def _number(cell: str, decimal_comma: bool, line: int, column: int, names: tuple[str, ...]) -> float:
    text = _unquote(cell)
    if text.lower() in MISSING:
        return math.nan
    if decimal_comma:
        text = text.replace(",", ".")
    if not _NUMBER.fullmatch(text):
        shown = text if len(text) <= 40 else text[:37] + "..."
        hint = _why_not_a_number(text, decimal_comma)
        raise DataError(f"line {line}, column {column + 1} ({names[column]}): {shown!r} is not a number{hint}")
    return float(text)


_LOCAL_DATE = re.compile(r"\d{1,4}[/.]\d{1,2}[/.]\d{1,4}(?:[ T,]+\d{1,2}:\d{2}.*)?", re.IGNORECASE)
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:[,.' \u00a0\u202f]\d{3})+(?:[.,]\d+)?")
_WITH_UNIT = re.compile(r"[+-]?(?:\d+[.,]?\d*|[.,]\d+)(?:[eE][+-]?\d+)?\s*(%|[^\W\d]\S*(?:/\S+)?|°\w*)")


def _why_not_a_number(text: str, decimal_comma: bool) -> str:
    """What a cell that is not a number looks like, and how to write it, for the error naming it; "" if
    nothing is recognised."""
    if _TIME_OF_DAY.fullmatch(text):  # "2024-01-01 10:00:00" split at its space by whitespace-separated text
        return " (a time of day: write a date and its time as one cell, 2024-03-01T10:00:00)"
    if _LOCAL_DATE.fullmatch(text):
        return " (a date in a local format: write dates as ISO 8601, 2024-03-01 or 2024-03-01T10:00:00)"
    if _GROUPED.fullmatch(text):
        return " (thousands separators are not read: write the number without them, with a decimal point)"
    if not decimal_comma and _DECIMAL_COMMA_NUMBER.fullmatch(text):
        return " (a decimal comma where other numbers have a decimal point: write them all one way)"
    unit = _WITH_UNIT.fullmatch(text)
    if unit:
        what = "a percent sign" if unit.group(1) == "%" else f"a unit ({unit.group(1)})"
        return f" ({what} in the cell: write the number alone, the unit in the header)"
    return ""


def _sorted(t: np.ndarray, y: np.ndarray, lines: np.ndarray, t_name: str
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, RowNote | None]:
    with np.errstate(over="ignore", invalid="ignore"):  # t from -1e308 to 1e308: a step of inf still says up
        steps = np.diff(t)
    if np.all(steps >= 0):
        return t, y, lines, None
    first = int(np.flatnonzero(steps < 0)[0]) + 1
    order = np.argsort(t, kind="stable")
    note = RowNote(f"{t_name} was not ascending, so the rows were sorted; places where it went down",
                   int(np.sum(steps < 0)), (int(lines[first]),))
    return t[order], y[order], lines[order], note


def _shown_number(value: float) -> str:
    return f"{value:g}"


def _merged(t: np.ndarray, y: np.ndarray, lines: np.ndarray, t_name: str, source: str,
            shown: Callable[[float], str] = _shown_number) -> tuple[np.ndarray, np.ndarray, RowNote | None]:
    repeated = np.diff(t) == 0
    if not repeated.any():
        return t, y, None
    if t[0] == t[-1]:
        raise DataError(f"{source}: all {len(t)} rows have the same {t_name} = {shown(t[0])}; a derivative needs "
                        "at least 2 distinct values")
    group = np.r_[0, np.cumsum(~repeated)]
    counts = np.bincount(group)
    merged_t = t[np.r_[True, ~repeated]]
    merged_y = np.bincount(group, y) / counts
    duplicates = np.r_[False, repeated]
    note = RowNote(f"rows repeating an earlier row's {t_name}, merged (their y averaged)", int(duplicates.sum()),
                   tuple(int(n) for n in lines[duplicates][:SHOWN_LINES]))
    return merged_t, merged_y, note


# -- t as dates and times ------------------------------------------------------------------------------------

# ISO 8601 as data loggers and spreadsheets write it: a date, then optionally a time (T or one space between),
# then optionally a zone; ISO's decimal comma in the seconds (10:00:00,5, as decimal-comma locales write) is a
# decimal point. numpy's datetime64 reads the date and time; the zone is applied here (numpy warns on zones and
# is to drop them).
_TIME = re.compile(r"(\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?)\s*(Z|[+-]\d{2}(?::?\d{2})?)?",
                   re.IGNORECASE)
# The unit t is counted in: the largest whose count of the median step is at least one.
TIME_UNITS = (("days", 86_400_000_000), ("hours", 3_600_000_000), ("minutes", 60_000_000), ("seconds", 1_000_000))
_MICROSECOND = np.timedelta64(1, "us")
_TIME_OF_DAY = re.compile(r"\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?")


def _holds_times(body: list[str], delimiter: str | None, t_index: int) -> bool:
    """Whether the t column's first filled cell (among the first rows) is an ISO 8601 date or time."""
    for line in body[:50]:
        cells = _split(line, delimiter)
        if t_index >= len(cells):
            return False
        cell = _unquote(cells[t_index])
        if cell.lower() not in MISSING:
            return _TIME.fullmatch(cell) is not None
    return False


def _time_table(body: list[str], numbers: np.ndarray, delimiter: str | None, decimal_comma: bool, width: int,
                t_index: int, y_index: int, names: tuple[str, ...]) -> tuple[np.ndarray, np.datetime64, bool]:
    """(rows, 2) floats: t in microseconds since the earliest time (NaN where missing), y; that time;
    and whether the times carried zones (then all are in UTC). DataError at the first ragged row or unreadable
    cell."""
    cells = _split_all(body, delimiter, width, t_index, y_index)
    if cells is None:
        t_cells, y_cells = [], []
        for k, line in enumerate(body):
            row = _row(line, delimiter, width, int(numbers[k]))
            t_cells.append(_unquote(row[t_index]))
            y_cells.append(row[y_index])
    else:
        t_cells, y_cells = cells
    micro, first, zoned = _microseconds(t_cells, numbers, t_index, names)
    y = None if decimal_comma else _chunked(_plain_floats, y_cells)
    if y is None:
        y = np.array([_number(cell, decimal_comma, int(numbers[k]), y_index, names)
                      for k, cell in enumerate(y_cells)], dtype=float)
    return np.column_stack([micro, y]), first, zoned


def _chunked(read: Callable[[list[str]], np.ndarray | None], cells: list[str]) -> np.ndarray | None:
    """read applied to CHUNK_ROWS cells at a time (see CHUNK_ROWS), joined; None if it refused any chunk."""
    parts = []
    for start in range(0, len(cells), CHUNK_ROWS):
        part = read(cells[start:start + CHUNK_ROWS])
        if part is None:
            return None
        parts.append(part)
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _plain_floats(cells: list[str]) -> np.ndarray | None:
    """Every cell a number as Python writes them, read at once; None otherwise (a missing-value word, a
    cell that is not a number), for the cell-by-cell reader, which names it."""
    try:
        return np.array(cells, dtype=float)
    except ValueError:
        return None


def _split_all(body: list[str], delimiter: str | None, width: int, t_index: int, y_index: int
               ) -> tuple[list[str], list[str]] | None:
    """The t and y cells by one split of each chunk's rows joined (C speed); None for whitespace-separated,
    quoted or ragged rows, which the line-by-line reader takes (and names)."""
    if delimiter is None or any('"' in line or "'" in line for line in body[:20]):
        return None
    if any(line.count(delimiter) != width - 1 for line in body):
        return None
    t_cells: list[str] = []
    y_cells: list[str] = []
    for start in range(0, len(body), CHUNK_ROWS):
        flat = delimiter.join(body[start:start + CHUNK_ROWS]).split(delimiter)
        t_cells += flat[t_index::width]
        y_cells += flat[y_index::width]
    return t_cells, y_cells


def _microseconds(cells: list[str], numbers: np.ndarray, column: int, names: tuple[str, ...]
                  ) -> tuple[np.ndarray, np.datetime64, bool]:
    """Each cell's date and time as microseconds since the earliest (NaN for a missing cell), that time, and
    whether any carried a zone (all are then taken to UTC; a mix of zoned and local times is refused)."""
    stamps = _chunked(_plain_stamps, cells)
    zoned = False
    if stamps is None:
        stamps, zoned = _stamps_one_by_one(cells, numbers, column, names)
    filled = ~np.isnat(stamps)
    if not filled.any():
        return np.full(len(cells), math.nan), np.datetime64("NaT", "us"), False
    first = stamps[filled].min()  # from the earliest: exact counts up to 2^53 microseconds (285 years)
    micro = np.full(len(cells), math.nan)
    micro[filled] = (stamps[filled] - first) / _MICROSECOND
    return micro, first, zoned


def _plain_stamps(cells: list[str]) -> np.ndarray | None:
    """Every cell a date (and time) without a zone, read at once by numpy; None if any cell is otherwise
    (missing, zoned, spaced, malformed, a decimal comma: numpy warns of a zone), for the cell-by-cell reader."""
    text = np.array(cells)
    if text.dtype.kind != "U" or text.dtype.itemsize // 4 < 10:
        return None
    chars = text.view("<U1").reshape(len(cells), -1)
    if not ((chars[:, 4] == "-") & (chars[:, 7] == "-")).all():
        return None
    if np.isin(chars, ("Z", "z", "+", ",")).any() or (chars[:, 10:] == "-").any():
        return None
    try:
        return text.astype("datetime64[us]")
    except ValueError:
        return None


def _stamps_one_by_one(cells: list[str], numbers: np.ndarray, column: int, names: tuple[str, ...]
                       ) -> tuple[np.ndarray, bool]:
    stamps = np.full(len(cells), np.datetime64("NaT", "us"))
    offsets = np.zeros(len(cells), dtype=np.int64)  # minutes east of UTC
    with_zone = without_zone = 0
    for k, raw in enumerate(cells):
        cell = _unquote(raw)
        if cell.lower() in MISSING:
            continue
        found = _TIME.fullmatch(cell)
        if found is None:
            shown = cell if len(cell) <= 40 else cell[:37] + "..."
            raise DataError(f"line {int(numbers[k])}, column {column + 1} ({names[column]}): {shown!r} is not a date "
                            "and time like 2024-03-01T12:30:00 (ISO 8601), as the column's first cell is")
        try:
            stamps[k] = np.datetime64(found.group(1).upper().replace(" ", "T").replace(",", "."), "us")
        except ValueError:
            raise DataError(f"line {int(numbers[k])}, column {column + 1} ({names[column]}): {cell!r} is not a "
                            "date and time that exists (a month, day, hour or minute out of range)") from None
        zone = found.group(2)
        if zone is None:
            without_zone += 1
        else:
            with_zone += 1
            if zone.upper() != "Z":
                digits = zone[1:].replace(":", "")
                minutes = int(digits[:2]) * 60 + (int(digits[2:]) if len(digits) > 2 else 0)
                offsets[k] = minutes if zone[0] == "+" else -minutes
        if with_zone and without_zone:
            raise DataError(f"line {int(numbers[k])}, column {column + 1} ({names[column]}): some times have a zone "
                            "(Z, +01:00) and some do not, so they cannot be put in one order")
    return stamps - offsets * np.timedelta64(60_000_000, "us"), with_zone > 0  # local time less its offset: UTC


def _iso(stamp: np.datetime64, zoned: bool, date_alone: bool = True) -> str:
    """stamp as ISO 8601 text, as fine as it needs: the date alone at midnight (if date_alone), seconds, or
    microseconds."""
    micro = int(stamp.astype(np.int64))
    if date_alone and micro % TIME_UNITS[0][1] == 0:
        text = str(np.datetime_as_string(stamp, unit="D"))
        return text + "T00:00:00Z" if zoned else text
    text = str(np.datetime_as_string(stamp, unit="s" if micro % 1_000_000 == 0 else "us"))
    return text + "Z" if zoned else text


def _in_time_unit(t: np.ndarray, first: np.datetime64, zoned: bool) -> tuple[np.ndarray, str, str]:
    """t (microseconds since first, ascending) counted from its earliest value in the unit of TIME_UNITS its
    median step comes to at least one of; (t, unit, the earliest time as ISO 8601)."""
    step = float(np.median(np.diff(t)))
    unit, size = next(((name, size) for name, size in TIME_UNITS if step >= size), TIME_UNITS[-1])
    origin = first + int(t[0]) * _MICROSECOND
    return (t - t[0]) / size, unit, _iso(origin, zoned, date_alone=unit == "days")
