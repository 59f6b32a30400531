"""Data mode (issue 11): how close the automatic choice comes to the best tuned method, and how fast it is.

Accuracy. Synthetic signals with known derivatives (explorer.core.data.synthetic: a formula sampled at N
points, even, jittered or random t, noise of a given deviation, a fixed seed). For each signal, noise
level, spacing and order (1, 2):
- auto: RMSE of differentiate_samples(t, y, order) (method "auto": method and parameters from the data);
- best: the least RMSE any of our methods reaches with its parameters tuned on the truth (grids below),
  the automatic result included, so the ratio auto / best is >= 1.
Goal: median ratio <= 1.5, worst <= 3. Exact samples (noise 0) are reported apart: there the best is a
high-order stencil at ~1e-10 and the ratio measures round-off, not smoothing.

Comparators (only if installed: `pip install -e '.[bench]'`; skipped otherwise), order 1, even spacing
(both assume a constant step), three signals at noise 1e-2 (pynumdiff's optimiser takes over a minute
each): pynumdiff's optimiser (rtsdiff, Kalman) with the bandlimit it requires taken from the clean
signal's spectrum (99% of its energy), which favours it; the `derivative` package's Kalman smoother at
its default alpha (it has no automatic choice).

Speed. Loading 10^6 rows of CSV (10 and 17 significant digits) and the automatic choice at 10^5 samples,
medians of repeats; moving each method's control at 10^5 samples (median and 95th percentile of 20 moves).
Run: .venv/bin/python bench/data_accuracy.py [--quick] [--write] [--seed K] [--accuracy-only] [--shapes a,b]
(--seed K adds K to every case's seed: other noise and other random t, to check that a change to the
automatic choice is not tuned to the seeds above; --accuracy-only skips the comparators and the timings.)
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import platform
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from explorer.core.data import DataError, differentiate_samples  # noqa: E402
from explorer.core.data.differentiate import differentiate_with  # noqa: E402
from explorer.core.data.evaluation import SWEPT, rmse  # noqa: E402
from explorer.core.data.loading import load_samples  # noqa: E402
from explorer.core.data.methods import METHODS  # noqa: E402
from explorer.core.data.session import DataRequest, SampleSet, data_stages  # noqa: E402
from explorer.core.data.synthetic import make_synthetic  # noqa: E402
from explorer.core.limits import MAX_SAVGOL_DEGREE  # noqa: E402

OUTPUT = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
SECTION = "## Measured data: derivatives of samples (issue 11)"

SHAPES = (
    ("sine", "sin(x)", 0.0, 12.0),
    ("bump", "exp(-x^2)", -3.0, 3.0),
    ("cubic", "x^3 - 2x", -2.0, 2.0),
    ("step", "tanh(5x)", -2.0, 2.0),
    ("chirp", "sin(x^2)", 0.0, 4.0),
    ("damped", "exp(-x/2)*cos(3x)", 0.0, 6.0),
)
NOISES = (0.0, 1e-4, 1e-2, 5e-2)  # deviation relative to the clean signal's
SPACINGS = ("even", "jittered", "random")
ORDERS = (1, 2)
N = 500


@dataclass
class Case:
    shape: str
    noise: float
    spacing: str
    order: int
    auto: float
    auto_method: str
    auto_seconds: float
    best: float
    best_method: str
    per_method: dict[str, tuple[float, float]]  # method -> (its automatic RMSE, its tuned RMSE)

    @property
    def ratio(self) -> float:
        return self.auto / self.best if self.best > 0 else 1.0


def _try(t: np.ndarray, y: np.ndarray, order: int, method: str, params: dict, exact: np.ndarray) -> float:
    try:
        return rmse(differentiate_with(t, y, order, method, params).derivative, exact)
    except DataError:
        return math.inf


def tuned(t: np.ndarray, y: np.ndarray, order: int, exact: np.ndarray, method: str, automatic: dict) -> float:
    """The least RMSE of method over its parameter grid (the truth in hand)."""
    n = len(t)
    grids: list[dict] = []
    if method == "gradient":
        grids = [{"edge_order": e} for e in (1, 2)]
    elif method == "fornberg":
        grids = [{"points": p} for p in range(order + 1, 16)]
    elif method == "savgol":
        windows = np.unique(np.geomspace(3, n if n % 2 else n - 1, 22).astype(int) | 1)
        grids = [{"window": int(w), "degree": d} for d in range(order, MAX_SAVGOL_DEGREE + 1) for w in windows if w > d]
    elif method == "spline":
        centre = math.log10(automatic["lam"])
        grids = [{"lam": 10.0**x} for x in np.arange(centre - 6, centre + 6.01, 0.5)]
    elif method == "tv":
        grids = [{"alpha": 10.0**x, "degree": d} for d in (1, 2, 3) for x in np.arange(-16, 2.01, 1.0)]
    elif method == "kalman":  # every model, over lam = sigma^2 / q from below a step to beyond the span
        h = float(np.median(np.diff(t))) / (t[-1] - t[0])
        sigma = automatic["sigma"]
        grids = [{"q": sigma**2 / 10.0**x, "sigma": sigma, "model": m} for m in (2, 3, 4, 5)
                 for x in np.arange(math.log10(1e-6 * h ** (2 * m - 1)), 8.01, 0.5)
                 if 1e-30 <= sigma**2 / 10.0**x <= 1e80]
    return min((_try(t, y, order, method, params, exact) for params in grids), default=math.inf)


def run_case(shape: tuple, noise: float, spacing: str, order: int, seed: int) -> Case:
    label, expression, a, b = shape
    clean = make_synthetic(expression, a, b, N, spacing, 0.0, seed)
    sigma = noise * float(np.std(clean.clean))
    data = make_synthetic(expression, a, b, N, spacing, sigma, seed)
    exact = data.exact[order]
    start = time.perf_counter()
    auto = differentiate_samples(data.t, data.y, order)
    seconds = time.perf_counter() - start
    auto_rmse = rmse(auto.derivative, exact)
    per_method = {}
    for method in ("gradient", "fornberg", "savgol", "spline", "tv", "kalman"):
        own = differentiate_samples(data.t, data.y, order, method)
        own_rmse = rmse(own.derivative, exact)
        best_tuned = tuned(data.t, data.y, order, exact, method, dict(own.parameters))
        per_method[method] = (own_rmse, min(own_rmse, best_tuned))
    best_method = min(per_method, key=lambda m: per_method[m][1])
    best = min(per_method[best_method][1], auto_rmse)
    return Case(label, noise, spacing, order, auto_rmse, auto.method, seconds, best, best_method, per_method)


# -- comparators -------------------------------------------------------------------------------------------


def bandlimit(t: np.ndarray, clean: np.ndarray) -> float:
    """Frequency (per unit t) below which 99% of the clean signal's (detrended) energy lies."""
    detrended = clean - np.polyval(np.polyfit(t, clean, 1), t)
    power = np.abs(np.fft.rfft(detrended)) ** 2
    frequencies = np.fft.rfftfreq(len(t), d=(t[-1] - t[0]) / (len(t) - 1))
    cumulative = np.cumsum(power) / max(np.sum(power), 1e-300)
    return float(frequencies[min(int(np.searchsorted(cumulative, 0.99)), len(frequencies) - 1)])


