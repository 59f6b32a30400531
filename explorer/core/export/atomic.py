"""Writing a file so that readers see the old content or the new, never half of it.

`write_atomically(path, data)` is what every export uses: the bytes are made in memory first, then
written with Python to a temporary file beside the target, flushed to disk, and renamed onto it. Any
failure (a full disk, a file-size limit, an I/O error, Ctrl+C) leaves the old file as it was and no
temporary file behind, and every error message names the user's path, never the temporary one.

Paths may be str, bytes or os.PathLike, including names that are not valid UTF-8 (they are used as
the bytes they are). A symbolic link is followed: the file it points to is replaced and the link kept.
An existing file keeps its permissions; a read-only file, or a file in a read-only directory, is not
replaced (PermissionError), even for a user the system would let write there.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Iterator

from ..reading import PathName, shown_path

__all__ = ["PathName", "atomic_path", "shown_path", "write_atomically"]

# Short, so that a target name of up to 255 bytes (the usual limit) still leaves room for it.
_TEMPORARY_PREFIX = b".explorer-"
_TEMPORARY_SUFFIX = b".tmp"
_WRITE_CHUNK = 1 << 20  # bytes handed to one os.write call


def write_atomically(path: PathName, data: bytes) -> None:
    """Replace the file at path by data, or leave it untouched and raise OSError naming path."""
    shown = shown_path(path)
    target, mode = _target(path, shown)
    temporary, handle = _create_temporary(target, mode, shown)
    try:
        try:
            view = memoryview(data)
            while view:
                written = os.write(handle, view[:_WRITE_CHUNK])
                view = view[written:]
            os.fsync(handle)
        finally:
            os.close(handle)
        _replace(temporary, target, shown)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(exc, OSError):
            raise _naming(exc, shown) from None
        raise


@contextlib.contextmanager
def atomic_path(path: PathName) -> Iterator[str]:
    """A temporary path (str) beside path's target for a library that insists on writing a file itself;
    renamed onto the target when the block succeeds, removed when it fails.

    Prefer write_atomically: a library writing to a path may not report its errors (Qt's image writers
    do not), and only bytes in hand can be checked before the old file is replaced.
    """
    shown = shown_path(path)
    target, mode = _target(path, shown)
    temporary, handle = _create_temporary(target, mode, shown)
    os.close(handle)
    try:
        yield os.fsdecode(temporary)
        handle = os.open(temporary, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        try:
            os.fsync(handle)
        finally:
            os.close(handle)
        if mode is not None:
            os.chmod(temporary, mode)
        _replace(temporary, target, shown)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(exc, OSError):
            raise _naming(exc, shown) from None
        raise


def _target(path: PathName, shown: str) -> tuple[bytes, int | None]:
    """The file to replace (a symbolic link followed) and its permissions if it exists; refuses a
    directory, a device or other special file, a read-only file and a read-only directory."""
    try:
        name = os.fsencode(path)
        # realpath drops a final separator, which would replace report.csv when asked for report.csv/
        # (a name the system takes only as a folder) and report success for a path that was never written.
        if name.endswith(tuple(os.fsencode(s) for s in (os.sep, os.altsep) if s)):
            raise _failure(IsADirectoryError, errno.EISDIR, shown, "the name ends with a separator, so it names "
                           "a folder, not a file")
        target = os.path.realpath(name)
        directory = os.path.dirname(target)
        try:
            status = os.stat(target)
        except FileNotFoundError:
            status = None
        if status is not None and stat.S_ISDIR(status.st_mode):
            raise _failure(IsADirectoryError, errno.EISDIR, shown, "it is a directory")
        if status is not None and not stat.S_ISREG(status.st_mode):
            raise _failure(OSError, errno.EINVAL, shown, "it is not a regular file")
        if status is not None and not _writable(target, status):
            raise _failure(PermissionError, errno.EACCES, shown, "the file is read-only; it was not replaced")
        directory_status = os.stat(directory)
        if not stat.S_ISDIR(directory_status.st_mode):
            raise _failure(NotADirectoryError, errno.ENOTDIR, shown, "its folder is not a directory")
        if not _writable(directory, directory_status):
            raise _failure(PermissionError, errno.EACCES, shown, "its folder is read-only")
    except OSError as exc:
        raise _naming(exc, shown) from None
    return target, None if status is None else stat.S_IMODE(status.st_mode) & 0o777


def _writable(path: bytes, status: os.stat_result) -> bool:
    """Whether path may be written: the system says so and some write permission is set (the system
    lets root write anything; a mode without any w is still the user saying "do not change this")."""
    return bool(status.st_mode & 0o222) and os.access(path, os.W_OK)


def _create_temporary(target: bytes, mode: int | None, shown: str) -> tuple[bytes, int]:
    """(path, open descriptor) of a new empty file beside target, with target's permissions if it exists,
    else those a plain open() gives (0666 less the umask, which the system applies)."""
    directory = os.path.dirname(target)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        name = _TEMPORARY_PREFIX + secrets.token_hex(4).encode() + _TEMPORARY_SUFFIX
        temporary = os.path.join(directory, name)
        try:
            handle = os.open(temporary, flags, 0o600 if mode is not None else 0o666)
        except FileExistsError:
            continue
        except OSError as exc:
            raise _naming(exc, shown) from None
        try:
            if mode is not None:
                os.fchmod(handle, mode)
        except BaseException as exc:
            os.close(handle)
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            if isinstance(exc, OSError):
                raise _naming(exc, shown) from None
            raise
        return temporary, handle
    raise _failure(FileExistsError, errno.EEXIST, shown, "no free name for a temporary file beside it")


def _replace(temporary: bytes, target: bytes, shown: str) -> None:
    """Rename temporary onto target, then make the rename itself durable (best effort)."""
    os.replace(temporary, target)
    with contextlib.suppress(OSError):
        handle = os.open(os.path.dirname(target), os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def _failure(kind: type[OSError], number: int | None, shown: str, reason: str) -> OSError:
    exc = kind(f"cannot write {shown}: {reason}")
    exc.errno = number
    return exc


def _naming(exc: OSError, shown: str) -> OSError:
    """exc, said about the user's path (an error from a temporary file would name the temporary)."""
    if str(exc).startswith(f"cannot write {shown}: "):
        return exc
    return _failure(type(exc), exc.errno, shown, exc.strerror or str(exc))
