import math

import numpy as np


def test_tangent_secant_and_chord_follow_the_sweep_point_and_the_step(qtbot, window, settled):
    window.model.update(probe=1.0)
    window.slider.set_step(0.1)
    settled(window)
    overlay = window.overlay
    result = overlay.result
    assert result is not None and result.probe == 1.0
    assert result.tangent.slope == math.cos(1.0) and result.tangent.y0 == math.sin(1.0)
    h = result.step
    assert h == (1.0 + 0.1) - 1.0  # |x| <= 1: the base step itself, made exact at x = 1
    assert result.forward.slope == (math.sin(1.0 + h) - math.sin(1.0)) / h
    assert abs(result.chord.slope - math.cos(1.0)) < abs(result.forward.slope - math.cos(1.0))
    xs, ys = overlay.tangent.getData()
    np.testing.assert_allclose(ys, math.sin(1.0) + math.cos(1.0) * (xs - 1.0))
    np.testing.assert_allclose(overlay.stencil.getData()[0], [1 - h, 1 + h])  # the central stencil of f'
    window.slider.set_step(1e-4)  # the secant turns into the tangent
    settled(window)
    assert abs(overlay.result.forward.slope - math.cos(1.0)) < 1e-4


def test_taylor_polynomial_and_where_it_holds(qtbot, window, settled):
    window.model.update(probe=0.0, taylor_degree=5)
    settled(window)
    result = window.overlay.result
    assert result.taylor_degree == 5
    x, t = result.taylor
    np.testing.assert_allclose(t, x - x**3 / 6 + x**5 / 120, atol=1e-12)
    low, high = result.taylor_interval
    assert -3 < low < -1.5 and 1.5 < high < 3  # x - x^3/6 + x^5/120 stays within 1% of 2 near 0
    assert window.overlay.band.isVisible()
    window.calculus.taylor.setValue(0)
    settled(window)
    assert window.overlay.result.taylor is None and not window.overlay.band.isVisible()


def test_critical_points_are_listed_and_a_click_moves_the_sweep_there(qtbot, window, settled):
    settled(window)
    points = window.overlay.result.critical
    kinds = sorted((round(p.x, 9), p.kind) for p in points)
    assert (round(math.pi / 2, 9), "maximum") in kinds and (round(-math.pi / 2, 9), "minimum") in kinds
    assert (0.0, "inflection") in [(abs(x), k) for x, k in kinds]
    assert window.calculus.points.count() == len(points)
    row = next(i for i, p in enumerate(points) if p.kind == "maximum" and p.x > 0)
    item = window.calculus.points.item(row)
    window.calculus.points.itemClicked.emit(item)
    settled(window)
    assert abs(window.request.probe - math.pi / 2) < 1e-12
    assert abs(window.panels.sweep.sweep.probe - math.pi / 2) < 1e-12


def test_the_calculus_switches_are_remembered(qtbot, make_window, settled):
    first = make_window()
    first.calculus.tangents.setChecked(False)
    first.calculus.taylor.setValue(3)
    first.calculus.extrema.setChecked(False)
    settled(first)
    first.close()
    second = make_window()
    assert (second.request.tangents, second.request.taylor_degree, second.request.extrema) == (False, 3, False)
    assert not second.calculus.points.isVisible()


def test_a_taylor_polynomial_of_degree_ten(qtbot, window, settled):
    window.model.update(probe=0.5, taylor_degree=10, expression="exp(x)")
    settled(window)
    result = window.overlay.result
    assert result.taylor_degree == 10
    x, t = result.taylor
    expected = sum(math.exp(0.5) * (x - 0.5) ** k / math.factorial(k) for k in range(11))
    np.testing.assert_allclose(t, expected, rtol=1e-12)


