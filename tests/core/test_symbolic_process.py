import time

import pytest
import sympy

from explorer.core.parser import parse_expression
from explorer.core.symbolic_process import SymbolicCancelled, SymbolicEngine, SymbolicTimeout


@pytest.fixture
def engine():
    engine = SymbolicEngine(derive_timeout=3, simplify_timeout=1, start_method="fork")
    yield engine
    engine.close()


def test_derivatives_and_cache(engine):
    parsed = parse_expression("sin(x)")
    first = engine.derivatives(parsed, 3, 1)
    x = parsed.variable
    assert first.derivatives == (sympy.sin(x), sympy.cos(x), -sympy.sin(x), -sympy.cos(x))
    engine.close()  # with no child, a cached answer must still come back
    start = time.perf_counter()
    again = engine.derivatives(parse_expression("sin(x)"), 2, 2)
    assert again.derivatives == first.derivatives[:3]
    assert engine._process is None and time.perf_counter() - start < 0.05


def test_runaway_simplify_is_abandoned_and_engine_recovers(engine):
    parsed = parse_expression("x^x^x^x")
    nasty = engine.derivatives(parsed, 4, 4).derivatives[4]
    start = time.perf_counter()
    assert engine.simplify(nasty) is None
    assert time.perf_counter() - start < 2.5
    assert engine.simplify(parse_expression("sin(x)^2 + cos(x)^2").expr) == 1


def test_huge_derivatives_are_refused(engine):
    with pytest.raises(SymbolicTimeout, match="operations"):
        engine.derivatives(parse_expression("x^x^x^x^x^x"), 6, 6)


def test_extra_orders_are_optional(engine):
    result = engine.derivatives(parse_expression("x^x^x^x^x^x"), 6, 2)
    assert result.highest_order >= 2
    assert result.notes


def test_cancel_kills_the_child(engine):
    engine.start()
    calls = iter([False, True])
    with pytest.raises(SymbolicCancelled):
        engine.simplify(engine.derivatives(parse_expression("x^x^x^x"), 4, 4).derivatives[4], lambda: next(calls, True))
    assert engine._process is None
    assert engine.derivatives(parse_expression("cos(x)"), 1, 1).derivatives[1] == -sympy.sin(parse_expression("x").expr)


def test_close_from_another_thread_ends_a_running_job_at_once():
    import threading

    engine = SymbolicEngine(derive_timeout=30, simplify_timeout=30, start_method="fork")
    nasty = engine.derivatives(parse_expression("x^x^x^x"), 4, 4).derivatives[4]
    outcome = []
    worker = threading.Thread(target=lambda: outcome.append(engine.simplify(nasty)))
    worker.start()
    time.sleep(0.3)
    start = time.perf_counter()
    engine.close()
    worker.join(timeout=5)
    assert not worker.is_alive() and time.perf_counter() - start < 2
    assert outcome == [None]
