"""Numbers written for people: neighbours that differ in value differ in text, at every scale."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from explorer.core.display import MAX_DIGITS, digits_to_resolve, exact_text, resolved, resolved_all


@pytest.mark.parametrize(("start", "step"), [(1e8, 0.2), (1.7e9, 1e-3), (1e-300, 1e-310), (-5.0, 1.0),
                                             (1e15, 0.5), (123456.789, 1e-4), (0.0, 1e-12)])
def test_neighbours_read_differently_and_back_close(start, step):
    values = start + step * np.arange(6)
    texts = resolved_all(values)
    assert len(set(texts)) == len(set(values.tolist()))
    for text, value in zip(texts, values, strict=True):  # each text is within half a step of its value
        assert abs(float(text) - value) <= step / 2 + abs(value) * 2.3e-16


def test_plain_values_keep_the_usual_six_digits():
    assert resolved_all([-1.0, -0.5, 0.0, 0.5, 1.0]) == ["-1", "-0.5", "0", "0.5", "1"]
    assert resolved(1e8, 1e7) == "1e+08"


def test_at_most_a_doubles_digits_and_nothing_breaks_on_odd_input():
    assert digits_to_resolve(1e300, 1e-300) == MAX_DIGITS
    assert digits_to_resolve(math.inf, 1.0) == digits_to_resolve(1.0, 0.0) == digits_to_resolve(0.0, 1.0) == 6
    assert resolved_all([]) == []
    assert resolved_all([math.nan, math.inf, 1.0]) == ["nan", "inf", "1"]
    assert resolved_all([2.0, 2.0, 2.0]) == ["2", "2", "2"]


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300),
       st.floats(min_value=1e-12, max_value=1.0))
def test_two_numbers_a_resolution_apart_differ_in_text(value, fraction):
    other = value + max(abs(value), 1e-300) * fraction
    if other == value:
        return
    assert resolved(value, other - value) != resolved(other, other - value)


@pytest.mark.parametrize("value", [100000000.3, 0.1, 1e-300, -2.5, 1.7e9 + 1e-6, 10.0**22])
def test_exact_text_reads_back_exactly(value):
    assert float(exact_text(value)) == value
    assert exact_text(np.float64(value)) == exact_text(value)  # numpy's own repr says np.float64(...)


def test_exact_text_of_whole_numbers_is_as_typed():
    assert [exact_text(v) for v in (2.0, -3.0, 0.0, 1e22, 100000000.3)] == ["2", "-3", "0", "1e+22", "100000000.3"]
