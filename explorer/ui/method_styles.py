"""How each method is drawn: one colour per method, shared by every panel and the legend."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPen

from ..core.request import Method

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
METHOD_COLORS = {
    Method.SYMBOLIC: "#000000",
    Method.FORWARD: "#E69F00",
    Method.BACKWARD: "#56B4E9",
    Method.CENTRAL: "#009E73",
    Method.RICHARDSON: "#CC79A7",
    Method.COMPLEX: "#D55E00",
    Method.AUTODIFF: "#0072B2",
}
FUNCTION_COLOR = "#999999"
MARKER_COLOR = "#B00020"
GRID_COLOR = "#E3E3E3"
EXACT_COLOR = "#B8B8B8"  # the symbolic curve, drawn wide underneath the estimates


def method_pen(method: Method, width: float = 2.0, style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> QPen:
    """The pen of method's curves; theory lines pass a dashed style."""
    pen = QPen(QColor(METHOD_COLORS[method]))
    pen.setWidthF(width)
    pen.setStyle(style)
    pen.setCosmetic(True)
    return pen
