import os
import time

import pytest
import sympy

from explorer.core.expression.parser import parse_expression
from explorer.core.symbolic.engine import CHILD_NICENESS, SymbolicCancelled, SymbolicEngine, SymbolicTimeout


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


def test_cancel_kills_the_child_and_starts_a_fresh_one(engine):
    engine.start()
    calls = iter([False, True])
    nasty = engine.derivatives(parse_expression("x^x^x^x"), 4, 4).derivatives[4]
    abandoned = engine._process
    with pytest.raises(SymbolicCancelled):
        engine.simplify(nasty, lambda: next(calls, True))
    abandoned.join(timeout=2)
    assert not abandoned.is_alive()
    assert engine._process is not abandoned and engine._process.is_alive()  # warm for the next job
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


def test_required_orders_are_handed_over_before_the_higher_ones(engine):
    parsed = parse_expression("sin(2x)*exp(x)")
    seen = []
    result = engine.derivatives(parsed, 5, 1, on_required=lambda early: seen.append(early.highest_order))
    assert seen == [1]
    assert result.highest_order == 5
    x = parsed.variable
    assert sympy.simplify(result.derivatives[5] - sympy.diff(parsed.expr, x, 5)) == 0
    # Everything cached: nothing early to hand over.
    engine.derivatives(parsed, 5, 1, on_required=lambda early: seen.append("again"))
    assert seen == [1]


def test_cached_required_orders_are_handed_over_before_extending(engine):
    parsed = parse_expression("cos(3x)")
    engine.derivatives(parsed, 2, 2)
    seen = []
    result = engine.derivatives(parsed, 4, 1, on_required=lambda early: seen.append(early.highest_order))
    assert seen == [2] and result.highest_order == 4


def test_a_failing_early_callback_propagates_and_the_engine_goes_on(engine):
    def fail(_):
        raise RuntimeError("drawing failed")

    with pytest.raises(RuntimeError, match="drawing failed"):
        engine.derivatives(parse_expression("tan(x)"), 5, 1, on_required=fail)
    again = engine.derivatives(parse_expression("tan(x)"), 5, 1)
    assert again.highest_order == 5


def test_time_spent_in_the_early_callback_is_not_charged_to_sympy():
    engine = SymbolicEngine(derive_timeout=0.5, start_method="fork")
    try:
        result = engine.derivatives(parse_expression("exp(sin(x))"), 4, 1, on_required=lambda _: time.sleep(0.8))
        assert result.highest_order == 4 and not result.notes
    finally:
        engine.close()


def test_while_waiting_runs_once_per_job_sent_and_not_for_cached_answers(engine):
    calls = []
    parsed = parse_expression("cosh(x)*x")
    engine.derivatives(parsed, 3, 1, on_required=lambda _: calls.append("early"), while_waiting=lambda: calls.append("wait"))
    assert calls == ["wait", "early"]  # preparation overlaps SymPy, before the first answer
    engine.derivatives(parsed, 3, 1, while_waiting=lambda: calls.append("again"))
    assert calls == ["wait", "early"]


@pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="reads the nice value from /proc (Linux)")
def test_the_child_runs_below_the_callers_priority(engine):
    def nice_of(pid):
        # /proc/PID/stat: field 19 is the nice value; the command name (field 2) may hold spaces.
        return int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[16])

    engine.derivatives(parse_expression("sin(x)"), 1, 1)
    assert nice_of(engine._process.pid) == min(nice_of(os.getpid()) + CHILD_NICENESS, 19)
