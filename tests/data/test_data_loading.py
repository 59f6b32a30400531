"""Loading samples: every format, every kind of bad data as one DataError line, and random junk (property
tests: one DataError or valid samples, never another exception, in bounded time)."""

import datetime
import os
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from explorer.core.data import DataError
from explorer.core.data.loading import TIME_UNITS, Samples, load_samples, parse_samples
from explorer.core.limits import MAX_DATA_BYTES, MAX_DATA_ROWS


def write(tmp_path, text, name="data.csv", mode="w"):
    path = tmp_path / name
    if mode == "wb":
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def error_of(tmp_path, content, name="data.csv", **columns):
    path = write(tmp_path, content, name, "wb" if isinstance(content, bytes) else "w")
    with pytest.raises(DataError) as info:
        load_samples(path, **columns)
    message = str(info.value)
    assert "\n" not in message
    return message


# -- formats ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "t,y\n0,1\n1,3\n2,7\n",
    "t\ty\n0\t1\n1\t3\n2\t7\n",
    "t;y\n0;1\n1;3\n2;7\n",
    "# a comment\n\nt y\n0 1\n\n1   3\n2 7\n",
    "0,1\n1,3\n2,7\n",
    '"t","y"\n"0","1"\n"1","3"\n"2","7"\n',
    "\ufefft,y\r\n0,1\r\n1,3\r\n2,7\r\n",
    "  t     y\n  0.0   1.0\n  1.0   3.0\n  2.0   7.0\n",
])
def test_csv_tsv_semicolon_whitespace_with_or_without_header(text):
    samples = parse_samples(text)
    assert samples.t.tolist() == [0, 1, 2] and samples.y.tolist() == [1, 3, 7] and samples.warnings == ()


def test_columns_by_name_or_number_and_a_single_column_at_unit_spacing(tmp_path):
    path = write(tmp_path, "time,position,speed\n0,0,1\n1,1,1\n2,4,1\n")
    by_name = load_samples(path, t="time", y="Position")  # case ignored when no exact match
    assert by_name.y.tolist() == [0, 1, 4] and (by_name.t_name, by_name.y_name) == ("time", "position")
    assert load_samples(path, y=3).y.tolist() == [1, 1, 1]
    assert (load_samples(path, y=3).t_place, load_samples(path, y=3).y_place) == (0, 2)
    one_column = parse_samples("5\n7\n")
    assert (one_column.t_place, one_column.y_place) == (None, 0)
    assert load_samples(path, t="2", y="1").t.tolist() == [0, 1, 4]
    single = parse_samples("5\n7\n\n11\n")
    assert single.unit_spacing and single.t.tolist() == [0, 1, 2] and single.y.tolist() == [5, 7, 11]
    assert "row index" in single.warnings[0]
    gap = parse_samples("y\n5\n\n7\nnan\n11\n")  # t counts data rows, so a dropped row leaves a gap
    assert gap.t.tolist() == [0, 1, 3]


@pytest.mark.parametrize(("text", "numbers"), [
    (",time,position\n0,0.0,-1.5\n1,0.25,2.0\n2,0.5,3.25\n3,1.0,4.0\n", "0..3"),  # pandas' to_csv
    ('"","time","position"\n"1",0,-1.5\n"2",0.25,2\n"3",0.5,3.25\n"4",1,4\n', "1..4"),  # R's write.csv
    (";time;position\n0;0,0;-1,5\n1;0,25;2,0\n2;0,5;3,25\n3;1,0;4,0\n", "0..3"),  # to_csv(sep=";", decimal=",")
])
def test_an_unnamed_first_column_of_row_numbers_is_not_the_default_t(text, numbers):
    """pandas and R write the row numbers first under an empty name: t 0, 1, 2, ... and y = time was a
    silent misread."""
    samples = parse_samples(text)
    assert (samples.t_name, samples.y_name) == ("time", "position")
    assert samples.t.tolist() == [0.0, 0.25, 0.5, 1.0] and samples.y.tolist() == [-1.5, 2.0, 3.25, 4.0]
    assert f"column 1 (no name; {numbers}) read as row numbers" in samples.warnings[0]
    assert (samples.t_place, samples.y_place) == (1, 2)  # for the window's column boxes, which cannot guess them
    with pytest.raises(DataError, match="same column"):  # only y given, t is still the first column of data
        parse_samples(text, y="time")
    chosen = parse_samples(text, t=1, y=3)  # chosen, they are t, and nothing is said
    assert chosen.t[0] == int(numbers[0]) and not any("row numbers" in w for w in chosen.warnings)
    assert parse_samples(text, y="position").t.tolist() == [0.0, 0.25, 0.5, 1.0]


@pytest.mark.parametrize("text", [
    ",a,b\n2024-03-01,1,2\n2024-03-02,2,3\n",  # a named index of dates is t
    ",a,b\n0.5,1,2\n1.5,2,3\n",  # numbers that are not row numbers
    ",a,b\n1,1,2\n3,2,3\n",
    "n,a,b\n0,1,2\n1,2,3\n",  # a named column
    ",a\n0,1\n1,2\n",  # row numbers and one column: they are t at unit spacing
])
def test_a_first_column_that_is_not_unnamed_row_numbers_is_t(text):
    samples = parse_samples(text)
    assert samples.t_name == samples.columns[0] and not any("row numbers" in w for w in samples.warnings)


