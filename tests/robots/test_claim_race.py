"""Four processes claim jobs at once: each job goes to one robot, and two jobs that share a
vault credential never run at the same time (SQLite and PostgreSQL)."""

from __future__ import annotations

import itertools
import multiprocessing
from collections import Counter

from claim_jobs_worker import claim_jobs

from orchestrator.store import Store

WORKERS, SHARED, FREE = 4, 30, 30


def test_concurrent_job_claims(store: Store, db_url: str) -> None:
    shared = [store.create_job("poster", credentials=["erp/one"]).id for _ in range(SHARED)]
    free = [store.create_job("other", credentials=[]).id for _ in range(FREE)]
    ctx = multiprocessing.get_context("spawn")
    start, results = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=claim_jobs, args=(db_url, f"r{i}", start, results))
             for i in range(WORKERS)]
    for p in procs:
        p.start()
    start.set()
    claims = dict(results.get(timeout=120) for _ in procs)
    for p in procs:
        p.join(30)
        assert p.exitcode == 0

    claimed = Counter(i for ids in claims.values() for i in ids)
    assert sorted(claimed) == sorted(shared + free) and set(claimed.values()) == {1}
    assert sum(1 for ids in claims.values() if ids) >= 2, "no contention"
    jobs = store.get_jobs(shared)
    spans = sorted((j.started_at, j.finished_at) for j in jobs.values())
    for (_, ended), (began, _) in itertools.pairwise(spans):
        assert ended is not None and ended <= began, "two jobs held erp/one at once"
