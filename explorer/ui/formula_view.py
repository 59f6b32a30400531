"""The n-th derivative as text, with buttons that copy it as LaTeX or as Python (NumPy code that runs on
arrays as written: `np.exp(x)`, `np.sign(x)`)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QFontDatabase, QGuiApplication, QPainter, QPixmap
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from ..core.symbolic.python_code import numpy_imports
from .svg_image import svg_image, svg_size
from .worker import FormulaResult

FORMULA_LINES = 3  # the formula area's height (an error message with its caret fits); longer formulas scroll
MIN_SCALE = 0.7  # of the typeset formula's size: smaller than this, the text is shown instead


def derivative_name(order: int, variable: str = "x") -> str:
    """f(x) for order 0, f′(x), f″(x), f‴(x), then f⁽⁴⁾(x) ..."""
    if order == 0:
        return f"f({variable})"
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
        # The formula as mathematics when the SymPy child has drawn it; the text above meanwhile (and always
        # for the clipboard's tooltip and for formulas too long to draw).
        self.math = QLabel()
        self.math.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.math.hide()
        holder = QWidget()
        stack = QVBoxLayout(holder)
        stack.setContentsMargins(0, 0, 0, 0)
        stack.addWidget(self.label)
        stack.addWidget(self.math)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidget(holder)
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
        picture = self._drawn(formula) if formula.svg else None
        self.math.setVisible(picture is not None)
        self.label.setVisible(picture is None)
        if picture is not None:
            self.math.setPixmap(picture)
            self.math.setToolTip(self.label.text())
        self.label.setToolTip(f"LaTeX: {formula.latex[:500]}")
        imports = "; ".join(numpy_imports(formula.python)) or "no import"
        self.copy_python.setToolTip(formula.python if formula.python.startswith("#")  # why there is no code
                                    else f"NumPy code for arrays; it needs {imports}")
        for button in (self.copy_latex, self.copy_python):
            button.setEnabled(True)

    def _drawn(self, formula: FormulaResult) -> QPixmap | None:
        """`f(x) = ` f and `f′(x) = ` f′ typeset side by side (f left out where the area is too narrow for
        both), at most the area's height; None if Qt cannot draw the derivative."""
        room = self.scroll_area.height() - 8
        pieces = [(f"{derivative_name(formula.order)} = ", formula.svg)]
        if formula.f_svg:
            pieces.insert(0, (f"{derivative_name(0)} = ", formula.f_svg))
        sizes = [svg_size(svg) for _, svg in pieces]
        if sizes[-1] is None:
            return None
        if any(size is None for size in sizes):
            pieces, sizes = pieces[-1:], sizes[-1:]
        tallest = max(size[1] for size in sizes if size is not None)
        scale = min(1.0, room / tallest) if room > 0 else 1.0
        if scale < MIN_SCALE:  # a tall fraction squeezed into the area's lines would be unreadable: text
            return None
        metrics = self.label.fontMetrics()
        gap = 4 * metrics.horizontalAdvance(" ")

        def width_of(chosen) -> int:
            return sum(metrics.horizontalAdvance(name) + 4 + int(size[0] * scale) for (name, _), size in chosen) \
                + gap * (len(chosen) - 1)

        chosen = list(zip(pieces, sizes, strict=True))
        if len(chosen) > 1 and width_of(chosen) > self.scroll_area.viewport().width():
            chosen = chosen[-1:]  # f′ is what this area is for
        ratio = self.devicePixelRatioF()
        drawn = [(name, svg_image(svg, scale, ratio)) for (name, svg), _ in chosen]
        if any(image is None for _, image in drawn):
            return None
        width, height = width_of(chosen), int(tallest * scale)
        picture = QPixmap(int(width * ratio), int(height * ratio))
        picture.setDevicePixelRatio(ratio)
        picture.fill(Qt.GlobalColor.transparent)
        painter = QPainter(picture)
        painter.setFont(self.label.font())
        left = 0.0
        for name, image in drawn:
            assert image is not None  # checked above
            name_width = metrics.horizontalAdvance(name) + 4
            painter.drawText(QRectF(left, 0, name_width, height), int(Qt.AlignmentFlag.AlignVCenter), name)
            top = (height - image.height() / ratio) / 2
            painter.drawImage(QPointF(left + name_width, top), image)
            left += name_width + image.width() / ratio + gap
        painter.end()
        return picture

    def show_unavailable(self, reason: str) -> None:
        """No exact formula for the current request (SymPy gave up)."""
        self.formula = None
        self.math.hide()
        self.label.show()
        self.label.setText(reason)
        for button in (self.copy_latex, self.copy_python):
            button.setEnabled(False)

    @staticmethod
    def _copy(text: str) -> None:
        QGuiApplication.clipboard().setText(text)
