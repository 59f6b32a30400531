"""Edit->plot and slider->plot latency in the offscreen window, a step change vs a full edit, start-up time."""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from explorer.core.derive import exact_derivatives
from explorer.core.pipeline import compute_stages
from explorer.core.request import DerivativeRequest

POINTS = 2000
EDITS = 80  # p95 of 80 rests on its 4 slowest samples, not on 1 or 2
LOADED_EDITS = 40
SLIDES = 40
STARTS = 5
SUPERSEDED = 10
CPU_CHANGES = 100  # CPU counters tick in 10 ms: a mean over 100 changes is good to about 0.1 ms
KILLS = 10
WARM_TARGET_MS = 30.0  # exact curve after the f-only curves, after a superseded edit
KILLED_TARGET_MS = 200.0  # an edit's curves drawn after SymPy's child died
WAKE_MS = 5  # how often a wait looks at state no event announces
P95_TARGET_MS = 40.0  # edit -> all three panels, with another process on one core too
SLIDE_TARGET_MS = 16.0  # one frame at 60 Hz
WINDOW_SIZE = (1400, 900)  # a desktop window, as in docs/screenshot.png
REPO = Path(__file__).resolve().parents[1]
NEEDED = ("editor", "slider", "worker", "request", "shown_id", "completed_id")


def fresh_expression(i: int) -> str:
    """A different expression every time, so SymPy and lambdify caches never answer."""
    k = i + 2
    return ("sin({k}x)*exp(-x^2/{k})", "log(1+x^2/{k})*cos(x)", "atan({k}x)+x^3/{k}")[i % 3].format(k=k)


def percentiles(samples_ms: list[float]) -> str:
    p50, p95 = np.percentile(samples_ms, [50, 95])
    return f"p50 {p50:.1f} ms, p95 {p95:.1f} ms (n = {len(samples_ms)})"


# -- core only: what a step change saves ------------------------------------------------

def core_edit_vs_step() -> list[str]:
    """Median ms of a full edit (parse, differentiate, compile, compute) against a step change (compute only)."""
    full, step_only = [], []
    for i in range(EDITS):
        request = DerivativeRequest(fresh_expression(100 + i), points=POINTS, x_min=-6, x_max=6)
        start = time.perf_counter()
        symbolic = exact_derivatives(request)
        list(compute_stages(request, symbolic))
        full.append(time.perf_counter() - start)
        moved = DerivativeRequest(request.expression, points=POINTS, x_min=-6, x_max=6, step=1e-3 / (i + 1))
        start = time.perf_counter()
        list(compute_stages(moved, symbolic))
        step_only.append(time.perf_counter() - start)
    edit_ms, step_ms = statistics.median(full) * 1e3, statistics.median(step_only) * 1e3
    return [f"- core, no window, N = {POINTS}: full edit (parse + SymPy in-process + lambdify + all stages) "
            f"median {edit_ms:.1f} ms; step change (all stages, symbolic reused) median {step_ms:.1f} ms "
            f"= {step_ms / edit_ms:.2f}x of an edit"]


# -- the window ----------------------------------------------------------------------

