"""SVG text (the typeset mathematics ziamath draws) to a Qt image, at the screen's pixel ratio."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtSvg import QSvgRenderer


def svg_size(svg: str) -> tuple[float, float] | None:
    """(width, height) the SVG asks for, in pixels; None if Qt cannot read it."""
    renderer = QSvgRenderer(QByteArray(svg.encode()))
    if not renderer.isValid() or renderer.defaultSize().isEmpty():
        return None
    size = renderer.defaultSize()
    return float(size.width()), float(size.height())


def svg_image(svg: str, scale: float = 1.0, ratio: float = 1.0) -> QImage | None:
    """The SVG drawn at `scale` of its own size on a transparent image of ratio device pixels per pixel;
    None if Qt cannot read it."""
    renderer = QSvgRenderer(QByteArray(svg.encode()))
    if not renderer.isValid() or renderer.defaultSize().isEmpty():
        return None
    size = renderer.defaultSize()
    width, height = size.width() * scale, size.height() * scale
    image = QImage(max(1, round(width * ratio)), max(1, round(height * ratio)),
                   QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(ratio)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    renderer.render(painter, QRectF(0, 0, width, height))
    painter.end()
    return image