@pytest.mark.parametrize("mark", ["%", "//", ";", "#"])
@pytest.mark.parametrize("header", ["t,y\n", "t y\n", ""])
def test_comment_lines_of_matlab_c_and_instrument_files_are_skipped(mark, header):
    """% (MATLAB, Octave), // and ; lead comment lines as # does: they were a header of one column, then
    'line 2: 2 cells, but the header (line 1) names 1 columns'."""
    separator = " " if header == "t y\n" else ","
    rows = [f"0{separator}-1.5", f"0.5{separator}2.25", f"1{separator}1e-3"]
    text = f"{mark} logger 7, 2024-03-01\n{mark}\n{header}{rows[0]}\n  {mark} paused, resumed\n{rows[1]}\n{rows[2]}\n"
    samples = parse_samples(text)
    assert samples.t.tolist() == [0.0, 0.5, 1.0] and samples.y.tolist() == [-1.5, 2.25, 1e-3]
    assert samples.has_header == bool(header) and samples.rows == 3


def test_a_line_led_by_a_semicolon_is_a_row_where_semicolons_separate_the_cells():
    samples = parse_samples("t;y;note\n0;1,5;a\n;2,5;b\n2;3,5;\n3;4,5;c\n")
    assert samples.t.tolist() == [0.0, 2.0, 3.0] and samples.y.tolist() == [1.5, 3.5, 4.5]
    assert "empty or missing t or y cell: 1 (line 3)" in samples.warnings[-1]
    assert parse_samples("sep=;\n;1\n;2\n", t="index", y=2).y.tolist() == [1.0, 2.0]


@pytest.mark.parametrize("separator", [",", ";", "\t"])
@pytest.mark.parametrize(("header_end", "row_end"), [(True, False), (False, True)])
def test_a_separator_after_the_last_cell_of_the_header_alone_or_of_the_rows_alone(separator, header_end, row_end):
    """'t,y,' over '0,1' (or 't,y' over '0,1,') was 'line 2: 2 cells, but the header (line 1) names 3 columns'."""
    header = separator.join(["t", "y"]) + (separator if header_end else "")
    rows = [separator.join(["0", "-1"]), separator.join(["0.5", "2"]), separator.join(["1", "1e-3"])]
    text = header + "\r\n" + "".join(row + (separator if row_end else "") + "\r\n" for row in rows)
    samples = parse_samples(text)
    assert (samples.t_name, samples.y_name) == ("t", "y") and samples.columns[2:] == (("column 3",) if row_end else ())
    assert samples.t.tolist() == [0.0, 0.5, 1.0] and samples.y.tolist() == [-1.0, 2.0, 1e-3]
    dated = parse_samples(text.replace("\n0.5", "\n2024-03-01T00:00:30").replace("\n0", "\n2024-03-01T00:00:00")
                          .replace("\n1", "\n2024-03-01T00:01:00"))
    assert dated.t.tolist() == [0.0, 30.0, 60.0] and dated.t_unit == "seconds" and dated.y.tolist()[0] == -1.0


def test_spreadsheet_paste_with_decimal_commas():
    pasted = "Zeit\tWeg\n0,0\t1,5\n0,5\t2,25\n1,0\t3,0\n"
    samples = parse_samples(pasted)
    assert samples.t.tolist() == [0, 0.5, 1] and samples.y.tolist() == [1.5, 2.25, 3.0]
    assert samples.decimal_comma and "decimal commas" in samples.warnings[0]
    assert parse_samples("a;b\n1,5;2\n2,5;3\n").t.tolist() == [1.5, 2.5]
    with pytest.raises(DataError, match="line 2, column 1.*both a decimal point and a comma"):
        parse_samples("t\ty\n1,000.5\t2\n2\t3\n")


def test_unsorted_repeated_missing_and_infinite_rows_are_reported_with_lines():
    text = "t,y\n3,9\n0,0\n1,1\n1,3\n2,\n,4\n4,nan\n5,inf\n6,NA\n7,49\n"
    samples = parse_samples(text)
    assert samples.t.tolist() == [0, 1, 3, 7] and samples.y.tolist() == [0, 2, 9, 49]
    notes = {note.what.split(" ")[2]: note for note in samples.notes}
    text_notes = " | ".join(samples.warnings)
    assert "dropped for an empty or missing t or y cell: 4 (lines 6, 7, 8, 10)" in text_notes
    assert "infinite t or y (beyond double range): 1 (line 9)" in text_notes
    assert "t was not ascending, so the rows were sorted; places where it went down: 1 (line 3)" in text_notes
    assert "rows repeating an earlier row's t, merged (their y averaged): 1 (line 5)" in text_notes
    assert notes


def test_extra_columns_may_be_empty_or_words():
    samples = parse_samples("t,y,comment\n0,1,start\n1,2,\n2,3,end\n")
    assert samples.y.tolist() == [1, 2, 3]


def test_clean_file_reads_every_number_as_python_does_into_contiguous_arrays(tmp_path):
    rng = np.random.default_rng(3)
    t = np.cumsum(rng.uniform(0.5, 1.5, 2000))
    y = rng.standard_normal(2000) * 10.0 ** rng.integers(-300, 300, 2000)
    cells = [(f"{a:.17g}", f"{b:.17g}") for a, b in zip(t.tolist(), y.tolist(), strict=True)]
    for columns in ((0, 1), (1, 0)):  # y, t order too: a column chosen out of the table
        header = ",".join("ty"[c] for c in columns)
        body = "\n".join(",".join(pair[c] for c in columns) for pair in cells)
        samples = load_samples(write(tmp_path, f"{header}\n{body}\n"), t="t", y="y")
        assert samples.t.tolist() == [float(a) for a, _ in cells]
        assert samples.y.tolist() == [float(b) for _, b in cells]
        assert samples.t.flags.c_contiguous and samples.y.flags.c_contiguous
        assert not samples.notes


