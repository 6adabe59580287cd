"""Writer for the audit concurrency test (a module of its own so spawned processes import it)."""

from __future__ import annotations

from typing import Any

from orchestrator.store import Store


def write_records(url: str, name: str, count: int, start: Any) -> None:
    """Wait for the start signal, then append ``count`` audit records as ``name``."""
    store = Store(url, create=False)
    try:
        store.list_audit(limit=1)  # connect before the race starts
        start.wait(30)
        for i in range(count):
            store.record_audit(name, "item.add", f"item:{name}-{i}", {"amount": f"{i}.25"})
    finally:
        store.close()
