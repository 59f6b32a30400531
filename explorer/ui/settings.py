"""What the window remembers between runs: the inputs, geometry and divider, the view, the export folder.

Every stored value is checked on reading; an unusable one (a hand-edited or damaged file) falls back to
its default and is named in the `notes` that the window shows, so a bad file never stops the app.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QByteArray, QSettings

from ..core.inputs import declared_inputs, from_text, to_text
from ..core.limits import MAX_LENGTH
from ..core.request import DerivativeRequest
from .expression_editor import MAX_RECENT

ORGANIZATION, APPLICATION = "DerivativeExplorer", "Derivative Explorer"
SESSION = "session/"
MAX_STORED_BYTES = 1 << 16  # a window geometry or splitter state is a few dozen bytes


def default_settings() -> QSettings:
    """The user's settings store."""
    return QSettings(ORGANIZATION, APPLICATION)


def stored_text(stored: object) -> str | None:
    """A stored value as the text it was saved as; INI files turn an unquoted a,b into a list."""
    if stored is None:
        return None
    if isinstance(stored, (list, tuple)):
        return ",".join(map(str, stored))
    return str(stored)


def save_inputs(settings: QSettings, inputs: DerivativeRequest) -> None:
    for name, text in to_text(inputs).items():
        settings.setValue(SESSION + name, text)


def load_inputs(settings: QSettings) -> tuple[dict[str, object], list[str]]:
    """The stored inputs that are usable, by name, and a line for each one that was not."""
    stored = {name: stored_text(settings.value(SESSION + name)) for name, _ in declared_inputs(DerivativeRequest)}
    values, notes = from_text(DerivativeRequest, stored)
    # Each input is usable alone (from_text checked it), so what the request as a whole refuses is its x range:
    # empty (x from 3 to -3), or holding no `points` distinct doubles (999999999999999..999999999999999.1),
    # and the window would start with nothing computed. Both ends go back to their defaults.
    problems = DerivativeRequest(**values).problems()
    if problems:
        low, high = values.pop("x_min", DerivativeRequest.x_min), values.pop("x_max", DerivativeRequest.x_max)
        why = f"{low:g}..{high:g} is empty" if not low < high else f"{low!r}..{high!r}: {problems[0]}"
        notes.append(f"stored x range {why}; using the default range")
    return values, notes


@dataclass(frozen=True)
class WindowState:
    """The window's layout and view as stored; None where absent or unusable."""

    geometry: QByteArray | None = None
    splitter: QByteArray | None = None
    relative_errors: bool = False
    export_folder: str | None = None
    notes: list[str] = field(default_factory=list)


def _bytes(settings: QSettings, key: str, notes: list[str]) -> QByteArray | None:
    stored = settings.value(key)
    if stored is None:
        return None
    if isinstance(stored, QByteArray) and 0 < stored.size() <= MAX_STORED_BYTES:
        return stored
    notes.append(f"stored {key} is unusable; using the default layout")
    return None


def load_window(settings: QSettings) -> WindowState:
    notes: list[str] = []
    geometry = _bytes(settings, "window/geometry", notes)
    splitter = _bytes(settings, "window/splitter", notes)
    relative_text = stored_text(settings.value("view/relative_errors", "false")) or "false"
    relative = relative_text.strip().lower() == "true"
    if relative_text.strip().lower() not in ("true", "false"):
        notes.append(f"stored view/relative_errors {relative_text[:30]!r} is not true or false; using false")
    return WindowState(geometry, splitter, relative, stored_folder(settings, "export/folder"), notes)


def stored_folder(settings: QSettings, key: str) -> str | None:
    """A stored folder (where the last export or data file was) if it still is one; None when absent, moved or
    deleted since (the dialog opens at home, no need to say so), or not a path at all (an INI list, a number)."""
    folder = stored_text(settings.value(key))
    if folder is None or len(folder) > 4096 or "\x00" in folder or not os.path.isdir(folder):
        return None
    return folder


def save_window(settings: QSettings, geometry: QByteArray, splitter: QByteArray) -> None:
    settings.setValue("window/geometry", geometry)
    settings.setValue("window/splitter", splitter)


def save_relative_errors(settings: QSettings, relative: bool) -> None:
    settings.setValue("view/relative_errors", "true" if relative else "false")


def load_texts(settings: QSettings, key: str, usable: Callable[[str], bool], limit: int,
               notes: list[str]) -> list[str]:
    """A stored list of texts (recent expressions, recent files), newest first: at most limit of them, each
    one usable(); anything that is not a JSON list reads as an empty list, with a line in notes."""
    text = stored_text(settings.value(key))
    if text is None:
        return []
    try:
        stored = json.loads(text)
    except (ValueError, RecursionError):  # json raises RecursionError on deep nesting ("[[[[...")
        stored = None
    if not isinstance(stored, list):
        notes.append(f"stored {key} {text[:30]!r} is not a list; starting an empty one")
        return []
    return [t for t in stored if isinstance(t, str) and usable(t)][:limit]


def save_texts(settings: QSettings, key: str, texts: list[str], limit: int) -> None:
    settings.setValue(key, json.dumps(texts[:limit]))


def load_recent(settings: QSettings, notes: list[str]) -> list[str]:
    """The recent expressions, newest first; anything that is not a list of short texts is dropped."""
    return load_texts(settings, "history/expressions", lambda e: 0 < len(e) <= MAX_LENGTH, MAX_RECENT, notes)


def save_recent(settings: QSettings, expressions: list[str]) -> None:
    save_texts(settings, "history/expressions", expressions, MAX_RECENT)


def save_export_folder(settings: QSettings, folder: str) -> None:
    settings.setValue("export/folder", folder)
