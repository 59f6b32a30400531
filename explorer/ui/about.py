"""What Help ▸ About says: the version, and the libraries doing the work."""

from __future__ import annotations

from importlib import metadata

import numpy
import pyqtgraph
import sympy
from PySide6 import __version__ as pyside_version
from PySide6.QtCore import qVersion

DISTRIBUTION = "derivative-explorer"


def version() -> str:
    """The installed version of the application, or "unknown" when run from a bare checkout."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "unknown"


def about_text() -> str:
    """Rich text for the About box."""
    try:
        autograd = metadata.version("autograd")
    except metadata.PackageNotFoundError:
        autograd = "?"
    return (
        f"<h3>Derivative Explorer {version()}</h3>"
        "<p>Derivatives by SymPy, finite differences, Richardson extrapolation, the complex step and "
        "automatic differentiation, with how wrong each one is, where, and why.</p>"
        f"<p>SymPy {sympy.__version__} · NumPy {numpy.__version__} · autograd {autograd}<br>"
        f"pyqtgraph {pyqtgraph.__version__} · PySide6 {pyside_version} · Qt {qVersion()}</p>"
    )