def comparators() -> dict[str, Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]]:
    found: dict[str, Callable] = {}
    if importlib.util.find_spec("pynumdiff") is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import pynumdiff
            from pynumdiff.optimize import optimize

        def pynumdiff_rts(t: np.ndarray, y: np.ndarray, clean: np.ndarray) -> np.ndarray:
            dt = (t[-1] - t[0]) / (len(t) - 1)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                params, _ = optimize(pynumdiff.kalman_smooth.rtsdiff, y, dt, bandlimit=bandlimit(t, clean),
                                     parallel=False)
                return pynumdiff.kalman_smooth.rtsdiff(y, dt, **params)[1]

        found["pynumdiff rtsdiff (optimize)"] = pynumdiff_rts
    if importlib.util.find_spec("derivative") is not None:
        from derivative import dxdt

        found["derivative kalman (default alpha)"] = lambda t, y, clean: dxdt(y, t, kind="kalman", alpha=None)
    return found


COMPARED = ("sine", "bump", "step")  # pynumdiff's optimiser takes over a minute per signal: three signals
COMPARED_NOISE = 1e-2


def run_comparators(seed: int, quick: bool) -> tuple[list[str], list[tuple]]:
    found = comparators()
    rows = []
    noises = [COMPARED_NOISE]
    for shape in [s for s in SHAPES if s[0] in COMPARED][: 1 if quick else None]:
        label, expression, a, b = shape
        for noise in noises:
            clean = make_synthetic(expression, a, b, N, "even", 0.0, seed)
            data = make_synthetic(expression, a, b, N, "even", noise * float(np.std(clean.clean)), seed)
            exact = data.exact[1]
            start = time.perf_counter()
            ours = rmse(differentiate_samples(data.t, data.y, 1).derivative, exact)
            cells = [(ours, time.perf_counter() - start)]
            for call in found.values():
                start = time.perf_counter()
                try:
                    value = rmse(np.asarray(call(data.t, data.y, data.clean), dtype=float), exact)
                except Exception:  # a comparator's own failure is its result, not ours
                    value = math.nan
                cells.append((value, time.perf_counter() - start))
            rows.append((label, noise, cells))
    return list(found), rows


