"""Worker for the concurrency test (a module of its own so spawned processes import it)."""

from __future__ import annotations

from typing import Any

from orchestrator.store import Store


def claim_all(url: str, queue: str, owner: str, start: Any, results: Any) -> None:
    """Wait until every worker is connected (``start``: a barrier), then claim and
    complete items until the queue is empty.

    Puts ``(owner, [ids claimed])`` on ``results``.
    """
    store = Store(url, create=False)
    claimed: list[int] = []
    try:
        store.get_queue(queue)  # connect before the race starts
        start.wait(30)
        while (item := store.claim_item(queue, owner)) is not None:
            assert item.id is not None
            claimed.append(item.id)
            store.complete_item(item.id, {"by": owner}, owner=owner)
    finally:
        store.close()
        results.put((owner, claimed))
