"""Bulk work on month-end files: reading a statement or an open-items export, matching."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector during bulk work.

    Reading and matching a month end allocate millions of objects that form no cycles;
    each automatic collection would walk the whole heap again. Reference counting still
    frees memory meanwhile. Nested pauses are harmless: only the outermost resumes.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
