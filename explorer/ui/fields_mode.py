"""The several-variables mode's logic: the request model, the worker running its stages, what each stage
draws, clicks on the map, exports and settings; the main window only hosts it."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
from PySide6.QtCore import QObject, QSettings, QTimer, Signal

from ..core.export.tables import ExportError, csv_table
from ..core.expression.errors import ExpressionError
from ..core.fields.session import (
    RECTANGLE_INPUTS,
    STAGE_INPUTS,
    CompareStage,
    ContextCache,
    DescentStage,
    ErrorStage,
    FieldRequest,
    MapStage,
    PointStage,
    field_stages,
    parse_request_field,
    same_inputs,
)
from ..core.fields.symbolic import Differentiate, engine_differentiate, engine_prefetch
from ..core.fields.variables import FieldExpression, FieldInputError, parse_names
from ..core.inputs import from_text, to_text
from .fields_view import FieldsView
from .input_model import InputModel
from .settings import stored_text
from .stage_worker import StageWorker

GROUP = "fields/"
# The panels are painted once for the quick stages of a request (map, errors, point and descent come within
# milliseconds of each other; each full repaint of the four panels costs some 20 ms): after its first stage
# their painting waits for the descent stage, the end of the job, or this long at most.
HOLD_MS = 150
STAGE_NAMES = {MapStage: "map", ErrorStage: "errors", PointStage: "point", DescentStage: "descent",
               CompareStage: "compare"}


def undefined_share(values: np.ndarray) -> float:
    """The share of a map's grid points where f is undefined (NaN)."""
    return float(np.mean(np.isnan(values))) if values.size else 0.0


