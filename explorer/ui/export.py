"""Writing what the panels show to PNG, SVG or CSV, from the window or headless for the CLI."""

from __future__ import annotations

import os
import re
from pathlib import Path

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QPainter
from PySide6.QtSvg import QSvgGenerator

from ..core.export.atomic import atomic_path
from ..core.export.tables import write_csv, write_sweep_csv
from ..core.pipeline import CurveResult, ErrorResult, SweepResult, compute_stages
from ..core.request import DerivativeRequest
from ..core.symbolic.derivatives import SymbolicDerivatives
from .plot_panels import PlotPanels

FORMATS = (".png", ".svg", ".csv")
HEADLESS_SIZE = QSize(1400, 900)


class ExportError(Exception):
    """The panels could not be written (nothing to export, unknown format, failed write)."""


def with_chosen_suffix(path: str, chosen_filter: str) -> str:
    """path, with the suffix of the file dialog's chosen filter ("PNG image (*.png)") if it has none."""
    match = re.search(r"\*(\.\w+)", chosen_filter)
    return path if Path(path).suffix or match is None else path + match.group(1)


def export_png(panels: PlotPanels, path: str | os.PathLike) -> None:
    """The panels as they look on screen, at device resolution."""
    image = panels.grab()
    with atomic_path(path) as temporary:
        if not image.save(temporary, "PNG"):
            raise ExportError(f"could not write PNG to {path}")


def export_svg(panels: PlotPanels, path: str | os.PathLike) -> None:
    """The panels as vector graphics.

    pyqtgraph 0.14's SVGExporter breaks on Qt >= 6.11 (pyqtgraph issue #3495), so the scene is
    painted straight onto Qt's own QSvgGenerator instead.
    """
    size = panels.viewport().size()
    with atomic_path(path) as temporary:
        generator = QSvgGenerator()
        generator.setFileName(temporary)
        generator.setSize(size)
        generator.setViewBox(QRectF(0, 0, size.width(), size.height()))
        generator.setResolution(panels.logicalDpiX())
        generator.setTitle("Derivative Explorer")
        painter = QPainter()
        if not painter.begin(generator):
            raise ExportError(f"could not write SVG to {path}")
        try:
            painter.fillRect(QRectF(0, 0, size.width(), size.height()), Qt.GlobalColor.white)
            panels.scene().render(painter, QRectF(0, 0, size.width(), size.height()), panels.sceneRect())
        finally:
            painter.end()


def export_panels(panels: PlotPanels, path: str | os.PathLike) -> None:
    """Write panels to path in the format its suffix names."""
    suffix = Path(path).suffix.lower()
    if suffix == ".png":
        export_png(panels, path)
    elif suffix == ".svg":
        export_svg(panels, path)
    elif suffix == ".csv":
        if panels.curves is None:
            raise ExportError("nothing to export yet")
        write_csv(path, panels.curves, panels.errors, panels.about)
    else:
        raise ExportError(f"cannot export to {suffix or 'a file without suffix'!r}; use .png, .svg or .csv")


def export_sweep(panels: PlotPanels, path: str | os.PathLike) -> None:
    """Write the error-against-h panel's data (h, each method's |error|, theory lines) to path as CSV."""
    if panels.sweep is None:
        raise ExportError("no error-against-h sweep to export yet")
    write_sweep_csv(with_chosen_suffix(str(path), "(*.csv)"), panels.sweep.sweep, panels.about)


def show_stages(panels: PlotPanels, request: DerivativeRequest, symbolic: SymbolicDerivatives) -> None:
    """Compute every stage of request and draw it (synchronously: for headless use)."""
    panels.describe(request)
    for stage in compute_stages(request, symbolic):
        if isinstance(stage, CurveResult):
            panels.show_curves(stage, request.order, fit_view=True)
        elif isinstance(stage, ErrorResult):
            panels.show_errors(stage)
        elif isinstance(stage, SweepResult):
            panels.show_sweep(stage)


def export_headless(request: DerivativeRequest, symbolic: SymbolicDerivatives, path: str | os.PathLike) -> None:
    """Draw request's panels off screen and write them to path (.png, .svg or .csv); no window needed."""
    from .app import ensure_application

    app = ensure_application(headless=True)
    panels = PlotPanels()
    panels.resize(HEADLESS_SIZE)
    panels.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    panels.show()  # lays out the scene; nothing appears on screen
    show_stages(panels, request, symbolic)
    app.processEvents()
    try:
        export_panels(panels, path)
    finally:
        panels.close()
        panels.deleteLater()
