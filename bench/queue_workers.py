"""Worker processes of ``bench_queue``: add or drain a queue, finbots or procrastinate.

A worker connects first, says it is ready, waits for the common start signal, works, and
reports when it ended; the driver times from the signal, so process start-up and connecting
are not measured.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from procrastinate import App, PsycopgConnector, SyncPsycopgConnector

QUEUE = "bench"


def procrastinate_app(conninfo: str, *, sync: bool) -> App:
    connector = (SyncPsycopgConnector if sync else PsycopgConnector)(
        conninfo=conninfo, min_size=1, max_size=2)
    app = App(connector=connector)
    app.task(name="noop", queue=QUEUE)(noop)
    return app


def noop(n: int) -> None:
    """The procrastinate task: nothing, so the queue itself is measured."""


def _finbots(command: str, url: str, first: int, count: int, ready: Any, go: Any) -> int:
    from orchestrator.store import Store

    store = Store(url, create=False)
    owner = f"w{first}"
    store.get_queue(QUEUE)  # connected before the start
    ready.put(None)
    go.wait()
    done = 0
    if command == "add":
        for n in range(first, first + count):
            store.add_item(QUEUE, f"R{n:07d}", {"n": n})
            done += 1
    else:
        while (item := store.claim_item(QUEUE, owner)) is not None:
            assert item.id is not None
            store.complete_item(item.id, {"ok": True}, owner=owner)
            done += 1
    store.close()
    return done


def _procrastinate(command: str, url: str, first: int, count: int, ready: Any,
                   go: Any) -> int:
    conninfo = url.replace("postgresql+psycopg://", "postgresql://")
    if command == "add":
        app = procrastinate_app(conninfo, sync=True)
        with app.open():
            task = app.tasks["noop"]
            ready.put(None)
            go.wait()
            for n in range(first, first + count):
                task.defer(n=n)
        return count

    async def drain() -> None:
        app = procrastinate_app(conninfo, sync=False)
        async with app.open_async():
            ready.put(None)
            await asyncio.to_thread(go.wait)
            await app.run_worker_async(queues=[QUEUE], wait=False, concurrency=1,
                                       listen_notify=False, install_signal_handlers=False,
                                       fetch_job_polling_interval=0.05)

    asyncio.run(drain())
    return -1  # the driver counts finished jobs in the database


def work(system: str, commands: Any, ready: Any, go: Any, results: Any) -> None:
    """Process loop: run commands ``(command, url, first, count)`` until ``None``; put
    ``(ended, count)`` (or the exception) on ``results``."""
    run = _finbots if system == "finbots" else _procrastinate
    while (cmd := commands.get()) is not None:
        command, url, first, count = cmd
        try:
            done = run(command, url, first, count, ready, go)
            results.put((time.time(), done))
        except Exception as exc:  # report it, so that the driver does not wait forever
            ready.put(None)
            results.put(exc)
