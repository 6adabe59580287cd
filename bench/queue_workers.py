"""Worker processes of ``bench_queue``: add to or drain a queue of finbots, procrastinate or
pgqueuer.

A worker connects first, says it is ready, waits for the common start signal, works, and
reports when it ended; the driver times from the signal, so process start-up and connecting
are not measured. Commands: ``add`` (one call per item), ``batch`` (all of the worker's
items in one call), ``drain`` (claim and complete until the queue is empty).
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from procrastinate import App, PsycopgConnector, SyncPsycopgConnector

QUEUE = "bench"
SYSTEMS = ("finbots", "procrastinate", "pgqueuer")


def procrastinate_app(conninfo: str, *, sync: bool) -> App:
    connector = (SyncPsycopgConnector if sync else PsycopgConnector)(
        conninfo=conninfo, min_size=1, max_size=2)
    app = App(connector=connector)
    app.task(name="noop", queue=QUEUE)(noop)
    return app


def noop(n: int) -> None:
    """The procrastinate task: nothing, so the queue itself is measured."""


def _finbots(command: str, url: str, first: int, count: int, ready: Any, go: Any) -> int:
    from bots.runtime import NewItem
    from orchestrator.store import Store

    store = Store(url, create=False)
    owner = f"w{first}"
    store.get_queue(QUEUE)  # connected before the start
    batch = [NewItem(f"R{n:07d}", {"n": n}) for n in range(first, first + count)]
    ready.put(None)
    go.wait()
    done = 0
    if command == "add":
        for item in batch:
            store.add_item(QUEUE, item.reference, item.payload)
            done += 1
    elif command == "batch":
        done = sum(1 for added in store.add_items(QUEUE, batch) if added is not None)
    else:
        while (claimed := store.claim_item(QUEUE, owner)) is not None:
            assert claimed.id is not None
            store.complete_item(claimed.id, {"ok": True}, owner=owner)
            done += 1
    store.close()
    return done


def _procrastinate(command: str, url: str, first: int, count: int, ready: Any,
                   go: Any) -> int:
    conninfo = url.replace("postgresql+psycopg://", "postgresql://")
    if command in ("add", "batch"):
        app = procrastinate_app(conninfo, sync=True)
        with app.open():
            task = app.tasks["noop"]
            ready.put(None)
            go.wait()
            if command == "batch":
                task.batch_defer(*({"n": n} for n in range(first, first + count)))
            else:
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


def _pgqueuer(command: str, url: str, first: int, count: int, ready: Any, go: Any) -> int:
    import psycopg
    from pgqueuer import PsycopgDriver, Queries, QueueManager
    from pgqueuer.types import QueueExecutionMode

    conninfo = url.replace("postgresql+psycopg://", "postgresql://")

    async def run() -> int:
        async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
            driver = PsycopgDriver(conn)
            if command in ("add", "batch"):
                queries = Queries(driver)
                payloads = [json.dumps({"n": n}).encode() for n in range(first, first + count)]
                ready.put(None)
                await asyncio.to_thread(go.wait)
                if command == "batch":
                    await queries.enqueue([QUEUE] * count, list(payloads), [0] * count)
                else:
                    for payload in payloads:
                        await queries.enqueue(QUEUE, payload)
                return count
            manager = QueueManager(Queries(driver))

            @manager.entrypoint(QUEUE)
            async def task(job: Any) -> None:
                """Nothing, as procrastinate's task."""

            ready.put(None)
            await asyncio.to_thread(go.wait)
            await manager.run(mode=QueueExecutionMode.drain)
            return -1

    return asyncio.run(run())


def work(system: str, commands: Any, ready: Any, go: Any, results: Any) -> None:
    """Process loop: run commands ``(command, url, first, count)`` until ``None``; put
    ``(ended, count)`` (or the exception) on ``results``."""
    run = {"finbots": _finbots, "procrastinate": _procrastinate, "pgqueuer": _pgqueuer}[system]
    while (cmd := commands.get()) is not None:
        command, url, first, count = cmd
        try:
            done = run(command, url, first, count, ready, go)
            results.put((time.time(), done))
        except Exception as exc:  # report it, so that the driver does not wait forever
            ready.put(None)
            results.put(exc)
