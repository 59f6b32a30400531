"""Known truth: the synthetic-data maker's exact derivatives and seeds, and the error-against-smoothing sweep."""

import numpy as np
import pytest

from explorer.core.data import DataError, differentiate_samples
from explorer.core.data.evaluation import disagreement, rmse, smoothing_sweep
from explorer.core.data.synthetic import make_synthetic


@pytest.mark.parametrize("spacing", ["even", "jittered", "random"])
def test_samples_and_exact_derivatives_of_a_formula(spacing):
    data = make_synthetic("a*sin(x) + x^2", 0, 3, 101, spacing, 0.0, seed=4, parameters=(2.0,))
    assert data.t[0] == 0 and data.t[-1] == 3 and np.all(np.diff(data.t) > 0) and len(data.t) == 101
    assert np.allclose(data.y, 2 * np.sin(data.t) + data.t**2)
    assert np.allclose(data.exact[1], 2 * np.cos(data.t) + 2 * data.t)
    assert np.allclose(data.exact[2], -2 * np.sin(data.t) + 2)
    if spacing == "even":
        assert np.allclose(np.diff(data.t), 0.03)


def test_noise_is_seeded_and_of_the_asked_deviation():
    one = make_synthetic("exp(x)", 0, 1, 5000, "random", 0.1, seed=9)
    again = make_synthetic("exp(x)", 0, 1, 5000, "random", 0.1, seed=9)
    other = make_synthetic("exp(x)", 0, 1, 5000, "random", 0.1, seed=10)
    assert np.array_equal(one.y, again.y) and not np.array_equal(one.y, other.y)
    assert np.std(one.y - one.clean) == pytest.approx(0.1, rel=0.05)
    assert "exp(x) at 5000 random points" in one.describe()


@pytest.mark.parametrize("bad, message", [
    (dict(expression="sin(", a=0, b=1, n=10), "sin"),
    (dict(expression="log(x)", a=-1, b=1, n=11), "undefined at x = -1"),
    (dict(expression="x", a=1, b=1, n=10), "a < b"),
    (dict(expression="x", a=0, b=1, n=2), "n must be"),
    (dict(expression="x", a=0, b=1, n=10, sigma=-1), "sigma"),
    (dict(expression="x", a=0, b=1, n=10, spacing="log"), "spacing"),
])
def test_bad_requests_are_one_line_errors(bad, message):
    with pytest.raises(DataError, match=message):
        make_synthetic(**bad)


def test_error_against_smoothing_marks_the_automatic_choice():
    data = make_synthetic("sin(x)", 0, 10, 400, "jittered", 0.01, seed=2)
    for method in ("savgol", "spline", "kalman", "tv", "fornberg", "gradient"):
        sweep = smoothing_sweep(data.t, data.y, data.exact[1], 1, method, count=12)
        assert len(sweep.values) == len(sweep.rmse) and np.isfinite(sweep.rmse).any()
        value, best = sweep.best
        assert best <= sweep.automatic_rmse and best <= np.nanmin(sweep.rmse)
        if method in ("savgol", "spline", "kalman"):  # the V: too little and too much smoothing are both worse
            finite = sweep.rmse[np.isfinite(sweep.rmse)]
            assert finite[0] > best and finite[-1] > best
            assert sweep.automatic_rmse < 3 * best


def test_disagreement_is_nan_where_no_method_has_a_value_and_says_nothing_on_stderr(recwarn):
    import dataclasses

    t = np.linspace(0, 1, 5)
    first = differentiate_samples(t, t**2, 1, "gradient")
    second = dataclasses.replace(first, derivative=np.array([np.nan, 1.0, np.inf, np.nan, 2.0]))
    first = dataclasses.replace(first, derivative=np.array([np.nan, 3.0, 1.0, 0.5, 2.0]))
    spread = disagreement([first, second])
    assert np.isnan(spread[0]) and spread[1] == 2.0 and spread[2] == np.inf and spread[3] == 0.0
    assert spread[4] == 0.0 and not recwarn.list


def test_without_truth_residuals_and_disagreement():
    data = make_synthetic("sin(x)", 0, 6, 300, "even", 0.02, seed=3)
    results = [differentiate_samples(data.t, data.y, 1, method) for method in ("savgol", "spline", "kalman")]
    assert results[0].residuals is not None and np.std(results[0].residuals) == pytest.approx(0.02, rel=0.3)
    assert differentiate_samples(data.t, data.y, 1, "gradient").residuals is None
    spread = disagreement(results)
    assert spread.shape == data.t.shape and np.all(spread >= 0)
    assert np.median(spread) < 0.1 and rmse(results[2].derivative, data.exact[1]) < 0.05


