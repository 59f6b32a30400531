"""The one error type a bad expression raises: what is wrong and where."""

from __future__ import annotations


class ExpressionError(ValueError):
    """A user expression that cannot be used, with the 1-based column of the problem."""

    def __init__(self, message: str, column: int | None = None, text: str | None = None):
        self.message = message
        self.column = column
        self.text = text
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.column is None:
            return self.message
        return f"{self.message} (column {self.column})"

    def pointer(self) -> str:
        """The expression with a caret under the offending column, for terminals and tooltips."""
        if self.text is None or self.column is None:
            return str(self)
        return f"{self.text}\n{' ' * (self.column - 1)}^ {self.message}"
