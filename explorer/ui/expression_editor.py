"""The expression line edit with live validation: a valid expression is emitted, a bad one explained."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QLabel, QLineEdit, QSizePolicy, QVBoxLayout, QWidget

from ..core.expression.errors import ExpressionError
from ..core.expression.parser import parse_expression
from ..core.limits import MAX_LENGTH

ERROR_STYLE = "QLineEdit { border: 2px solid #B00020; }"


class ExpressionEditor(QWidget):
    """Parses on every keystroke (the parser is bounded and fast); only valid text leaves this widget."""

    expressionChanged = Signal(str)  # a valid expression
    errorChanged = Signal(str)  # the message shown, "" when the text is valid

    def __init__(self, variable: str = "x", parent: QWidget | None = None):
        super().__init__(parent)
        self.variable = variable
        self.line = QLineEdit()
        self.line.setMaxLength(MAX_LENGTH)
        self.line.setPlaceholderText("f(x), e.g. sin(x)/x or exp(-x^2)")
        self.line.setClearButtonEnabled(True)
        # A style sheet (the red error frame) changes a line edit's size hint: fixed, the plots never jump.
        self.line.setFixedHeight(self.line.sizeHint().height())
        self.message = QLabel()
        self.message.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.message.setStyleSheet("color: #B00020;")
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        # Its width must not push the plots aside in a narrow window (the editor's tooltip has it whole).
        self.message.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        # The window places `message` (in the formula's place), so a message coming and going while
        # the user types never moves the plots.
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.line)
        self.line.textChanged.connect(self._validate)
        self._valid_text: str | None = None
        self._error = ""

    def text(self) -> str:
        return self.line.text()

    def set_text(self, text: str) -> None:
        """Replace the expression (a preset, a restored session); validates and emits like typing."""
        self.line.setText(text)

    def valid_text(self) -> str | None:
        """The last text that parsed, or None if none has."""
        return self._valid_text

    def error(self) -> str:
        """The message shown for the current text, "" when it is valid."""
        return self._error

    def _validate(self, text: str) -> None:
        if not text.strip():
            self._show_error("type a function of x")
            return
        try:
            parse_expression(text, self.variable)
        except ExpressionError as exc:
            self._show_error(self._describe(exc))
            return
        self._show_error("")
        self._valid_text = text
        self.expressionChanged.emit(text)

    @staticmethod
    def _describe(exc: ExpressionError) -> str:
        """'column N: message' with a caret under the column when there is one."""
        if exc.column is None:
            return exc.message
        caret = " " * (exc.column - 1) + "^"
        return f"column {exc.column}: {exc.message}\n{exc.text}\n{caret}" if exc.text else f"column {exc.column}: {exc.message}"

    def _show_error(self, message: str) -> None:
        self._error = message
        self.message.setText(message)
        self.line.setStyleSheet(ERROR_STYLE if message else "")
        self.line.setToolTip(message)
        self.errorChanged.emit(message)
