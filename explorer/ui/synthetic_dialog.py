"""Samples of the formula in the editor, with noise: data whose exact derivative is known, to learn from."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QSpinBox, QWidget

from ..core.data.synthetic import SPACINGS
from ..core.limits import MAX_DATA_ROWS
from .domain_controls import number_box


class SyntheticDialog(QDialog):
    """How many samples, how spaced, how noisy, which seed: the formula and its range are the window's."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Samples of f(x)")
        self.count = QSpinBox()
        self.count.setRange(3, MAX_DATA_ROWS)
        self.count.setValue(200)
        self.spacing = QComboBox()
        self.spacing.addItems(list(SPACINGS))
        self.sigma = number_box(0.01)
        self.sigma.setMinimum(0.0)
        self.sigma.setToolTip("standard deviation of the noise added to every sample")
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(QLabel("The function and the x range of the formula mode, sampled as measured:"))
        form.addRow("Samples", self.count)
        form.addRow("Spacing of t", self.spacing)
        form.addRow("Noise σ", self.sigma)
        form.addRow("Seed", self.seed)
        form.addRow(buttons)

    def values(self) -> tuple[int, str, float, int]:
        """(n, spacing, sigma, seed) as make_synthetic takes them after the range."""
        return self.count.value(), self.spacing.currentText(), self.sigma.value(), self.seed.value()
