import numpy as np

from explorer.core.derive import derive
from explorer.core.numeric.gaps import gap_note, undefined_spans
from explorer.core.request import DerivativeRequest, Method


def test_spans_of_missing_values_are_found_at_both_ends_and_inside():
    x = np.arange(10.0)
    values = np.array([np.nan, np.nan, 1, 2, np.inf, 3, 4, 5, np.nan, -np.inf])
    assert undefined_spans(x, values) == [(0.0, 1.5), (4.0, 4.0), (7.5, 9.0)]  # ends halfway to a value
    assert undefined_spans(x, np.ones(10)) == []
    assert undefined_spans(x, np.full(10, np.nan)) == [(0.0, 9.0)]


def test_log_on_a_symmetric_range_says_where_it_is_undefined():
    results = derive(DerivativeRequest("log(x)", x_min=-5, x_max=5, points=1001))
    curves = results.curves
    note = gap_note(curves.x, curves.f, curves.derivatives[Method.SYMBOLIC])
    assert note.startswith("f is undefined") and "-5 ≤ x ≤ 0" in note


def test_a_derivative_undefined_where_f_is_defined_is_named():
    results = derive(DerivativeRequest("sqrt(abs(x))", x_min=-1, x_max=1, points=201))
    curves = results.curves
    note = gap_note(curves.x, curves.f, curves.derivatives[Method.SYMBOLIC])
    assert note.startswith("f' is undefined") and "x = 0" in note


def test_many_gaps_are_counted_not_listed():
    x = np.arange(20.0)
    values = np.where(np.arange(20) % 2 == 0, np.nan, 1.0)
    note = gap_note(x, values, None)
    assert "and 7 more places" in note
