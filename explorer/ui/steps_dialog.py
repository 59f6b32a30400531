"""The derivation rule by rule, as derivative calculators show it: each rule with the expression before and
after, nested for the chain rule, drawn as mathematics; copied as LaTeX or Markdown. Worked out, then typeset,
in abandonable child processes."""

from __future__ import annotations

import html
from collections.abc import Sequence

from PySide6.QtCore import QUrl
from PySide6.QtGui import QFontMetrics, QGuiApplication, QImage
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from ..core.expression.parser import parse_expression
from ..core.limits import STEPS_TIMEOUT
from ..core.symbolic.engine import default_start_method
from ..core.symbolic.steps import StepsTimeout
from ..core.symbolic.steps_format import StepRow, rendered_within, typeset_within
from .stage_worker import StageWorker
from .svg_image import svg_image

INDENT_PX = 28  # per level of nesting (the chain rule's inner steps)
CHECKED = "each step checked against SymPy's own derivative at several points"


class StepsView(QTextBrowser):
    """The steps' table; its pictures come from `images` (row:i -> QImage), which setHtml leaves alone."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.images: dict[str, QImage] = {}

    def loadResource(self, kind: int, name: QUrl | str) -> object:  # noqa: N802 - Qt's name
        image = self.images.get(name.toString() if isinstance(name, QUrl) else name)
        return image if image is not None else super().loadResource(kind, name)


class Typeset(list):
    """The rows' SVG drawings (None where a row stays text): the dialog's second stage."""


def rows_html(rows: Sequence[StepRow], drawn: Sequence[bool] = (), label_width: int = 120) -> str:
    """A two-column table: the rule on the left (label_width pixels: Qt squeezes a column without a width
    down to a letter a line when a row is wide), the step on the right indented by its depth; a row whose
    picture is drawn (drawn[i]) shows the image resource row:i, any other its text."""
    cells = []
    for i, row in enumerate(rows):
        label = html.escape(row.label)
        if row.kind in ("order", "result"):
            label = f"<b>{label}</b>"
        if i < len(drawn) and drawn[i]:
            body = f'<img src="row:{i}">'
        else:
            where = f"  ({row.where_text})" if row.where_text else ""
            body = f"<code>{html.escape(row.text + where)}</code>"
        note = f' <span style="color:#555">({html.escape(row.note)})</span>' if row.note else ""
        indent = "&nbsp;" * (4 * row.depth)
        cells.append(f'<tr><td align="right" valign="middle" width="{label_width}" style="color:#444">{label}</td>'
                     f'<td valign="middle">{indent}{body}{note}</td></tr>')
    return '<table cellspacing="0" cellpadding="4">' + "".join(cells) + "</table>"


class StepsDialog(QDialog):
    """Shows the steps of d^order f/dx^order; the work runs in a thread that waits on a child process."""

    def __init__(self, expression: str, order: int, parent: QWidget | None = None):
        super().__init__(parent)
        power = "" if order == 1 else str(order)
        self.setWindowTitle(f"Steps: d{power}/dx{power} of {expression[:60]}")
        self.resize(760, 560)
        self.status = QLabel("working out the steps …")
        self.text = StepsView()
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
        self.forms: dict = {}
        self.rows: tuple[StepRow, ...] = ()
        self.drawn: list[bool] = []  # per row: shown as typeset mathematics
        self.worker = StageWorker(self)
        self.worker.stage.connect(lambda _job, stage: self._show(stage))
        self.worker.failed.connect(lambda _job, message: self.status.setText(f"no steps: {message}"))
        self.worker.start()
        parsed = parse_expression(expression)
        start = default_start_method()

        def work():
            forms = rendered_within(STEPS_TIMEOUT, parsed.expr, parsed.variable, order, "all", start)
            yield forms
            try:  # the text is on screen meanwhile; a drawing that takes too long leaves it there
                yield Typeset(typeset_within(STEPS_TIMEOUT, forms["rows"], start))
            except StepsTimeout as exc:
                yield Typeset([None] * len(forms["rows"]) + [str(exc)])

        self.worker.submit(1, work)

    def _show(self, stage) -> None:
        if isinstance(stage, Typeset):
            self._show_typeset(stage)
            return
        self.forms, self.rows, self.drawn = stage, stage["rows"], []
        self.text.setHtml(rows_html(self.rows, label_width=self._label_width()))
        self.status.setText(CHECKED)
        for button in (self.copy_latex, self.copy_markdown):
            button.setEnabled(True)

    def _label_width(self) -> int:
        bold = self.text.font()
        bold.setBold(True)
        metrics = QFontMetrics(bold)
        return max((metrics.horizontalAdvance(row.label) for row in self.rows), default=0) + 12

    def _show_typeset(self, svgs: Typeset) -> None:
        """Put each row's drawing in place of its text (a row Qt cannot draw keeps its text)."""
        ratio = self.devicePixelRatioF()
        self.drawn = []
        for i, svg in enumerate(svgs[: len(self.rows)]):
            image = svg_image(svg, ratio=ratio) if isinstance(svg, str) else None
            if image is not None:
                self.text.images[f"row:{i}"] = image
            self.drawn.append(image is not None)
        self.text.setHtml(rows_html(self.rows, self.drawn, self._label_width()))
        late = svgs[len(self.rows):]
        self.status.setText(CHECKED if not late else f"{CHECKED}; shown as text: {late[0]}")

    def done(self, result: int) -> None:  # the worker's thread ends with the dialog
        self.worker.stop()
        super().done(result)
