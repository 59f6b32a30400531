"""What the window remembers between runs: geometry, where the controls end and the plots begin, the last session."""

from __future__ import annotations

from dataclasses import dataclass, fields

from PySide6.QtCore import QByteArray, QSettings

from ..core.request import Method

ORGANIZATION, APPLICATION = "DerivativeExplorer", "Derivative Explorer"


@dataclass(frozen=True)
class Session:
    """The inputs of the last session, restored at the next start."""

    expression: str = "sin(x)"
    x_min: float = -6.0
    x_max: float = 6.0
    points: int = 2000
    order: int = 1
    step: float = 1e-5
    accuracy: int = 2
    methods: tuple[Method, ...] = tuple(Method)
    parameters: tuple[tuple[str, float], ...] = ()
    probe: float | None = None  # where the error-versus-h sweep is taken; None: picked from the range
    noise: float = 0.0  # standard deviation of the noise on every sample of f


def _encode(name: str, value: object) -> object:
    """A session value as QSettings stores it portably (plain strings and numbers)."""
    if name == "methods":
        return ",".join(m.value for m in value)
    if name == "parameters":
        return ";".join(f"{key}={number!r}" for key, number in value)
    if name == "probe":
        return "" if value is None else repr(value)
    return value


def _decode(name: str, stored: object, default: object) -> object:
    """The inverse of _encode; raises ValueError or TypeError on anything unreadable."""
    text = str(stored)
    if name == "methods":
        names = [n for n in text.split(",") if n]
        return tuple(m for m in Method if m.value in names)
    if name == "parameters":
        pairs = [item.split("=", 1) for item in text.split(";") if item]
        return tuple((key, float(number)) for key, number in pairs)
    if name == "probe":
        return None if not text else float(text)
    return type(default)(stored)


def default_settings() -> QSettings:
    """The user's settings store."""
    return QSettings(ORGANIZATION, APPLICATION)


def save_session(settings: QSettings, session: Session) -> None:
    for field in fields(Session):
        value = getattr(session, field.name)
        settings.setValue(f"session/{field.name}", _encode(field.name, value))


def load_session(settings: QSettings) -> Session:
    """The stored session; any missing or unreadable value falls back to its default."""
    defaults = Session()
    values = {}
    for field in fields(Session):
        default = getattr(defaults, field.name)
        stored = settings.value(f"session/{field.name}")
        if stored is None:
            continue
        try:
            values[field.name] = _decode(field.name, stored, default)
        except (TypeError, ValueError):
            continue
    return Session(**values)


def save_window(settings: QSettings, geometry: QByteArray, splitter: QByteArray) -> None:
    settings.setValue("window/geometry", geometry)
    settings.setValue("window/splitter", splitter)


def load_window(settings: QSettings) -> tuple[QByteArray | None, QByteArray | None]:
    """(geometry, splitter state) saved by save_window, None where absent."""
    return settings.value("window/geometry"), settings.value("window/splitter")


def save_relative_errors(settings: QSettings, relative: bool) -> None:
    settings.setValue("view/relative_errors", relative)


def load_relative_errors(settings: QSettings) -> bool:
    """Whether the error panels were last shown relative (INI files store the bool as text)."""
    return str(settings.value("view/relative_errors", False)).lower() == "true"
