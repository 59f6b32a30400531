"""Every test that touches Qt draws off screen, however pytest was started (make test also sets this);
property tests replay the same examples every run unless `make fuzz` asks for new ones."""

import os

from hypothesis import settings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# A change is judged on its own merits: `make test` (and CI) draws the same examples each run, while
# `make fuzz` (pytest --hypothesis-profile=fuzz) explores new ones and keeps what it finds failing.
settings.register_profile("repeatable", derandomize=True)
settings.register_profile("fuzz", derandomize=False)
settings.load_profile("repeatable")
