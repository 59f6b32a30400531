"""Starting Qt: the application object and the window."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from PySide6.QtWidgets import QApplication

from .settings import APPLICATION, ORGANIZATION


def ensure_application(headless: bool = False, argv: Sequence[str] | None = None) -> QApplication:
    """The running QApplication, created if there is none; headless ones draw off screen."""
    app = QApplication.instance()
    if app is not None:
        return app
    if headless:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QApplication([sys.argv[0] if sys.argv else "derivative-explorer", *(argv or [])])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    return app


def run_app(argv: Sequence[str] | None = None) -> int:
    """Open the main window and run the event loop until it closes; the exit status."""
    from .main_window import MainWindow

    app = ensure_application(argv=argv)
    window = MainWindow()
    window.show()
    return app.exec()
