"""Stored settings: every input round-trips, every unusable stored value falls back with a note, and a
damaged settings file never stops the window from opening."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtCore import QSettings

from explorer.core.inputs import declared_inputs, from_text, to_text
from explorer.core.request import DerivativeRequest, Method
from explorer.ui.settings import load_inputs, load_window, save_inputs

DECLARED = dict(declared_inputs(DerivativeRequest))
UNUSABLE = ["nan", "inf", "-inf", "1e300", "-1e400", "hello", "", "1,2", "0x10", "None", "9" * 400, "\x00", "é",
            # Digits are 0-9 in a stored number as everywhere: float() and int() also read these.
            "١٢٣", "1_000", "٣.٥", "１２", "a=١"]
# Values an input accepts as stored text; everything else in UNUSABLE must be refused by it.
ACCEPTED = {"expression": set(UNUSABLE), "methods": {""}, "parameters": {""}, "probe": {""}}


def test_every_declared_input_round_trips_through_its_stored_form():
    request = DerivativeRequest(expression="a*sin(k x)", order=3, x_min=-1e-9, x_max=2.5e12, points=77, step=3e-7,
                                accuracy=5, methods=(Method.CENTRAL, Method.AUTODIFF),
                                parameters=(("a", -6.674e-11), ("k", 1e15)), probe=1.0000000000000002, noise=1e-6)
    values, notes = from_text(DerivativeRequest, to_text(request))
    assert notes == [] and DerivativeRequest(**values) == request


@pytest.mark.parametrize("name", sorted(DECLARED))
@pytest.mark.parametrize("text", UNUSABLE)
def test_every_input_refuses_every_unusable_stored_value_and_says_so(name, text):
    values, notes = from_text(DerivativeRequest, {name: text})
    if text in ACCEPTED.get(name, set()):
        assert notes == []
        assert DECLARED[name].problem(values[name]) is None
    else:
        assert name not in values, f"{name}={text!r} was restored as {values.get(name)!r}"
        assert len(notes) == 1 and DECLARED[name].label in notes[0]


@given(st.dictionaries(st.sampled_from(sorted(DECLARED)), st.text(max_size=40) | st.floats().map(repr)))
def test_whatever_is_stored_the_restored_request_is_computable_or_names_the_range(stored):
    values, _ = from_text(DerivativeRequest, stored)
    request = DerivativeRequest(**values)
    for name, spec in DECLARED.items():
        assert spec.problem(getattr(request, name)) is None


def write_ini(path, session: dict[str, str], window: dict[str, str] | None = None) -> QSettings:
    lines = ["[session]", *(f"{k}={v}" for k, v in session.items()), "[window]",
             *(f"{k}={v}" for k, v in (window or {}).items()), "[view]", "relative_errors=maybe"]
    path.write_text("\n".join(lines) + "\n")
    return QSettings(str(path), QSettings.Format.IniFormat)


def test_an_empty_x_range_goes_back_to_the_default_range(tmp_path):
    values, notes = load_inputs(write_ini(tmp_path / "s.ini", {"x_min": "3", "x_max": "-3"}))
    assert "x_min" not in values and "x_max" not in values and "empty" in notes[-1]


@pytest.mark.parametrize("stored", [{"x_min": "999999999999999", "x_max": "999999999999999.1"},
                                    {"x_min": "1", "x_max": "1.000000000001", "points": "1000000"},
                                    {"x_min": "-1e15", "x_max": "-999999999999999.9"}])
def test_a_stored_x_range_too_narrow_for_its_points_goes_back_to_the_default_range(tmp_path, stored):
    # Each end usable, and x from below x to, but no `points` distinct doubles between them: restored as
    # stored, the window started with nothing computed and only "x range too narrow" to say why.
    values, notes = load_inputs(write_ini(tmp_path / "s.ini", stored))
    assert "x_min" not in values and "x_max" not in values
    assert len(notes) == 1 and "too narrow" in notes[0] and "default range" in notes[0]
    assert DerivativeRequest(**values).problems() == []
    assert values.get("points", DerivativeRequest.points) == int(stored.get("points", DerivativeRequest.points))


def test_a_damaged_settings_file_opens_the_window_with_defaults_and_one_status_line(qtbot, tmp_path, settled):
    from explorer.ui.main_window import MainWindow

    settings = write_ini(tmp_path / "s.ini", {"step": "nan", "x_min": "nan", "x_max": "-inf", "points": "1e300",
                                               "order": "99", "parameters": "a=nan", "expression": "a*x",
                                               "methods": "symbolic,bogus", "noise": "-1", "probe": "inf"},
                         {"geometry": "hello", "splitter": "@ByteArray(garbage)"})
    window = MainWindow(settings=settings)
    qtbot.addWidget(window)
    window.show()
    settled(window)
    defaults = DerivativeRequest()
    request = window.request
    assert request.expression == "a*x" and request.parameters == (("a", 1.0),)
    for name in ("step", "x_min", "x_max", "points", "order", "methods", "noise", "probe"):
        assert getattr(request, name) == getattr(defaults, name), name
    assert window.results is not None and window.results.sweep is not None  # it computed
    message = window.statusBar().currentMessage()
    assert message.startswith("settings:") and "step h" in message and "relative_errors" in message
    assert math.isfinite(window.slider.step())
    window.close()


@pytest.mark.parametrize("stored", ["bogus", "data,fields", "Data", "1e300"])
def test_an_unknown_stored_mode_opens_the_formula_mode_and_says_so(qtbot, tmp_path, stored):
    from explorer.ui.main_window import MainWindow

    path = tmp_path / "s.ini"
    path.write_text(f"[view]\nmode={stored}\n")
    window = MainWindow(settings=QSettings(str(path), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    try:
        assert window.mode() == "formula"
        message = window.statusBar().currentMessage()
        assert message.startswith("settings:") and "view/mode" in message, message
    finally:
        window.close()


def test_window_state_refuses_text_where_bytes_belong(tmp_path):
    state = load_window(write_ini(tmp_path / "s.ini", {}, {"geometry": "hello", "splitter": "1,2"}))
    assert state.geometry is None and state.splitter is None and not state.relative_errors
    assert len(state.notes) == 3


def test_saved_inputs_come_back(tmp_path):
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    request = DerivativeRequest(expression="x^2", x_min=0.0, x_max=1e-3, noise=2.5e-7, probe=None)
    save_inputs(settings, request)
    settings.sync()
    values, notes = load_inputs(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    assert notes == [] and DerivativeRequest(**values) == request


def _modes_requests():
    from explorer.core.data.session import DataRequest
    from explorer.core.fields.session import FieldRequest

    return [DataRequest, FieldRequest]


@pytest.mark.parametrize("kind", _modes_requests(), ids=lambda k: k.__name__)
@pytest.mark.parametrize("text", UNUSABLE)
def test_every_stored_input_of_the_other_modes_is_usable_once_restored(kind, text):
    """Data and several-variables modes store their inputs the same way: whatever text a stored value holds,
    each field restores to a usable value (the stored one or its default, with a note)."""
    declared = dict(declared_inputs(kind))
    for name, spec in declared.items():
        values, notes = from_text(kind, {name: text})
        request = kind(**values)
        assert spec.problem(getattr(request, name)) is None, (name, text)
        assert name in values or len(notes) == 1


@pytest.mark.parametrize("kind", _modes_requests(), ids=lambda k: k.__name__)
def test_the_other_modes_inputs_round_trip_through_their_stored_form(kind):
    request = kind()
    values, notes = from_text(kind, to_text(request))
    assert notes == [] and kind(**values) == request


def test_a_damaged_several_variables_group_opens_that_mode_with_defaults(qtbot, tmp_path):
    from explorer.core.fields.session import FieldRequest
    from explorer.ui.main_window import MainWindow

    path = tmp_path / "settings.ini"
    # Every input unusable but the function (kept as typed, like the formula's: its box says what is wrong).
    bad = "\n".join(f"{name}=nan\\x00\\u00e9" for name, _ in declared_inputs(FieldRequest) if name != "expression")
    bad += "\nexpression=x*y^2"
    path.write_text("[view]\nmode=fields\n[fields]\n" + bad + "\n")
    window = MainWindow(settings=QSettings(str(path), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.show()
    try:
        assert window.mode() == "fields"
        state = window.fields.model.state
        for name, spec in declared_inputs(FieldRequest):
            assert spec.problem(getattr(state, name)) is None
        qtbot.waitUntil(lambda: "map" in window.fields.stages, timeout=30_000)  # it computes from defaults
    finally:
        window.close()


@pytest.mark.parametrize("stored", [{"x_min": "5", "x_max": "2"}, {"y_min": "1e-3", "y_max": "-1e-3"},
                                    {"x_min": "7", "y_max": "-9"}, {"x_max": "-1e6"}, {"y_min": "4"}])
def test_a_stored_map_rectangle_usable_field_by_field_but_empty_together_falls_back(qtbot, tmp_path, stored):
    from explorer.core.fields.session import FieldRequest
    from explorer.ui.main_window import MainWindow

    path = tmp_path / "settings.ini"
    path.write_text("[view]\nmode=fields\n[fields]\n" + "\n".join(f"{k}={v}" for k, v in stored.items()) + "\n")
    window = MainWindow(settings=QSettings(str(path), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    try:
        state = window.fields.model.state
        assert state.problems() == []  # the map is drawn, not an error
        default = FieldRequest()
        assert (state.x_min, state.x_max, state.y_min, state.y_max) == (default.x_min, default.x_max,
                                                                        default.y_min, default.y_max)
        assert any("rectangle" in note for note in window.fields.startup_notes)
    finally:
        window.close()


@pytest.mark.parametrize("stored", ["[" * 100_000, "[" * 50_000 + "]" * 50_000, "{not json", "42", '["x^2", 7]'])
def test_a_stored_recent_list_that_is_not_a_list_of_texts_opens_the_window_and_says_so(qtbot, tmp_path, stored):
    # json.loads raises RecursionError, not ValueError, on deep nesting: "[[[[..." in the recent functions or the
    # recent data files stopped the window from opening. Each list falls back to empty with a note; the other
    # stored values are kept.
    from explorer.ui.main_window import MainWindow

    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    settings.setValue("session/expression", "x^3")
    settings.setValue("history/expressions", stored)
    settings.setValue("data/recent", stored)
    settings.sync()
    window = MainWindow(settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    try:
        assert window.model.state.expression == "x^3"
        assert window.editor.recent == ([] if stored != '["x^2", 7]' else ["x^2"])
        assert window.data.recent == []
        message = window.statusBar().currentMessage()
        if stored != '["x^2", 7]':
            assert "history/expressions" in message and "data/recent" in message, message
    finally:
        window.close()
