"""What a preset teaches, kept in view while its function is on screen (the status bar forgot it at once)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGroupBox, QLabel, QVBoxLayout, QWidget

from .presets import Preset


class LessonBox(QGroupBox):
    """The lesson of the last preset, shown until the function is changed to another one."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Preset", parent)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        self._expression: str | None = None
        self.hide()

    def show_preset(self, preset: Preset) -> None:
        self._expression = preset.expression
        self.setTitle(f"Preset: {preset.name}")
        self.text.setText(preset.lesson)
        self.show()

    def expression_changed(self, expression: str) -> None:
        """The lesson is about its preset's function: another function makes it go."""
        if self._expression is not None and expression != self._expression:
            self._expression = None
            self.hide()
