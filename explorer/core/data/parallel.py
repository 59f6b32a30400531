"""How the data methods use the machine: their own threads for parts that share nothing, one thread for
each BLAS library, and freed memory kept for the next arrays.

NumPy lets go of the GIL over its arrays, so parts that share nothing (the chunks of points of the local
fits) take the cores instead of one, with the same bits as one after the other: each part computes exactly
what it computed alone (`run_all`).

NumPy and SciPy each bring their own OpenBLAS with a thread per core. After a call, one library's threads
spin waiting for more work while the other's start: on a two-core machine a NumPy QR of 10^4 x 12 right
after a SciPy banded solve took 115 ms instead of 5. The matrices here are small or banded, so one thread
each is the faster choice (`one_blas_thread`, once, when the package is imported).

glibc hands arrays above a threshold (128 KB, raised to at most 32 MB as such blocks are freed) memory
mapped afresh, and returns freed memory at the top of its heap to the system beyond 128 KB: each new
array of 10^5 samples then costs a page fault per 4 KB on first touch, a quarter to a half of moving a
method's control at 10^5 samples. `keep_freed_memory` sets both thresholds (32 MB and 64 MB) once, so
such arrays reuse memory the last move freed; the process may hold up to 64 MB it does not use.
Elsewhere than glibc (macOS, Windows, musl) it does nothing.
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from typing import TypeVar

from threadpoolctl import threadpool_limits

T = TypeVar("T")

WORKERS = min(4, os.cpu_count() or 1)
_pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="explorer-parts") if WORKERS > 1 else None
_on_pool = threading.local()


def _marked(call: Callable[[], T]) -> T:
    _on_pool.active = True
    return call()


def run_all(calls: Sequence[Callable[[], T]]) -> list[T]:
    """[call() for call in calls], in their order, several at once. A part's exception is raised here once
    every part has ended. Parts run one after the other when there is one core or one part, and inside a
    part (one waiting on the pool from the pool could wait forever)."""
    if _pool is None or len(calls) < 2 or getattr(_on_pool, "active", False):
        return [call() for call in calls]
    futures = [_pool.submit(_marked, call) for call in calls]
    wait(futures)
    return [future.result() for future in futures]


def one_blas_thread() -> None:
    """One thread for every BLAS library loaded so far (NumPy's and SciPy's), for the rest of the process."""
    threadpool_limits(limits=1, user_api="blas")


MMAP_THRESHOLD = 32 << 20  # bytes: arrays up to this come from the heap and reuse what was freed
TRIM_THRESHOLD = 64 << 20  # bytes: free memory at the heap's top kept rather than returned to the system
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters (malloc.h)


def keep_freed_memory() -> bool:
    """Set glibc's mmap and trim thresholds for the rest of the process (see the module's notes); False
    where the C library has no mallopt or refuses them."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # no symbol table to search, or a C library without mallopt (musl)
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
