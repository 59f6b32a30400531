"""Write the example data sets in resources/data/ (made by us from formulas; public domain, CC0).

Each file starts with `#` lines saying what it is, the formula it samples and the noise added, so the
truth is known and anyone can check a derivative against it. Deterministic: the same files every run.
Run: .venv/bin/python bench/make_example_data.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "resources" / "data"
HEADER = "# Made by bench/make_example_data.py (derivative-explorer); public domain (CC0).\n"


def falling_ball(rng: np.random.Generator) -> str:
    """A ball dropped from 20 m, a 50 Hz range sensor with timing jitter and 2 mm noise."""
    t = np.arange(0, 2.0, 0.02) + rng.normal(0, 0.002, 100)
    t[0] = 0.0
    t.sort()
    height = 20.0 - 0.5 * 9.81 * t**2 + rng.normal(0, 0.002, len(t))
    lines = [HEADER.rstrip(),
             "# A ball dropped from rest at 20 m: height = 20 - 9.81/2 t^2 (m), so velocity = -9.81 t m/s and",
             "# acceleration = -9.81 m/s^2. Times jittered by 2 ms around a 50 Hz clock; noise 2 mm (normal).",
             "time_s,height_m"]
    lines += [f"{a:.4f},{b:.4f}" for a, b in zip(t, height, strict=True)]
    return "\n".join(lines) + "\n"


def cooling_curve(rng: np.random.Generator) -> str:
    """A cup of coffee cooling in a 20 C room, logged at irregular times with a 0.1 C display."""
    t = np.cumsum(rng.uniform(10, 40, 120))
    t = np.r_[0.0, t[t < 3600]]
    temperature = 20 + 60 * np.exp(-t / 900) + rng.normal(0, 0.05, len(t))
    rows = [f"{a:.0f},{b:.1f}" for a, b in zip(t, temperature, strict=True)]
    rows[17] = f"{t[17]:.0f},"  # a reading the logger missed
    rows[40] = f"{t[40]:.0f},NA"
    rows.insert(60, rows[59])  # a line the logger wrote twice
    lines = [HEADER.rstrip(),
             "# Newton cooling: temperature = 20 + 60 exp(-t/900) C, so its rate = -(60/900) exp(-t/900) C/s.",
             "# Logged every 10-40 s (uneven), shown to 0.1 C, noise 0.05 C; two readings are missing (an empty",
             "# cell and NA) and one line is repeated, as real loggers do.",
             "seconds,temperature_C"]
    return "\n".join(lines + rows) + "\n"


def spring(rng: np.random.Generator) -> str:
    """A damped spring, copied from a spreadsheet in a decimal-comma locale (tab-separated)."""
    t = np.linspace(0, 10, 401)
    x = 5 * np.exp(-0.3 * t) * np.cos(2 * np.pi * 0.8 * t) + rng.normal(0, 0.02, len(t))
    lines = [HEADER.rstrip(),
             "# Damped spring: x = 5 exp(-0.3 t) cos(2 pi 0.8 t) cm, sampled every 25 ms, noise 0.2 mm.",
             "# Tab-separated with decimal commas, as a spreadsheet in a German or French locale pastes it.",
             "t (s)\tx (cm)"]
    lines += [f"{a:.3f}\t{b:.4f}".replace(".", ",") for a, b in zip(t, x, strict=True)]
    return "\n".join(lines) + "\n"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(20261125)
    for name, make in (("falling_ball.csv", falling_ball), ("cooling_curve.csv", cooling_curve),
                       ("spring_decimal_comma.tsv", spring)):
        (OUT / name).write_text(make(rng))
        print(f"wrote {OUT / name}")


if __name__ == "__main__":
    main()
