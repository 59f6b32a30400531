"""A thread that runs the newest job, a generator of stages: each stage goes to the GUI thread as it comes,
and a newer job (or a cancel) drops the rest at the next stage. Work on measured data runs here."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial

from PySide6.QtCore import QThread, Signal

from ..core.data.errors import DataError
from ..core.expression.errors import ExpressionError
from ..core.symbolic.engine import SymbolicError
from .paint_gate import PaintGate

Job = Callable[[], Iterable[object]]
EXPECTED = (DataError, ExpressionError, SymbolicError, OSError, ValueError)  # said to the user in one line


@dataclass(frozen=True)
class Settle:
    """Yielded by a job: wait this long for a newer job (or a cancel) before going on, sending nothing. What
    follows is work that a quick succession of jobs (a control dragged) would only throw away: begun, it
    would hold up the next job until its current step ends."""

    seconds: float


class StageWorker(QThread):
    """`submit(job_id, job)` replaces any job not yet started; a running one stops at its next stage, or at
    the next None it yields (a checkpoint between stages that take long, sent to no one), or while it waits
    at a Settle."""

    stage = Signal(int, object)  # job id, one stage
    failed = Signal(int, str)  # job id, what went wrong in one line
    finished_job = Signal(int)  # job id: every stage of it was sent
    busy = Signal(bool)  # a job is running (the window shows progress and a Cancel)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._condition = threading.Condition()
        self._gate = PaintGate(self._condition)
        self._pending: tuple[int, Job, Callable[[object], bool] | None] | None = None
        self._cancelled = 0  # jobs with an id up to this one are dropped
        self._stopping = False

    def submit(self, job_id: int, job: Job, pause_after: Callable[[object], bool] | None = None) -> None:
        """Run job next. pause_after(stage): after sending such a stage the worker waits for `painted()`
        before it goes on (see paint_gate)."""
        with self._condition:
            self._pending = (job_id, job, pause_after)
            self._condition.notify()

    def cancel(self, job_id: int) -> None:
        """Drop job_id (and any older one): no more of its stages are sent."""
        with self._condition:
            self._cancelled = max(self._cancelled, job_id)
            if self._pending is not None and self._pending[0] <= job_id:
                self._pending = None

    def stop(self, timeout_ms: int = 5000) -> bool:
        with self._condition:
            self._stopping = True
            self._pending = None
            self._condition.notify()
        return self.wait(timeout_ms) if self.isRunning() else True

    def painted(self) -> None:
        """The window painted what was sent: a paused job goes on."""
        self._gate.painted()

    def _dropped_locked(self, job_id: int) -> bool:
        return self._stopping or self._pending is not None or job_id <= self._cancelled

    def _dropped(self, job_id: int) -> bool:
        with self._condition:
            return self._dropped_locked(job_id)

    def run(self) -> None:
        while True:
            with self._condition:
                while self._pending is None and not self._stopping:
                    self._condition.wait()
                if self._stopping:
                    return
                pending, self._pending = self._pending, None
            assert pending is not None  # the wait above ends with a job or with stopping
            job_id, job, pause_after = pending
            self.busy.emit(True)
            try:
                for result in job():
                    if self._dropped(job_id):
                        break
                    if result is None:  # a checkpoint: a place to be dropped, nothing to send
                        continue
                    if isinstance(result, Settle):
                        with self._condition:
                            dropped = self._condition.wait_for(partial(self._dropped_locked, job_id),
                                                               timeout=result.seconds)
                        if dropped:  # before the job computes what follows
                            break
                        continue
                    pause = pause_after is not None and pause_after(result)
                    if pause:
                        self._gate.sent()
                    self.stage.emit(job_id, result)
                    if pause:
                        self._gate.wait(partial(self._dropped_locked, job_id))
                else:
                    self.finished_job.emit(job_id)
            except EXPECTED as exc:
                self.failed.emit(job_id, str(exc))
            except Exception as exc:  # noqa: BLE001 - the window reports it and stays up
                self.failed.emit(job_id, f"failed: {type(exc).__name__}: {exc}"[:300])
            finally:
                with self._condition:
                    idle = self._pending is None
                if idle:
                    self.busy.emit(False)
