"""The main window: inputs on the left, the three panels on the right, results from the worker."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QDir, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ..core.calculus.stage import CalculusResult
from ..core.export.atomic import shown_path
from ..core.expression.parser import parse_expression
from ..core.numeric.gaps import gap_note
from ..core.pipeline import CurveResult, DerivativeResults, ErrorResult, SweepResult
from ..core.request import DerivativeRequest, Method
from ..core.symbolic.engine import SymbolicEngine
from .about import about_text
from .calculus_controls import CalculusControls
from .calculus_overlay import CalculusOverlay
from .crosshair import Crosshair
from .data_mode import DataMode
from .domain_controls import DomainControls
from .export import ExportError, export_results, export_sweep, with_chosen_suffix
from .expression_editor import ExpressionEditor
from .fields_mode import FieldsMode
from .formula_view import FormulaView, derivative_name
from .input_model import InputModel, bind, bind_box
from .lesson import LessonBox
from .method_selector import MethodSelector
from .parameter_controls import ParameterControls
from .plot_panels import PlotPanels
from .presets import PRESETS, Preset
from .probe_readout import ProbeReadout
from .settings import (
    default_settings,
    load_inputs,
    load_recent,
    load_window,
    save_inputs,
    save_recent,
    save_relative_errors,
    save_window,
    stored_folder,
    stored_text,
)
from .step_slider import StepSlider
from .steps_dialog import StepsDialog
from .synthetic_dialog import SyntheticDialog
from .worker import ComputeWorker, FormulaResult, StatusMessage

DEFAULT_SIZE = (1400, 900)


class MainWindow(QMainWindow):
    """Every input change becomes a DerivativeRequest for the worker; only the newest one's results are drawn."""

    def __init__(self, settings: QSettings | None = None, engine: SymbolicEngine | None = None):
        super().__init__()
        # First, so SymPy's child process starts while the widgets are being built.
        self.worker = ComputeWorker(engine)
        self.worker.start()
        self.setWindowTitle("Derivative Explorer")
        self.settings = settings if settings is not None else default_settings()
        self.model = InputModel()
        self.editor = ExpressionEditor()
        self.domain = DomainControls()
        self.methods = MethodSelector()
        self.parameters = ParameterControls()
        self.slider = StepSlider()
        self.formula = FormulaView()
        self.panels = PlotPanels()
        self.readout = ProbeReadout()
        self.lesson = LessonBox()
        self.calculus = CalculusControls()
        self.timing = QLabel()
        self._build_layout()
        self._build_menus()
        self._add_crosshairs()
        self.overlay = CalculusOverlay(self.panels.curves_plot)
        # A fixed size: its text changes twice per request, and a label that may change size makes the whole
        # window lay itself out again each time.
        self.timing.setFixedSize(self.timing.fontMetrics().horizontalAdvance("updated in 00000 ms") + 8,
                                 self.timing.sizeHint().height())
        self.statusBar().addPermanentWidget(self.timing)

        self.request: DerivativeRequest | None = None  # the newest request sent to the worker
        self.results: DerivativeResults | None = None  # the stages of the newest request drawn so far
        self.shown_id = 0  # the newest request all three panels show (theory lines may still be coming)
        self.completed_id = 0  # the newest request whose every stage has been drawn
        self.shown_latency: float | None = None  # seconds from sending the request to all panels showing it
        self.last_latency: float | None = None  # seconds from sending the request to its last panel drawn
        self.dropped_stages = 0
        self._next_id = 0
        self._sent_at = 0.0
        self._fitted_view: tuple | None = None
        self._worker_message = ""  # what the worker said about the newest request
        self._computation_message = ""  # what the status bar last said about a computation
        self._schedule_timer = QTimer(self, singleShot=True, interval=0)  # coalesces a burst of edits into one request
        self._schedule_timer.timeout.connect(self._send_request)

        self.worker.stages.connect(self._on_stages)
        self.worker.formula.connect(self._on_formula)
        self.worker.status.connect(self._on_status)
        self.worker.done.connect(self._on_done)
        self.panels.painted.connect(self.worker.stages_drawn)

        self.editor.expressionChanged.connect(self._show_parameters)
        self.editor.expressionChanged.connect(lambda text: self.setWindowTitle(f"{text} — Derivative Explorer"))
        self._bind_inputs()
        self._restore(self.settings)
        self.model.changed.connect(self._inputs_changed)
        self._limit_probe()
        self.schedule()

    def _bind_inputs(self) -> None:
        """Each input widget to its field of the model (parameters before the expression: a restored
        expression's boxes take the restored values)."""
        model, domain, methods = self.model, self.domain, self.methods
        for name, box in (("x_min", domain.x_min), ("x_max", domain.x_max), ("points", domain.points),
                          ("order", domain.order), ("accuracy", methods.accuracy), ("noise", methods.noise)):
            bind_box(model, name, box)
        bind(model, "methods", methods.changed, methods.methods, methods.set_methods)
        calculus = self.calculus
        bind_box(model, "taylor_degree", calculus.taylor)
        for name, check in (("tangents", calculus.tangents), ("extrema", calculus.extrema)):
            bind(model, name, check.toggled, check.isChecked, check.setChecked)
        bind(model, "error_bands", self.bands_action.toggled, self.bands_action.isChecked,
             self.bands_action.setChecked)
        calculus.pointChosen.connect(lambda x: self.model.update(probe=x))
        bind(model, "step", self.slider.stepChanged, self.slider.step, self.slider.set_step)
        bind(model, "parameters", self.parameters.changed, self.parameters.values, self.parameters.set_values)
        bind(model, "expression", self.editor.line.textChanged, self.editor.text, self.editor.set_text)
        self.panels.probeMoved.connect(lambda x: self.model.update(probe=x))
        self.readout.probeEdited.connect(lambda x: self.model.update(probe=x))
        self.readout.stepChosen.connect(self.slider.set_step)  # "use h*": the sweep's h* is in the slider's units

    def _inputs_changed(self, names: frozenset) -> None:
        if names & {"x_min", "x_max"}:
            self._limit_probe()
        if "expression" in names:
            self.lesson.expression_changed(self.model.state.expression)
        self.schedule()

    # -- layout ----------------------------------------------------------
    def _build_layout(self) -> None:
        controls = QWidget()
        column = QVBoxLayout(controls)
        column.addWidget(self.lesson)
        column.addWidget(self.domain)
        column.addWidget(self.parameters)
        column.addWidget(self.methods)
        column.addWidget(self.calculus)
        column.addWidget(self.readout)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(controls)
        scroll.setWidgetResizable(True)
        self._controls_width = controls.sizeHint().width() + scroll.verticalScrollBar().sizeHint().width() + 8
        scroll.setMinimumWidth(self._controls_width // 3)
        # The controls fit the column (texts wrap, the sweep table scrolls itself) rather than being cut.
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        expression_row = QHBoxLayout()
        expression_row.addWidget(QLabel("f(x) ="), 0, Qt.AlignmentFlag.AlignTop)
        expression_row.addWidget(self.editor, 1)
        plots = QWidget()
        right = QVBoxLayout(plots)
        right.setContentsMargins(0, 0, 0, 0)
        right.addLayout(expression_row)
        # The derivative's formula, or while the expression is bad, what is wrong with it.
        self.formula_area = QStackedWidget()
        self.formula_area.addWidget(self.formula)
        self.formula_area.addWidget(self.editor.message)
        self.formula_area.setFixedHeight(self.formula.sizeHint().height())
        self.editor.errorChanged.connect(
            lambda message: self.formula_area.setCurrentWidget(self.editor.message if message else self.formula))
        right.addWidget(self.formula_area)
        right.addWidget(self.panels, 1)
        right.addWidget(self.slider)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(scroll)
        self.splitter.addWidget(plots)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setCollapsible(1, False)
        # Formula mode (the splitter above) and data mode share the window: one page each.
        self.data = DataMode(self.settings, self)
        self.data.message.connect(lambda text: self.statusBar().showMessage(text, 15_000))
        self.pages = QStackedWidget()
        self.pages.addWidget(self.splitter)
        self.pages.addWidget(self.data.view)
        self.fields = FieldsMode(self.settings, self.worker.engine, self)  # several variables: its own page
        self.fields.message.connect(lambda text: self.statusBar().showMessage(text, 15_000))
        self.pages.addWidget(self.fields.view)
        self.setCentralWidget(self.pages)
        self.setAcceptDrops(True)
        # 1400 x 900 where the screen has room (a saved geometry replaces it); a laptop's screen is smaller.
        available = self.screen().availableGeometry()
        self.resize(min(DEFAULT_SIZE[0], int(0.95 * available.width())),
                    min(DEFAULT_SIZE[1], int(0.95 * available.height())))

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self._action(file_menu, "&Open data…", QKeySequence("Ctrl+O"), self._open_data_dialog)
        self._action(file_menu, "&Paste data", QKeySequence("Ctrl+Shift+V"), self.paste_data)
        self.recent_data_menu = file_menu.addMenu("Recent &data")
        self.recent_data_menu.aboutToShow.connect(self._fill_recent_data_menu)
        self._action(file_menu, "Samples of f(x) with &noise…", None, self._synthetic_dialog)
        file_menu.addSeparator()
        self._action(file_menu, "Export &image (PNG, SVG)…", QKeySequence("Ctrl+S"),
                     lambda: self._export_dialog("PNG image (*.png);;SVG image (*.svg)", self._writer()))
        self._action(file_menu, "&Export data (CSV)…", QKeySequence("Ctrl+E"),
                     lambda: self._export_dialog("CSV data (*.csv)", self._writer()))
        self._action(file_menu, "Export error against &h (CSV)…", QKeySequence("Ctrl+Shift+E"),
                     lambda: self._export_dialog("CSV data (*.csv)", lambda res, _, path: export_sweep(res, path),
                                                 "error-against-h"))
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", QKeySequence("Ctrl+Q"), self.close)
        edit_menu = self.menuBar().addMenu("&Edit")
        # In the function's box, Ctrl+Z undoes typing (the line edit's own); elsewhere, the last change of
        # any input (a slider move, a preset, a range).
        self.undo_action = self._action(edit_menu, "&Undo", QKeySequence(QKeySequence.StandardKey.Undo),
                                        self.model.undo)
        self.redo_action = self._action(edit_menu, "&Redo", QKeySequence("Ctrl+Shift+Z"), self.model.redo)
        self.model.historyChanged.connect(self._update_undo)
        self._update_undo()
        edit_menu.addSeparator()
        self._action(edit_menu, "Edit the &function", QKeySequence("Ctrl+L"), self._edit_function)
        self._action(edit_menu, "Derivation &steps…", QKeySequence("Ctrl+D"), self.show_steps)
        self.recent_menu = edit_menu.addMenu("Recent &functions")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self._action(edit_menu, "Copy derivative as &LaTeX", None, self.formula.copy_latex.click)
        self._action(edit_menu, "Copy derivative as &Python", None, self.formula.copy_python.click)
        view_menu = self.menuBar().addMenu("&View")
        self.formula_mode_action = self._action(view_menu, "F&ormula mode", QKeySequence("Ctrl+1"),
                                                lambda: self.set_mode("formula"))
        self.data_mode_action = self._action(view_menu, "&Data mode (samples)", QKeySequence("Ctrl+2"),
                                             lambda: self.set_mode("data"))
        self.fields_mode_action = self._action(view_menu, "&Several variables", QKeySequence("Ctrl+3"),
                                               lambda: self.set_mode("fields"))
        modes = QActionGroup(self)
        for action in (self.formula_mode_action, self.data_mode_action, self.fields_mode_action):
            action.setCheckable(True)
            modes.addAction(action)
        self.formula_mode_action.setChecked(True)
        view_menu.addSeparator()
        self._action(view_menu, "&Compute over the visible x range", QKeySequence("Ctrl+R"), self.compute_visible_range)
        self._action(view_menu, "&Fit the view to the curves", QKeySequence("Ctrl+0"), self.panels.fit_view)
        view_menu.addSeparator()
        self.relative_action = self._action(view_menu, "&Relative errors", None, self._show_relative)
        self.relative_action.setCheckable(True)
        self.relative_action.setStatusTip("errors divided by |exact derivative|: what digits are right, "
                                          "whatever f's scale")
        self.bands_action = self._action(view_menu, "Estimated error &bands", None, None)
        self.bands_action.toggled.connect(self.panels.set_bands)  # also when restored from the settings
        self.bands_action.setCheckable(True)
        self.bands_action.setStatusTip("each step method's own estimate of its error, no exact answer needed: "
                                       "value ± estimate on top, measured error up to the estimate below")
        presets_menu = self.menuBar().addMenu("&Presets")
        for preset in PRESETS:
            action = self._action(presets_menu, preset.name, None, lambda _=False, p=preset: self.apply_preset(p))
            action.setStatusTip(preset.lesson)
        help_menu = self.menuBar().addMenu("&Help")
        self._action(help_menu, "&About Derivative Explorer", None,
                     lambda: QMessageBox.about(self, "About Derivative Explorer", about_text()))
        self._action(help_menu, "About &Qt", None, lambda: QMessageBox.aboutQt(self))

    def _add_crosshairs(self) -> None:
        """Hovering any panel shows where the mouse is and the nearest curve's value there."""
        panels = self.panels

        def labelled(items: dict[Method, object], suffix: str = "") -> dict:
            return {item: f"{method.label}{suffix}" for method, item in items.items()}

        self.crosshairs = [
            Crosshair(panels.curves_plot, lambda: {panels.function_item: "f(x)", **labelled(panels.curve_items)},
                      "x", "y", self),
            Crosshair(panels.error_plot, lambda: labelled(panels.error_items), "x", "error", self),
            Crosshair(panels.sweep_plot, lambda: {**labelled(panels.sweep_items),
                                                  **labelled(panels.truncation_items, " (truncation)"),
                                                  **labelled(panels.roundoff_items, " (round-off)")},
                      "h", "error", self),
        ]

    def _action(self, menu, text: str, shortcut: QKeySequence | None, slot) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        if slot is not None:
            action.triggered.connect(slot)
        menu.addAction(action)
        return action

    # -- inputs -> requests ----------------------------------------------
    def apply_preset(self, preset: Preset) -> None:
        """Load a preset's function, range and order."""
        # A preset without noise must not inherit the last one's.
        self.model.update(order=preset.order, noise=preset.noise, x_min=preset.x_min, x_max=preset.x_max,
                          expression=preset.expression, probe=preset.probe)
        self.lesson.show_preset(preset)

    def compute_visible_range(self) -> None:
        """Make the zoomed-in (or out) stretch of x the computed range: every point lands where the user looks."""
        low, high = self.panels.visible_x_range()
        # Rounded to a millionth of the span: the ends read as typed numbers, not as 1.0000000000000002.
        decimals = max(0, 6 - math.floor(math.log10(high - low)))
        self.model.update(x_min=round(low, decimals), x_max=round(high, decimals))

    def _update_undo(self) -> None:
        self.undo_action.setEnabled(self.model.can_undo())
        self.redo_action.setEnabled(self.model.can_redo())

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for expression in self.editor.recent:
            action = self.recent_menu.addAction(expression)
            action.triggered.connect(lambda _=False, e=expression: self.model.update(expression=e))
        self.recent_menu.setEnabled(bool(self.editor.recent))

    def show_steps(self) -> StepsDialog | None:
        """The derivation of the current function rule by rule (its own window, worked out in a child)."""
        expression = self.editor.valid_text()
        if expression is None:
            return None
        self._steps = StepsDialog(expression, self.model.state.order, self)
        self._steps.show()
        return self._steps

    def _edit_function(self) -> None:
        self.editor.line.setFocus()
        self.editor.line.selectAll()

    def _show_relative(self, relative: bool) -> None:
        self.panels.set_relative(relative)
        save_relative_errors(self.settings, relative)

    def _show_parameters(self, expression: str) -> None:
        self.parameters.set_names(parse_expression(expression, self.editor.variable).parameter_names)
        self.model.update(parameters=self.parameters.values())

    def _limit_probe(self) -> None:
        inputs = self.model.state
        if inputs.x_min < inputs.x_max:
            self.readout.set_range(inputs.x_min, inputs.x_max)

    def schedule(self) -> None:
        """Send a request for the current inputs once this burst of events is over."""
        self._schedule_timer.start()

    def current_request(self) -> DerivativeRequest | None:
        """The request the inputs describe, or None while the expression or domain is unusable."""
        expression = self.editor.valid_text()
        if expression is None or self.editor.error():
            return None
        inputs = self.model.state
        probe = inputs.probe if inputs.probe is not None and inputs.x_min <= inputs.probe <= inputs.x_max else None
        request = replace(inputs, expression=expression, probe=probe)
        return None if request.problems() else request

    def _send_request(self) -> None:
        request = self.current_request()
        if request is None:
            problems = self.model.state.problems()
            self.domain.show_range_problem("; ".join(p for p in problems if p.startswith("x ")))
            if not problems and self.request is not None and self.editor.error():
                # The editor says what is wrong with the expression; the plots stay, and say whose they are.
                problems = [f"the plots still show the last valid function, {self.request.expression[:80]}"]
            self._show_computation_message("; ".join(problems))
            return
        self.domain.show_range_problem("")
        if self.request is not None and request == self.request:
            return
        self._next_id += 1
        self.request = replace(request, request_id=self._next_id)
        self.results = None
        self.editor.remember(request.expression)
        self._sent_at = time.perf_counter()
        self._worker_message = ""
        self.timing.setText("computing…")
        self.worker.submit(self.request)

    # -- worker results -> panels ----------------------------------------
    def _is_current(self, request_id: int) -> bool:
        return self.request is not None and request_id == self.request.request_id

    def _on_stages(self, results: tuple) -> None:
        with self.panels.batch():
            for result in results:
                self._on_stage(result)

    def _on_stage(self, result: CurveResult | ErrorResult | SweepResult | CalculusResult) -> None:
        if not self._is_current(result.request_id):
            self.dropped_stages += 1
            return
        request = self.request
        assert request is not None  # _is_current: this stage's request was sent
        if not isinstance(result, CalculusResult):
            self.results = (self.results or DerivativeResults(request)).with_stage(result)
        if isinstance(result, CurveResult):
            # A new function, range, order or parameter values: fit the view; a new step or probe: keep it.
            view = (request.expression, request.x_min, request.x_max, request.order, request.parameters)
            self.panels.describe(request)
            self.panels.show_curves(result, request.order, fit_view=view != self._fitted_view)
            self._fitted_view = view
            if result.reference is None:
                self.readout.clear()
            # Why a method has no curve is said beside the method; the status bar says why SymPy gave up
            # (the worker's message) or where the curves have gaps.
            self.methods.show_unavailable(result.notes)
            if not (request.tangents or request.taylor_degree or request.extrema):
                self.overlay.clear()
                self.calculus.clear_points()
                self.calculus.show_polynomial(None)  # a polynomial's coefficients come with the calculus stage
            exact = result.derivatives.get(result.reference) if result.reference else None
            gaps = gap_note(result.x, result.f, exact, derivative_name(request.order))
            self._show_computation_message("; ".join(filter(None, (self._worker_message, gaps))))
        elif isinstance(result, CalculusResult):
            self.overlay.show(result)
            self.calculus.show_result(result, request.order)
        elif isinstance(result, ErrorResult):
            self.panels.show_errors(result)
        elif isinstance(result, SweepResult):
            self.panels.show_sweep(result)
            self.readout.show_result(result, request.order)
            if self.shown_id != result.request_id:
                self.shown_id = result.request_id
                self.shown_latency = time.perf_counter() - self._sent_at
                self.timing.setText(f"updated in {self.shown_latency * 1000:.0f} ms")

    def _on_done(self, request_id: int) -> None:
        if not self._is_current(request_id):
            return
        self.completed_id = request_id
        self.last_latency = time.perf_counter() - self._sent_at
        if self.shown_id != request_id:  # no reference to measure errors against, so no sweep
            self.timing.setText(f"updated in {self.last_latency * 1000:.0f} ms")

    def _on_formula(self, formula: FormulaResult) -> None:
        if self._is_current(formula.request_id):
            self.formula.show_formula(formula)

    def _on_status(self, message: StatusMessage) -> None:
        if not self._is_current(message.request_id):
            return
        self._worker_message = message.text
        self._show_computation_message(message.text)
        if message.is_error:
            self.timing.setText("failed")
        else:
            self.formula.show_unavailable(message.text)

    def _show_computation_message(self, text: str, timeout_ms: int = 0) -> None:
        """Say what the newest computation has to say; "" clears what an earlier one said (and only that:
        a preset's lesson or a settings note stays)."""
        bar = self.statusBar()
        if text:
            bar.showMessage(text, timeout_ms)
        elif self._computation_message and bar.currentMessage() == self._computation_message:
            bar.clearMessage()
        self._computation_message = text

    # -- export ----------------------------------------------------------
    def export_to(self, path: str,
                  write: Callable[[DerivativeResults | None, PlotPanels, str], None] = export_results) -> None:
        """Write the panels (.png, .svg) or the latest results (.csv) to path, or what `write` makes of
        them; raises ExportError or OSError (naming path) when nothing was written."""
        write(self.results, self.panels, path)
        self.statusBar().showMessage(f"wrote {shown_path(path)}", 10_000)

    def _export_dialog(self, filters: str,
                       write: Callable[[DerivativeResults | None, PlotPanels, str], None] = export_results,
                       name: str = "derivative") -> None:
        # Opens where the last export went, with a name to accept or change.
        folder = stored_folder(self.settings, "export/folder") or QDir.homePath()
        suggestion = with_chosen_suffix(str(Path(folder) / name), filters)  # the first filter's suffix
        path, chosen = QFileDialog.getSaveFileName(self, "Export", suggestion, filters)
        if not path:
            return
        path = with_chosen_suffix(path, chosen)
        self.settings.setValue("export/folder", str(Path(path).parent))
        try:
            self.export_to(path, write)
        except (ExportError, OSError) as exc:
            shown = shown_path(path)
            self.statusBar().showMessage(f"export failed: {shown} was not written", 10_000)  # not an earlier "wrote"
            reason = str(exc)
            QMessageBox.warning(self, "Export failed", reason if shown in reason else f"cannot write {shown}: {reason}")

    # -- settings and shutdown -------------------------------------------
    def _restore(self, settings: QSettings) -> None:
        values, notes = load_inputs(settings)
        self.model.update(**values)
        self.model.forget_history()
        self.editor.set_recent(load_recent(settings, notes))
        self.panels.set_step(self.model.state.step)
        layout = load_window(settings)
        if layout.geometry is not None and not self.restoreGeometry(layout.geometry):
            notes.append("stored window geometry is unusable; using the default size")
        self._saved_splitter = layout.splitter
        self._splitter_placed = False
        self.relative_action.setChecked(layout.relative_errors)
        self.panels.set_relative(layout.relative_errors)
        notes += layout.notes + self.data.startup_notes
        stored_mode = stored_text(settings.value("view/mode"))
        if stored_mode == "data":  # back to the data the user had open
            self.set_mode("data")
            if self.data.recent:
                self.data.open_file(self.data.recent[0])
        elif stored_mode == "fields":
            self.set_mode("fields")
        elif stored_mode not in (None, "formula"):
            notes.append(f"stored view/mode {stored_mode[:30]!r} is not formula, data or fields; using formula")
        notes += self.fields.startup_notes
        if notes:
            self.statusBar().showMessage("settings: " + "; ".join(notes))

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self._splitter_placed:
            return
        # Only now has the splitter its real width; sizes set before would be scaled from another one.
        self._splitter_placed = True
        if self._saved_splitter is None or not self.splitter.restoreState(self._saved_splitter):
            # The controls as wide as they like to be and the plots every other pixel, but at least 60%
            # of a narrow window (the controls scroll instead).
            width = self.splitter.width()
            controls = min(self._controls_width, int(0.4 * width))
            self.splitter.setSizes([controls, width - controls])

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        # A window grown from a small screen gives the controls the width they need (they stayed as narrow
        # as on the first screen), while the plots keep at least 60%; a narrower divider the user chose on
        # this screen stays where it is.
        if not self._splitter_placed or event.oldSize().width() <= 0 or event.size().width() <= event.oldSize().width():
            return
        controls, plots = self.splitter.sizes()
        wanted = min(self._controls_width, int(0.4 * (controls + plots)))
        if controls < wanted and controls <= int(0.4 * event.oldSize().width()):
            self.splitter.setSizes([wanted, controls + plots - wanted])

    # -- data mode -------------------------------------------------------
    def set_mode(self, mode: str) -> None:
        """Show the formula's panels, the data's or the several variables'."""
        pages = {"data": (self.data.view, self.data_mode_action), "fields": (self.fields.view, self.fields_mode_action)}
        page, action = pages.get(mode, (self.splitter, self.formula_mode_action))
        self.pages.setCurrentWidget(page)
        action.setChecked(True)
        if mode == "fields":
            self.fields.activate()
        # "updated in .. ms" times the formula's computation: in another mode it would time nothing shown.
        self.timing.setVisible(page is self.splitter)
        self.settings.setValue("view/mode", mode)

    def mode(self) -> str:
        page = self.pages.currentWidget()
        return "data" if page is self.data.view else "fields" if page is self.fields.view else "formula"

    def _writer(self) -> Callable[[DerivativeResults | None, PlotPanels, str], None]:
        if self.mode() == "data":
            return lambda _results, _panels, path: self.data.export(path)
        if self.mode() == "fields":
            return lambda _results, _panels, path: self.fields.export(path)
        return export_results

    def open_data(self, path: str) -> None:
        self.set_mode("data")
        self.data.open_file(path)

    def _open_data_dialog(self) -> None:
        folder = stored_folder(self.settings, "data/folder") or QDir.homePath()
        path, _ = QFileDialog.getOpenFileName(self, "Open data", folder,
                                              "Data (*.csv *.tsv *.txt *.dat);;All files (*)")
        if path:
            self.settings.setValue("data/folder", str(Path(path).parent))
            self.open_data(path)

    def paste_data(self) -> None:
        """Two columns copied from a spreadsheet (or one: y at unit spacing)."""
        text = QGuiApplication.clipboard().text()
        if not text.strip():
            self.statusBar().showMessage("the clipboard holds no text to read as data", 10_000)
            return
        self.set_mode("data")
        self.data.paste(text)

    def _fill_recent_data_menu(self) -> None:
        self.recent_data_menu.clear()
        for path in self.data.recent:
            action = self.recent_data_menu.addAction(path)
            action.triggered.connect(lambda _=False, p=path: self.open_data(p))
        self.recent_data_menu.setEnabled(bool(self.data.recent))

    def _synthetic_dialog(self) -> None:
        dialog = SyntheticDialog(self)
        if dialog.exec():
            inputs = self.model.state
            expression = self.editor.valid_text() or inputs.expression
            self.set_mode("data")
            self.data.synthetic(expression, inputs.x_min, inputs.x_max, *dialog.values())

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if event.mimeData().hasUrls() and any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt's name
        files = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if files:
            self.open_data(files[0])
            event.acceptProposedAction()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        save_inputs(self.settings, self.model.state)
        self.data.save()
        self.data.stop()
        self.fields.save()
        self.fields.stop()
        save_recent(self.settings, self.editor.recent)
        save_window(self.settings, self.saveGeometry(), self.splitter.saveState())
        self.settings.sync()
        self._schedule_timer.stop()
        self.worker.stop()
        super().closeEvent(event)