@pytest.mark.parametrize("end", ["\n\n", "\n\n\n", "\n  \n\t\n", "\r\n\r\n", "\n \n"])
@pytest.mark.parametrize("header", ["t,y\n", ""])
def test_blank_lines_at_the_end_of_a_file_are_not_rows(tmp_path, end, header):
    """Editors and spreadsheets often end a file with one or more empty lines: they were read as a ragged
    row of 1 cell."""
    rows = "\n".join(f"{k},{k * k}" for k in range(5))
    text = header + rows + end
    path = tmp_path / "trailing.csv"
    path.write_bytes(text.encode())
    for samples in (load_samples(path), parse_samples(text)):
        assert samples.rows == 5
        np.testing.assert_array_equal(samples.t, np.arange(5.0))
        np.testing.assert_array_equal(samples.y, np.arange(5.0) ** 2)


@pytest.mark.parametrize(("sep", "decimal"), [(",", "."), (";", ","), (";", "."), ("\t", ",")])
def test_an_excel_sep_line_names_the_separator(sep, decimal):
    rows = [f"{k}{sep}{str(k + 0.5).replace('.', decimal)}" for k in range(4)]
    samples = parse_samples("\r\n".join([f"sep={sep}", f"time{sep}level", *rows]) + "\r\n")
    assert samples.rows == 4 and samples.columns == ("time", "level")
    np.testing.assert_array_equal(samples.y, np.arange(4) + 0.5)
    with pytest.raises(DataError, match="no data"):
        parse_samples(f"sep={sep}\n")


@pytest.mark.parametrize("units", ["s,m", '"s","m/s"', "(s),[m]", "s,"])
def test_a_line_of_units_under_the_header_is_skipped_and_said(units):
    samples = parse_samples(f"time,height\n{units}\n0,1\n1,3\n2,7\n")
    assert samples.rows == 3
    np.testing.assert_array_equal(samples.y, [1.0, 3.0, 7.0])
    assert any("units" in line and "line 2" in line for line in samples.warnings)


def test_a_second_line_with_a_number_is_data_not_units():
    with pytest.raises(DataError, match="line 2"):
        parse_samples("time,height\ns,5\n0,1\n1,3\n")
    samples = parse_samples("time,height\n0,1\n1,3\n")  # no units line: nothing skipped
    assert samples.rows == 2 and not samples.warnings


@pytest.mark.parametrize("cell", ["n.v.", "12%", "TRUE"])
def test_a_second_line_with_a_date_is_data_not_units(cell):
    """A first row of a date and an unreadable y was taken for the units line: dropped, and said as units."""
    with pytest.raises(DataError, match=f"line 2, column 2 \\(close\\): '{cell}' is not a number"):
        parse_samples(f"date,close\n2024-03-01,{cell}\n2024-03-04,2\n2024-03-05,3\n")
    with pytest.raises(DataError, match=f"line 2, column 2 \\(close\\): '{cell}' is not a number"):
        parse_samples(f"date,close\n2024-03-01 10:00,{cell}\n2024-03-01 10:01,2\n2024-03-01 10:02,3\n")


@pytest.mark.parametrize("missing", [".", "#N/A", "#DIV/0!", "#VALUE!", "#num!"])
def test_fred_dots_and_excel_error_values_are_missing_cells(missing):
    """FRED writes '.' for a missing value, Excel's CSV '#N/A' (NA()) or '#DIV/0!': rows dropped and said, as
    for NA; they were 'is not a number' (or, first under a header of dates, taken for the units line)."""
    for first in ("2020-01-01", "0"):
        text = f"DATE,GDP\n{first},{missing}\n2020-04-01,100.5\n2020-07-01,{missing}\n2020-10-01,-102\n2021-01-01,103\n"
        if first == "0":
            text = text.replace("2020-04-01", "1").replace("2020-07-01", "2").replace("2020-10-01", "3") \
                .replace("2021-01-01", "4")
        samples = parse_samples(text)
        assert samples.y.tolist() == [100.5, -102.0, 103.0] and samples.rows == 5
        assert samples.warnings[-1] == "rows dropped for an empty or missing t or y cell: 2 (lines 2, 4)"


