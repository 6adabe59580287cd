"""Work-queue throughput: finbots' store (SQLite, PostgreSQL) next to procrastinate and
pgqueuer on the same PostgreSQL server.

For 1, 8 and 32 concurrent processes ("robots"): items added per second, one call per item
(the processes add their share of N items at once), then items claimed and completed per
second (the processes drain the queue at once: claim under a lease, complete). Then a batch
add: one call adding ``--batch`` items (finbots ``add_items`` / the SDK's
``queue.add_many``, procrastinate ``batch_defer``, pgqueuer ``enqueue`` with lists).

procrastinate (psycopg 3) runs a no-op task: ``defer``, then workers
(``run_worker(wait=False)``, one job at a time) fetch and finish the jobs. pgqueuer (psycopg 3
driver, its default durability and batch size of 10 jobs per fetch) runs a no-op entrypoint
in ``drain`` mode. A finbots robot claims one item at a time: each is worked under a lease of
its own.

The systems take turns within each repetition (the order rotates), so that the load of a
shared machine falls on all of them alike; every figure is the median of ``--repeat`` runs
on emptied tables. Process start-up and connecting are not timed.

Run: ``python -m bench.bench_queue [--items 2000] [--batch 10000] [--repeat 3]
[--robots 1 8 32]``
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.queue_workers import QUEUE, procrastinate_app, work

PG_SERVER = os.environ.get("FINBOTS_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")


class Workers:
    """``k`` processes of one system."""

    def __init__(self, system: str, k: int) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.k, self.ready, self.results, self.go = k, ctx.Queue(), ctx.Queue(), ctx.Event()
        self.commands = [ctx.Queue() for _ in range(k)]
        self.procs = [ctx.Process(target=work, args=(system, q, self.ready, self.go,
                                                      self.results), daemon=True)
                      for q in self.commands]
        for p in self.procs:
            p.start()

    def phase(self, command: str, url: str, total: int) -> float:
        """Seconds from the start signal until the last process is done."""
        share, extra = divmod(total, self.k)
        first = 0
        for i, q in enumerate(self.commands):
            count = share + (1 if i < extra else 0)
            q.put((command, url, first, count))
            first += count
        for _ in range(self.k):
            self.ready.get(timeout=600)
        started = time.time()
        self.go.set()
        outs = [self.results.get(timeout=1800) for _ in range(self.k)]
        self.go.clear()
        for out in outs:
            if isinstance(out, Exception):
                raise out
        return max(ended for ended, _ in outs) - started

    def close(self) -> None:
        for q in self.commands:
            q.put(None)
        for p in self.procs:
            p.join(30)


@contextmanager
def pg_database() -> Iterator[str]:
    admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    name = f"finbots_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def pg_reachable() -> bool:
    try:
        engine = create_engine(f"{PG_SERVER}/postgres", connect_args={"connect_timeout": 3})
        with engine.connect():
            return True
    except Exception:
        return False


def _sql(url: str, *statements: str) -> int:
    """Run ``statements``; the first column of the last one's first row, if any."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            value = None
            for statement in statements:
                result = conn.execute(text(statement))
                value = result.scalar() if result.returns_rows else None
        return int(value or 0)
    finally:
        engine.dispose()


def empty(system: str, url: str, fresh: bool) -> None:
    """Empty tables for ``system`` (created on first use)."""
    if system == "finbots":
        from sqlmodel import SQLModel

        from orchestrator.store import Store

        store = Store(url)
        if store.dialect == "postgresql":
            tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
            with store.engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        store.ensure_queue(QUEUE, lease_seconds=600)
        store.close()
    elif system == "procrastinate":
        conninfo = url.replace("postgresql+psycopg://", "postgresql://")
        if fresh:
            app = procrastinate_app(conninfo, sync=True)
            with app.open():
                app.schema_manager.apply_schema()
        _sql(url, "TRUNCATE procrastinate_jobs, procrastinate_workers RESTART IDENTITY CASCADE")
    else:
        if fresh:
            asyncio.run(_pgqueuer_install(url))
        _sql(url, "TRUNCATE pgqueuer, pgqueuer_log, pgqueuer_statistics RESTART IDENTITY")


async def _pgqueuer_install(url: str) -> None:
    import psycopg
    from pgqueuer import PsycopgDriver, Queries

    conninfo = url.replace("postgresql+psycopg://", "postgresql://")
    async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
        await Queries(PsycopgDriver(conn)).install()


def count(system: str, url: str, what: str) -> int:
    """Items ``queued`` or ``done`` in ``system``'s tables."""
    if system == "finbots":
        state = "new" if what == "queued" else "successful"
        return _sql(url, f"SELECT count(*) FROM work_item WHERE state = '{state}'")
    if system == "procrastinate":
        status = "todo" if what == "queued" else "succeeded"
        return _sql(url, f"SELECT count(*) FROM procrastinate_jobs WHERE status = '{status}'")
    if what == "queued":
        return _sql(url, "SELECT count(*) FROM pgqueuer WHERE status = 'queued'")
    return _sql(url, "SELECT count(*) FROM pgqueuer_log WHERE status = 'successful'")


