"""The QApplication: created once, with the application's names and icon, on screen or off it.

Its own module so that both the window's start-up (app.py) and the headless export can get it
without importing each other.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from importlib.resources import files
from pathlib import Path
from typing import cast

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from .settings import APPLICATION, ORGANIZATION

ICON = "derivative-explorer.svg"


def resource_path(name: str) -> Path | None:
    """A file of resources/: beside the package in a checkout, or installed as explorer.resources."""
    beside = Path(__file__).resolve().parents[2] / "resources" / name
    if beside.is_file():
        return beside
    try:
        installed = files("explorer.resources") / name
    except ModuleNotFoundError:
        return None
    return Path(str(installed)) if installed.is_file() else None


def ensure_application(headless: bool = False, argv: Sequence[str] | None = None) -> QApplication:
    """The running QApplication, created if there is none; headless ones draw off screen."""
    running = QApplication.instance()
    if running is not None:
        return cast(QApplication, running)
    if headless:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QApplication([sys.argv[0] if sys.argv else "derivative-explorer", *(argv or [])])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setDesktopFileName("derivative-explorer")
    icon = resource_path(ICON)
    if icon is not None:
        app.setWindowIcon(QIcon(str(icon)))
    return app
