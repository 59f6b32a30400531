"""A progress bar with a Cancel button, shown while a mode's worker runs (the last result stays meanwhile)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QPushButton, QWidget


class BusyRow(QWidget):
    """Hidden while idle; `cancelRequested` when the user presses Cancel."""

    cancelRequested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # busy, not a fraction: the stages take what they take
        self.cancel = QPushButton("Cancel")
        self.cancel.clicked.connect(self.cancelRequested)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.progress, 1)
        row.addWidget(self.cancel)
        self.set_busy(False)

    def set_busy(self, busy: bool) -> None:
        self.setVisible(busy)
