"""Two schedulers started on one database at once: every fire starts exactly one job.

Two real processes on a SQLite file; two threads with a store (engine) each on both
backends (the cheap way to race PostgreSQL sessions).
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import threading
from pathlib import Path
from typing import Any

from fire_worker import run_scheduler
from schedhelp import jobs_of, set_due

from orchestrator.scheduler import SchedulerService, add_schedule, next_fire_times
from orchestrator.store import RunRecord, Store

BOT = "payment-posting"
PROCESSES = 2


def _missed_schedules(store: Store) -> tuple[dt.datetime, dt.datetime]:
    """Four schedules that missed ten daily fires; returns (now, the last missed fire)."""
    now = dt.datetime.now(dt.UTC)
    # a daily time six hours ago: ten missed fires, and none due while the test runs
    past = (now - dt.timedelta(hours=6)).replace(second=0, microsecond=0)
    daily = {"cron": f"{past.minute} {past.hour} * * *"}
    month = 30 * 86400
    options: dict[str, dict[str, Any]] = {
        "coalesced": {"misfire_grace_seconds": month},
        "each": {"misfire_grace_seconds": month, "coalesce": False},
        "skipped": {"misfire": "skip", "misfire_grace_seconds": month},
        "too-late": {"misfire_grace_seconds": 3600},
    }
    for name, extra in options.items():
        add_schedule(store, name, BOT, "cron", daily, **extra)
        set_due(store, name, past - dt.timedelta(days=9))
    return now, past


def _counts(store: Store) -> dict[str, int]:
    return {s.name: len(jobs_of(store, s.id)) for s in store.list_schedules()}


def test_two_threads_race_on_both_backends(store: Store, db_url: str) -> None:
    _missed_schedules(store)
    barrier, created = threading.Barrier(2), []

    def one_scheduler() -> None:
        own = Store(db_url, create=False)
        try:
            own.list_schedules()
            barrier.wait(10)
            created.append(SchedulerService(own).tick())
        finally:
            own.close()

    threads = [threading.Thread(target=one_scheduler) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert _counts(store) == {"coalesced": 1, "each": 10, "skipped": 0, "too-late": 0}
    jobs: list[RunRecord] = [j for batch in created for j in batch]
    assert len(created) == 2 and len(jobs) == 11


def test_two_processes_on_one_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'finbots.db'}"
    store = Store(url)
    now, past = _missed_schedules(store)
    ctx = multiprocessing.get_context("spawn")
    ready, start, results = ctx.Queue(), ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=run_scheduler, args=(url, BOT, ready, start, 2.0, results))
             for _ in range(PROCESSES)]
    for p in procs:
        p.start()
    for _ in procs:
        ready.get(timeout=60)
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1.0)  # due while both run
    add_schedule(store, "once", BOT, "date", {"at": soon.isoformat()})
    start.set()
    catch_up = [results.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(30)
        assert p.exitcode == 0

    assert _counts(store) == {"coalesced": 1, "each": 10, "skipped": 0, "too-late": 0, "once": 1}
    first_passes = [job_id for ids_ in catch_up for job_id in ids_]
    assert len(first_passes) >= 11 and len(set(first_passes)) == len(first_passes)
    each = store.get_schedule("each")
    assert each.last_fire_at == past
    assert each.next_fire_at == next_fire_times(each, None, 1, now)[0]
    assert store.get_schedule("once").next_fire_at is None
    store.close()