def one_round(system: str, url: str, k: int, items: int, fresh: bool) -> tuple[float, float]:
    """Items added per second and claimed+completed per second by ``k`` processes."""
    workers = Workers(system, k)
    try:
        empty(system, url, fresh)
        add = items / workers.phase("add", url, items)
        queued = count(system, url, "queued")
        drain = items / workers.phase("drain", url, items)
        done = count(system, url, "done")
    finally:
        workers.close()
    if queued != items or done != items:
        raise RuntimeError(f"{system}, {k} robots: {queued} queued, {done} done of {items}")
    return add, drain


def one_batch(system: str, url: str, items: int, fresh: bool) -> float:
    """Seconds for one call adding ``items``."""
    workers = Workers(system, 1)
    try:
        empty(system, url, fresh)
        seconds = workers.phase("batch", url, items)
        queued = count(system, url, "queued")
    finally:
        workers.close()
    if queued != items:
        raise RuntimeError(f"{system}: {queued} of {items} queued by the batch")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--robots", type=int, nargs="+", default=[1, 8, 32])
    opts = parser.parse_args()
    configs = [("finbots", "sqlite")]
    pg = pg_reachable()
    if pg:
        configs += [("finbots", "postgresql"), ("procrastinate", "postgresql"),
                    ("pgqueuer", "postgresql")]
    else:
        print(f"PostgreSQL not reachable at {PG_SERVER}: SQLite only")
    results: dict[tuple[str, str, str, int], list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp, (pg_database() if pg else _none()) as pg_url:
        urls = {"postgresql": pg_url}
        fresh = {c: True for c in configs}
        for k in opts.robots:
            for rep in range(opts.repeat):
                for system, backend in configs[rep % len(configs):] + configs[:rep % len(configs)]:
                    url = urls.get(backend) or f"sqlite:///{Path(tmp) / f'q{k}-{rep}.db'}"
                    add, drain = one_round(system, url, k, opts.items, fresh[system, backend])
                    fresh[system, backend] = False
                    results.setdefault((system, backend, "add", k), []).append(add)
                    results.setdefault((system, backend, "drain", k), []).append(drain)
                    print(f"  {system:<13} {backend:<10} {k:>3} robots: {add:8.0f} added/s "
                          f"{drain:8.0f} claimed+completed/s", flush=True)
        for rep in range(opts.repeat):
            for system, backend in configs[rep % len(configs):] + configs[:rep % len(configs)]:
                url = urls.get(backend) or f"sqlite:///{Path(tmp) / f'b{rep}.db'}"
                seconds = one_batch(system, url, opts.batch, fresh[system, backend])
                fresh[system, backend] = False
                results.setdefault((system, backend, "batch", 1), []).append(seconds)
                print(f"  {system:<13} {backend:<10} batch of {opts.batch:,}: {seconds:.3f} s",
                      flush=True)
    _report(results, configs, opts)


@contextmanager
def _none() -> Iterator[None]:
    yield None


def _report(results: dict[tuple[str, str, str, int], list[float]],
            configs: list[tuple[str, str]], opts: argparse.Namespace) -> None:
    med = {key: statistics.median(values) for key, values in results.items()}
    names = [f"{s} ({b})" for s, b in configs]
    print(f"\nWork-queue throughput, {opts.items} items, median of {opts.repeat} "
          f"({os.cpu_count()} CPUs); items per second\n")
    print("| operation | robots | " + " | ".join(names) + " | finbots PG / procrastinate "
          "| finbots PG / pgqueuer |")
    print("|---|---:|" + "---:|" * (len(names) + 2))
    for op, label in (("add", "add (one call per item)"), ("drain", "claim + complete")):
        for k in opts.robots:
            cells = [f"{med[(s, b, op, k)]:,.0f}" for s, b in configs]
            print(f"| {label} | {k} | " + " | ".join(cells) + " | " + _ratios(med, op, k) + " |")
    cells = [f"{med[(s, b, 'batch', 1)]:.3f} s" for s, b in configs]
    ratios = _ratios({k: 1 / v for k, v in med.items()}, "batch", 1)
    print(f"| one call adding {opts.batch:,} | 1 | " + " | ".join(cells) + f" | {ratios} |")


def _ratios(med: dict[tuple[str, str, str, int], float], op: str, k: int) -> str:
    ours = med.get(("finbots", "postgresql", op, k))
    out = []
    for other in ("procrastinate", "pgqueuer"):
        theirs = med.get((other, "postgresql", op, k))
        out.append(f"{ours / theirs:.2f}x" if ours and theirs else "-")
    return " | ".join(out)


if __name__ == "__main__":
    main()
