import os
import signal
import time

import pytest
import sympy

from explorer.core.expression.parser import parse_expression
from explorer.core.symbolic import engine as engine_module
from explorer.core.symbolic.engine import (
    CHILD_NICENESS,
    Failure,
    SymbolicCancelled,
    SymbolicCrashed,
    SymbolicEngine,
    SymbolicError,
    SymbolicTimeout,
    SymbolicTooLarge,
    SymbolicUnavailable,
)

SLOW = "x^x^x^x"  # its 4th derivative takes SymPy long to simplify, and x^x^x^x^x^x long to derive


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
    assert engine.child_pid() is None and time.perf_counter() - start < 0.05


def test_runaway_simplify_is_abandoned_and_engine_recovers(engine):
    parsed = parse_expression(SLOW)
    nasty = engine.derivatives(parsed, 4, 4).derivatives[4]
    start = time.perf_counter()
    assert engine.simplify(nasty) is None
    assert time.perf_counter() - start < 2.5
    assert engine.simplify(parse_expression("sin(x)^2 + cos(x)^2").expr) == 1


def test_huge_derivatives_are_refused_as_too_large_and_remembered(engine):
    engine.derive_timeout = 60  # reaching the size limit takes a few seconds on a busy machine
    parsed = parse_expression("x^x^x^x^x^x")
    with pytest.raises(SymbolicTooLarge, match="operations") as refused:
        engine.derivatives(parsed, 6, 6)
    assert refused.value.kind is Failure.TOO_LARGE
    sent = engine.jobs_sent
    with pytest.raises(SymbolicTooLarge):
        engine.derivatives(parse_expression("x^x^x^x^x^x"), 6, 6)
    assert engine.jobs_sent == sent  # an oversized derivative is not tried again


def test_extra_orders_are_optional(engine):
    result = engine.derivatives(parse_expression("x^x^x^x^x^x"), 6, 2)
    assert result.highest_order >= 2
    assert result.notes


def test_cancel_kills_the_child_and_starts_a_fresh_one(engine):
    engine.start()
    nasty = engine.derivatives(parse_expression(SLOW), 4, 4).derivatives[4]
    abandoned = engine.child_pid()
    calls = iter([False, True])
    with pytest.raises(SymbolicCancelled):
        engine.simplify(nasty, lambda: next(calls, True))
    assert engine.wait_for(lambda: engine.child_pid() not in (None, abandoned), 5)  # warm for the next job
    assert engine.derivatives(parse_expression("cos(x)"), 1, 1).derivatives[1] == -sympy.sin(parse_expression("x").expr)


def test_a_cancelled_derivation_leaves_a_warm_child_for_the_next_edit(engine):
    # Defect: a derivation superseded while typing killed the child and left none, so the next edit
    # paid for a cold start.
    engine.start()
    assert engine.wait_for(lambda: engine.child_pid() is not None, 5)
    slow = engine.submit(parse_expression("x^x^x^x^x^x"), 6)
    assert engine.wait_for(lambda: engine.jobs_sent == 1, 5)
    busy = engine.child_pid()
    slow.cancel()
    assert slow.wait(99, timeout=2) and isinstance(slow.error, SymbolicCancelled)
    assert engine.wait_for(lambda: engine.child_pid() not in (None, busy), 2)
    fresh = engine.child_pid()
    result = engine.derivatives(parse_expression("tanh(x)"), 2)
    assert engine.child_pid() == fresh and result.highest_order == 2  # the warm child did the work


def test_close_from_another_thread_ends_a_running_job_at_once():
    import threading

    engine = SymbolicEngine(derive_timeout=30, simplify_timeout=30, start_method="fork")
    nasty = engine.derivatives(parse_expression(SLOW), 4, 4).derivatives[4]
    outcome = []
    worker = threading.Thread(target=lambda: outcome.append(engine.simplify(nasty)))
    worker.start()
    assert engine.wait_for(lambda: engine.jobs_sent == 2, 5)
    start = time.perf_counter()
    engine.close()
    worker.join(timeout=5)
    assert not worker.is_alive() and time.perf_counter() - start < 2
    assert outcome == [None]


