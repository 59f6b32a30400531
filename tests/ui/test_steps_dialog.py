from PySide6.QtGui import QGuiApplication


def test_ctrl_d_shows_the_derivation_rule_by_rule_and_copies_it(qtbot, window, settled):
    window.editor.set_text("x^2*sin(x)")
    settled(window)
    dialog = window.show_steps()
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: bool(dialog.forms), timeout=30_000)
    text = dialog.text.toPlainText()
    assert "product" in text and "power" in text
    dialog.copy_latex.click()
    assert "\\frac{d}{dx}" in QGuiApplication.clipboard().text() or "\\frac{d" in QGuiApplication.clipboard().text()
    dialog.copy_markdown.click()
    assert "product" in QGuiApplication.clipboard().text()
    dialog.reject()


def test_steps_that_cannot_be_given_say_why_in_one_line(qtbot, window, settled):
    window.editor.set_text("x^x^x^x^x^x^x^x^x^x^x^x")
    settled(window)
    window.domain.order.setValue(6)
    settled(window)
    dialog = window.show_steps()
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.status.text().startswith("no steps:"), timeout=60_000)
    assert "\n" not in dialog.status.text()
    dialog.reject()


def test_the_steps_are_drawn_as_mathematics_row_by_row(qtbot, window, settled):
    """Each row (f, every rule's step, the result) is typeset: an image per row, with ink on it, and the rule
    names beside them as text; order 2 shows both differentiations."""
    window.editor.set_text("exp(sin(x^2))/x")
    settled(window)
    window.domain.order.setValue(2)
    settled(window)
    dialog = window.show_steps()
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: bool(dialog.drawn), timeout=60_000)
    assert len(dialog.drawn) == len(dialog.rows) and all(dialog.drawn)
    kinds = [row.kind for row in dialog.rows]
    assert kinds[0] == "function" and kinds.count("order") == 2 and kinds.count("result") == 2
    for i in range(len(dialog.rows)):
        image = dialog.text.images[f"row:{i}"]
        assert image.width() > 20 and image.height() > 8
        inked = sum(1 for x in range(0, image.width(), 3) for y in range(0, image.height(), 2)
                    if image.pixelColor(x, y).alpha() > 128)
        assert inked > 10, dialog.rows[i].latex
    text = dialog.text.toPlainText()
    assert all(name in text for name in ("quotient", "chain (exp)", "result", "order 2"))
    dialog.reject()


def test_a_row_that_cannot_be_drawn_stays_text():
    from explorer.core.expression.parser import parse_expression
    from explorer.core.symbolic.steps_format import derive_and_render_all
    from explorer.ui.steps_dialog import rows_html

    parsed = parse_expression("x^3*cos(x)")
    rows = derive_and_render_all(parsed.expr, parsed.variable, 1)["rows"]
    page = rows_html(rows, [True] + [False] * (len(rows) - 1))
    assert page.count("<img") == 1 and 'src="row:0"' in page
    assert "x^3*cos(x)" in page and "product" in page  # the undrawn rows as their SymPy text
