"""Several variables mode in the offscreen window: edit -> f, arrows and error map drawn; slider move -> error
map, point table, slice and descent drawn; 1000 descent steps drawn. Run from the repository:
`QT_QPA_PLATFORM=offscreen python bench/fields_latency.py` (prints a Markdown section)."""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from gui_latency import _wait  # noqa: E402 - the same wait on the window's events as the one-variable bench

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

GRID = 200
EDITS = 40
SLIDES = 40
DESCENTS = 30
DESCENT_STEPS = 1000
EDIT_TARGET_MS = 100.0
SLIDE_TARGET_MS = 50.0
DESCENT_TARGET_MS = 50.0
WINDOW_SIZE = (1400, 900)


def fresh_expression(i: int) -> str:
    """A new f every time: SymPy, lambdify and the mode's context cache never answer from memory."""
    k = i + 2
    return ("sin({k}x/7)*cos(y) + (x^2 + 3y^2)/{k}", "exp(-(x^2 + y^2)/{k})*x + y/{k}",
            "log(1 + x^2/{k} + y^2)*cos(x*y/{k})")[i % 3].format(k=k)


def percentiles(samples_ms: list[float]) -> str:
    p50, p95 = np.percentile(samples_ms, [50, 95])
    return f"p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {max(samples_ms):.1f} ms (n = {len(samples_ms)})"


def _idle(app, fields, seconds: float = 0.05) -> None:
    _wait(app, lambda: fields.settled() and not fields._timer.isActive())
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.001)


def _measure(app, fields, change, count: int, stages: tuple[str, ...]) -> tuple[list[float], list[float]]:
    """ms from each change to the given stages drawn and painted on screen (the panels' next finished
    repaint after their data arrived), and to its every stage drawn."""
    drawn, whole = [], []
    for i in range(count):
        _idle(app, fields)
        job = fields._job
        start = time.perf_counter()
        change(i)
        _wait(app, lambda job=job: fields._job > job and all(name in fields.drawn_at for name in stages)
              and not fields.holding and fields.painted_at > max(fields.drawn_at[n] for n in stages), 60.0)
        drawn.append((time.perf_counter() - start) * 1e3)
        _wait(app, fields.settled, 60.0)
        whole.append((time.perf_counter() - start) * 1e3)
    return drawn, whole


def run() -> list[str]:
    from PySide6.QtCore import QSettings

    from explorer.ui.app import ensure_application, open_window

    app = ensure_application(headless=True)
    with tempfile.TemporaryDirectory() as folder:
        window = open_window(QSettings(str(Path(folder) / "settings.ini"), QSettings.Format.IniFormat))
        window.resize(*WINDOW_SIZE)
        window.set_mode("fields")
        fields = window.fields
        fields.model.update(grid=GRID, arrows=20, method="central", step=1e-3, descent_steps=100,
                            expression=fresh_expression(0))
        _idle(app, fields)
        edits, edits_whole = _measure(app, fields, lambda i: fields.model.update(expression=fresh_expression(i + 1)),
                                      EDITS, ("map", "errors"))
        steps = np.logspace(-6, -2, SLIDES)
        slides, slides_whole = _measure(app, fields, lambda i: fields.view.controls.slider.set_step(float(steps[i])),
                                        SLIDES, ("errors", "point", "descent"))
        fields.model.update(descent_steps=DESCENT_STEPS, expression="sin(x)*cos(y) + (x^2 + 3y^2)/10")
        _idle(app, fields)
        rates = np.linspace(0.01, 0.2, DESCENTS)
        descents, _ = _measure(app, fields, lambda i: fields.model.update(learning_rate=float(rates[i])),
                               DESCENTS, ("descent",))
        path = fields.stages["descent"].path
        assert path is not None and path.steps_taken == DESCENT_STEPS
        core = _core_descent()
        window.close()

    def verdict(samples, target):
        return "pass" if np.percentile(samples, 95) < target else "MISSED"

    return [
        f"- edit (a new f, {GRID} x {GRID} grid) -> f with contours, arrows and the |error| map drawn: "
        f"{percentiles(edits)}; target p95 < {EDIT_TARGET_MS:g} ms: {verdict(edits, EDIT_TARGET_MS)}",
        f"- the same edit -> every stage drawn (point table, slice, descent, every method's error column): "
        f"{percentiles(edits_whole)}",
        f"- slider move (h) -> |error| map, point table, slice and descent drawn (f, contours and arrows kept): "
        f"{percentiles(slides)}; target p95 < {SLIDE_TARGET_MS:g} ms: {verdict(slides, SLIDE_TARGET_MS)}",
        f"- the same slider move -> also every method's largest error over the map (the table's last column): "
        f"{percentiles(slides_whole)}",
        f"- a new learning rate -> {DESCENT_STEPS} descent steps (central differences) computed and drawn: "
        f"{percentiles(descents)}; target p95 < {DESCENT_TARGET_MS:g} ms: {verdict(descents, DESCENT_TARGET_MS)}",
        f"- of which the descent itself in the core (no window): {core}",
    ]


def _core_descent() -> str:
    from explorer.core.fields.context import FieldContext
    from explorer.core.fields.descent import gradient_descent
    from explorer.core.fields.variables import parse_field
    from explorer.core.request import Method

    context = FieldContext(parse_field("sin(x)*cos(y) + (x^2 + 3y^2)/10", ["x", "y"]))
    gradient_descent(context, [3.0, 2.5], 0.1, DESCENT_STEPS, method=Method.CENTRAL, base=1e-3)
    times = []
    for rate in np.linspace(0.01, 0.2, DESCENTS):
        start = time.perf_counter()
        gradient_descent(context, [3.0, 2.5], float(rate), DESCENT_STEPS, method=Method.CENTRAL, base=1e-3)
        times.append((time.perf_counter() - start) * 1e3)
    return f"median {statistics.median(times):.1f} ms"


def main() -> None:
    lines = run()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print("\n".join(lines))
    print(f"- run on Python {sys.version.split()[0]}, {time.strftime('%Y-%m-%d %H:%M')}, window "
          f"{WINDOW_SIZE[0]} x {WINDOW_SIZE[1]} offscreen, load average {load:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
