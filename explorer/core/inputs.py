"""Every input of a computation declared once: its default, its bounds and its stored form.

A request's dataclass fields carry their `Input` in the field metadata (`declare`), so the request,
the settings store, the window's bindings and the command line's defaults all read one declaration.
Adding an input is one declared field here and one widget bound to its name.
"""

from __future__ import annotations

import dataclasses
import math
import re
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Stored numbers as encode writes them: digits 0-9 only, as in every number a user types. float() and int() alone
# also read other scripts' digits (١٢٣, １２) and Python's 1_000, so a damaged value would come back as a number.
_DECIMAL = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
_WHOLE = re.compile(r"[+-]?[0-9]{1,12}")


@dataclass(frozen=True)
class Input(ABC, Generic[T]):
    """One user input: what it is called in messages, its default, and how it is checked and stored."""

    label: str
    default: T

    @abstractmethod
    def problem(self, value: Any) -> str | None:
        """Why value cannot be used for this input, in words; None when it can."""

    @abstractmethod
    def encode(self, value: T) -> str:
        """value as plain text, for a settings file."""

    @abstractmethod
    def decode(self, text: str) -> T:
        """The inverse of encode; ValueError on text it cannot read."""

    def read(self, text: str) -> T:
        """A stored value decoded and checked; ValueError saying why when it is unusable."""
        value = self.decode(text)
        problem = self.problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value


def _real(text: str) -> float:
    if not _DECIMAL.fullmatch(text.strip()):
        raise ValueError(f"{text[:20]!r} is not a decimal number")
    return float(text)


RealValue = TypeVar("RealValue", bound=float | None)


