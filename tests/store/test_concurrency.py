"""Four processes claim from one queue at once: every item is processed exactly once."""

from __future__ import annotations

import multiprocessing
import sys
from collections import Counter
from pathlib import Path

from orchestrator.store import Store

# Spawned children re-import the worker by module name, with this process's sys.path.
sys.path.insert(0, str(Path(__file__).parent))
from claim_worker import claim_all

ITEMS, WORKERS = 200, 4


def test_concurrent_claims_never_overlap(store: Store, db_url: str) -> None:
    store.ensure_queue("busy")
    for n in range(ITEMS):
        store.add_item("busy", f"R{n:03d}", {"n": n})
    ctx = multiprocessing.get_context("spawn")
    start, results = ctx.Barrier(WORKERS + 1), ctx.Queue()  # all connected, then go
    procs = [
        ctx.Process(target=claim_all, args=(db_url, "busy", f"w{i}", start, results))
        for i in range(WORKERS)
    ]
    for p in procs:
        p.start()
    start.wait(60)
    claims = dict(results.get(timeout=120) for _ in procs)
    for p in procs:
        p.join(30)
        assert p.exitcode == 0

    claimed = Counter(i for ids in claims.values() for i in ids)
    assert all(n == 1 for n in claimed.values()), "an item was claimed twice"
    assert sum(1 for ids in claims.values() if ids) >= 2, "no contention: one worker did all"
    items = store.list_items("busy")
    assert len(claimed) == ITEMS == len(items)
    assert {i.state for i in items} == {"successful"}
    for item in items:
        assert item.output is not None and item.id in claims[item.output["by"]]