# -- speed ----------------------------------------------------------------------------------------------


def time_loading(rows: int, digits: int, repeats: int, timestamps: bool = False) -> tuple[float, float]:
    """(median seconds, MB) of load_samples on a CSV of rows (t, y) with `digits` significant digits; with
    timestamps, t as ISO 8601 dates and times to the millisecond (2024-01-01T00:00:01.234)."""
    rng = np.random.default_rng(0)
    t = np.cumsum(rng.uniform(0.5, 1.5, rows))
    y = np.sin(t / 50) + 0.01 * rng.standard_normal(rows)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.csv"
        cells = [f"{a:.{digits}g}" for a in t.tolist()] if not timestamps else np.datetime_as_string(
            np.datetime64("2024-01-01T00:00:00", "ms") + (t * 1000).astype("timedelta64[ms]"), unit="ms").tolist()
        body = "\n".join(f"{a},{b:.{digits}g}" for a, b in zip(cells, y.tolist(), strict=True))
        path.write_text("t,y\n" + body + "\n")
        size = path.stat().st_size / 1e6
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            samples = load_samples(path)
            times.append(time.perf_counter() - start)
        assert len(samples.t) == rows
    return statistics.median(times), size


def loading_hold(rows: int, timestamps: bool = False) -> float:
    """Longest wait (s) of another thread for the GIL while load_samples reads rows in a worker thread, as the
    window's GUI thread waits while a file is read: it polls every 2 ms."""
    import threading

    rng = np.random.default_rng(0)
    t = np.cumsum(rng.uniform(0.5, 1.5, rows))
    y = np.sin(t / 50)
    cells = [f"{a:.10g}" for a in t.tolist()] if not timestamps else np.datetime_as_string(
        np.datetime64("2024-01-01T00:00:00", "ms") + (t * 1000).astype("timedelta64[ms]"), unit="ms").tolist()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.csv"
        path.write_text("t,y\n" + "\n".join(f"{a},{b:.10g}" for a, b in zip(cells, y.tolist(), strict=True)) + "\n")
        done = threading.Event()
        reader = threading.Thread(target=lambda: (load_samples(path), done.set()))
        reader.start()
        last, longest = time.perf_counter(), 0.0
        while not done.is_set():
            time.sleep(0.002)
            now = time.perf_counter()
            longest, last = max(longest, now - last), now
        reader.join()
    return longest


def time_auto(n: int, repeats: int) -> tuple[float, str]:
    data = make_synthetic("sin(x)", 0.0, 60.0, n, "jittered", 0.01, 3)
    times = []
    for _ in range(repeats):
        t, y = data.t.copy(), data.y.copy()  # new arrays: nothing prepared for them is kept from the last call
        start = time.perf_counter()
        result = differentiate_samples(t, y, 1)
        times.append(time.perf_counter() - start)
    return statistics.median(times), result.method


MOVES = 20  # parameter moves timed per method


