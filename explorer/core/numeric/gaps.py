"""Where a sampled function has no value: the stretches of x the panels leave blank, said in words."""

from __future__ import annotations

import math

import numpy as np

MAX_SPANS = 3  # stretches named in one note; more are counted


def undefined_spans(x: np.ndarray, values: np.ndarray) -> list[tuple[float, float]]:
    """(start, end) of each run of consecutive samples where values is not finite (NaN or infinite).

    An end next to a defined sample is put halfway to it, rounded to a tenth of the grid spacing: log(x) on a
    grid that skips 0 is undefined up to 0, not up to the last sample before it.
    """
    x = np.asarray(x, dtype=float)
    missing = ~np.isfinite(np.asarray(values))
    if not missing.any():
        return []
    edges = np.diff(np.concatenate(([0], missing.view(np.int8), [0])))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    spacing = float(np.min(np.abs(np.diff(x)))) if x.size > 1 else 0.0
    decimals = max(0, 1 - math.floor(math.log10(spacing))) if spacing > 0 else 15

    def boundary(inside: int, outside: int) -> float:
        if not 0 <= outside < x.size:
            return float(x[inside])
        return round(float(x[inside] + x[outside]) / 2, decimals) + 0.0  # + 0.0: no "-0"

    return [(boundary(a, a - 1), boundary(b, b + 1)) if a != b else (float(x[a]), float(x[a]))
            for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]


def _spans_text(spans: list[tuple[float, float]]) -> str:
    parts = [f"x = {a:.4g}" if a == b else f"{a:.4g} ≤ x ≤ {b:.4g}" for a, b in spans[:MAX_SPANS]]
    if len(spans) > MAX_SPANS:
        parts.append(f"and {len(spans) - MAX_SPANS} more places")
    return ", ".join(parts)


def gap_note(x: np.ndarray, f: np.ndarray, derivative: np.ndarray | None, derivative_name: str = "f'") -> str:
    """One line saying where f, or else its derivative, has no value on the grid; "" when both are defined."""
    f_spans = undefined_spans(x, f)
    if f_spans:
        return f"f is undefined (or infinite) at {_spans_text(f_spans)}: nothing is drawn there"
    if derivative is None:
        return ""
    d_spans = undefined_spans(x, derivative)
    if d_spans:
        return f"{derivative_name} is undefined (or infinite) at {_spans_text(d_spans)}: nothing is drawn there"
    return ""
