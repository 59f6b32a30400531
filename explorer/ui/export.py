"""Writing results to CSV and what the panels show to PNG or SVG, from the window or headless for the CLI.

Every file is made in memory first and checked (a picture Qt could not make is an error, not an empty
file), then written by the one atomic write of core.export.atomic: a failed export leaves the old file
as it was, and its error names the user's path.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, QSize, Qt
from PySide6.QtGui import QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QGraphicsItem, QGraphicsView

from ..core.data.session import ChosenStage, CompareStage, DataRequest, SampleSet, SweepStage, data_stages
from ..core.export.atomic import PathName, shown_path, write_atomically
from ..core.export.tables import ExportError, write_csv, write_sweep_csv
from ..core.pipeline import DerivativeResults, collect_results
from ..core.request import DerivativeRequest
from ..core.symbolic.derivatives import SymbolicDerivatives
from .plot_panels import PlotPanels
from .plot_style import set_title
from .qt_app import ensure_application

__all__ = ["ExportError", "export_data_headless", "export_headless", "export_png", "export_results", "export_svg",
           "export_sweep", "render_png", "render_svg", "show_results", "with_chosen_suffix"]

HEADLESS_SIZE = QSize(1400, 900)


def with_chosen_suffix(path: str, chosen_filter: str) -> str:
    """path, with the suffix of the file dialog's chosen filter ("PNG image (*.png)") if it has none."""
    match = re.search(r"\*(\.\w+)", chosen_filter)
    return path if Path(path).suffix or match is None else path + match.group(1)


def render_png(panels: QGraphicsView) -> bytes:
    """The panels as they look on screen, at device resolution, as PNG bytes."""
    image = panels.grab()
    data = QByteArray()
    buffer = QBuffer(data)
    if not buffer.open(QIODevice.OpenModeFlag.WriteOnly):
        raise ExportError("could not open a memory buffer for the PNG image")
    saved = image.save(buffer, "PNG")
    buffer.close()
    if not saved or data.isEmpty():
        raise ExportError("Qt could not make a PNG image of the panels")
    return bytes(data.data())


def render_svg(panels: QGraphicsView) -> bytes:
    """The panels as vector graphics, as SVG bytes.

    pyqtgraph 0.14's SVGExporter breaks on Qt >= 6.11 (pyqtgraph issue #3495), so the scene is
    painted straight onto Qt's own QSvgGenerator instead.
    """
    size = panels.viewport().size()
    data = QByteArray()
    buffer = QBuffer(data)
    if not buffer.open(QIODevice.OpenModeFlag.WriteOnly):
        raise ExportError("could not open a memory buffer for the SVG image")
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setSize(size)
    generator.setViewBox(QRectF(0, 0, size.width(), size.height()))
    generator.setResolution(panels.logicalDpiX())
    generator.setTitle("Derivative Explorer")
    painter = QPainter()
    if not painter.begin(generator):
        raise ExportError("Qt could not start drawing the SVG image")
    # Items Qt keeps as pictures for quick repaints (PlotPanels' cached curves) would go into the file as
    # pixels: they are drawn as lines for it.
    cached = [(item, item.cacheMode()) for item in panels.scene().items()
              if item.cacheMode() != QGraphicsItem.CacheMode.NoCache]
    try:
        for item, _ in cached:
            item.setCacheMode(QGraphicsItem.CacheMode.NoCache)
        painter.fillRect(QRectF(0, 0, size.width(), size.height()), Qt.GlobalColor.white)
        panels.scene().render(painter, QRectF(0, 0, size.width(), size.height()), panels.sceneRect())
    finally:
        ended = painter.end()
        for item, mode in cached:
            item.setCacheMode(mode)
    buffer.close()
    if not ended or data.isEmpty():
        raise ExportError("Qt could not finish the SVG image")
    return bytes(data.data())


def export_view(path: str, panels: QGraphicsView, csv_text: Callable[[], str], nothing_yet: str | None) -> None:
    """A mode's panels as a picture (.png, .svg) or its table as CSV (csv_text()), written atomically or not
    at all; nothing_yet says why there is no picture to make yet (None: there is one)."""
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        data = csv_text().encode()
    elif suffix in (".png", ".svg"):
        if nothing_yet:
            raise ExportError(nothing_yet)
        data = (render_png if suffix == ".png" else render_svg)(panels)
    else:
        raise ExportError(f"cannot write {shown_path(path)}: use .csv, .png or .svg")
    write_atomically(path, data)