def test_a_polynomial_shows_its_coefficients_and_its_derivatives_as_numpy_poly1d_gives_them(qtbot, window,
                                                                                            settled):
    label = window.calculus.polynomial
    window.model.update(tangents=False, extrema=False, taylor_degree=0)  # shown whatever the switches say
    window.editor.set_text("3x^4 - 2x + a")
    settled(window)
    window.parameters.box("a").setValue(5.0)
    settled(window)
    coefficients = np.poly1d([3, 0, 0, -2, 5])
    assert label.isVisible()
    assert "[3, 0, 0, -2, 5]" in label.text() and f"[{', '.join(f'{c:g}' for c in coefficients.deriv().coeffs)}]" \
        in label.text()
    window.domain.order.setValue(2)
    settled(window)
    assert "[36, 0, 0]" in label.text() and "f″(x)" in label.text()
    window.editor.set_text("(x+1)^5000")  # a polynomial, but not one worth listing (nor expanding)
    settled(window)
    assert not label.isVisible()
    window.editor.set_text("sin(x)")
    settled(window)
    assert not label.isVisible() and label.text() == ""


def test_a_critical_value_at_rounding_level_of_f_is_listed_as_zero(qtbot, window, settled):
    """tan at pi is 1.2e-16 in doubles, and so are all its inflection values: zero is judged against f's
    size over the range (tan reaches 1e15 near its poles), not against the other points' values."""
    window.model.update(extrema=True)
    window.editor.set_text("tan(x)")
    settled(window)
    texts = [window.calculus.points.item(i).text() for i in range(window.calculus.points.count())]
    inflections = [t for t in texts if t.startswith("inflection")]
    assert inflections and all(t.endswith("f = 0") for t in inflections), texts


def test_critical_points_far_from_zero_are_listed_where_they_are(qtbot, window, settled):
    """(x - 1e6 - 0.0005)^2 on [1e6, 1e6 + 1e-3] has its minimum at 1000000.0005: ten digits said
    x = 1000000, half the range away; near 1e15 every point of sin read x = 1e+15."""
    window.model.update(extrema=True, x_min=1e6, x_max=1e6 + 1e-3, probe=1e6 + 2e-4)
    window.editor.set_text("(x - 1e6 - 0.0005)^2")
    settled(window)
    texts = [window.calculus.points.item(i).text() for i in range(window.calculus.points.count())]
    assert len(texts) == 1 and texts[0].startswith("min"), texts
    listed = float(texts[0].split("x = ")[1].split(",")[0])
    assert abs(listed - (1e6 + 0.0005)) < 1e-9
    window.model.update(x_min=1e15 - 1e4, x_max=1e15, probe=1e15 - 5e3)
    window.editor.set_text("sin(x)")
    settled(window)
    points = window.overlay.result.critical
    texts = [window.calculus.points.item(i).text() for i in range(len(points))]
    assert len(points) > 3
    assert [float(t.split("x = ")[1].split(",")[0]) for t in texts] == [p.x for p in points]


def test_the_calculus_key_wraps_between_entries_never_within_one(qtbot, window, settled):
    """At 1024x700 the key wrapped after a secant's or the Taylor line's "╍", leaving it at a line's end away
    from its words; laid out at the label's width, each mark now sits on one line with its words."""
    from PySide6.QtGui import QTextDocument

    window.resize(1024, 700)
    window.show()
    settled(window)
    key = window.calculus.key
    qtbot.waitUntil(lambda: key.width() > 100)
    entries = ["━ tangent", "╍ secant (forward, h)", "╍ chord (central)", "╍ Taylor, shaded where within 1%",
               "▲ max", "▼ min", "● inflection"]
    for width in (key.contentsRect().width(), 240):  # (narrower than an entry, Qt breaks within it)
        document = QTextDocument()
        document.setDefaultFont(key.font())
        document.setDocumentMargin(0)
        document.setHtml(key.text())
        document.setTextWidth(width)
        document.size()  # (laid out)
        block = document.begin()
        layout = block.layout()
        lines = [block.text()[layout.lineAt(i).textStart():][:layout.lineAt(i).textLength()].replace("\xa0", " ")
                 for i in range(layout.lineCount())]
        assert len(lines) > 1 or width == key.contentsRect().width()
        for entry in entries:
            assert sum(entry in line for line in lines) == 1, (width, entry, lines)
