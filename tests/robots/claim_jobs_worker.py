"""Worker of the concurrent job-claim test (a module of its own: spawned processes import it)."""

from __future__ import annotations

import time
from typing import Any

from orchestrator.store import Store


def claim_jobs(url: str, robot: str, start: Any, results: Any) -> None:
    """Claim jobs and finish each after a moment until none is pending; put
    ``(robot, [job ids])`` on ``results``."""
    store = Store(url, create=False)
    claimed: list[int] = []
    try:
        store.list_robots()  # connected before the race starts
        start.wait(30)
        while True:
            job = store.claim_job(robot)
            if job is None:
                if not store.list_jobs(status="pending", limit=1):
                    break
                time.sleep(0.002)
                continue
            assert job.id is not None
            claimed.append(job.id)
            time.sleep(0.002)
            store.finish_run(job.id, "successful")
    finally:
        store.close()
        results.put((robot, claimed))
