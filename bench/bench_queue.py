"""Work-queue throughput: finbots' store (SQLite, PostgreSQL) next to procrastinate.

For 1, 8 and 32 concurrent processes ("robots"): items added per second (the processes add
their share of N items at once), then items claimed and completed per second (the processes
drain the queue at once: claim under a lease, complete). procrastinate, a PostgreSQL task
queue on psycopg 3, does the same with a no-op task: ``defer``, then workers
(``run_worker(wait=False)``) fetch and finish the jobs. Same machine, same run, same
PostgreSQL server; each figure the median of ``--repeat`` runs on an emptied database.

Run: ``python -m bench.bench_queue [--items 2000] [--repeat 3] [--robots 1 8 32]``
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from bench.queue_workers import QUEUE, procrastinate_app, work

PG_SERVER = os.environ.get("FINBOTS_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")


class Workers:
    """``k`` processes of one system, kept for every phase and repetition."""

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


def finbots_empty(url: str) -> None:
    from sqlmodel import SQLModel

    from orchestrator.store import Store

    store = Store(url)
    if store.dialect == "postgresql":
        tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
        with store.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    store.ensure_queue(QUEUE, lease_seconds=600)
    store.close()


def finbots_done(url: str) -> int:
    from orchestrator.store import Store

    store = Store(url, create=False)
    try:
        return store.queue_counts().get(QUEUE, {}).get("successful", 0)
    finally:
        store.close()


def procrastinate_empty(url: str, fresh: bool) -> None:
    conninfo = url.replace("postgresql+psycopg://", "postgresql://")
    app = procrastinate_app(conninfo, sync=True)
    with app.open():
        if fresh:
            app.schema_manager.apply_schema()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE procrastinate_jobs, procrastinate_workers "
                          "RESTART IDENTITY CASCADE"))
    engine.dispose()


def procrastinate_done(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        n = conn.execute(text("SELECT count(*) FROM procrastinate_jobs "
                              "WHERE status = 'succeeded'")).scalar_one()
    engine.dispose()
    return int(n)


def measure(system: str, backend: str, k: int, items: int, repeat: int) -> dict[str, Any]:
    adds, drains = [], []
    workers = Workers(system, k)
    try:
        with tempfile.TemporaryDirectory() as tmp, (
                pg_database() if backend == "postgresql" else _nothing()) as pg_url:
            for rep in range(repeat):
                url = pg_url or f"sqlite:///{Path(tmp) / f'q{rep}.db'}"
                if system == "finbots":
                    finbots_empty(url)
                else:
                    procrastinate_empty(url, fresh=rep == 0)
                adds.append(items / workers.phase("add", url, items))
                drains.append(items / workers.phase("drain", url, items))
                done = finbots_done(url) if system == "finbots" else procrastinate_done(url)
                if done != items:
                    raise RuntimeError(f"{system}/{backend}/{k}: {done} of {items} done")
    finally:
        workers.close()
    return {"system": system, "backend": backend, "robots": k,
            "add": statistics.median(adds), "drain": statistics.median(drains)}


@contextmanager
def _nothing() -> Iterator[None]:
    yield None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--robots", type=int, nargs="+", default=[1, 8, 32])
    opts = parser.parse_args()
    configs = [("finbots", "sqlite")]
    if pg_reachable():
        configs += [("finbots", "postgresql"), ("procrastinate", "postgresql")]
    else:
        print(f"PostgreSQL not reachable at {PG_SERVER}: SQLite only")
    rows = []
    for system, backend in configs:
        for k in opts.robots:
            row = measure(system, backend, k, opts.items, opts.repeat)
            print(f"  {system:<13} {backend:<10} {k:>3} robots: {row['add']:8.0f} added/s "
                  f"{row['drain']:8.0f} claimed+completed/s", flush=True)
            rows.append(row)
    print(f"\nWork-queue throughput, {opts.items} items, median of {opts.repeat} "
          f"({os.cpu_count()} CPUs)\n")
    print("| queue | store | robots | added/s | claimed+completed/s |")
    print("|---|---|---:|---:|---:|")
    for r in rows:
        print(f"| {r['system']} | {r['backend']} | {r['robots']} | {r['add']:,.0f} | "
              f"{r['drain']:,.0f} |")


if __name__ == "__main__":
    main()
