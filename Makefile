# Two commands do everything on a fresh Debian machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.bench-installed
QT_SYSTEM_LIBS := libegl1 libgl1 libfontconfig1 libxkbcommon0 libdbus-1-3 libglib2.0-0
# Qt's xcb platform plugin (a real X display) needs these on top.
QT_XCB_LIBS := libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 \
	libxcb-shape0 libxcb-xfixes0 libxcb-xkb1 libxkbcommon-x11-0
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# apt-get install whichever of the given Debian packages are missing (a bare python3 may lack venv too).
define ensure_packages
	@missing=$$(for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	$(PYTHON) -c "import ensurepip, venv" 2>/dev/null || missing="$$missing python3-venv"; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:" $$missing; \
	  $(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi
endef

.PHONY: run test fuzz setup screenshot bench desktop clean

run: $(STAMP)
	$(call ensure_packages,$(QT_SYSTEM_LIBS) $(QT_XCB_LIBS))
	$(PY) -m explorer

test: setup
	$(PY) -m ruff check explorer
	$(PY) -m mypy
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest

# The property tests with fresh random examples (make test replays the same ones every run).
fuzz: setup
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest --hypothesis-profile=fuzz tests/core tests/test_hardening.py tests/ui/test_settings.py

setup: $(STAMP)
	$(call ensure_packages,$(QT_SYSTEM_LIBS))

$(STAMP): pyproject.toml
	$(call ensure_packages,)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

screenshot: setup
	$(call ensure_packages,xvfb xauth $(QT_XCB_LIBS))
	xvfb-run -a -s "-screen 0 1400x900x24" $(PY) -m explorer.ui.screenshot docs/screenshot.png

# A menu entry and icon for this checkout's window (freedesktop.org desktops: GNOME, KDE, Xfce ...).
desktop: $(STAMP)
	$(PY) -m explorer.ui.desktop

bench: setup $(BENCH_STAMP)
	$(PY) bench/run_benchmarks.py

# The comparators the benchmarks measure against (numdifftools); only `make bench` needs them.
$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install -q -e '.[test,bench]'
	touch $(BENCH_STAMP)

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