def export_png(panels: PlotPanels, path: PathName) -> None:
    """Write render_png(panels) to path atomically."""
    write_atomically(path, _picture(render_png, panels, path))


def export_svg(panels: PlotPanels, path: PathName) -> None:
    """Write render_svg(panels) to path atomically."""
    write_atomically(path, _picture(render_svg, panels, path))


def export_results(results: DerivativeResults | None, panels: PlotPanels, path: PathName) -> None:
    """Write to path in the format its suffix names: the panels as a picture (.png, .svg), or results'
    curves and errors against x (.csv)."""
    suffix = Path(os.fsdecode(path)).suffix.lower()
    if suffix in (".png", ".svg"):
        with _titled_for_a_file(panels, results):
            (export_png if suffix == ".png" else export_svg)(panels, path)
    elif suffix == ".csv":
        write_csv(path, _computed(results, path))
    else:
        kind = f"unknown format {suffix!r}" if suffix else "no suffix to say the format"
        raise ExportError(f"cannot write {shown_path(path)}: {kind}; use .png, .svg or .csv")


def export_sweep(results: DerivativeResults | None, path: PathName) -> None:
    """Write results' error-against-h sweep (h, each method's |error|, theory lines) to path as CSV
    (.csv is added to a name without suffix)."""
    write_sweep_csv(with_chosen_suffix(os.fsdecode(path), "(*.csv)"), _computed(results, path))


def show_results(panels: PlotPanels, results: DerivativeResults) -> None:
    """Draw every stage results holds, as the window would."""
    panels.describe(results.request)
    if results.curves is not None:
        panels.show_curves(results.curves, results.request.order, fit_view=True)
    if results.errors is not None:
        panels.show_errors(results.errors)
    if results.sweep is not None:
        panels.show_sweep(results.sweep)


def export_headless(request: DerivativeRequest, symbolic: SymbolicDerivatives, path: PathName) -> None:
    """Compute request and write it to path (.png, .svg or .csv); the panels are drawn off screen, no
    window needed."""
    results = collect_results(request, symbolic)
    if Path(os.fsdecode(path)).suffix.lower() == ".csv":
        write_csv(path, results)  # a table needs no picture
        return
    app = ensure_application(headless=True)
    panels = PlotPanels()
    panels.resize(HEADLESS_SIZE)
    panels.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    panels.show()  # lays out the scene; nothing appears on screen
    show_results(panels, results)
    app.processEvents()
    try:
        export_results(results, panels, path)
    finally:
        panels.close()
        panels.deleteLater()


def export_data_headless(samples: SampleSet, request: DataRequest, path: str) -> None:
    """The data mode's panels for request on samples, drawn off screen with every stage (the chosen method,
    the others to compare with, the error against smoothing where the truth is known) and written to path
    as a picture (.png or .svg); DataError when the chosen method cannot run."""
    from .data_view import DataPanels

    app = ensure_application(headless=True)
    panels = DataPanels()
    panels.resize(HEADLESS_SIZE)
    panels.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    panels.show()
    try:
        panels.show_samples(samples)
        for stage in data_stages(samples, request):  # the chosen method's stage comes first
            if isinstance(stage, ChosenStage):
                panels.show_chosen(stage, samples, request.order)
            elif isinstance(stage, CompareStage):
                panels.show_compare(stage)
            elif isinstance(stage, SweepStage):
                panels.show_sweep(stage)
        app.processEvents()
        export_view(path, panels, lambda: "", None)
    finally:
        panels.close()
        panels.deleteLater()


@contextlib.contextmanager
def _titled_for_a_file(panels: PlotPanels, results: DerivativeResults | None) -> Iterator[None]:
    """The top panel's title also names the step while a picture is made: away from the window, a file
    must say what it shows (function, derivative, h)."""
    if results is None or results.curves is None:
        yield
        return
    title = panels.curves_plot.titleLabel.text
    set_title(panels.curves_plot, panels.headline(results.request.order, results.request.step))
    panels.ci.layout.activate()
    try:
        yield
    finally:
        set_title(panels.curves_plot, title)
        panels.ci.layout.activate()


def _picture(render: Callable[[PlotPanels], bytes], panels: PlotPanels, path: PathName) -> bytes:
    try:
        return render(panels)
    except ExportError as exc:
        raise ExportError(f"cannot write {shown_path(path)}: {exc}") from None


def _computed(results: DerivativeResults | None, path: PathName) -> DerivativeResults:
    if results is None:
        raise ExportError(f"cannot write {shown_path(path)}: nothing has been computed yet")
    return results
