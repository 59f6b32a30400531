"""A menu entry and icon for the desktop (freedesktop.org): people launch desktop apps from their menu.

`python -m explorer.ui.desktop` (what `make desktop` runs) writes derivative-explorer.desktop into the
user's applications folder and the icon into the hicolor theme, pointing at the command that runs it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from ..core.export.atomic import write_atomically
from .qt_app import ICON, resource_path

DESKTOP_FILE = "derivative-explorer.desktop"


def data_home(environ: dict[str, str] | os._Environ[str] = os.environ) -> Path:
    """$XDG_DATA_HOME, or ~/.local/share as the specification says when it is unset or not absolute."""
    configured = environ.get("XDG_DATA_HOME", "")
    return Path(configured) if os.path.isabs(configured) else Path.home() / ".local" / "share"


def desktop_entry(command: str, icon: str) -> str:
    """The text of the .desktop file."""
    return "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        "Name=Derivative Explorer",
        "GenericName=Derivative calculator",
        "Comment=See derivatives and how wrong each way of computing them is",
        f"Exec={command}",
        f"Icon={icon}",
        "Terminal=false",
        "Categories=Education;Science;Math;",
        "Keywords=derivative;calculus;finite difference;autodiff;sympy;",
        "StartupWMClass=derivative-explorer",
        "",
    ])


def install(command: str | None = None, home: Path | None = None) -> list[Path]:
    """Write the entry and the icon; the paths written. command: what launches the window (default: the
    console script beside this Python, so the entry works without activating the virtual environment)."""
    home = home or data_home()
    launcher = command or str(Path(sys.executable).with_name("derivative-explorer"))
    icon_source = resource_path(ICON)
    icon_target = home / "icons" / "hicolor" / "scalable" / "apps" / ICON
    written = []
    if icon_source is not None:
        icon_target.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(icon_target, icon_source.read_bytes())
        written.append(icon_target)
    entry = home / "applications" / DESKTOP_FILE
    entry.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(entry, desktop_entry(launcher, Path(ICON).stem).encode())
    written.append(entry)
    if shutil.which("update-desktop-database"):  # refreshes the menu's cache where the desktop keeps one
        subprocess.run(["update-desktop-database", "-q", str(entry.parent)], check=False, capture_output=True)
    return written


if __name__ == "__main__":
    for path in install():
        print(f"wrote {path}")
