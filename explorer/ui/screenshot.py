"""`python -m explorer.ui.screenshot OUT.png [PRESET]`: open the window on a preset, wait for results, save a picture."""

from __future__ import annotations

import faulthandler
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QSettings

from .app import ensure_application, open_window
from .presets import PRESETS

TIMEOUT_SECONDS = 30.0
SETTLE_SECONDS = 0.5


def take_screenshot(path: str, preset_name: str = "sin(x)") -> float:
    """Save the window showing a preset to path; return the seconds its request took."""
    from ..core.export.atomic import atomic_path

    app = ensure_application()
    preset = next(p for p in PRESETS if p.name == preset_name)
    with tempfile.TemporaryDirectory() as scratch:  # never touch the user's saved session
        window = open_window(QSettings(str(Path(scratch) / "settings.ini"), QSettings.Format.IniFormat))
        window.resize(1400, 900)
        window.apply_preset(preset)
        deadline = time.monotonic() + TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            app.processEvents()
            if window.request is not None and window.completed_id == window.request.request_id and window.formula.formula:
                break
            time.sleep(0.01)
        settle = time.monotonic() + SETTLE_SECONDS
        while time.monotonic() < settle:  # deferred auto-range and axis repaints
            app.processEvents()
            time.sleep(0.01)
        with atomic_path(path) as temporary:
            window.grab().save(temporary, "PNG")
        latency = window.last_latency or float("nan")
        window.close()
        window.deleteLater()
        app.processEvents()  # let Qt destroy the window before Python tears down its wrappers
    return latency


def main(argv: list[str] | None = None) -> int:
    faulthandler.enable()  # a crash in Qt code then still says where it happened
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        print("usage: python -m explorer.ui.screenshot OUT.png [PRESET]", file=sys.stderr)
        return 2
    latency = take_screenshot(argv[0], *argv[1:2])
    print(f"wrote {argv[0]} (request drawn in {latency * 1000:.0f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
