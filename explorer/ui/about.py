"""What Help ▸ About says: the version, and the libraries doing the work."""

from __future__ import annotations

from importlib import metadata

import numpy
import pyqtgraph
import sympy
from PySide6 import __version__ as pyside_version
from PySide6.QtCore import qVersion

DISTRIBUTION = "derivative-explorer"


def installed_version(distribution: str = DISTRIBUTION) -> str:
    """The installed version of a distribution (this application by default), or "unknown"."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "unknown"


def about_text() -> str:
    """Rich text for the About box."""
    return (
        f"<h3>Derivative Explorer {installed_version()}</h3>"
        "<p>Derivatives by SymPy, finite differences, Richardson extrapolation, the complex step and "
        "automatic differentiation, with how wrong each one is, where, and why.</p>"
        f"<p>SymPy {sympy.__version__} · NumPy {numpy.__version__} · autograd {installed_version('autograd')}<br>"
        f"pyqtgraph {pyqtgraph.__version__} · PySide6 {pyside_version} · Qt {qVersion()}</p>"
    )
