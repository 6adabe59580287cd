"""Figures many people read at once, computed once and shared.

The dashboards' aggregates read every waiting case, the items and the finance events of
30 days; 20 people opening a dashboard together would each run the same queries. Here one
request computes and those arriving meanwhile wait for it and take its result (a result
whose computation started after they arrived, so never older than their request). With a
``ttl`` a result is also handed to everyone asking within that many seconds (the finance
page says when its figures were computed). ``FINBOTS_FINANCE_CACHE_SECONDS`` sets the
finance figures' ``ttl`` (default 10; 0: only the sharing of a computation in flight).
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["FINANCE_TTL", "shared"]

T = TypeVar("T")

FINANCE_TTL = float(os.environ.get("FINBOTS_FINANCE_CACHE_SECONDS", "10"))
#: key -> (computation start, the owner, value); the owner is checked because an id is
#: reused once its object is gone
_results: dict[tuple[int, str], tuple[float, weakref.ref[Any], Any]] = {}
_locks: dict[tuple[int, str], threading.Lock] = {}
_guard = threading.Lock()


def shared(owner: object, name: str, compute: Callable[[], T], ttl: float = 0.0) -> T:
    """``compute()``'s result for ``(owner, name)``: one started after this call arrived,
    or, with ``ttl``, one started at most ``ttl`` seconds ago."""
    arrived = time.monotonic()
    key = (id(owner), name)

    def usable() -> tuple[float, weakref.ref[Any], Any] | None:
        found = _results.get(key)
        if found is not None and found[1]() is owner \
                and (found[0] >= arrived or arrived - found[0] < ttl):
            return found
        return None

    found = usable()
    if found is not None:
        return found[2]  # type: ignore[no-any-return]
    with _guard:
        lock = _locks.setdefault(key, threading.Lock())
    with lock:
        found = usable()
        if found is not None:
            return found[2]  # type: ignore[no-any-return]
        started = time.monotonic()
        value = compute()
        _results[key] = (started, weakref.ref(owner), value)
        return value
