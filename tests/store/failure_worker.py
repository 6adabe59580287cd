"""Worker for the failure-and-case crash tests: a process that dies mid-way (SIGKILL).

A module of its own so the spawned process imports it. ``fail_and_die`` claims the
queue's item, then fails it for a business reason and is killed while writing the case:
either inside the one transaction (``together=True``) or between the two writes, as the
SDK did before they were one transaction.
"""

from __future__ import annotations

import os
import signal
from typing import Any

from orchestrator.store import Store


def _die(*_: Any, **__: Any) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def fail_and_die(url: str, queue: str, together: bool) -> None:
    store = Store(url, create=False)
    run = store.start_run("payment-posting", {}, host="crash-host", pid=os.getpid())
    item = store.claim_item(queue, "crash-robot", run_id=run.id)
    assert item is not None
    case = {"run_id": run.id, "reference": item.reference, "reason_code": "AMBIGUOUS",
            "summary": "two invoices fit"}
    store.open_case = _die  # type: ignore[method-assign]  # the kill falls in the case write
    if together:
        store.fail_item_with_case(item.id, "business", "AMBIGUOUS", "two invoices fit",
                                  owner="crash-robot", case=case)
    else:
        store.fail_item(item.id, "business", "AMBIGUOUS", "two invoices fit",
                        owner="crash-robot")
        store.open_case(**case, item_id=item.id)