def moved_values(method: str, chosen: dict, moves: int) -> list[dict]:
    """The chosen parameters with the method's swept control moved step by step, as a user drags it: odd
    windows and whole points one step at a time, log parameters a tenth of a decade at a time."""
    name = SWEPT[method]
    parameter = METHODS[method].parameter(name)
    out = []
    for k in range(moves):
        value = chosen[name]
        if parameter.integer:
            step = 2 if parameter.odd else 1
            moved = value + step * (k % 5 - 2)
            moved = min(max(moved, parameter.low + (parameter.odd and parameter.low % 2 == 0)), parameter.high)
        else:
            moved = value * 10.0 ** (0.1 * (k - moves // 2))
        out.append({**chosen, name: moved})
    return out


def time_moves(n: int, moves: int, spacing: str = "jittered") -> list[tuple[str, float, float, str]]:
    """(method, median seconds, 95th percentile, parameters) of moving one control at n samples: the time
    to the window's first stage (the chosen method's derivative, every parameter given: no automatic
    choice; the noise estimate is included), the stage the plot waits for, over `moves` moves."""
    data = make_synthetic("sin(x)", 0.0, 60.0, n, spacing, 0.01, 3)
    samples = SampleSet(data.t, data.y, "bench")
    out = []
    for method in ("gradient", "fornberg", "savgol", "spline", "tv", "kalman"):
        chosen = dict(differentiate_samples(data.t, data.y, 1, method).parameters)
        times = []
        for values in moved_values(method, chosen, moves):
            request = DataRequest(order=1, method=method, parameters=tuple(values.items()), compare=True)
            start = time.perf_counter()
            next(iter(data_stages(samples, request)))
            times.append(time.perf_counter() - start)
        shown = ", ".join(f"{k} = {v:.3g}" if isinstance(v, float) else f"{k} = {v}" for k, v in chosen.items())
        out.append((method, statistics.median(times), float(np.percentile(times, 95)), shown))
    return out


# -- report ---------------------------------------------------------------------------------------------


def summary(cases: list[Case], title: str) -> str:
    ratios = [c.ratio for c in cases]
    if not ratios:
        return f"| {title} | - | - | - | 0 |"
    return (f"| {title} | {statistics.median(ratios):.2f} | {max(ratios):.2f} | "
            f"{sum(r <= 1.5 for r in ratios)}/{len(ratios)} | {len(ratios)} |")


def verdict(median: float, worst: float) -> str:
    missed = [name for name, value, goal in (("median", median, 1.5), ("worst", worst, 3.0)) if value > goal]
    return "goal met" if not missed else "goal missed: " + " and ".join(missed)


def report(cases: list[Case], names: list[str], comparator_rows: list[tuple], speed: dict, seconds: float) -> str:
    noisy = [c for c in cases if c.noise > 0]
    exact = [c for c in cases if c.noise == 0]
    ratios = [c.ratio for c in noisy]
    median, worst = statistics.median(ratios), max(ratios)
    lines = [
        SECTION, "",
        f"Generated by `.venv/bin/python bench/data_accuracy.py --write` ({seconds:.0f} s, "
        f"Python {platform.python_version()}, numpy {np.__version__}); every number below is from one run.", "",
        f"Signals: {', '.join(f'{s[0]} `{s[1]}` on [{s[2]:g}, {s[3]:g}]' for s in SHAPES)}; N = {N} samples, "
        "even, jittered (±40% of a step) or uniformly random t; noise of deviation "
        f"{', '.join(f'{n:g}' for n in NOISES)} "
        "times the clean signal's; orders 1 and 2; one seed per case. Ratio = RMSE of `auto` (method and "
        "parameters from the data alone) / the least RMSE of any of our six methods with its parameters tuned "
        "on the truth (gradient: edge order; fornberg: 2-15 points; savgol: 22 windows x degrees up to 7; "
        "spline: lam over 12 decades; tv: alpha over 18 decades x degrees 1-3; kalman: lam = sigma^2/q from "
        "1e-6 h^(2m-1) to 1e8 in half decades x models 2-5). Goal: median <= 1.5, worst <= 3 on noisy data.", "",
        f"**Noisy samples: median {median:.2f}x, worst {worst:.2f}x** ({verdict(median, worst)}).",
        "",
        "| cases | median ratio | worst ratio | within 1.5x | count |", "|---|---|---|---|---|",
        summary(noisy, "all noisy"),
        *(summary([c for c in noisy if c.order == o], f"order {o}") for o in ORDERS),
        *(summary([c for c in noisy if c.spacing == s], f"{s} t") for s in SPACINGS),
        *(summary([c for c in noisy if c.noise == n], f"noise {n:g}") for n in NOISES if n > 0),
        *(summary([c for c in noisy if c.shape == s[0]], s[0]) for s in SHAPES),
        summary(exact, "exact samples (noise 0)"),
        "",
        "Each method's own automatic parameters against the same method tuned on the truth (noisy cases), "
        "and how often it was the best tuned method:", "",
        "| method | median own-auto / own-tuned | worst | best tuned method in |", "|---|---|---|---|",
    ]
    for method in ("gradient", "fornberg", "savgol", "spline", "tv", "kalman"):
        own = [c.per_method[method][0] / c.per_method[method][1] for c in noisy if c.per_method[method][1] > 0]
        wins = sum(c.best_method == method for c in noisy)
        lines.append(f"| {method} | {statistics.median(own):.2f} | {max(own):.2f} | {wins}/{len(noisy)} |")
    chosen = statistics.Counter(c.auto_method for c in cases)
    lines += ["", "auto chose: " + ", ".join(f"{m} {k} times" for m, k in chosen.most_common()) + "; "
              f"time per auto call at N = {N}: median {statistics.median(c.auto_seconds for c in cases) * 1e3:.0f} ms.",
              "", "Worst noisy cases:", "", "| signal | noise | t | order | auto | best (method) | ratio |",
              "|---|---|---|---|---|---|---|"]
    for c in sorted(noisy, key=lambda c: -c.ratio)[:8]:
        lines.append(f"| {c.shape} | {c.noise:g} | {c.spacing} | {c.order} | {c.auto:.3g} ({c.auto_method}) | "
                     f"{c.best:.3g} ({c.best_method}) | {c.ratio:.2f} |")
    lines += ["", "Comparators (order 1, even t):", ""]
    if names:
        lines += ["| signal | noise | ours (auto) | " + " | ".join(names) + " |", "|---" * (3 + len(names)) + "|"]
        for label, noise, cells in comparator_rows:
            shown = " | ".join(f"{v:.3g} ({s * 1e3:.0f} ms)" for v, s in cells)
            lines.append(f"| {label} | {noise:g} | {shown} |")
        lines.append("")
        lines.append("Cells: RMSE of the first derivative (time). pynumdiff is given the bandlimit from the clean "
                     "signal (it requires one); the derivative package has no automatic choice, so its default "
                     "alpha = 1 is what a user gets.")
    else:
        lines.append("pynumdiff and derivative are not installed (`pip install -e '.[bench]'`): skipped.")
    lines += ["", "Speed (median of repeats):", "",
              f"- loading 10^6 rows of CSV: {speed['load10']:.2f} s at 10 significant digits ({speed['mb10']:.0f} MB), "
              f"{speed['load17']:.2f} s at 17 ({speed['mb17']:.0f} MB) (goal < 1 s); with t as ISO 8601 timestamps "
              f"to the millisecond: {speed['load_stamps']:.2f} s ({speed['mb_stamps']:.0f} MB); meanwhile another "
              f"thread (the window's) waited at most {speed['hold'] * 1e3:.0f} ms for the GIL "
              f"({speed['hold_stamps'] * 1e3:.0f} ms with timestamps)",
              f"- auto at 10^5 samples (noisy sine, jittered t, a first call on new arrays): {speed['auto']:.2f} s, chose {speed['auto_method']} "
              "(goal < 0.5 s)", *(methods_lines(timings, spacing) for spacing, timings in speed["methods"].items()), ""]
    return "\n".join(lines)


def methods_lines(timings: list[tuple[str, float, float, str]], spacing: str = "jittered") -> str:
    worst = max(p95 for _, _, p95, _ in timings)
    return (f"- moving a control at 10^5 samples ({spacing} t; {MOVES} moves of each method's swept control "
            "around its automatic value, time to the window's first stage, median / 95th percentile): " + "; ".join(
                f"{method} {median * 1e3:.0f} / {p95 * 1e3:.0f} ms" for method, median, p95, _ in timings)
            + f" (goal p95 < 50 ms: {'met' if worst < 0.05 else 'missed'} by the slowest, {worst * 1e3:.0f} ms)")


def write_section(text: str) -> None:
    """Append the section to docs/benchmarks.md, replacing this bench's previous section (only that one)."""
    current = OUTPUT.read_text() if OUTPUT.exists() else ""
    start = current.find(SECTION)
    if start >= 0:
        end = current.find("\n## ", start + len(SECTION))
        current = current[:start].rstrip("\n") + ("\n\n" + current[end + 1:] if end >= 0 else "")
    OUTPUT.write_text(current.rstrip("\n") + "\n\n" + text.rstrip("\n") + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="two signals, fewer repeats")
    parser.add_argument("--write", action="store_true", help=f"append the results to {OUTPUT.name}")
    parser.add_argument("--methods-only", action="store_true", help="only the per-method timing at 10^5 samples")
    parser.add_argument("--seed", type=int, default=0,
                        help="added to every case's seed (held-out noise and t; the report's seeds are offset 0)")
    parser.add_argument("--accuracy-only", action="store_true",
                        help="only the accuracy table: no comparators or timings")
    parser.add_argument("--shapes", default="", help="comma-separated signal names to run (default: all; --quick: two)")
    args = parser.parse_args()
    if args.write and (args.seed or args.accuracy_only or args.shapes):
        parser.error("--write records the full run on the report's own seeds: no --seed, --accuracy-only or --shapes")
    if args.methods_only:
        for spacing in SPACINGS:
            print(methods_lines(time_moves(100_000, MOVES, spacing), spacing))
        return
    started = time.perf_counter()
    cases = []
    shapes = SHAPES[:2] if args.quick else SHAPES
    if args.shapes:
        wanted = args.shapes.split(",")
        unknown = sorted(set(wanted) - {s[0] for s in SHAPES})
        if unknown:
            parser.error(f"unknown signals {', '.join(unknown)}; known: {', '.join(s[0] for s in SHAPES)}")
        shapes = tuple(s for s in SHAPES if s[0] in wanted)
    seed = args.seed
    for shape in SHAPES:
        if shape not in shapes:  # each case keeps its seed whichever signals are run
            seed += len(NOISES) * len(SPACINGS) * len(ORDERS)
            continue
        for noise in NOISES:
            for spacing in SPACINGS:
                for order in ORDERS:
                    seed += 1
                    case = run_case(shape, noise, spacing, order, seed)
                    cases.append(case)
                    print(f"{case.shape:7s} {case.noise:7.0e} {case.spacing:8s} {case.order} auto {case.auto:9.3g} "
                          f"({case.auto_method:8s}) best {case.best:9.3g} ({case.best_method:8s}) {case.ratio:6.2f}",
                          flush=True)
    if args.accuracy_only:
        noisy = [c.ratio for c in cases if c.noise > 0]
        print(f"noisy: median {statistics.median(noisy):.2f}x, worst {max(noisy):.2f}x, above 3x: "
              f"{sum(r > 3 for r in noisy)} of {len(noisy)} (seed offset {args.seed})")
        return
    names, comparator_rows = run_comparators(7, args.quick)
    repeats = 1 if args.quick else 3
    load10, mb10 = time_loading(1_000_000, 10, repeats)
    load17, mb17 = time_loading(1_000_000, 17, repeats)
    load_stamps, mb_stamps = time_loading(1_000_000, 10, repeats, timestamps=True)
    hold, hold_stamps = loading_hold(1_000_000), loading_hold(1_000_000, timestamps=True)
    auto_seconds, auto_method = time_auto(100_000, repeats)
    speed = {"load10": load10, "mb10": mb10, "load17": load17, "mb17": mb17, "load_stamps": load_stamps,
             "mb_stamps": mb_stamps, "hold": hold, "hold_stamps": hold_stamps, "auto": auto_seconds,
             "auto_method": auto_method,
             "methods": {spacing: time_moves(100_000, MOVES if not args.quick else 5, spacing) for spacing in SPACINGS}}
    text = report(cases, names, comparator_rows, speed, time.perf_counter() - started)
    print(text)
    if args.write:
        write_section(text)


if __name__ == "__main__":
    main()
