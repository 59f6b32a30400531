"""Reading a user's file with a bounded cost: a regular, readable file no larger than a limit, or one line
saying why not (the data mode's samples and the several-variables mode's matrices both come this way)."""

from __future__ import annotations

import os
import stat

PathName = str | os.PathLike[str] | os.PathLike[bytes] | bytes


def shown_path(path: PathName) -> str:
    """path as a message shows it, always one printable line: bytes that are not UTF-8 as \\xNN, and control
    characters (a newline, an escape sequence, a line separator: all legal in a name) escaped as Python writes
    them (\\n, \\x1b, \\u2028), so that a name can neither split an `error:` line nor restyle the terminal."""
    text = os.fsencode(path).decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def read_limited(path: PathName, limit: int, kind: str, error: type[ValueError]) -> bytes:
    """The bytes of the file at path; `error` (one line naming the path) when it is missing, not a regular
    file, unreadable, or larger than limit bytes. kind names what the file should be ("data", "matrix")."""
    shown = shown_path(path)
    try:
        status = os.stat(path)
    except FileNotFoundError:
        raise error(f"{shown}: no such file") from None
    except OSError as exc:
        raise error(f"{shown}: cannot read it ({exc.strerror or exc})") from None
    if stat.S_ISDIR(status.st_mode):
        raise error(f"{shown} is a directory, not a {kind} file")
    if not stat.S_ISREG(status.st_mode):
        raise error(f"{shown} is not a regular file")
    if status.st_size > limit:
        raise error(f"{shown} is {status.st_size / 2**20:.1f} MB; {kind} files are limited to {limit / 2**20:.0f} MB")
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise error(f"{shown}: cannot read it ({exc.strerror or exc})") from None
    if len(data) > limit:  # it grew while we looked
        raise error(f"{shown} is larger than {limit / 2**20:.0f} MB, the limit for {kind} files")
    return data