@dataclass(frozen=True)
class BoundedReal(Input[RealValue]):
    """What Real and OptionalReal share: the bounds [low, high] of a finite real number; `positive`
    excludes 0 and below."""

    low: float = -math.inf
    high: float = math.inf
    positive: bool = False

    def number_problem(self, value: Any) -> str | None:
        """Why value is not a number within the bounds, in words; None when it is."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"{self.label} must be a number"
        if not math.isfinite(value):
            return f"{self.label} must be a finite number"
        if self.positive and value <= 0:
            return f"{self.label} must be a positive number"
        if not self.low <= value <= self.high:
            return f"{self.label} must be within {self.low:g}..{self.high:g}"
        return None


@dataclass(frozen=True)
class Real(BoundedReal[float]):
    """A finite real number within [low, high]; `positive` excludes 0 and below."""

    def problem(self, value: Any) -> str | None:
        return self.number_problem(value)

    def encode(self, value: float) -> str:
        return repr(float(value))

    def decode(self, text: str) -> float:
        return _real(text)


@dataclass(frozen=True)
class OptionalReal(BoundedReal[float | None]):
    """A Real, or None for "let the computation choose"."""

    def problem(self, value: Any) -> str | None:
        return None if value is None else self.number_problem(value)

    def encode(self, value: float | None) -> str:
        return "" if value is None else repr(float(value))

    def decode(self, text: str) -> float | None:
        return None if not text.strip() else _real(text)


@dataclass(frozen=True)
class Whole(Input[int]):
    """A whole number within [low, high]."""

    low: int = 0
    high: int = 0

    def problem(self, value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int):
            return f"{self.label} must be a whole number"
        if not self.low <= value <= self.high:
            return f"{self.label} must be {self.low}..{self.high}"
        return None

    def encode(self, value: int) -> str:
        return str(int(value))

    def decode(self, text: str) -> int:
        text = text.strip()
        if not _WHOLE.fullmatch(text):
            raise ValueError(f"{text[:20]!r} is not a whole number")
        return int(text)


@dataclass(frozen=True)
class OneOf(Input[str]):
    """One of a few named options."""

    options: tuple[str, ...] = ()

    def problem(self, value: Any) -> str | None:
        return None if value in self.options else f"{self.label} must be one of {', '.join(self.options)}"

    def encode(self, value: str) -> str:
        return value

    def decode(self, text: str) -> str:
        return text.strip()


@dataclass(frozen=True)
class Flag(Input[bool]):
    """On or off, stored as true / false."""

    def problem(self, value: Any) -> str | None:
        return None if isinstance(value, bool) else f"{self.label} must be true or false"

    def encode(self, value: bool) -> str:
        return "true" if value else "false"

    def decode(self, text: str) -> bool:
        word = text.strip().lower()
        if word not in ("true", "false"):
            raise ValueError(f"{text[:20]!r} is not true or false")
        return word == "true"


@dataclass(frozen=True)
class Text(Input[str]):
    """Text of at most max_length characters."""

    max_length: int = 0

    def problem(self, value: Any) -> str | None:
        if not isinstance(value, str):
            return f"{self.label} must be text"
        if len(value) > self.max_length:
            return f"{self.label} is longer than {self.max_length} characters"
        return None

    def encode(self, value: str) -> str:
        return value

    def decode(self, text: str) -> str:
        return text


@dataclass(frozen=True)
class Choices(Input[tuple[Any, ...]]):
    """Any subset of the members of a str-valued Enum (kept in the Enum's order), stored by value."""

    options: tuple[Any, ...] = ()

    def problem(self, value: Any) -> str | None:
        if not isinstance(value, tuple):
            return f"{self.label} must be a tuple"
        unknown = [str(v) for v in value if v not in self.options]
        return f"{self.label}: unknown {', '.join(unknown)[:60]}" if unknown else None

    def encode(self, value: tuple[Any, ...]) -> str:
        return ",".join(v.value for v in value)

    def decode(self, text: str) -> tuple[Any, ...]:
        names = {n.strip() for n in text.split(",") if n.strip()}
        known = {o.value for o in self.options}
        if names - known:
            raise ValueError(f"unknown {', '.join(sorted(names - known))[:60]}")
        return tuple(o for o in self.options if o.value in names)


@dataclass(frozen=True)
class NamedValues(Input[tuple[tuple[str, float], ...]]):
    """(name, value) pairs, such as the values of an expression's parameters."""

    value: Real = Real("value", 0.0)
    max_name_length: int = 0
    max_count: int = 0

    def problem(self, value: Any) -> str | None:
        if not isinstance(value, tuple) or len(value) > self.max_count:
            return f"{self.label} must be at most {self.max_count} name=value pairs"
        for pair in value:
            if not (isinstance(pair, tuple) and len(pair) == 2 and isinstance(pair[0], str)):
                return f"{self.label} must be name=value pairs"
            name, number = pair
            if not _NAME.fullmatch(name) or len(name) > self.max_name_length:
                return f"{self.label}: {name[:30]!r} is not a name"
            problem = self.value.problem(number)
            if problem is not None:
                return f"{self.label}: {name}: {problem}"
        return None

    def encode(self, value: tuple[tuple[str, float], ...]) -> str:
        return ";".join(f"{name}={number!r}" for name, number in value)

    def decode(self, text: str) -> tuple[tuple[str, float], ...]:
        pairs = []
        for item in filter(None, (part.strip() for part in text.split(";"))):
            name, sep, number = item.partition("=")
            if not sep:
                raise ValueError(f"{item[:30]!r} is not name=value")
            pairs.append((name.strip(), self.value.decode(number)))
        return tuple(pairs)


def declare(spec: Input[Any]) -> Any:
    """A dataclass field holding spec's default, with spec in its metadata (see `declared_inputs`)."""
    return dataclasses.field(default=spec.default, metadata={"input": spec})


def declared_inputs(cls: type) -> Iterator[tuple[str, Input[Any]]]:
    """(field name, Input) for every field of a dataclass that was declared with `declare`."""
    for f in dataclasses.fields(cls):
        spec = f.metadata.get("input")
        if spec is not None:
            yield f.name, spec


def input_of(cls: type, name: str) -> Input[Any]:
    """The declaration of one input of cls (KeyError if name is not a declared input)."""
    return dict(declared_inputs(cls))[name]


def field_problems(instance: Any) -> list[str]:
    """Why any declared field of instance holds an unusable value; empty when all are usable."""
    found = []
    for name, spec in declared_inputs(type(instance)):
        problem = spec.problem(getattr(instance, name))
        if problem is not None:
            found.append(problem)
    return found


def to_text(instance: Any) -> dict[str, str]:
    """Every declared input of instance in its stored form."""
    return {name: spec.encode(getattr(instance, name)) for name, spec in declared_inputs(type(instance))}


def from_text(cls: type[T], stored: dict[str, str | None]) -> tuple[dict[str, Any], list[str]]:
    """Values for cls's declared inputs read from stored text, and a line for each unusable one.

    Missing values are left out (the dataclass default applies); an unusable one is left out too,
    with a line saying what was wrong and what is used instead.
    """
    values: dict[str, Any] = {}
    notes = []
    for name, spec in declared_inputs(cls):
        text = stored.get(name)
        if text is None:
            continue
        try:
            values[name] = spec.read(text)
        except (ValueError, OverflowError) as exc:
            fallback = spec.encode(spec.default) or "the default"
            notes.append(f"{spec.label}: stored value {text[:30]!r} is unusable ({exc}); using {fallback}")
    return values, notes
