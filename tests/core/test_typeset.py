import xml.etree.ElementTree as ElementTree

import pytest
import sympy

from explorer.core.limits import MAX_TYPESET_LATEX
from explorer.core.symbolic.engine import SymbolicEngine, SymbolicFailed
from explorer.core.symbolic.typeset import TypesetError, latex_svg


def test_latex_becomes_an_svg_document():
    x = sympy.Symbol("x", real=True)
    svg = latex_svg(sympy.latex(sympy.exp(-x**2) / (1 + sympy.sqrt(x))))
    root = ElementTree.fromstring(svg)
    assert root.tag.endswith("svg") and float(root.get("width").rstrip("pt")) > 20


def test_too_long_or_unknown_latex_is_refused():
    with pytest.raises(TypesetError, match=str(MAX_TYPESET_LATEX)):
        latex_svg("x+" * MAX_TYPESET_LATEX)


def test_the_engine_typesets_in_its_child_and_caches():
    engine = SymbolicEngine(start_method="fork")
    try:
        job = engine.submit_typeset(r"\frac{1}{x}")
        assert job.wait(1, timeout=10) and job.error is None
        assert job.results[0].lstrip().startswith("<svg")
        sent = engine.jobs_sent
        again = engine.submit_typeset(r"\frac{1}{x}")
        assert again.done and again.results == job.results and engine.jobs_sent == sent
        failed = engine.submit_typeset("x+" * MAX_TYPESET_LATEX)
        assert failed.wait(1, timeout=10) and isinstance(failed.error, SymbolicFailed) and not failed.results
    finally:
        engine.close()
