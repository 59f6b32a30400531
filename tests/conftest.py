"""Every test that touches Qt draws off screen, however pytest was started (make test also sets this)."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
