"""LaTeX to SVG for the window's formulas, by ziamath (pure Python, its own math font, no TeX installation).

Why ziamath: it draws real mathematics (fractions, roots, sub- and superscripts) from the LaTeX SymPy already
writes, weighs a few MB, and needs neither TeX nor matplotlib. It is slow on long formulas (about a second
for 500 characters of LaTeX), so the window asks for it in the SymPy child process, where a slow one can be
abandoned, and only for formulas up to MAX_TYPESET_LATEX characters.
"""

from __future__ import annotations

import warnings

from ..limits import MAX_TYPESET_LATEX


class TypesetError(ValueError):
    """The formula could not be typeset (too long, or LaTeX the renderer does not know)."""


def latex_svg(latex: str, size: float = 16.0) -> str:
    """The SVG document of latex at size points; TypesetError when it cannot be drawn."""
    if len(latex) > MAX_TYPESET_LATEX:
        raise TypesetError(f"formula longer than {MAX_TYPESET_LATEX} characters of LaTeX")
    with warnings.catch_warnings():  # ziamath 0.13 still uses importlib.resources.path (deprecated)
        warnings.simplefilter("ignore", DeprecationWarning)
        import ziamath  # only where formulas are drawn: the child process, not every importer of core
    # SVG 1.1 only: Qt's renderer draws nothing of SVG 2's <symbol>/<use> glyphs (a blank formula).
    ziamath.config.svg2 = False

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return ziamath.Latex(latex, size=size).svg()
    except Exception as exc:  # noqa: BLE001 - any renderer failure means "show the plain text"
        raise TypesetError(f"cannot typeset: {type(exc).__name__}: {exc}"[:200]) from None
