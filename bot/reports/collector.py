"""Python's cyclic garbage collector paused while a big report is read and built: a territory's
export makes about a million short-lived objects, and the collections they trigger cost it
about an eighth of its time (measured: 0.23 s of 1.8 s, two of them full ones that walk every
object). Nothing a report makes is cyclic garbage; the collector resumes, as it was, when the
last report running ends."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_running = 0
_was_enabled = True


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while any report built inside such a block is running
    (in any thread); reference counting frees memory as usual."""
    global _running, _was_enabled
    with _lock:
        if _running == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _running += 1
    try:
        yield
    finally:
        with _lock:
            _running -= 1
            if _running == 0 and _was_enabled:
                gc.enable()