def ui_problem() -> str | None:
    """Why the window cannot be benchmarked, or None."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    try:
        from explorer.ui.main_window import MainWindow  # noqa: F401
    except Exception as exc:  # noqa: BLE001 - any import failure means "skip", with its reason
        return f"explorer.ui is not importable ({type(exc).__name__}: {exc})"
    return None


def _wait(app, condition, timeout: float = 30.0) -> None:
    """Run the window's events until condition() holds, blocked until the next event as the window's own
    event loop is. A loop of short sleeps between checks (this bench until 2026-12-06) took the GIL from
    the worker thread every half millisecond and so slowed what it timed. What the GUI thread does (a
    request sent, stages drawn, a repaint) is an event, seen at once; state of other threads (a worker
    idle, a child replaced) is seen at the next tick of a timer that runs in Qt alone."""
    from PySide6.QtCore import QEventLoop, QTimer

    tick = QTimer()
    tick.start(WAKE_MS)
    deadline = time.perf_counter() + timeout
    try:
        while not condition():
            if time.perf_counter() > deadline:
                raise TimeoutError("the window did not finish in time")
            app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
    finally:
        tick.stop()


def _settled(window) -> bool:
    request = window.request
    return request is not None and window.completed_id == request.request_id


def _shown(window) -> bool:
    request = window.request
    return request is not None and window.shown_id == request.request_id


class _Screen:
    """Counts the panels' finished repaints, and notes the count when they last received data."""

    def __init__(self, panels):
        self.paints = 0
        self.data_at = 0
        panels.painted.connect(self._painted)
        for name in ("show_curves", "show_errors", "show_sweep"):  # instance attributes shadow the methods
            setattr(panels, name, self._noting(getattr(panels, name)))
        self._panels = panels

    def _painted(self) -> None:
        self.paints += 1

    def _noting(self, draw):
        def draw_and_note(*args, **kwargs):
            draw(*args, **kwargs)
            self.data_at = self.paints
        return draw_and_note

    def shows_its_data(self) -> bool:
        """True once a repaint has finished since the panels last received data."""
        return self.paints > self.data_at

    def detach(self) -> None:
        self._panels.painted.disconnect(self._painted)
        for name in ("show_curves", "show_errors", "show_sweep"):
            delattr(self._panels, name)


def _idle(app, window, seconds: float = 0.05) -> None:
    """Let the worker finish and every pending repaint happen, so the next change is timed alone."""
    _wait(app, lambda: not window.worker.is_busy())
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.001)


def _measure(app, window, change, count: int, cpu: dict[str, float] | None = None
             ) -> tuple[list[float], list[float]]:
    """ms from each change of the inputs to all three panels showing it on screen, and to its last stage
    on screen; the two differ when SymPy sends the theory lines' higher derivatives after the plotted one.
    With `cpu`, the CPU seconds each thread used from each change until the panels showed it are added to it.
    """
    screen = _Screen(window.panels)
    shown, settled = [], []
    try:
        for i in range(count):
            _idle(app, window)
            before = window.request.request_id
            used_before = _thread_cpu() if cpu is not None else None
            start = time.perf_counter()
            change(i)
            _wait(app, lambda: window.request.request_id > before and _shown(window) and screen.shows_its_data())
            shown.append((time.perf_counter() - start) * 1e3)
            if cpu is not None and used_before is not None:
                for name, seconds in (_thread_cpu() or {}).items():
                    cpu[name] = cpu.get(name, 0.0) + seconds - used_before.get(name, 0.0)
            _wait(app, lambda: _settled(window) and screen.shows_its_data())
            settled.append((time.perf_counter() - start) * 1e3)
    finally:
        screen.detach()
    return shown, settled


def _thread_cpu() -> dict[str, float] | None:
    """CPU seconds each thread of this process has used so far, by name (the GUI thread as "GUI"); None where
    /proc does not list threads (not Linux)."""
    tasks = Path("/proc/self/task")
    if not tasks.is_dir():
        return None
    gui, ticks, used = str(threading.main_thread().native_id), os.sysconf("SC_CLK_TCK"), {}
    for task in tasks.iterdir():
        try:
            stat = (task / "stat").read_text()
        except OSError:  # the thread ended meanwhile
            continue
        name = "GUI" if task.name == gui else stat[stat.index("(") + 1: stat.rindex(")")]
        fields = stat.rsplit(")", 1)[1].split()
        used[name] = used.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
    return used


def _cpu_per_change(app, window, change, count: int) -> tuple[float, dict[str, float]] | None:
    """Median ms from a change to all three panels on screen, and the mean CPU ms each thread of this process
    used meanwhile: where the time goes when nothing waits but the work itself (the counters tick in 10 ms,
    so only means over many changes say anything)."""
    if _thread_cpu() is None:
        return None
    used: dict[str, float] = {}
    shown, _ = _measure(app, window, change, count, cpu=used)
    return statistics.median(shown), {name: seconds * 1e3 / count for name, seconds in used.items()
                                      if seconds * 1e3 / count >= 0.5}


