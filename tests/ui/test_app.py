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


WARM_SCRIPT = """
import sys, time
from PySide6.QtCore import QSettings
from explorer.ui.app import ensure_application, open_window

if __name__ == "__main__":  # SymPy's children re-import the main module
    app = ensure_application(headless=True)
    window = open_window(QSettings(sys.argv[1], QSettings.Format.IniFormat))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        app.processEvents()
        done = window.request is not None and window.completed_id == window.request.request_id
        if done and "sympy.tensor.tensor" in sys.modules:
            break
        time.sleep(0.01)
    print(done, "sympy.tensor.tensor" in sys.modules, sep="|")
    window.close()
"""


def test_sympy_is_warm_before_the_first_typed_sum(tmp_path):
    """SymPy's first sum imports its tensor modules (~0.2 s): after the first result, with nothing typed, the
    worker has paid that already, so the first expression typed with a sum does not pay it on the GUI thread
    (the editor parses what is typed). A fresh process: the test process has imported them long ago."""
    script = tmp_path / "warm.py"
    script.write_text(WARM_SCRIPT)
    result = subprocess.run([sys.executable, str(script), str(tmp_path / "settings.ini")], capture_output=True,
                            text=True, timeout=90, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
                            cwd=os.getcwd())
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "True|True"
