"""Qt fixtures: an offscreen QApplication (pytest-qt) and a real main window with throwaway settings."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402

from explorer.ui.main_window import MainWindow  # noqa: E402

TIMEOUT_MS = 20_000


def wait_for_results(qtbot, window: MainWindow) -> None:
    """Block until every stage of the window's newest request has been drawn."""
    qtbot.waitUntil(lambda: not window._schedule_timer.isActive(), timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: window.request is not None and window.completed_id == window.request.request_id,
                    timeout=TIMEOUT_MS)


@pytest.fixture
def settled(qtbot):
    """settled(window): wait until the window's newest request is fully drawn."""
    return lambda window: wait_for_results(qtbot, window)


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def make_window(qtbot, settings):
    """Open windows on the given settings; each is closed (worker stopped) at the end of the test."""
    windows = []

    def make(engine=None) -> MainWindow:
        window = MainWindow(settings=settings, engine=engine)
        qtbot.addWidget(window)
        window.show()
        wait_for_results(qtbot, window)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()


@pytest.fixture
def window(make_window):
    return make_window()
