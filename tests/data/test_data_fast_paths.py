"""The fast paths of the data methods give what the plain algorithms give."""

import numpy as np
import pytest

from explorer.core.data import statespace


def knots_by_loop(u, minimum):
    kept, last = [0], float(u[0])
    for i, value in enumerate(u.tolist()):
        if value - last >= minimum:
            kept.append(i)
            last = value
    if kept[-1] != len(u) - 1:
        if len(kept) > 1 and u[-1] - u[kept[-1]] < minimum:
            kept[-1] = len(u) - 1
        else:
            kept.append(len(u) - 1)
    return np.asarray(kept)


@pytest.mark.parametrize("seed", range(4))
def test_knots_are_the_greedy_walks(seed):
    rng = np.random.default_rng(seed)
    n = 3000
    clustered = np.sort(np.r_[rng.uniform(0, 1, n // 2), rng.uniform(0.4, 0.41, n - n // 2)])  # half in 1%
    for u in (np.r_[0.0, np.sort(rng.uniform(0, 1, n - 2)), 1.0], np.linspace(0, 1, n) * 1e-7 + 5.0,
              np.cumsum(rng.uniform(0.5, 1.5, n)) / 1e3, clustered, np.array([0.0, 1.0]), np.array([0.0, 0.5, 1.0])):
        steps = np.diff(u)
        for minimum in (np.min(steps) * 1.5, np.median(steps), np.median(steps) * 7.3, (u[-1] - u[0]) / 3,
                        float(steps[17 % len(steps)])):  # the last: exactly a step, where rounding decides
            assert np.array_equal(statespace._knots(u, minimum), knots_by_loop(u, minimum))


def test_the_windows_estimates_are_solved_as_by_lapack_and_singular_ones_by_least_norm():
    from explorer.core.data.local_fit import _estimates

    def estimates(gram, targets, moments):  # the windows first, as numpy's; _estimates takes and gives them last
        right = np.concatenate([np.moveaxis(targets, 0, 2), moments.T[:, None]], axis=1)
        return _estimates(lambda i, j: gram[:, i, j].copy(), right)[0].T

    def by_lapack(gram, targets, moments):
        return np.einsum("rao,ra->ro", targets, np.linalg.solve(gram, moments[:, :, None])[:, :, 0])

    rng = np.random.default_rng(3)
    design = rng.standard_normal((50, 12, 5))
    gram = np.einsum("rwa,rwb->rab", design, design)
    targets = rng.standard_normal((50, 5, 2))
    moments = rng.standard_normal((50, 5))
    assert np.allclose(estimates(gram, targets, moments), by_lapack(gram, targets, moments), rtol=1e-10, atol=1e-12)
    gram[7] = np.outer([1.0, 2, 3, 4, 5], [1.0, 2, 3, 4, 5])  # rank one: no solution, the least-norm one
    found = estimates(gram, targets, moments)
    assert np.allclose(found[7], targets[7].T @ np.linalg.pinv(gram[7]) @ moments[7])
    assert np.allclose(found[:7], by_lapack(gram[:7], targets[:7], moments[:7]), rtol=1e-10, atol=1e-12)


def merge_by_loop(t, y, minimum):
    group = np.empty(len(t), dtype=np.int64)
    current, start = 0, float(t[0])
    for i, value in enumerate(t.tolist()):
        if value - start >= minimum:
            current += 1
            start = value
        group[i] = current
    counts = np.bincount(group).astype(float)
    return np.bincount(group, t) / counts, np.bincount(group, y) / counts, counts


@pytest.mark.parametrize("seed", range(4))
def test_merged_runs_are_the_greedy_walks(seed):
    from explorer.core.data.trend_filter import _merge

    rng = np.random.default_rng(seed)
    n = 3000
    y = rng.standard_normal(n)
    for t in (np.sort(rng.uniform(0, 1, n)), np.cumsum(rng.uniform(0.2, 1.8, n)) / 1e3,
              np.cumsum(rng.choice([1e-4, 1e-3, 1.0], n)) + 7.0):
        steps = np.diff(t)
        for minimum in (np.min(steps) * 1.5, 0.25 * np.median(steps), np.median(steps), np.median(steps) * 7.3,
                        float(steps[17 % len(steps)])):  # the last: exactly a step, where rounding decides
            for found, expected in zip(_merge(t, y, minimum), merge_by_loop(t, y, minimum), strict=True):
                assert np.array_equal(found, expected)


@pytest.mark.parametrize("spacing", ["even", "jittered", "random"])
@pytest.mark.parametrize("a, b", [(0.0, 1e-6), (-3.0, 5.0), (1e9, 1e9 + 600.0)])
def test_many_columns_are_solved_by_the_knot_sweep_as_one_by_one_by_lapack(spacing, a, b):
    from scipy.linalg import cho_solve_banded

    from explorer.core.data.prepared import prepare
    from explorer.core.data.synthetic import make_synthetic

    made = make_synthetic("sin(x)", 0.0, 6.0, 300, spacing, 0.01, 5)
    u = prepare(a + made.t / 6.0 * (b - a), made.y).u
    rng = np.random.default_rng(1)
    for m in (2, 3, 5):
        for lam in (1e-12, 1e-6, 1e-2, 1e2):  # every sample a knot, and (heavy smoothing) fewer knots
            system = statespace._System(u, np.zeros(len(u)), m, lam)
            band, _ = system.band()
            factor, _ = statespace._factor(band)
            columns = rng.standard_normal((band.shape[1], 40))
            found = statespace._factored_solve(factor, columns, m)
            for j in range(columns.shape[1]):
                expected = cho_solve_banded((factor, True), columns[:, j])
                assert np.max(np.abs(found[:, j] - expected)) <= 1e-9 * np.max(np.abs(expected)), (m, lam, j)


@pytest.mark.parametrize(("window", "degree"), [(9, 3), (201, 4), (2001, 2)])
def test_local_fits_on_the_thread_pool_equal_the_serial_ones(monkeypatch, window, degree):
    """The chunks of points are independent: sharing them out over threads must not change a bit."""
    from explorer.core.data import local_fit, parallel

    rng = np.random.default_rng(window)
    t = np.cumsum(rng.uniform(0.2, 1.8, 20_000)) * 1e-3
    y = np.sin(t / 2) + rng.normal(0, 1e-3, t.size)
    pooled = local_fit.local_fits(t, y, window, degree, (0, 1, 2))
    monkeypatch.setattr(parallel, "_pool", None)
    serial = local_fit.local_fits(t, y, window, degree, (0, 1, 2))
    for order in (0, 1, 2):
        np.testing.assert_array_equal(pooled[order], serial[order])
    # and right: the fit follows sin(t / 2) within the noise
    assert np.sqrt(np.mean((pooled[0] - np.sin(t / 2)) ** 2)) < 1e-3


def test_every_blas_library_has_one_thread_once_the_data_package_is_imported():
    """NumPy's and SciPy's OpenBLAS would each start a thread per core and contend (see parallel.py)."""
    from threadpoolctl import threadpool_info

    import explorer.core.data  # noqa: F401 - the import sets the limit

    blas = [info for info in threadpool_info() if info["user_api"] == "blas"]
    assert blas and all(info["num_threads"] == 1 for info in blas), blas


def test_arrays_freed_by_one_move_are_reused_by_the_next_without_page_faults():
    """glibc maps large arrays afresh and hands freed memory back: each new array then costs a page fault per
    4 KB on first touch (see parallel.py). Once the data package is imported, arrays of 0.8-8 MB made and
    freed in turn, as a move of a control at 10^5 samples makes them, reuse the memory freed before. Checked
    in a fresh process each way: the same loop without the import faults on thousands of pages."""
    import subprocess
    import sys

    if not sys.platform.startswith("linux"):
        pytest.skip("glibc's allocator only")
    script = """
import resource, sys
import numpy as np
if sys.argv[1] == "import":
    import explorer.core.data
def work():
    for size in (100_000, 1_000_000, 300_000, 700_000, 100_000, 1_000_000):
        a = np.ones(size); b = a * 2; del a, b
work()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(5):
    work()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""
    faults = {how: int(subprocess.run([sys.executable, "-c", script, how], capture_output=True, text=True,
                                      check=True).stdout) for how in ("plain", "import")}
    assert faults["plain"] > 1000 and faults["import"] < 100, faults
