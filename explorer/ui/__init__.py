"""The PySide6/pyqtgraph window: widgets bound to the input model, the worker thread, the panels, exports."""