# -- the window's requests on the same samples: what a move of a control computes --------------------------


def session_case(n: int = 3000):
    from explorer.core.data.session import SampleSet

    data = make_synthetic("sin(x)", 0.0, 12.0, n, "jittered", 0.01, 5)
    return data, SampleSet(data.t, data.y, "test", (), dict(data.exact))


def test_moving_the_swept_parameter_computes_one_derivative_and_keeps_the_comparison_and_the_sweep(monkeypatch):
    """The other methods at their automatic settings and the chosen method's error against smoothing do not
    depend on the moved parameter: kept with the samples, they are the first request's, and a move costs the
    chosen derivative alone. What is kept equals what a fresh computation gives."""
    from explorer.core.data import session
    from explorer.core.data.session import DataRequest, data_stages

    data, samples = session_case()
    first = [s for s in data_stages(samples, DataRequest(order=1, method="savgol", parameters=(("window", 41.0),)))
             if s is not None]
    calls = []
    original = session.differentiate_with
    monkeypatch.setattr(session, "differentiate_with", lambda *a, **k: calls.append(a[3]) or original(*a, **k))
    moved = [s for s in data_stages(samples, DataRequest(order=1, method="savgol", parameters=(("window", 45.0),)))
             if s is not None]
    assert calls == ["savgol"]  # the moved derivative only
    assert [type(s).__name__ for s in moved] == ["ChosenStage", "CompareStage", "SweepStage"]
    assert moved[0].result.parameters["window"] == 45
    for name, result in moved[1].results.items():
        if name != "savgol":
            assert result is first[1].results[name]
            fresh = differentiate_samples(data.t, data.y, 1, name)
            np.testing.assert_array_equal(result.derivative, fresh.derivative)
    assert moved[2].sweep is first[2].sweep
    fresh_sweep = smoothing_sweep(data.t, data.y, data.exact[1], 1, "savgol", session.SWEEP_VALUES,
                                  degree=moved[0].result.parameters["degree"])
    np.testing.assert_array_equal(moved[2].sweep.rmse, fresh_sweep.rmse)


def test_work_computed_anew_has_a_checkpoint_before_each_derivative():
    """Between the first stage and the next ones, None before each derivative computed anew: where the window's
    worker drops a request a newer one made stale, instead of finishing its comparison and sweep."""
    from explorer.core.data.session import DataRequest, data_stages

    _, samples = session_case(400)
    stages = list(data_stages(samples, DataRequest(order=1, method="spline", parameters=(("lam", 1e-3),))))
    kinds = [type(s).__name__ for s in stages]
    assert kinds[0] == "ChosenStage" and kinds[-1] == "SweepStage"
    compare = kinds.index("CompareStage")
    assert kinds[1:compare] == ["NoneType"] * 5  # one before each other method
    assert kinds.count("NoneType") >= 5 + 10  # and before each value of the sweep
    again = [type(s).__name__ for s in data_stages(samples, DataRequest(order=1, method="spline",
                                                                        parameters=(("lam", 2e-3),)))]
    assert again == ["ChosenStage", "CompareStage", "SweepStage"]  # all kept: nothing to stop between


def test_the_samples_keep_at_most_their_byte_bound_dropping_the_least_recently_used(monkeypatch):
    from explorer.core.data import session

    _, samples = session_case(1000)
    monkeypatch.setattr(session, "KEPT_BYTES", 3 * 2 * 8 * 1000)  # about three results with their fits
    for name in ("savgol", "spline", "kalman", "tv"):
        session._automatic(samples, 1, name)
    assert samples.kept.find(("automatic", 1, "savgol", ())) is None  # the oldest went
    assert samples.kept.find(("automatic", 1, "tv", ())) is not None
    failing = session.SampleSet(np.array([0.0, 1.0]), np.array([1.0, 2.0]), "two")
    with pytest.raises(DataError):
        session._automatic(failing, 2, "tv")
    with pytest.raises(DataError):  # a failure is kept too: said again without computing again
        session._automatic(failing, 2, "tv")