def test_required_orders_are_available_before_the_higher_ones(engine):
    parsed = parse_expression("x^x^x*sin(2x)")
    job = engine.submit(parsed, 5)
    assert job.wait_for_order(1, timeout=3)
    early = job.derivatives(1)
    assert early.highest_order == 1 and early.derivatives[1] == sympy.diff(parsed.expr, parsed.variable)
    assert job.wait(6, timeout=3) and job.error is None
    result = job.derivatives()
    assert result.highest_order == 5
    x = parsed.variable
    for order in (2, 5):
        difference = (result.derivatives[order] - sympy.diff(parsed.expr, x, order)).subs(x, sympy.Rational(13, 10))
        assert abs(float(difference.evalf(30))) < 1e-20
    # Everything cached: a new job for the same expression is done at once and sends nothing.
    sent = engine.jobs_sent
    again = engine.submit(parse_expression("x^x^x*sin(2x)"), 5)
    assert again.done and engine.jobs_sent == sent and again.derivatives().derivatives == result.derivatives


def test_a_job_for_the_same_expression_shares_the_running_one(engine):
    parsed = parse_expression("x^x^x^x^x")
    first = engine.submit(parsed, 4)
    second = engine.submit(parse_expression("x^x^x^x^x"), 3)
    assert second is first


def test_a_timeout_is_tried_again_on_a_later_request(engine):
    # Defect: one slow moment (a busy machine, a short bound) made an expression "SymPy gave up" for the
    # rest of the session, even after the bound was raised.
    engine.derive_timeout = 0.001
    parsed = parse_expression("x^x^x*sin(x^2)/(1+tan(x)^2)")
    with pytest.raises(SymbolicTimeout, match="timed out after 0.001 s") as gave_up:
        engine.derivatives(parsed, 4)
    assert gave_up.value.kind is Failure.TIMEOUT
    engine.derive_timeout = 10
    assert engine.derivatives(parsed, 4).highest_order == 4


def test_a_child_that_dies_is_noticed_at_once_and_replaced(engine):
    # Defect: a dead child was noticed only when the whole time bound had passed, on every edit.
    engine.derive_timeout = 30
    engine.start()
    assert engine.wait_for(lambda: engine.child_pid() is not None, 5)
    job = engine.submit(parse_expression("x^x^x^x^x^x"), 6)
    assert engine.wait_for(lambda: engine.jobs_sent == 1, 5)
    os.kill(engine.child_pid(), signal.SIGKILL)
    start = time.perf_counter()
    assert job.wait(99, timeout=5)
    assert time.perf_counter() - start < 1
    assert isinstance(job.error, SymbolicCrashed) and "stopped unexpectedly" in str(job.error)
    assert engine.derivatives(parse_expression("sinh(x)"), 1).highest_order == 1


def test_a_child_that_cannot_start_fails_the_job_at_once(engine, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("no more processes")

    monkeypatch.setattr(engine._context, "Process", refuse)
    start = time.perf_counter()
    with pytest.raises(SymbolicUnavailable, match="could not start") as failed:
        engine.derivatives(parse_expression("sin(x)*x"), 2)
    assert time.perf_counter() - start < 1 and failed.value.kind is Failure.UNAVAILABLE
    monkeypatch.undo()
    assert engine.derivatives(parse_expression("sin(x)*x"), 2).highest_order == 2


def test_every_failure_is_a_symbolic_error_naming_its_kind():
    for error in (SymbolicTimeout, SymbolicTooLarge, SymbolicCrashed, SymbolicUnavailable, SymbolicCancelled):
        assert issubclass(error, SymbolicError)
    assert len({e.kind for e in (SymbolicTimeout, SymbolicTooLarge, SymbolicCrashed, SymbolicUnavailable)}) == 4


def test_caches_are_bounded(engine, monkeypatch):
    monkeypatch.setattr(engine_module, "CACHE_SIZE", 3)
    for k in range(1, 8):
        engine.derivatives(parse_expression(f"x^{k}"), 1)
    assert len(engine._derivatives) == 3
    assert (parse_expression("x^7").expr, parse_expression("x").expr) in engine._derivatives


@pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="reads the nice value from /proc (Linux)")
def test_the_child_runs_below_the_callers_priority(engine):
    def nice_of(pid):
        # /proc/PID/stat: field 19 is the nice value; the command name (field 2) may hold spaces.
        return int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[16])

    engine.derivatives(parse_expression("sin(x)"), 1, 1)
    assert nice_of(engine.child_pid()) == min(nice_of(os.getpid()) + CHILD_NICENESS, 19)