def _cpu_line(what: str, measured: tuple[float, dict[str, float]] | None) -> str:
    if measured is None:
        return f"- CPU by thread per {what}: not measured (no /proc/self/task here)"
    wall, used = measured
    threads = ", ".join(f"{name} {ms:.1f} ms" for name, ms in sorted(used.items(), key=lambda kv: -kv[1]))
    return (f"- CPU by thread per {what} until all three panels show (mean of {CPU_CHANGES}; wall p50 "
            f"{wall:.1f} ms): {threads}; total {sum(used.values()):.1f} ms")


@contextmanager
def _busy_core():
    """Another process keeps one core busy meanwhile: the window shares the machine, as on a user's desk."""
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        yield
    finally:
        spinner.kill()
        spinner.wait()


def window_latency() -> list[str]:
    from PySide6.QtCore import QSettings

    from explorer.ui.app import ensure_application, open_window

    app = ensure_application(headless=True)
    with tempfile.TemporaryDirectory() as folder:
        window = open_window(QSettings(str(Path(folder) / "settings.ini"), QSettings.Format.IniFormat))
        window.resize(*WINDOW_SIZE)  # the offscreen screen is 800 x 800: a new window would fit itself to it
        missing = [name for name in NEEDED if not hasattr(window, name)]
        if missing:
            window.close()
            return [f"- skipped: MainWindow lacks {', '.join(missing)}"]
        window.domain.points.setValue(POINTS)
        _wait(app, lambda: _settled(window))
        edits, edits_settled = _measure(app, window, lambda i: window.editor.set_text(fresh_expression(i)), EDITS)
        with _busy_core():
            loaded, _ = _measure(app, window, lambda i: window.editor.set_text(fresh_expression(EDITS + i)), LOADED_EDITS)
        jobs_before = window.worker.engine.jobs_sent
        steps = np.logspace(-8, -3, SLIDES)
        slides, _ = _measure(app, window, lambda i: window.slider.set_step(float(steps[i])), SLIDES)
        symbolic_jobs = window.worker.engine.jobs_sent - jobs_before
        cpu_edits = _cpu_per_change(app, window, lambda i: window.editor.set_text(fresh_expression(3000 + i)),
                                    CPU_CHANGES)
        cpu_steps = np.logspace(-8, -3, CPU_CHANGES)
        cpu_slides = _cpu_per_change(app, window, lambda i: window.slider.set_step(float(cpu_steps[i])), CPU_CHANGES)
        superseded = _after_superseded(app, window)
        killed = _after_killed_child(app, window)
        points = window.request.points
        window.close()
    p95 = float(np.percentile(edits, 95))
    return [
        f"- window at N = {points}, edit -> all three panels drawn (curves, errors, sweep with h*): "
        f"{percentiles(edits)}; p95 target < {P95_TARGET_MS:g} ms: {'pass' if p95 < P95_TARGET_MS else 'FAIL'}",
        f"- the same with another process spinning on one core: {percentiles(loaded)}; p95 target < "
        f"{P95_TARGET_MS:g} ms: {'pass' if np.percentile(loaded, 95) < P95_TARGET_MS else 'FAIL'}",
        f"- edit -> the sweep redrawn with its truncation lines (higher derivatives from SymPy): "
        f"{percentiles(edits_settled)}",
        f"- slider move (step only) -> all panels drawn: {percentiles(slides)}; "
        f"p95 target < {SLIDE_TARGET_MS:g} ms: {'pass' if np.percentile(slides, 95) < SLIDE_TARGET_MS else 'FAIL'}; "
        f"median {statistics.median(slides) / statistics.median(edits):.2f}x of an edit; "
        f"SymPy jobs sent during the {SLIDES} moves: {symbolic_jobs}",
        _cpu_line("edit", cpu_edits),
        _cpu_line("slider move", cpu_slides),
        f"- edit superseded mid-derivation, then a new edit: its exact derivative ready after its f-only "
        f"curves by {percentiles(superseded)}; target p95 < {WARM_TARGET_MS:g} ms (warm child): "
        f"{'pass' if np.percentile(superseded, 95) < WARM_TARGET_MS else 'FAIL'}",
        f"- SymPy's child killed, then a new edit -> its curves drawn: {percentiles(killed)}; "
        f"target p95 < {KILLED_TARGET_MS:g} ms: {'pass' if np.percentile(killed, 95) < KILLED_TARGET_MS else 'FAIL'}",
    ]


