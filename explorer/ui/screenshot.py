"""`python -m explorer.ui.screenshot OUT.png [PRESET] [WIDTHxHEIGHT]`: open the window on a preset, wait for results,
save a picture (at 1400x900 unless a size is given: check small screens with 1024x700). PRESET `fields` shows the
several-variables mode, `data` the data mode on an example data set."""

from __future__ import annotations

import faulthandler
import re
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSettings

from ..core.export.atomic import write_atomically
from .app import ensure_application, open_window
from .presets import PRESETS

TIMEOUT_SECONDS = 30.0
FIELDS_PRESET = "fields"  # the several-variables mode on its default function
DATA_PRESET = "data"  # the data mode on an example data set of resources/data
DATA_EXAMPLE = Path(__file__).resolve().parents[2] / "resources" / "data" / "falling_ball.csv"
SETTLE_SECONDS = 0.5


def take_screenshot(path: str, preset_name: str = "sin(x)", size: tuple[int, int] = (1400, 900)) -> float:
    """Save the window showing a preset to path; return the seconds its request took."""

    app = ensure_application()
    preset = next((p for p in PRESETS if p.name == preset_name), PRESETS[0])
    with tempfile.TemporaryDirectory() as scratch:  # never touch the user's saved session
        window = open_window(QSettings(str(Path(scratch) / "settings.ini"), QSettings.Format.IniFormat))
        window.resize(*size)
        fields, samples = preset_name == FIELDS_PRESET, preset_name == DATA_PRESET
        if fields:
            window.set_mode("fields")
        elif samples:
            window.open_data(str(DATA_EXAMPLE))
        else:
            window.apply_preset(preset)
        deadline = time.monotonic() + TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            app.processEvents()
            request = window.request
            if fields:
                if window.fields.settled() and "compare" in window.fields.stages:
                    break
            elif samples:
                if window.data.swept is not None and window.data.compared is not None:
                    break
            elif request is not None and window.completed_id == request.request_id and window.formula.formula:
                break
            time.sleep(0.01)
        settle = time.monotonic() + SETTLE_SECONDS
        while time.monotonic() < settle:  # deferred auto-range and axis repaints
            app.processEvents()
            time.sleep(0.01)
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        if not window.grab().save(buffer, "PNG"):
            raise OSError(f"cannot write {path}: Qt could not make a PNG image of the window")
        write_atomically(path, bytes(data.data()))
        latency = window.last_latency or float("nan")
        window.close()
        window.deleteLater()
        app.processEvents()  # let Qt destroy the window before Python tears down its wrappers
    return latency


def main(argv: list[str] | None = None) -> int:
    faulthandler.enable()  # a crash in Qt code then still says where it happened
    argv = sys.argv[1:] if argv is None else argv
    sizes = [a for a in argv[1:] if re.fullmatch(r"\d+x\d+", a)]
    names = [a for a in argv[1:] if a not in sizes]
    if not argv:
        print("usage: python -m explorer.ui.screenshot OUT.png [PRESET] [WIDTHxHEIGHT]", file=sys.stderr)
        return 2
    size = (1400, 900)
    if sizes:
        width, height = (int(n) for n in sizes[0].split("x"))  # WIDTHxHEIGHT: two numbers
        size = (width, height)
    latency = take_screenshot(argv[0], names[0], size=size) if names else take_screenshot(argv[0], size=size)
    print(f"wrote {argv[0]} (request drawn in {latency * 1000:.0f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
