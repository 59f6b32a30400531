"""The n-th derivative as text, with buttons that copy it as LaTeX or as Python (NumPy code that runs on
arrays as written: `np.exp(x)`, `np.sign(x)`)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QScrollArea, QWidget

from ..core.symbolic.python_code import numpy_imports
from .worker import FormulaResult

FORMULA_LINES = 3  # the formula area's height (an error message with its caret fits); longer formulas scroll


def derivative_name(order: int, variable: str = "x") -> str:
    """f′(x), f″(x), f‴(x), then f⁽⁴⁾(x) ..."""
    superscripts = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
    marks = {1: "′", 2: "″", 3: "‴"}.get(order) or f"⁽{str(order).translate(superscripts)}⁾"
    return f"f{marks}({variable})"


class FormulaView(QWidget):
    """Shows `f′(x) = ...` in plain SymPy text; the copy buttons put LaTeX or NumPy code on the clipboard
    (the worker's `describe` makes it with `numpy_code`; the button's tooltip names the imports it needs)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.label = QLabel("")
        self.label.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setWordWrap(True)
        self.copy_latex = QPushButton("Copy as LaTeX")
        self.copy_python = QPushButton("Copy as Python")
        for button in (self.copy_latex, self.copy_python):
            button.setEnabled(False)
        self.copy_latex.clicked.connect(lambda: self._copy(self.formula.latex if self.formula else ""))
        self.copy_python.clicked.connect(lambda: self._copy(self.formula.python if self.formula else ""))
        # A fixed height that scrolls: a formula growing by a line must not shrink and redraw the plots.
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidget(self.label)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setFixedHeight(self.label.fontMetrics().lineSpacing() * FORMULA_LINES + 6)
        self.label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.scroll_area, 1)
        layout.addWidget(self.copy_latex)
        layout.addWidget(self.copy_python)
        self.formula: FormulaResult | None = None

    def show_formula(self, formula: FormulaResult) -> None:
        """Display formula; a simplified form is marked as such."""
        self.formula = formula
        suffix = "   (simplified)" if formula.simplified else ""
        self.label.setText(f"{derivative_name(formula.order)} = {formula.text}{suffix}")
        self.label.setToolTip(f"LaTeX: {formula.latex[:500]}")
        imports = "; ".join(numpy_imports(formula.python)) or "no import"
        self.copy_python.setToolTip(formula.python if formula.python.startswith("#")  # why there is no code
                                    else f"NumPy code for arrays; it needs {imports}")
        for button in (self.copy_latex, self.copy_python):
            button.setEnabled(True)

    def show_unavailable(self, reason: str) -> None:
        """No exact formula for the current request (SymPy gave up)."""
        self.formula = None
        self.label.setText(reason)
        for button in (self.copy_latex, self.copy_python):
            button.setEnabled(False)

    @staticmethod
    def _copy(text: str) -> None:
        QGuiApplication.clipboard().setText(text)