@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_quoted_cells_may_hold_the_separator_and_quotes(sep):
    """RFC 4180 quoting, as spreadsheets export a text column: the separator inside quotes is text."""
    text = "\n".join([f'"t"{sep}"y"{sep}"note, or not"', f'0{sep}1{sep}"calm{sep} dry"',
                      f'1{sep}"2"{sep}"said ""gusty""{sep} then"', f"2{sep}5{sep}end"]) + "\n"
    samples = parse_samples(text)
    assert samples.columns == ("t", "y", "note, or not")
    np.testing.assert_array_equal(samples.t, [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(samples.y, [1.0, 2.0, 5.0])


def test_text_of_unicode_whitespace_alone_is_empty(tmp_path):
    assert "is empty" in error_of(tmp_path, "\x1c\x1d \n\x85\u2028\n".encode())  # not ASCII whitespace
    assert "is empty" in error_of(tmp_path, b" \t\r\n\x0b\x0c")
    for text in ("", "\u2028 \x1e\n", "\t\n\r"):
        with pytest.raises(DataError, match="pasted text is empty"):
            parse_samples(text)


# -- t as dates and times --------------------------------------------------------------------------------------

START = np.datetime64("2024-03-01T06:00:00", "us")


def stamps(offsets_us, text_unit="s"):
    return [str(np.datetime_as_string(START + int(k) * np.timedelta64(1, "us"), unit=text_unit)) for k in offsets_us]


@pytest.mark.parametrize(("step_us", "text_unit", "unit"), [
    (250_000, "ms", "seconds"),  # fractional seconds
    (1_000_000, "s", "seconds"),
    (90_000_000, "s", "minutes"),
    (2 * 3_600_000_000, "s", "hours"),
    (86_400_000_000, "D", "days"),
    (7 * 86_400_000_000, "D", "days"),
])
@pytest.mark.parametrize("separator", [",", ";", "\t", " "])
def test_dates_and_times_are_t_in_the_unit_of_their_step(tmp_path, step_us, text_unit, unit, separator):
    offsets = np.arange(40) * step_us
    cells = stamps(offsets, text_unit)
    rate = 3.0  # y grows 3 per unit of t
    size = {"seconds": 1e6, "minutes": 6e7, "hours": 3.6e9, "days": 8.64e10}[unit]
    y = rate * offsets / size + 1.0
    text = f"when{separator}level\n" + "\n".join(f"{c}{separator}{v!r}" for c, v in zip(cells, y.tolist(), strict=True))
    samples = load_samples(write(tmp_path, text))
    assert samples.t_unit == unit
    np.testing.assert_allclose(samples.t, offsets / size, rtol=0, atol=1e-12 * samples.t[-1])
    np.testing.assert_array_equal(samples.y, y)
    origin = np.datetime64(samples.t_origin.rstrip("Z"))
    assert origin == (START.astype("datetime64[D]") if text_unit == "D" else START)
    assert any("dates and times" in w and unit in w and samples.t_origin in w for w in samples.warnings)
    assert samples.t_description == f"when ({unit} since {samples.t_origin})"
    from explorer.core.data import differentiate_samples
    result = differentiate_samples(samples.t, samples.y, 1, "gradient")
    np.testing.assert_allclose(result.derivative, rate, rtol=1e-9)


@pytest.mark.parametrize("form", [
    "{d}T{t}", "{d} {t}", '"{d}T{t}"', "{d}T{t}.000", "{d}T{t}Z", "{d}T{t}+00:00", "{d}T{t}-0000", "{d}T{t}+00",
    "{d}t{t}", "{d}T{t}z", " {d}T{t} ", "{d}T{t}.000000",
])
def test_iso_spellings_of_one_instant_agree(tmp_path, form):
    times = ["09:00:00", "09:00:30", "09:01:30", "09:03:00"]
    lines = "\n".join(form.format(d="2024-05-06", t=t) + f",{k}" for k, t in enumerate(times))
    samples = load_samples(write(tmp_path, "t,y\n" + lines))
    np.testing.assert_array_equal(samples.t, [0.0, 0.5, 1.5, 3.0])
    assert samples.t_unit == "minutes"
    zoned = "Z" in form or "z" in form or "+" in form or "-0000" in form
    assert samples.t_origin == "2024-05-06T09:00:00" + ("Z" if zoned else "")


@pytest.mark.filterwarnings("error")  # numpy warns of a time zone when it is handed a comma
@pytest.mark.parametrize("y", ["1,5", "1.5"])
def test_seconds_with_a_decimal_comma_are_iso_times(tmp_path, y):
    """ISO 8601 allows 10:00:00,5 (decimal-comma locales write it): it was "'2024-03-01 10:00:00.5' is not a
    number", naming a text the file does not hold."""
    text = (f"Zeit;Wert\n2024-03-01 10:00:00,5;{y}\n2024-03-01 10:00:01,0;-2\n2024-03-01T10:00:01,25+01:00;3\n"
            .replace("+01:00", ""))
    samples = load_samples(write(tmp_path, text))
    assert samples.t.tolist() == [0.0, 0.5, 0.75] and samples.y.tolist() == [1.5, -2.0, 3.0]
    assert samples.t_unit == "seconds" and samples.t_origin == "2024-03-01T10:00:00.500000"


def test_zones_are_taken_to_utc_before_sorting(tmp_path):
    # 01:30+02:00 is 23:30 UTC the day before, so it comes first; 00:15-05:30 is 05:45 UTC.
    text = "t,y\n2024-03-31T00:00:00Z,2\n2024-03-31T01:30:00+02:00,1\n2024-03-31T00:15:00-05:30,4\n" \
           "2024-03-31T01:00:00Z,3\n"
    samples = load_samples(write(tmp_path, text))
    assert samples.t_origin == "2024-03-30T23:30:00Z"
    assert samples.t_unit == "hours"  # the median step is an hour
    np.testing.assert_array_equal(samples.t, [0.0, 0.5, 1.5, 6.25])
    np.testing.assert_array_equal(samples.y, [1.0, 2.0, 3.0, 4.0])
    assert any("sorted" in w for w in samples.warnings)


def test_dates_far_from_1970_keep_their_days(tmp_path):
    # numpy's nanosecond dates end in 1677 and 2262 (and wrap silently beyond): t is read in microseconds.
    text = "day,y\n0001-01-01,0\n1500-01-11,1\n2262-04-12,2\n9999-12-31,3\n"
    samples = load_samples(write(tmp_path, text))
    expected = (np.array(["0001-01-01", "1500-01-11", "2262-04-12", "9999-12-31"], dtype="datetime64[D]")
                - np.datetime64("0001-01-01", "D")).astype(float)
    np.testing.assert_array_equal(samples.t, expected)
    assert samples.t_unit == "days" and samples.t_origin == "0001-01-01"


def test_dates_without_a_header_are_data(tmp_path):
    samples = load_samples(write(tmp_path, "2024-01-01,1\n2024-01-02,2\n2024-01-04,5\n"))
    assert not samples.has_header and samples.rows == 3
    np.testing.assert_array_equal(samples.t, [0.0, 1.0, 3.0])


def test_dates_with_missing_repeated_and_unsorted_rows(tmp_path):
    text = ("date,close\n2024-01-05,10\n2024-01-02,11\n,3\nNA,4\n2024-01-03,12.5\n2024-01-04,NA\n"
            "2024-01-08,13\n2024-01-08,13.4\n")
    samples = load_samples(write(tmp_path, text))
    np.testing.assert_array_equal(samples.t, [0.0, 1.0, 3.0, 6.0])
    np.testing.assert_allclose(samples.y, [11.0, 12.5, 10.0, 13.2])
    notes = " | ".join(samples.warnings)
    assert "empty or missing t or y cell: 3 (lines 4, 5, 7)" in notes
    assert "merged (their y averaged): 1 (line 9)" in notes
    assert "not ascending" in notes


def test_pasted_dates_read_as_a_file_is(tmp_path):
    text = "when\tvalue\n2024-01-01 00:00\t1\n2024-01-01 00:10\t2\n2024-01-01 00:30\t4\n"
    pasted = parse_samples(text)
    from_file = load_samples(write(tmp_path, text))
    np.testing.assert_array_equal(pasted.t, from_file.t)
    np.testing.assert_array_equal(pasted.t, [0.0, 10.0, 30.0])
    assert pasted.t_unit == from_file.t_unit == "minutes"


def test_a_million_dates_read_at_once_as_cell_by_cell(tmp_path):
    """The fast reader (one split, numpy's date parser) and the cell-by-cell one (taken when a cell is
    quoted) give the same t; the quoted copy takes the slow path, the plain one the fast."""
    offsets = np.cumsum(np.random.default_rng(3).integers(1, 5000, 20_000)) * 1000
    cells = stamps(offsets, "ms")
    plain = "t,y\n" + "\n".join(f"{c},{k}" for k, c in enumerate(cells))
    quoted = 't,y\n"' + cells[0] + '",0\n' + "\n".join(f"{c},{k}" for k, c in enumerate(cells) if k)
    fast, slow = load_samples(write(tmp_path, plain, "a.csv")), load_samples(write(tmp_path, quoted, "b.csv"))
    np.testing.assert_array_equal(fast.t, slow.t)
    np.testing.assert_array_equal(fast.t, (offsets - offsets[0]) / 1e6)


@pytest.mark.parametrize(("text", "expected"), [
    ("t,y\n2024-03-31,1\n2024-02-30,2\n", "line 3, column 1 (t): '2024-02-30' is not a date and time that exists"),
    ("t,y\n2024-03-31,1\n2024-03-31T24:30,2\n", "line 3, column 1 (t): '2024-03-31T24:30' is not a date and time"),
    ("t,y\n2024-03-31,1\n1.5,2\n", "line 3, column 1 (t): '1.5' is not a date and time like 2024-03-01T12:30:00"),
    ("t,y\n2024-03-31,1\n31/03/2024,2\n", "line 3, column 1 (t): '31/03/2024' is not a date and time like"),
    ("t,y\n2024-03-31T01:00+02:00,1\n2024-03-31T02:00,2\n", "line 3, column 1 (t): some times have a zone"),
    ("t,y\n2024-03-31,1\n2024-03-31,2\n", "all 2 rows have the same t = 2024-03-31;"),
    ("t,y\n2024-03-31T10:00:00.5,1\n2024-03-31T10:00:00.5,2\n", "the same t = 2024-03-31T10:00:00.500000;"),
    ("t,y\n2024-03-31,1\n2024-04-01,x\n", "line 3, column 2 (y): 'x' is not a number"),
    ("t,y\n2024-03-31,1\n2024-04-01\n", "line 3: 1 cell where the data has 2 (a ragged row)"),
    ("2024-03-31 10:00:00 1.5\n2024-03-31 10:00:05 1.7\n", "line 1, column 2 (column 2): '10:00:00' is not a "
     "number (a time of day: write a date and its time as one cell, 2024-03-01T10:00:00)"),
])
def test_bad_dates_are_one_line_naming_the_cell(tmp_path, text, expected):
    assert expected in error_of(tmp_path, text)


# -- read in pieces (the worker thread must leave the window the GIL) -----------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab\r\n\x0b\x0c\x1c\x85\u2028 ", max_size=60), st.integers(1, 9))
def test_text_split_in_pieces_gives_the_lines_of_the_whole(text, piece):
    from explorer.core.data import loading

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(loading, "SPLIT_CHARS", piece)
        assert loading._lines(text) == text.splitlines()


@pytest.mark.parametrize("text", [
    "t,y,z\n" + "\n".join(f"{k},{k * k},{-k}" for k in range(40)),
    "t;y\n" + "\n".join(f"{k};{k / 3:.6f}".replace(".", ",") for k in range(40)),  # decimal commas
    "t,y\n" + "\n".join(f"{k}," + ("" if k % 9 == 4 else f"{k * 2}") for k in range(40)),  # empty cells
    "t\ty\n" + "\n".join(f"{k}\t{k ** 0.5!r}" for k in range(40)),
    "t y\n" + "\n".join(f"{k}   {k * 1.5}" for k in range(40)),
    "when,y\n" + "\n".join(f"2024-01-{1 + k // 24:02d}T{k % 24:02d}:00,{k}" for k in range(40)),
    "when,y\n" + "\n".join(f"2024-01-{1 + k // 24:02d}T{k % 24:02d}:00," + ("NA" if k == 33 else f"{k}")
                            for k in range(40)),
])
@pytest.mark.parametrize("columns", [{}, {"t": 2, "y": 1}])
def test_rows_read_in_chunks_are_read_as_at_once(tmp_path, text, columns):
    from explorer.core.data import loading

    if "when" in text and columns:
        columns = {"t": 1, "y": 2}
    whole = load_samples(write(tmp_path, text), **columns)
    for rows in (1, 2, 7, 39):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(loading, "CHUNK_ROWS", rows)
            patch.setattr(loading, "SPLIT_CHARS", rows * 5)
            pieces = load_samples(write(tmp_path, text), **columns)
        np.testing.assert_array_equal(pieces.t, whole.t)
        np.testing.assert_array_equal(pieces.y, whole.y)
        assert pieces.warnings == whole.warnings


def test_numpys_parsers_are_given_a_chunk_at_a_time(tmp_path, monkeypatch):
    from explorer.core.data import loading

    given = []
    loadtxt = np.loadtxt
    monkeypatch.setattr(np, "loadtxt", lambda lines, **kw: given.append(len(lines)) or loadtxt(lines, **kw))
    monkeypatch.setattr(loading, "CHUNK_ROWS", 1000)
    samples = load_samples(write(tmp_path, "t,y\n" + "\n".join(f"{k},{k % 7}" for k in range(4500))))
    assert len(samples.t) == 4500 and given == [1000, 1000, 1000, 1000, 500]


# -- bad data: one line each ---------------------------------------------------------------------------------


def test_every_kind_of_bad_file_is_one_line_naming_the_problem(tmp_path):
    assert "is empty" in error_of(tmp_path, "")
    assert "is empty" in error_of(tmp_path, "  \n\n")
    assert "no data" in error_of(tmp_path, "# only a comment\n")
    assert "header (t, y) but no data rows" in error_of(tmp_path, "t,y\n")
    assert "single usable row (line 2)" in error_of(tmp_path, "t,y\n0,1\n")
    assert "line 3, column 2 (y): 'abc' is not a number" in error_of(tmp_path, "t,y\n0,1\n1,abc\n2,3\n")
    assert "same t = 5" in error_of(tmp_path, "t,y\n5,1\n5,2\n5,3\n")
    assert "line 3: 3 cells where the data has 2" in error_of(tmp_path, "t,y\n0,1\n1,2,3\n2,3\n")
    assert "line 3: 1 cell where the data has 2" in error_of(tmp_path, "t,y\n0,1\n5\n2,3\n")
    assert "binary" in error_of(tmp_path, bytes(range(256)) * 20, "junk.bin")
    assert "binary" in error_of(tmp_path, b"\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f" * 200, "ctl.bin")
    assert "no row has both" in error_of(tmp_path, "t,y\n,1\n2,\n")
    # what was dropped is said: these y are not missing but beyond double range
    assert error_of(tmp_path, f"t,y\n0,1e400\n1,{10**400}\n").endswith(
        "no row has both a t and a y value (t = t, y = y; 2 data rows); rows dropped for an infinite t or y (beyond "
        "double range): "
        "2 (lines 2, 3)")
    assert error_of(tmp_path, "t,y\n0,1\n1,inf\n").endswith(
        "a derivative needs at least 2; rows dropped for an infinite t or y (beyond double range): 1 (line 3)")
    assert "no column 'speed' for y; columns are: t, y" in error_of(tmp_path, "t,y\n0,1\n1,2\n", y="speed")
    assert "y column 3 does not exist" in error_of(tmp_path, "t,y\n0,1\n1,2\n", y=3)
    assert "same column" in error_of(tmp_path, "t,y\n0,1\n1,2\n", t="y", y=2)
    assert "header (line 1) names 2 columns" in error_of(tmp_path, "t,y\n0,1,2\n1,2,3\n")


def test_whitespace_separated_names_with_spaces_set_apart_by_more_than_one_space():
    """Instruments align columns with spaces under names such as 'time (s)': the header split at every space
    named 4 columns over 2 ('line 2: 2 cells, but the header (line 1) names 4 columns')."""
    samples = parse_samples("time (s)    height (m)\n0.0         -1.5\n0.5         2.5\n1.0         4e-3\n")
    assert samples.columns == ("time (s)", "height (m)") and samples.delimiter == "whitespace"
    assert samples.t.tolist() == [0.0, 0.5, 1.0] and samples.y.tolist() == [-1.5, 2.5, 4e-3]
    assert parse_samples("Time [s]  Temp [deg C]  p [hPa]\n0  21.5  1013\n1  21.6  1012\n", y="p [hPa]").y[1] == 1012
    with pytest.raises(DataError, match="names 3 columns \\(names with spaces\\? set the columns apart by a tab or two"):
        parse_samples("time (s) height\n0 1\n1 2\n")


def test_a_title_above_the_header_and_an_empty_y_column_are_named_in_the_error(tmp_path):
    """'Logger 7\\nt,y\\n0,1' said 'line 2: 2 cells, but the header (line 1) names 1 columns'; an empty y column
    (a spacer column between t and the data) said no row had a y without saying which column y was."""
    assert error_of(tmp_path, "Logger 7 serial 123\nt,y\n0,1\n1,2\n") == (
        "line 2: 2 cells, but the header (line 1) names 1 column (is line 1 a title or note above the header? "
        "start it with #)")
    assert "(t = time, y = column 2; 2 data rows)" in error_of(tmp_path, "time,,speed\n0,,1\n1,,2\n")
    assert "(y = v; 2 data rows)" in error_of(tmp_path, "v\n-\nnan\n")


@pytest.mark.parametrize(("text", "hint"), [
    ("t,y\n0,12%\n1,13%\n", "a percent sign in the cell: write the number alone, the unit in the header"),
    ("t,y\n0,1.5 m\n1,2 m\n", "a unit (m) in the cell"),
    ("t;y\n0;21,5 °C\n1;22 °C\n", "a unit (°C) in the cell"),
    ("t,y\n0 s,1\n1 s,2\n", "a unit (s) in the cell"),
    ('t,y\n0,"1,234.5"\n1,"2,345"\n', "thousands separators are not read: write the number without them"),
    ("t\ty\n0\t1 234,5\n1\t2 345,5\n", "thousands separators are not read"),
    ("date,close\n03/01/2024,1\n03/04/2024,2\n", "a date in a local format: write dates as ISO 8601, 2024-03-01"),
    ("Datum;Kurs\n01.03.2024;1\n04.03.2024;2\n", "a date in a local format"),
    ("t,y\n3/1/2024 10:00 AM,1\n3/1/2024 10:01 AM,2\n", "a date in a local format"),
    ("Zeit;Wert\n0,5;1.25\n1,5;2.5\n", "a decimal comma where other numbers have a decimal point"),
])
def test_a_cell_that_is_not_a_number_says_what_it_looks_like_and_how_to_write_it(tmp_path, text, hint):
    """Percentages, units, thousands separators and local dates in cells, as spreadsheets and instruments
    write them, were only "'12%' is not a number"."""
    message = error_of(tmp_path, text)
    assert message.startswith("line 2, column ") and "is not a number (" + hint in message
    assert "(" not in error_of(tmp_path, "t,y\n0,abc\n1,2\n").split("number")[-1]  # nothing recognised, no hint


def test_missing_files_directories_and_special_files(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        load_samples(tmp_path / "nothing.csv")
    with pytest.raises(DataError, match="is a directory"):
        load_samples(tmp_path)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    start = time.perf_counter()
    with pytest.raises(DataError, match="not a regular file"):  # reading it would block forever
        load_samples(fifo)
    assert time.perf_counter() - start < 1
    with pytest.raises(DataError, match="not a regular file"):
        load_samples("/dev/zero")


def test_a_file_over_the_byte_limit_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "huge.csv"
    with open(path, "wb") as handle:  # sparse: costs no disk and no time
        handle.truncate(MAX_DATA_BYTES + 1)
    start = time.perf_counter()
    with pytest.raises(DataError, match="MB; data files are limited to"):
        load_samples(path)
    assert time.perf_counter() - start < 0.5
    with pytest.raises(DataError, match="limit"):
        parse_samples("1\n" * (MAX_DATA_BYTES // 2 + 1))


def test_more_rows_than_the_limit_are_refused(monkeypatch):
    from explorer.core.data import loading

    monkeypatch.setattr(loading, "MAX_DATA_ROWS", 5)
    with pytest.raises(DataError, match="6 data rows; the limit is 5"):
        parse_samples("\n".join(f"{i},{i}" for i in range(6)))
    assert MAX_DATA_ROWS == 1_000_000


def test_names_that_are_not_utf8_are_shown_escaped(tmp_path):
    path = os.path.join(os.fsencode(tmp_path), b"caf\xe9.csv")
    with pytest.raises(DataError, match=r"caf\\xe9.csv: no such file"):
        load_samples(path)
    with open(path, "w") as handle:
        handle.write("t,y\n0,1\n1,2\n")
    assert load_samples(path).source.endswith("caf\\xe9.csv")


def test_windows_1252_text_keeps_its_euro_sign_and_ellipsis(tmp_path):
    """Read as Latin-1, '€' was '\\x80' (no column 'Preis (€)') and '…' (0x85, NEL) ended the header's line."""
    text = "Zeit;Preis (€) – „netto“…\r\n0;1,5\r\n1;-2,5\r\n2;3\r\n"
    samples = load_samples(write(tmp_path, text.encode("cp1252"), mode="wb"), y="Preis (€) – „netto“…")
    assert samples.columns == ("Zeit", "Preis (€) – „netto“…") and samples.y.tolist() == [1.5, -2.5, 3.0]
    undefined = load_samples(write(tmp_path, "t,\x81y\xb5\n0,1\n1,2\n".encode("latin-1"), "u.csv", mode="wb"))
    assert undefined.y_name == "\\x81y\xb5"  # a byte cp1252 leaves undefined: Latin-1, as before


def test_latin1_text_and_a_large_clean_file(tmp_path):
    path = write(tmp_path, "Zeit (s),H\xf6he\n0,1\n1,2\n".encode("latin-1"), mode="wb")
    assert load_samples(path).y_name == "H\xf6he"
    n = 200_000
    t = np.arange(n) * 0.01
    body = "t,y\n" + "\n".join(f"{a:.6f},{b:.9f}" for a, b in zip(t, np.sin(t), strict=True))
    samples = load_samples(write(tmp_path, body, "big.csv"))
    assert len(samples.t) == n and samples.y[-1] == pytest.approx(np.sin(t[-1]), abs=1e-8)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-16-le", "utf-32"])
def test_utf16_and_utf32_text_is_read_as_excel_unicode_text_saves_it(tmp_path, encoding):
    """Excel's "Unicode text" is UTF-16 with a byte-order mark: its NUL bytes are not a binary file's."""
    text = "Zeit (s)\tTemperatur (\u00b0C)\r\n0\t-1.5\r\n0.5\t2.25\r\n1\t1e-3\r\n"
    data = ("\ufeff" + text).encode(encoding) if encoding.endswith(("le", "be")) else text.encode(encoding)
    samples = load_samples(write(tmp_path, data, "unicode.txt", "wb"))
    assert samples.columns == ("Zeit (s)", "Temperatur (\u00b0C)") and samples.delimiter == "tab"
    assert samples.t.tolist() == [0.0, 0.5, 1.0] and samples.y.tolist() == [-1.5, 2.25, 1e-3]
    without_mark = load_samples(write(tmp_path, "t,y\n0,1\n1,3\n".encode("utf-16-le"), "le.csv", "wb"))
    assert without_mark.y.tolist() == [1.0, 3.0]
    junk = b"\xff\xfe" + ("\x01\x02\x03\x04\x05" * 40).encode("utf-16-le")  # control characters
    assert "binary" in error_of(tmp_path, junk, "junk.bin")


@pytest.mark.parametrize(("text", "expected"), [
    ("\x00\x01", "pasted text is binary, not text (it contains NUL characters)"),
    ("a\x00b\n1,2\n3,4", "pasted text is binary, not text (it contains NUL characters)"),
    ("\x01\x02", "pasted text has a header (\\x01\\x02) but no data rows"),
    ("\x01\n\x02", "line 2, column 1 (\\x01): '\\x02' is not a number"),
    ("t\u200b,y\n1,2\n3,x", "line 3, column 2 (y): 'x' is not a number"),
])
def test_characters_that_print_as_nothing_are_shown_in_messages(text, expected):
    with pytest.raises(DataError) as info:
        parse_samples(text)
    assert str(info.value) == expected


def test_a_header_with_invisible_characters_names_its_columns_visibly():
    samples = parse_samples("t\u200b,speed\x07\n1,2\n3,5\n")
    assert samples.columns == ("t\\u200b", "speed\\x07") and samples.t_name == "t\\u200b"


# -- random junk -----------------------------------------------------------------------------------------------

CELLS = st.one_of(st.integers(-10**6, 10**6).map(str), st.floats(allow_nan=True, allow_infinity=True).map(repr),
                  st.sampled_from(["", "nan", "NA", "-", "x", "1,5", "1e999", "--1", '"3"', "inf", " 2 "]),
                  st.text(max_size=6))

def check_samples(samples):
    assert isinstance(samples, Samples)
    assert len(samples.t) == len(samples.y) >= 2
    assert np.all(np.diff(samples.t) > 0) and np.all(np.isfinite(samples.t)) and np.all(np.isfinite(samples.y))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(CELLS, min_size=0, max_size=4), min_size=0, max_size=12),
       st.sampled_from([",", "\t", ";", " "]), st.booleans())
def test_random_tables_give_samples_or_one_data_error(rows, separator, header):
    text = ("t" + separator + "y\n" if header else "") + "\n".join(separator.join(row) for row in rows)
    start = time.perf_counter()
    try:
        check_samples(parse_samples(text))
    except DataError as exc:
        assert "\n" not in str(exc) and str(exc)
    assert time.perf_counter() - start < 1


DATES = st.one_of(
    st.datetimes(min_value=datetime.datetime(1, 1, 1), max_value=datetime.datetime(9999, 12, 31))
    .map(lambda d: d.isoformat(sep=" " if d.microsecond % 2 else "T")),
    st.dates().map(str))
NUMBERS = st.floats(-1e6, 1e6).map(repr)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(DATES, NUMBERS), min_size=2, max_size=12), st.sampled_from([",", "\t", ";"]))
def test_random_dates_are_t_as_their_distance_from_the_earliest(rows, separator):
    text = "when" + separator + "y\n" + "\n".join(separator.join(row) for row in rows)
    stamps = sorted({np.datetime64(when.replace(" ", "T"), "us") for when, _ in rows})
    if len(stamps) < 2:
        with pytest.raises(DataError, match="have the same when"):
            parse_samples(text)
        return
    samples = parse_samples(text)
    check_samples(samples)
    size = {"seconds": 1e6, "minutes": 6e7, "hours": 3.6e9, "days": 8.64e10}[samples.t_unit]
    expected = [(k - stamps[0]) / np.timedelta64(1, "us") / size for k in stamps]
    np.testing.assert_allclose(samples.t, expected, rtol=1e-15, atol=0)
    step = float(np.median(np.diff(expected))) * size  # microseconds: the unit is the largest it reaches
    assert step >= size and all(step < bigger for _, bigger in TIME_UNITS if bigger > size) or \
        samples.t_unit == "seconds"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.one_of(DATES, DATES, CELLS), st.one_of(NUMBERS, CELLS)), min_size=1, max_size=12),
       st.sampled_from([",", "\t", ";"]))
def test_random_tables_of_dates_give_samples_or_one_data_error(rows, separator):
    text = "when" + separator + "y\n" + "\n".join(separator.join(row) for row in rows)
    start = time.perf_counter()
    try:
        check_samples(parse_samples(text))
    except DataError as exc:
        assert "\n" not in str(exc) and str(exc)
    assert time.perf_counter() - start < 1


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_give_samples_or_one_data_error(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("junk") / "junk.dat"
    path.write_bytes(data)
    start = time.perf_counter()
    try:
        check_samples(load_samples(path))
    except DataError as exc:
        assert "\n" not in str(exc) and str(exc)
    assert time.perf_counter() - start < 1


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300), st.one_of(st.none(), st.integers(-2, 4), st.text(max_size=5)),
       st.one_of(st.none(), st.integers(-2, 4), st.text(max_size=5)))
def test_random_text_and_columns_give_samples_or_one_data_error(text, t, y):
    try:
        check_samples(parse_samples(text, t, y))
    except DataError as exc:
        assert "\n" not in str(exc) and str(exc)
