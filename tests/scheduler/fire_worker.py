"""Worker for the two-schedulers test (a module of its own so spawned processes import it)."""

from __future__ import annotations

import time
from typing import Any

from orchestrator.registry import bot_credentials
from orchestrator.scheduler import SchedulerService
from orchestrator.store import Store


def run_scheduler(url: str, bot: str, ready: Any, start: Any, seconds: float,
                  results: Any) -> None:
    """Say ready, wait for the start signal, run a SchedulerService for ``seconds``.

    Puts the ids of the jobs its first pass created on ``results``.
    """
    store = Store(url, create=False)
    created: list[int] = []
    try:
        store.list_schedules()  # connect, and import the bot, before the race starts
        bot_credentials(bot, {})
        ready.put(True)
        start.wait(60)
        service = SchedulerService(store, poll_seconds=0.05)
        created += [j.id for j in service.tick() if j.id is not None]  # both at once
        service.start()
        time.sleep(seconds)
        service.shutdown()
    finally:
        store.close()
        results.put(created)
