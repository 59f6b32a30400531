"""The data mode's logic: where samples come from (a file, pasted text, the formula), the worker that
differentiates them, and what the panels and controls show; the main window only hosts it."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QSettings, Signal

from ..core.data.differentiate import parameters_problem
from ..core.data.loading import Column, Samples, load_samples, parse_samples
from ..core.data.result import SampleDerivative
from ..core.data.session import ChosenStage, CompareStage, DataRequest, SampleSet, SweepStage, data_stages
from ..core.data.synthetic import Synthetic, make_synthetic
from ..core.export.tables import ExportError, csv_table
from ..core.inputs import from_text, to_text
from .data_view import DataView
from .input_model import InputModel
from .settings import load_texts, save_texts, stored_text
from .stage_worker import Settle, StageWorker

MAX_RECENT_DATA = 10
GROUP = "data/"
# after the chosen method's derivative, the comparison and the error against smoothing wait this long for a
# newer request: while a control is dragged, each move is then one derivative, not a wait for work it made stale
FOLLOW_UP_SECONDS = 0.3


def _method_line(result: SampleDerivative) -> str:
    """The status line of a result: its method and parameters."""
    return f"{result.method}: {result.describe_parameters()}"


class DataMode(QObject):
    """Owns the data model, view and worker; `message` carries what the status bar should say."""

    message = Signal(str)

    def __init__(self, settings: QSettings, parent: QObject | None = None):
        super().__init__(parent)
        self.settings = settings
        values, notes = from_text(DataRequest, {name: stored_text(settings.value(GROUP + name))
                                                for name in to_text(DataRequest())})
        # Each pair is a finite number, but not necessarily one the method takes (window=1e300, or a name no
        # method has): restored, every computation would fail until the user found the box to clear.
        stored = values.get("parameters")
        if stored:
            problem = parameters_problem(str(values.get("method", DataRequest.method)), dict(stored))
            if problem is not None:
                values.pop("parameters")
                notes.append(f"method parameters (data): stored value is unusable ({problem}); "
                             "choosing them from the data")
        self.model = InputModel(DataRequest(**values))
        self.view = DataView(self.model)
        self.worker = StageWorker()
        self.worker.start()
        self.samples: SampleSet | None = None
        self.loaded: Samples | None = None  # the file's reading, for its columns
        self.path: str | None = None
        self._pending_path: str | None = None  # the file being read, until it is
        self._making = False  # the samples pending are made from a formula (synthetic), not read
        # The job reading a file or pasted text, until its samples come or it fails: a control moved meanwhile
        # must not replace it (the read would be dropped, and the file never opened); the samples, when they
        # come, are computed with the controls as they are then.
        self._reading: int | None = None
        self._moved_while_reading = False
        self._read_failure: str | None = None  # said again with the result computed anew after a failed read
        # What the column boxes show for the samples on screen (names, t's and y's place among them, whether
        # they can be chosen), and whether the first name is the row index rather than a column of the file.
        self._columns: tuple[tuple[str, ...], int, int, bool] | None = None
        self._row_index_first = False
        self.recent: list[str] = self._load_recent(notes)
        self.chosen: ChosenStage | None = None
        self.compared: CompareStage | None = None
        self.swept: SweepStage | None = None
        self._job = 0
        self._computing = 0  # the job whose stages the panels show
        self.startup_notes = notes
        self.model.changed.connect(lambda _names: self.compute())
        self.worker.stage.connect(self._on_stage)
        self.worker.failed.connect(self._on_failed)
        self.worker.busy.connect(self.view.controls.set_busy)
        self.view.controls.cancelRequested.connect(self.cancel)
        self.view.controls.columnsChosen.connect(self._columns_chosen)

    # -- sources ---------------------------------------------------------------------------------------
    def open_file(self, path: str, t: Column = None, y: Column = None) -> None:
        """Read path in the worker (a million rows take a moment); the current samples stay until it is read.
        t and y choose columns as load_samples takes them (a number is the column's place, 1 for the first)."""
        self._job += 1
        job = self._job

        def read():
            yield load_samples(path, t, y)

        self._pending_path, self._making = path, False
        self._reading, self._read_failure = job, None
        self.worker.submit(job, read)
        self.message.emit(f"reading {path} …")

    def paste(self, text: str) -> None:
        self._job += 1
        self._pending_path, self._making = None, False
        self._reading, self._read_failure = self._job, None
        self.worker.submit(self._job, lambda: iter([parse_samples(text)]))

    def synthetic(self, expression: str, a: float, b: float, n: int, spacing: str, sigma: float, seed: int) -> None:
        """Samples of the formula with noise, and its exact derivatives: the truth to learn from. Made in the
        worker (SymPy's derivatives, then up to 10^6 evaluations of three formulas: a second and more); the
        current samples stay until they come."""
        self._job += 1
        self._pending_path, self._making = None, True
        self._reading, self._read_failure = self._job, None
        self.worker.submit(self._job, lambda: iter([make_synthetic(expression, a, b, n, spacing, sigma, seed)]))
        self.message.emit(f"making {n} samples of {expression} …")

    def _columns_chosen(self, t_place: int, y_place: int) -> None:
        """The file read again with the columns at these places of the boxes. By place, not by name: two
        columns may share a name (the second was read as the first), and a column named index or row was read
        as the row index."""
        if self.path is None:
            return
        skip = 1 if self._row_index_first else 0  # the boxes' first entry: the row index, not a file column
        if y_place < skip:
            self._show_columns()
            self.message.emit("y must be a column of the file; the row index is t's alone")
            return
        self.open_file(self.path, None if t_place < skip else t_place - skip + 1, y_place - skip + 1)

    def _show_columns(self) -> None:
        """The column boxes as they are for the samples on screen (after a choice that could not be read)."""
        if self._columns is not None:
            self.view.controls.show_columns(*self._columns)

    def _set_samples(self, samples: SampleSet, columns: tuple[str, ...], t_place: int, y_place: int,
                     choosable: bool = True) -> None:
        self.samples = samples
        # What was computed from the samples before is not of these: kept, an export paired it with them (a CSV
        # of new t beside old derivatives, or a crash when their lengths differed) until the new result came.
        self.chosen, self.compared, self.swept = None, None, None
        self.view.controls.show_source(samples)
        self._columns = (columns, t_place, y_place, choosable)
        self._show_columns()
        self.view.panels.show_samples(samples)
        self.compute()

    # -- computing -------------------------------------------------------------------------------------
    def compute(self) -> None:
        if self._reading is not None:  # the samples being read are computed when they come
            self._moved_while_reading = True
            return
        if self.samples is None:
            return
        self._job += 1
        self._computing = self._job
        request = replace(self.model.state, request_id=self._job)
        samples = self.samples

        def job():
            stages = data_stages(samples, request)
            yield next(stages)  # the chosen method's: what the moved control changed
            yield Settle(FOLLOW_UP_SECONDS)
            yield from stages

        self.worker.submit(self._job, job)

    def cancel(self) -> None:
        self.worker.cancel(self._job)
        self._reading, self._moved_while_reading = None, False
        self.view.controls.set_busy(False)
        self.message.emit("cancelled: the panels show the last finished result")

    def _on_stage(self, job: int, stage: object) -> None:
        if job != self._job:
            return
        if isinstance(stage, Synthetic):
            self._reading, self._moved_while_reading = None, False
            self.loaded, self.path = None, None
            # Made, not read: its two columns are t and y, with nothing to choose between.
            self._row_index_first = False
            self._set_samples(SampleSet(stage.t, stage.y, stage.describe(), (), dict(stage.exact)), ("t", "y"), 0, 1,
                              choosable=False)
            return
        if isinstance(stage, Samples):
            self._reading, self._moved_while_reading = None, False
            self.loaded, self.path = stage, self._pending_path
            if self.path is not None:
                self._remember(self.path)
            skip = 1 if stage.unit_spacing else 0
            # the columns load_samples read, by place (two may share a name; pandas' row numbers are passed over)
            t_place = 0 if stage.t_place is None else skip + stage.t_place
            y_place = skip + stage.y_place
            self._row_index_first = stage.unit_spacing
            self._set_samples(SampleSet(stage.t, stage.y, stage.source, stage.warnings, t_label=stage.t_axis),
                              ("row index",) * skip + stage.columns, t_place, y_place)
            self.message.emit(f"read {stage.source}: {len(stage.t)} samples"
                              + (f"; {len(stage.warnings)} notes under Samples" if stage.warnings else ""))
            return
        request = self.model.state
        controls, panels = self.view.controls, self.view.panels
        if isinstance(stage, ChosenStage):
            self.chosen, self.compared, self.swept = stage, None, None
            assert self.samples is not None  # compute() sends a job only once there are samples
            panels.show_chosen(stage, self.samples, request.order)
            result = stage.result
            controls.show_parameters(result.method, dict(result.parameters), result.automatic)
            controls.reason.setText(result.reason)
            said = _method_line(result)
            if self._read_failure is not None:
                said, self._read_failure = f"{self._read_failure}; kept the samples on screen, {said}", None
            self.message.emit(said)
        elif isinstance(stage, CompareStage) and self.chosen is not None:
            self.compared = stage
            panels.show_compare(stage)
            if stage.failures:  # said after the chosen method's line, which it replaced before
                failed = "; ".join(f"{name} ({why.removeprefix(name + ' ')})" for name, why in stage.failures.items())
                self.message.emit(f"{_method_line(self.chosen.result)}; not compared: {failed}")
        elif isinstance(stage, SweepStage):
            self.swept = stage
            panels.show_sweep(stage)

    def _on_failed(self, job: int, message: str) -> None:
        if job != self._job:
            return
        if job == self._reading:
            self._reading = None
            source = self._pending_path if self._pending_path is not None else "pasted text"
            if self._making:
                message = f"cannot make samples: {message}"
            elif source not in message:  # "line 2: 3 cells ...": of what, with other samples on screen?
                message = f"cannot read {source}: {message}"
            self._show_columns()  # a choice of columns that could not be read: the boxes show what is on screen
            if self._moved_while_reading:  # the samples on screen, computed with the controls as they are now
                self._moved_while_reading = False
                self._read_failure = message  # not replaced by the result's line: the file was not opened
                self.compute()
        elif self._read_failure is not None:
            message, self._read_failure = f"{self._read_failure}; {message}", None
        self.message.emit(message)  # the last good samples and results stay on screen

    # -- export ----------------------------------------------------------------------------------------
    def csv_text(self) -> str:
        """t, y, the chosen derivative and each compared method's, headed by a # line saying what it is."""
        if self.samples is None or self.chosen is None:
            raise ExportError("no data has been differentiated yet")
        chosen = self.chosen.result
        request = self.model.state
        names, columns = ["t", "y", f"{chosen.method}"], [self.samples.t, self.samples.y, chosen.derivative]
        if self.compared is not None:
            for name, result in self.compared.results.items():
                if name != chosen.method:
                    names.append(name)
                    columns.append(result.derivative)
        exact = self.samples.exact.get(request.order)
        if exact is not None:
            names.append("exact")
            columns.append(exact)
        about = (f"samples: {self.samples.source}; derivative order {request.order}; method {chosen.method} "
                 f"({chosen.describe_parameters()})"
                 + (f"; {self.samples.t_label}" if self.samples.t_label != "t" else ""))
        return csv_table(names, np.column_stack(columns), [about])

    def export(self, path: str) -> None:
        """The data panels as a picture (.png, .svg) or the samples and derivatives as CSV."""
        from .export import export_view

        export_view(path, self.view.panels, self.csv_text,
                    None if self.chosen is not None else "no data has been differentiated yet")

    # -- settings --------------------------------------------------------------------------------------
    def _load_recent(self, notes: list[str]) -> list[str]:
        return load_texts(self.settings, GROUP + "recent", lambda p: len(p) < 4096 and os.path.isfile(p),
                          MAX_RECENT_DATA, notes)

    def _remember(self, path: str) -> None:
        absolute = str(Path(path).resolve())
        self.recent = [absolute, *(p for p in self.recent if p != absolute)][:MAX_RECENT_DATA]

    def save(self) -> None:
        for name, text in to_text(self.model.state).items():
            self.settings.setValue(GROUP + name, text)
        save_texts(self.settings, GROUP + "recent", self.recent, MAX_RECENT_DATA)

    def stop(self) -> None:
        self.worker.stop()