class FieldsMode(QObject):
    """Owns the several-variables model, view and worker; `message` carries what the status bar should say.

    Nothing is computed until the mode is first shown (`activate`). With a SymbolicEngine, SymPy runs in its
    child process within its time limit; without one, in the worker thread."""

    message = Signal(str)

    def __init__(self, settings: QSettings, engine=None, parent: QObject | None = None):
        super().__init__(parent)
        self.settings = settings
        values, notes = from_text(FieldRequest, {name: stored_text(settings.value(GROUP + name))
                                                 for name in to_text(FieldRequest())})
        if "variables" in values:  # any text is a valid box's content, but a stored one must name variables
            try:
                parse_names(values["variables"])
            except FieldInputError as exc:
                notes.append(f"variables (several variables): stored value {values.pop('variables')[:40]!r} is "
                             f"unusable ({exc}); using the default")
        if FieldRequest(**values).problems():  # each end usable alone, not together (x from 5 to 2)
            stored = ", ".join(f"{name} {values[name]:g}" for name in RECTANGLE_INPUTS if name in values
                               and isinstance(values[name], (int, float)))
            for name in RECTANGLE_INPUTS:
                values.pop(name, None)
            notes.append(f"stored map rectangle ({stored}) is empty; using the default rectangle")
        self.startup_notes = notes
        self.model = InputModel(FieldRequest(**values))
        self.view = FieldsView(self.model)
        self.worker = StageWorker()
        self.worker.start()
        self.engine = engine
        # Touched by the worker thread only (each job runs there); the factory gives SymPy to the engine.
        self.cache = ContextCache(self._differentiate if engine is not None else None,
                                  self._prefetch if engine is not None else None)
        self.active = False
        self.shown: dict[str, FieldRequest] = {}  # stage name -> the request whose stage is on screen
        self.stages: dict[str, object] = {}  # stage name -> the stage on screen
        self.request: FieldRequest | None = None  # the newest request sent
        self._job = 0
        self.completed_job = 0
        self.sent_at = 0.0
        self.drawn_at: dict[str, float] = {}  # stage name -> perf_counter when the newest job's stage was drawn
        self.painted_at = 0.0  # perf_counter when the panels last finished a repaint
        self._timer = QTimer(self, singleShot=True, interval=0)  # a burst of edits becomes one request
        self._timer.timeout.connect(self.compute)
        self.holding = False  # the panels' painting waits for the rest of the quick stages
        self._picture_ends: type = DescentStage  # the stage that completes what the panels wait to paint
        self._hold = QTimer(self, singleShot=True, interval=HOLD_MS)
        self._hold.timeout.connect(self._release)
        self.model.changed.connect(lambda _names: self._timer.start())
        self.worker.stage.connect(self._on_stage)
        self.worker.failed.connect(self._on_failed)
        self.worker.finished_job.connect(self._on_finished)
        self.worker.busy.connect(self.view.controls.set_busy)
        self.view.controls.cancelRequested.connect(self.cancel)
        self.view.panels.painted.connect(self._painted)
        self.view.panels.pointChosen.connect(lambda x, y: self.model.update(point_x=x, point_y=y))
        self.view.panels.startChosen.connect(lambda x, y: self.model.update(start_x=x, start_y=y))

    def _painted(self) -> None:
        self.painted_at = time.perf_counter()
        self.worker.painted()

    def _differentiate(self, field: FieldExpression) -> Differentiate:
        return engine_differentiate(self.engine, field)

    def _prefetch(self, field: FieldExpression) -> None:
        engine_prefetch(self.engine, field)

    def activate(self) -> None:
        """The mode is shown: compute what the inputs describe (the first time)."""
        if not self.active:
            self.active = True
            self.compute()

    # -- computing -------------------------------------------------------------------------------------
    def compute(self) -> None:
        """Send the current inputs to the worker, only the stages whose inputs changed; a bad input is said
        beside it and the last good result stays on screen."""
        if not self.active:
            return
        request = self.model.state
        controls = self.view.controls
        try:
            field = parse_request_field(request)
        except ExpressionError as exc:
            controls.show_problem(str(exc))
            self.message.emit(str(exc))
            return
        controls.parameters.set_names(field.parameter_names)
        if controls.parameters.values() != request.parameters:  # a new name's box: its value goes in too
            self.model.update(parameters=controls.parameters.values())
            request = self.model.state
        problems = request.problems()
        if problems:
            controls.show_problem("; ".join(problems))
            self.message.emit("; ".join(problems))
            return
        controls.show_problem("")
        skip = frozenset(name for name in STAGE_INPUTS if same_inputs(name, self.shown.get(name), request))
        if skip == frozenset(STAGE_INPUTS):
            return
        self._job += 1
        self.request = replace(request, request_id=self._job)
        self.sent_at = time.perf_counter()
        self.drawn_at = {}
        sent, cache = self.request, self.cache
        # The panels hold back their painting until the picture is complete: for a new map, the map and its
        # error map (the point's table, with every method's Hessian, comes after); otherwise up to the descent.
        # The worker waits for that paint before going on: its Python work would share the GIL with it.
        self._picture_ends = ErrorStage if not skip & {"map", "errors"} else DescentStage
        ends = self._picture_ends
        self.worker.submit(self._job, lambda: field_stages(sent, cache, skip),
                           pause_after=lambda stage: isinstance(stage, ends))

    def cancel(self) -> None:
        self.worker.cancel(self._job)
        self._release()
        self.view.controls.set_busy(False)
        self.message.emit("cancelled: the panels show the last finished result")

    def _on_stage(self, job: int, stage: object) -> None:
        if job != self._job or self.request is None:
            return
        request = self.request
        name = STAGE_NAMES.get(type(stage))
        if name is None:
            return
        view = self.view
        if not self.holding:
            self.holding = True
            view.panels.setUpdatesEnabled(False)
            self._hold.start()
        if isinstance(stage, MapStage):
            view.panels.show_map(stage, request.expression)
            view.table.name_variables(stage.variables)
            view.controls.name_variables(stage.variables)
            undefined = undefined_share(stage.field_map.values)
            if undefined:  # drawn blank there: said, as the one-variable mode says where f is undefined
                self.message.emit(f"f is undefined everywhere in x from {request.x_min:g} to {request.x_max:g}, "
                                  f"y from {request.y_min:g} to {request.y_max:g}: choose a region where it is defined"
                                  if undefined == 1.0 else
                                  f"f is undefined on {max(undefined, 0.01):.0%} of the region (left blank)")
        elif isinstance(stage, ErrorStage):
            view.panels.show_errors(stage)
            if self._picture_ends is ErrorStage:
                self._release()
        elif isinstance(stage, PointStage):
            view.panels.show_point(stage)
            view.table.show_point(stage, request.step)
        elif isinstance(stage, DescentStage):
            view.panels.show_descent(stage)
            view.controls.show_bound(stage)
            if stage.problem:
                self.message.emit(stage.problem)
            elif stage.path is not None and stage.path.diverged:
                self.message.emit(f"the descent {stage.path.reason}: the learning rate is too large for this f")
            self._release()
        elif isinstance(stage, CompareStage):
            view.table.show_compare(stage)
        self.shown[name] = request
        self.stages[name] = stage
        self.drawn_at[name] = time.perf_counter()

    def _release(self) -> None:
        """Paint what the quick stages drew, at once."""
        self._hold.stop()
        if self.holding:
            self.holding = False
            self.view.panels.setUpdatesEnabled(True)

    def _on_failed(self, job: int, message: str) -> None:
        self._release()
        if job == self._job:
            self.view.controls.show_problem(message)
            self.message.emit(message)  # the last good maps stay on screen

    def _on_finished(self, job: int) -> None:
        self._release()
        if job == self._job:
            self.completed_job = job

    def settled(self) -> bool:
        """Every stage of the newest request is on screen (or nothing was sent)."""
        return self._job == 0 or self.completed_job == self._job

    # -- export ----------------------------------------------------------------------------------------
    def csv_text(self) -> str:
        """x, y, f, the exact partials df/dx and df/dy at every grid point, and the error map's partial by the
        chosen method with its |error| when it is of the same grid; headed by a # line saying what it is."""
        stage = self.stages.get("map")
        request = self.shown.get("map")
        if not isinstance(stage, MapStage) or request is None:
            raise ExportError("no map has been computed yet")
        m = stage.field_map
        x, y = np.meshgrid(m.x, m.y)
        vx, vy = stage.variables
        names = [vx, vy, "f", f"df/d{vx}", f"df/d{vy}"]
        columns = [x, y, m.values, stage.gradient[0], stage.gradient[1]]
        errors = self.stages.get("errors")
        shown = self.shown.get("errors")
        about = (f"f = {request.expression}; variables {vx}, {vy}; parameters "
                 f"{dict(request.parameters) or 'none'}; {len(m.x)} x {len(m.y)} grid; exact partials by "
                 f"{stage.reference.value if stage.reference else 'none (NaN)'}")
        same_grid = shown is not None and all(getattr(shown, k) == getattr(request, k)
                                              for k in STAGE_INPUTS["map"] if k != "arrows")
        if (isinstance(errors, ErrorStage) and same_grid and shown is not None
                and (mapped := errors.shown()) is not None):  # what the error map shows, the file has too
            by, values, error = mapped
            names += [f"{errors.partial} by {by}", f"|error| of {errors.partial}"]
            columns += [values, error]
            about += f"; noise {shown.noise:g}"
        return csv_table(names, np.column_stack([np.ravel(c) for c in columns]), [about])

    def export(self, path: str) -> None:
        """The panels as a picture (.png, .svg) or the grid as CSV; written atomically or not at all."""
        from .export import export_view

        export_view(path, self.view.panels, self.csv_text,
                    None if "map" in self.stages else "no map has been computed yet")

    # -- settings --------------------------------------------------------------------------------------
    def save(self) -> None:
        for name, text in to_text(self.model.state).items():
            self.settings.setValue(GROUP + name, text)

    def stop(self) -> None:
        self._timer.stop()
        self.worker.stop()
