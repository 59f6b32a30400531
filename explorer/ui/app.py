"""Starting the window: open it and run the event loop (the QApplication itself comes from qt_app)."""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings

from .qt_app import ICON, ensure_application, resource_path

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .main_window import MainWindow

__all__ = ["ICON", "ensure_application", "open_window", "resource_path", "run_app"]


def open_window(settings: QSettings | None = None) -> MainWindow:
    """Create and show the main window the way the app does."""
    from .main_window import MainWindow

    window = MainWindow(settings=settings)
    window.show()
    # Everything imported so far (SymPy, NumPy, Qt) lives as long as the app: moved out of the
    # collector's reach, a full collection during an edit costs ~50 ms instead of ~110 ms.
    gc.freeze()
    return window


def run_app(argv: Sequence[str] | None = None) -> int:
    """Open the main window and run the event loop until it closes; the exit status."""
    app = ensure_application(argv=argv)
    window = open_window()  # noqa: F841 - kept alive while the event loop runs
    return app.exec()
