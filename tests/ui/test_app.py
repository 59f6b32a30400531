"""Starting the application: its name, its icon from resources/."""

import os
import subprocess
import sys

from PySide6.QtGui import QIcon

from explorer.ui.app import ICON, resource_path


def test_the_icon_is_found_and_draws(qtbot):
    path = resource_path(ICON)
    assert path is not None and path.parent.name == "resources"
    image = QIcon(str(path)).pixmap(64, 64).toImage()
    assert not image.isNull() and image.width() == 64
    colours = {image.pixelColor(x, y).name() for x in range(0, 64, 4) for y in range(0, 64, 4)}
    assert len(colours) > 3  # a picture, not a blank square


def test_an_unknown_resource_is_none():
    assert resource_path("no-such-file.png") is None


def test_the_application_carries_the_icon_and_its_names():
    # A QApplication of its own: the test process already has pytest-qt's.
    script = ("from explorer.ui.app import ensure_application; app = ensure_application(headless=True); "
              "print(app.windowIcon().isNull(), app.applicationName(), app.desktopFileName(), sep='|')")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False|Derivative Explorer|derivative-explorer"


def test_help_about_names_the_version_and_the_libraries(window):
    from importlib import metadata

    import sympy

    from explorer.ui.about import about_text

    text = about_text()
    assert f"Derivative Explorer {metadata.version('derivative-explorer')}" in text
    assert f"SymPy {sympy.__version__}" in text and "autograd" in text
    menus = {action.text(): action.menu() for action in window.menuBar().actions()}
    assert [a.text() for a in menus["&Help"].actions()] == ["&About Derivative Explorer", "About &Qt"]
