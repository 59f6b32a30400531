"""A worker thread's pause until the window has painted what it sent: Python work beside the window's
painting (pyqtgraph paints in Python) shares the GIL with it, and slowed a repaint several times over."""

from __future__ import annotations

import threading
from collections.abc import Callable

PAINT_WAIT_SECONDS = 0.25  # longest pause: a hidden window never paints


class PaintGate:
    """`sent()` before emitting what the window will paint, `painted()` from the window when it did, and
    `wait(abandon)` in the worker to hold off until then, until abandon() (read under the worker's lock), or
    PAINT_WAIT_SECONDS."""

    def __init__(self, condition: threading.Condition):
        self._condition = condition  # the worker's: a new job's notify ends the wait too
        self._painted = True

    def sent(self) -> None:
        with self._condition:
            self._painted = False

    def painted(self) -> None:
        with self._condition:
            self._painted = True
            self._condition.notify_all()

    def wait(self, abandon: Callable[[], bool]) -> None:
        with self._condition:
            self._condition.wait_for(lambda: self._painted or abandon(), timeout=PAINT_WAIT_SECONDS)
