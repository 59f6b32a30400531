"""The derivation rule by rule, as derivative calculators show it: each rule with the expression before and
after, nested for the chain rule; copied as LaTeX or Markdown. Worked out in an abandonable child process."""

from __future__ import annotations

from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from ..core.expression.parser import parse_expression
from ..core.limits import STEPS_TIMEOUT
from ..core.symbolic.engine import default_start_method
from ..core.symbolic.steps_format import rendered_within
from .stage_worker import StageWorker


class StepsDialog(QDialog):
    """Shows the steps of d^order f/dx^order; the work runs in a thread that waits on a child process."""

    def __init__(self, expression: str, order: int, parent: QWidget | None = None):
        super().__init__(parent)
        power = "" if order == 1 else str(order)
        self.setWindowTitle(f"Steps: d{power}/dx{power} of {expression[:60]}")
        self.resize(760, 560)
        self.status = QLabel("working out the steps …")
        self.text = QTextBrowser()
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.copy_latex = QPushButton("Copy as LaTeX")
        self.copy_markdown = QPushButton("Copy as Markdown")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        for button in (self.copy_latex, self.copy_markdown):
            button.setEnabled(False)
            buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.copy_latex.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.forms.get("latex", "")))
        self.copy_markdown.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.forms.get("markdown", "")))
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.text, 1)
        layout.addWidget(buttons)
        self.forms: dict[str, str] = {}
        self.worker = StageWorker(self)
        self.worker.stage.connect(lambda _job, forms: self._show(forms))
        self.worker.failed.connect(lambda _job, message: self.status.setText(f"no steps: {message}"))
        self.worker.start()
        parsed = parse_expression(expression)

        def work():
            yield rendered_within(STEPS_TIMEOUT, parsed.expr, parsed.variable, order, "all", default_start_method())

        self.worker.submit(1, work)

    def _show(self, forms: dict[str, str]) -> None:
        self.forms = forms
        self.text.setPlainText(forms["text"])
        self.status.setText("each step checked against SymPy's own derivative at several points")
        for button in (self.copy_latex, self.copy_markdown):
            button.setEnabled(True)

    def done(self, result: int) -> None:  # the worker's thread ends with the dialog
        self.worker.stop()
        super().done(result)
