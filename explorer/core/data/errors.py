"""The one error type of data mode: samples or settings that cannot be used, said in one line."""

from __future__ import annotations


class DataError(ValueError):
    """Data that cannot be loaded or differentiated, or a parameter out of its bounds: one line naming the
    problem and, where it applies, the line and column of the file."""

    def __init__(self, message: str):
        super().__init__(" ".join(message.split()))  # one line, whatever was interpolated into it
