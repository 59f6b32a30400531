"""Independent parts of one computation on a few threads.

NumPy and LAPACK let go of the GIL over their arrays, so parts that share nothing (the chunks of points of
the local fits, the candidates of the automatic choice) take the machine's cores instead of one. Results
are the same bits as one after the other: each part computes exactly what it computed alone.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from typing import TypeVar

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