def _after_superseded(app, window) -> list[float]:
    """ms from a new edit's f-only curves to its exact derivative, when it replaced an edit whose derivation
    was still running in SymPy's child (the cancelled child must be replaced warm, not cold)."""
    engine, gaps = window.worker.engine, []
    for i in range(SUPERSEDED):
        _idle(app, window)
        sent = engine.jobs_sent
        window.editor.set_text(f"x^x^x*sin({i + 2}x^2)/(1+tan(x)^2)+erf(x^3)*atan(x)")  # minutes to order 8
        _wait(app, lambda: engine.jobs_sent > sent)
        window.editor.set_text(fresh_expression(1000 + i))
        _wait(app, lambda: _settled(window))
        marks = window.worker.marks
        gaps.append((marks["exact"] - marks["f_only"]) * 1e3)
    return gaps


def _after_killed_child(app, window) -> list[float]:
    """ms from an edit to its panels drawn when SymPy's child had died just before."""
    engine, times = window.worker.engine, []
    for i in range(KILLS):
        _idle(app, window)
        pid = engine.child_pid()
        if pid is not None:
            os.kill(pid, signal.SIGKILL)
            _wait(app, lambda: engine.child_pid() != pid)
        before = window.request.request_id
        start = time.perf_counter()
        window.editor.set_text(fresh_expression(2000 + i))
        _wait(app, lambda: window.request.request_id > before and _shown(window))
        times.append((time.perf_counter() - start) * 1e3)
    return times


STARTUP_SCRIPT = """
import os, sys
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtCore import QEventLoop, QSettings
from explorer.ui.app import ensure_application, open_window
app = ensure_application(headless=True)
window = open_window(QSettings(sys.argv[1], QSettings.Format.IniFormat))
app.processEvents()
print("shown", flush=True)
while not (window.request is not None and window.completed_id == window.request.request_id):
    app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
app.processEvents()
print("results", flush=True)
window.close()
"""


def startup() -> list[str]:
    """Seconds from starting a Python process to the window shown, and to its first results drawn."""
    shown, results = [], []
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    for _ in range(STARTS):
        with tempfile.TemporaryDirectory() as folder:
            start = time.perf_counter()
            process = subprocess.Popen([sys.executable, "-c", STARTUP_SCRIPT, str(Path(folder) / "s.ini")],
                                       stdout=subprocess.PIPE, text=True, env=env, cwd=REPO)
            marks = {}
            for line in process.stdout:
                marks[line.strip()] = time.perf_counter() - start
            process.wait(timeout=60)
        if process.returncode != 0 or len(marks) < 2:
            return [f"- start-up: the window process failed (exit {process.returncode})"]
        shown.append(marks["shown"])
        results.append(marks["results"])
    return [f"- start-up (new Python process -> window shown): median {statistics.median(shown):.2f} s; "
            f"-> first results drawn: median {statistics.median(results):.2f} s (n = {STARTS})"]


def run() -> list[str]:
    lines = ["## Latency", ""] + core_edit_vs_step()
    problem = ui_problem()
    if problem is not None:
        return lines + [f"- window benchmarks skipped: {problem}", ""]
    return lines + window_latency() + startup() + [""]
