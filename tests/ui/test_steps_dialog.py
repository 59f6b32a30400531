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
