"""The expression line edit with live validation: a valid expression is emitted, a bad one explained."""

from __future__ import annotations

import re

from PySide6.QtCore import QEvent, QObject, QStringListModel, Qt, Signal
from PySide6.QtGui import QFontDatabase, QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QCompleter, QLabel, QLineEdit, QSizePolicy, QVBoxLayout, QWidget

from ..core.expression.errors import ExpressionError
from ..core.expression.functions import FUNCTIONS
from ..core.expression.parser import parse_expression
from ..core.limits import MAX_LENGTH

ERROR_STYLE = "QLineEdit { border: 2px solid #B00020; }"
MAX_RECENT = 20  # expressions kept in the history
MIN_COMPLETION_PREFIX = 2  # letters typed before function names are offered
_WORD_BEFORE_CURSOR = re.compile(r"[A-Za-z_][A-Za-z0-9_]*$")


def set_text_from_start(line: QLineEdit, text: str) -> None:
    """Put text in a box that a model drives: a long expression reads from its start, not from where typing
    would go on; the same text again (the model echoing what was typed) leaves the cursor where typing is."""
    if text == line.text():
        return
    line.setText(text)
    if not line.hasFocus():
        line.setCursorPosition(0)


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
        self.recent: list[str] = []  # newest first
        self._recent_index = -1  # where Up/Down is in `recent`; -1: the text being typed
        self._typed = ""  # what Up/Down returns to below the newest
        # Function names complete the word being typed (a QCompleter set on the line edit would complete
        # the whole text instead).
        self._names = QStringListModel(sorted(FUNCTIONS), self)  # parented: QCompleter does not own it
        self.completer = QCompleter(self._names, self)
        self.completer.setWidget(self.line)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseSensitive)
        self.completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.completer.activated.connect(self._complete_word)
        self.line.textEdited.connect(self._offer_completions)
        self.line.installEventFilter(self)

    def text(self) -> str:
        return self.line.text()

    def set_text(self, text: str) -> None:
        """Replace the expression (a preset, a restored session); validates and emits like typing."""
        set_text_from_start(self.line, text)

    def valid_text(self) -> str | None:
        """The last text that parsed, or None if none has."""
        return self._valid_text

    def error(self) -> str:
        """The message shown for the current text, "" when it is valid."""
        return self._error

    # -- history: Up and Down walk through recent expressions, as in a shell --------------------
    def remember(self, expression: str) -> None:
        """Put expression at the head of the history (it was computed)."""
        self.recent = [expression, *(e for e in self.recent if e != expression)][:MAX_RECENT]
        self._recent_index = -1

    def set_recent(self, expressions: list[str]) -> None:
        self.recent = list(dict.fromkeys(expressions))[:MAX_RECENT]
        self._recent_index = -1

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (watched is self.line and isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress
                and not self._popup().isVisible()):
            key = event.key()
            if key in (Qt.Key.Key_Up, Qt.Key.Key_Down) and self.recent:
                self._walk_history(1 if key == Qt.Key.Key_Up else -1)
                return True
        return super().eventFilter(watched, event)

    def _walk_history(self, direction: int) -> None:
        if self._recent_index == -1:
            self._typed = self.text()
        index = max(-1, min(len(self.recent) - 1, self._recent_index + direction))
        if index == self._recent_index:
            return
        self._recent_index = index
        self.line.setText(self._typed if index == -1 else self.recent[index])

    # -- completion of function names ------------------------------------------------------
    def _popup(self) -> QAbstractItemView:
        popup = self.completer.popup()
        assert popup is not None  # QCompleter makes its own list view when none was set
        return popup

    def _current_word(self) -> str:
        match = _WORD_BEFORE_CURSOR.search(self.line.text()[: self.line.cursorPosition()])
        return match.group() if match else ""

    def _offer_completions(self, _text: str) -> None:
        word = self._current_word()
        popup = self._popup()
        if len(word) < MIN_COMPLETION_PREFIX or word in FUNCTIONS:
            popup.hide()
            return
        self.completer.setCompletionPrefix(word)
        if self.completer.completionCount() == 0:
            popup.hide()
            return
        popup.setCurrentIndex(self.completer.completionModel().index(0, 0))
        self.completer.complete()

    def _complete_word(self, name: str) -> None:
        """Replace the word before the cursor by the chosen function name and an opening parenthesis."""
        cursor = self.line.cursorPosition()
        text = self.line.text()
        start = cursor - len(self._current_word())
        self.line.setText(f"{text[:start]}{name}({text[cursor:]}")
        self.line.setCursorPosition(start + len(name) + 1)

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
        where = f"column {exc.column}: {exc.message}"
        return f"{where}\n{exc.text}\n{caret}" if exc.text else where

    def _show_error(self, message: str) -> None:
        self._error = message
        self.message.setText(message)
        self.line.setStyleSheet(ERROR_STYLE if message else "")
        self.line.setToolTip(message)
        self.errorChanged.emit(message)
