"""Moving a data method's control in the real (offscreen) window at 10^5 samples: time from the control's
new value to the panels painted with that value's derivative, for each method, 20 moves around its
automatic value (the same moves as bench/data_accuracy.py's core timing). Between moves the window is left
alone for a moment; moves closer together than the window's follow-up wait are a drag, whose comparison
and sweep the window holds back (data_mode.FOLLOW_UP_SECONDS).

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python bench/data_latency.py [--spacing jittered|even|random]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from data_accuracy import MOVES, moved_values  # noqa: E402
from gui_latency import WINDOW_SIZE, _wait  # noqa: E402

N = 100_000
PAUSE_SECONDS = 0.05  # between moves: less than the follow-up wait, as in a drag
METHODS = ("gradient", "fornberg", "savgol", "spline", "tv", "kalman")
TARGET_MS = 50.0


def run(spacing: str) -> list[str]:
    from PySide6.QtCore import QSettings

    from explorer.core.data import differentiate_samples
    from explorer.ui.app import ensure_application, open_window

    app = ensure_application(headless=True)
    lines = []
    with tempfile.TemporaryDirectory() as folder:
        window = open_window(QSettings(str(Path(folder) / "settings.ini"), QSettings.Format.IniFormat))
        window.resize(*WINDOW_SIZE)
        window.set_mode("data")
        data = window.data
        data.synthetic("sin(x)", 0.0, 60.0, N, spacing, 0.01, 3)
        _wait(app, lambda: data.chosen is not None and data.chosen.request_id == data._computing, 120)
        panels = data.view.panels
        paints = [0]
        panels.painted.connect(lambda: paints.__setitem__(0, paints[0] + 1))
        for method in METHODS:
            chosen = dict(differentiate_samples(data.samples.t, data.samples.y, 1, method).parameters)
            data.model.update(method=method, parameters=tuple(chosen.items()))
            _wait(app, lambda: data.chosen is not None and data.chosen.request_id == data._computing, 120)
            times = []
            for values in moved_values(method, chosen, MOVES):
                if tuple(values.items()) == data.model.state.parameters:
                    continue  # the control already shows it: nothing to redraw
                end = time.perf_counter() + PAUSE_SECONDS
                _wait(app, lambda end=end: time.perf_counter() > end)
                before = paints[0]
                start = time.perf_counter()
                data.model.update(parameters=tuple(values.items()))
                _wait(app, lambda: data.chosen is not None and data.chosen.request_id == data._computing)
                shown = paints[0]  # a repaint may have begun before the stage came
                _wait(app, lambda shown=shown: paints[0] > max(shown, before))
                times.append((time.perf_counter() - start) * 1e3)
            p50, p95 = np.percentile(times, [50, 95])
            lines.append(f"{method} {p50:.0f} / {p95:.0f} ms")
        window.close()
    worst = max(float(line.split(" / ")[1].split()[0]) for line in lines)
    return [f"- the window at 10^5 samples ({spacing} t): a method's control moved -> the panels painted with its "
            f"derivative, median / 95th percentile of {MOVES} moves {PAUSE_SECONDS * 1e3:.0f} ms apart: "
            + "; ".join(lines) + f" (goal p95 < {TARGET_MS:g} ms: {'met' if worst < TARGET_MS else 'missed'}, "
            f"slowest {worst:.0f} ms)"]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spacing", default="jittered", choices=("even", "jittered", "random"))
    print("\n".join(run(parser.parse_args().spacing)))
