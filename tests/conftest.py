"""Every test that touches Qt draws off screen, however pytest was started (make test also sets this);
property tests replay the same examples every run unless `make fuzz` asks for new ones."""

import os

from hypothesis import settings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# A change is judged on its own merits: `make test` (and CI) draws the same examples each run, while
# `make fuzz` (pytest --hypothesis-profile=fuzz) explores new ones and keeps what it finds failing.
# No per-example deadline: a property test judges behaviour, not speed (benchmarks in bench/ do that), and on
# a shared, busy machine hypothesis' 200 ms deadline failed a settings test now and then (pytest-timeout still
# ends a hang).
settings.register_profile("repeatable", derandomize=True, deadline=None)
settings.register_profile("fuzz", derandomize=False, deadline=None)
settings.load_profile("repeatable")
