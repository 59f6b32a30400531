# Two commands do everything on a fresh Debian machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
QT_SYSTEM_LIBS := libegl1 libgl1 libfontconfig1 libxkbcommon0 libdbus-1-3 libglib2.0-0
XVFB_LIBS := xvfb libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxcb-render-util0 libxcb-shape0 libxkbcommon-x11-0
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test setup system-deps xvfb-deps screenshot bench clean

run: setup
	$(PY) -m explorer

test: setup
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest

setup: system-deps $(STAMP)

# Qt's xcb/offscreen plugins dlopen these (and a bare Debian python3 lacks venv); install only what is missing.
system-deps:
	@missing=$$(for p in $(QT_SYSTEM_LIBS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	$(PYTHON) -c "import ensurepip, venv" 2>/dev/null || missing="$$missing python3-venv"; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages: $$missing"; \
	  $(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

# For looking at the real window on a virtual X screen (make screenshot).
xvfb-deps:
	@missing=$$(for p in $(XVFB_LIBS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  $(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

screenshot: setup xvfb-deps
	xvfb-run -a -s "-screen 0 1400x900x24" $(PY) -m explorer.ui.screenshot docs/screenshot.png

bench: setup
	$(PY) bench/run_benchmarks.py

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
