"""The home page, the finance dashboard and the inbox with 20 people at once.

A store is seeded with N exception cases as :mod:`bench.bench_inbox` seeds them, and the
history the finance figures read: two work items per case finished over 40 days (a case
for some), three history entries per case (the bot's, a person's, and a reopening for
some), N/20 approvals (a tenth still pending), N finance events (``payment_applied`` and
others over 45 days) and a revenue-leakage run. The real app is served by ``uvicorn``
(one process, as ``finbots serve``), and U users, each with a session of their own, fetch
at the same time:

* ``/login``      the anchor: a page of the same server that reads no case;
* ``/``           the home page: what waits for the person, then the operations figures;
* ``/finance``    the finance figures in money and time with their 30-day trends;
* ``/inbox``      the inbox's first page;
* ``/metrics``    the Prometheus scrape (a bearer token; the same figures as /finance).

Two loads, as the inbox bench: people (a random 0.5-1.5 s pause between pages) and stress
(no pause: U requests always in flight). Each figure is the median and p95 of the
latencies the users saw, the median's ratio to the anchor, and the server's CPU
milliseconds per request. ``--profile`` also times each store query of the finance
figures in this process (median of 5 calls), to say where a page's time goes.

Run: ``python -m bench.bench_pages_concurrent [--sizes 10000] [--users 20]
[--requests 10] [--pg] [--stress-only] [--profile]``

Where the time goes (SQLite, 10,000 cases, 20,000 items, 10,000 finance events, a shared
2-core machine at load 12-40): one computation of the finance figures takes 0.9-1.0 s in
process: the straight-through items (a join of the window's items with their runs and a
look-up of a case per item) 180-245 ms, cash applied (SQLite parses each event's JSON for
its time, amount and currency; asked twice, applied and on account) 115-280 ms each, the
waiting cases by reason and age 100-185 ms, cases per day 20-55 ms; the rest is small.
Computed for every request (``FINBOTS_FINANCE_CACHE_SECONDS=0``) 20 people queue behind
each other at ~110 ms CPU a request: /finance median 12.4 s (p95 19.5 s), /metrics 8.8 s.
Shared (one computation for everyone asking while it runs, and for 10 s after): /finance
median 14 ms (p95 142 ms) with people's pauses, 97 ms (p95 227 ms) under stress. The home
page computes the person's own block every time (assigned cases, approvals they may
decide, their worklist) and shares the operations figures while in flight: 239 ms median
(p95 566 ms) with pauses, 130 ms (p95 210 ms) under stress, 6-13 ms CPU a request.

Measured again on a quieter machine (load 8-14), shared figures: one computation 154 ms on
SQLite (straight-through items 50 ms, waiting cases 18 ms, cash applied 16 ms) and 100 ms
on PostgreSQL (cash applied 35 ms: the JSON of each event, items 12 ms, cases 18 ms).
20 people with pauses, median (p95): SQLite /finance 71 (647) ms, home 177 (809), inbox
90 (414), /metrics 26 (269); PostgreSQL /finance 12 (57) ms, home 45 (85), inbox 42 (104),
/metrics 10 (56). Under stress, PostgreSQL: /finance 108 (261), home 229 (319), inbox 392
(702). The home page's time is the person's own block plus the operations figures; the
inbox's is its counts and page (see bench_inbox).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.bench_inbox import _load, _p95, cpu_ms, seed, serving, settle, signed_in
from orchestrator.auth import service as accounts
from orchestrator.services.finance_dashboard import finance_figures
from orchestrator.store import Store, utcnow
from orchestrator.store.models import (
    Approval,
    BotWrittenRecord,
    CaseEvent,
    ExceptionCase,
    RunRecord,
    WorkItem,
    WorkQueue,
)

PAGES = {"anchor /login": "/login", "home /": "/", "finance": "/finance", "inbox": "/inbox",
         "metrics": "/metrics"}
PROCESSES = ("payment-posting", "collections", "credit")
EVENT_TYPES = ("payment_applied", "payment_applied", "payment_on_account",
               "payment_received", "reminder_sent")


def seed_history(store: Store, size: int) -> None:
    """Items, history entries, approvals and finance events for ``size`` cases."""
    rng, now = random.Random(size + 1), utcnow()
    with store._tx(write=True) as s:
        run_ids = {}
        for p in PROCESSES:
            s.add(WorkQueue(name=f"bench-{p}"))
            run = RunRecord(bot=p, status="successful", started_at=now - dt.timedelta(days=41))
            s.add(run)
            s.flush()
            run_ids[p] = run.id
    with store._tx() as s:
        case_ids = [c for c in s.exec(_ids())]
    batch = 2000
    for start in range(0, 2 * size, batch):
        with store._tx(write=True) as s:
            for n in range(start, min(2 * size, start + batch)):
                p = PROCESSES[n % 3]
                done = now - dt.timedelta(days=rng.uniform(0, 40))
                s.add(WorkItem(queue=f"bench-{p}", reference=f"B-{n}", run_id=run_ids[p],
                               state=rng.choice(("successful",) * 4 + ("failed",)),
                               created_at=done, finished_at=done))
    for start in range(0, len(case_ids), batch):
        with store._tx(write=True) as s:
            for case_id in case_ids[start:start + batch]:
                at = now - dt.timedelta(days=rng.uniform(0, 30))
                s.add(CaseEvent(case_id=case_id, actor="bot:payment-posting", kind="created",
                                at=at))
                s.add(CaseEvent(case_id=case_id, actor="user1", kind="comment", at=at))
                if rng.random() < 0.05:
                    s.add(CaseEvent(case_id=case_id, actor="user2", kind="reopened", at=at))
    with store._tx(write=True) as s:
        for n in range(size // 20):
            asked = now - dt.timedelta(days=rng.uniform(0, 40))
            pending = n % 10 == 0
            s.add(Approval(kind="write_off", amount=Decimal(rng.randrange(100, 900000)) / 100,
                           requested_by=f"user{1 + n % 3}", requested_at=asked,
                           status="pending" if pending else "approved",
                           decided_at=None if pending else
                           asked + dt.timedelta(minutes=rng.randrange(5, 3000))))
    for start in range(0, size, batch):
        with store._tx(write=True) as s:
            for n in range(start, min(size, start + batch)):
                kind = rng.choice(EVENT_TYPES)
                at = now - dt.timedelta(days=rng.uniform(0, 45))
                data = {"type": kind, "occurred_at": at.isoformat(), "summary": kind,
                        "amount": f"{Decimal(rng.randrange(100, 2_000_000)) / 100:.2f}",
                        "currency": "EUR", "document": None, "invoice_numbers": [],
                        "case_id": None, "status_after": None}
                s.add(BotWrittenRecord(kind="finance_event", key=f"{kind}:BENCH-{n}",
                                       customer_id=f"C{1000 + n % 400}", data=data,
                                       bot="payment-posting", created_at=at, updated_at=at))
    store.put_record("billing", "revenue_leakage_run", "bench",
                     {"total": "4321.00", "currency": "EUR", "by_cause": {"price": "4321.00"}})


def _ids() -> Any:
    from sqlmodel import col, select

    return select(ExceptionCase.id).order_by(col(ExceptionCase.id))


def _settle_all(db_url: str) -> None:
    settle(db_url)  # exception_case
    if not db_url.startswith("postgresql"):
        return
    store = Store(db_url)
    try:
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in ("work_item", "case_event", "approval", "bot_record"):
                conn.exec_driver_sql(f"VACUUM ANALYZE {table}")
    finally:
        store.close()


def profile(db_url: str) -> dict[str, float]:
    """Milliseconds per store query of the finance figures (median of 5), in process."""
    store = Store(db_url)
    now = utcnow()
    since = now - dt.timedelta(days=30)
    calls: dict[str, Callable[[], Any]] = {
        "finance_event_sums (cash applied)": lambda: store.finance_event_sums(
            "payment_applied", since),
        "items_done (straight through)": lambda: store.items_done(since),
        "waiting_cases (value, reason, age)": lambda: store.waiting_cases(now),
        "approval_spans": lambda: store.approval_spans(since),
        "manual_touches": lambda: store.manual_touches(since),
        "case_events_by_process (reopened)": lambda: store.case_events_by_process(
            "reopened", since),
        "cases_per_day": lambda: store.cases_per_day(since),
        "approvals_waiting_for (home)": lambda: store.approvals_waiting_for(
            "user9", ["approver"]),
        "finance_figures (all of /finance)": lambda: finance_figures(store),
    }
    out = {}
    try:
        for name, call in calls.items():
            call()
            times = []
            for _ in range(5):
                t0 = time.perf_counter()
                call()
                times.append((time.perf_counter() - t0) * 1000)
            out[name] = statistics.median(times)
    finally:
        store.close()
    return out


def measure(db_url: str, size: int, users: int, requests: int, loads: tuple[bool, ...],
            want_profile: bool) -> tuple[dict[bool, dict[str, list[float]]],
                                         dict[bool, dict[str, float]], dict[str, float]]:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(db_url)
        seed(store, size, users)
        seed_history(store, size)
        accounts.add_user(store, "monitor", "Bench-inbox-2026!", ["support"])
        _record, token = accounts.create_token(store, "bench-metrics", ["support"],
                                               owner="monitor")
        store.close()
        _settle_all(db_url)
        prof = profile(db_url) if want_profile else {}
        with serving(db_url, Path(tmp)) as (url, pid):
            clients = [signed_in(url, f"user{u}") for u in range(1, users + 1)]
            for c in clients:
                c.headers["Authorization"] = f"Bearer {token}"  # /metrics; pages use the cookie
            try:
                for path in PAGES.values():
                    _load(clients[:1], path, 2)
                figures: dict[bool, dict[str, list[float]]] = {}
                cpu: dict[bool, dict[str, float]] = {}
                for think in loads:
                    figures[think], cpu[think] = {}, {}
                    for name, path in PAGES.items():
                        before = cpu_ms(pid)
                        figures[think][name] = _load(clients, path, requests, think)
                        cpu[think][name] = (cpu_ms(pid) - before) / (requests * len(clients))
                return figures, cpu, prof
            finally:
                for c in clients:
                    c.close()


def report(backend: str, size: int, users: int, loads: dict[bool, dict[str, list[float]]],
           cpu: dict[bool, dict[str, float]]) -> None:
    for think, figures in loads.items():
        print(f"\n{backend}, {size:,} cases, {users} users at once, "
              f"{'people (0.5-1.5 s between pages)' if think else 'stress (no pause)'}, "
              f"{len(figures['anchor /login'])} requests per page, load average "
              f"{os.getloadavg()[0]:.1f}")
        anchor = statistics.median(figures["anchor /login"])
        print(f"  {'page':<16}{'median ms':>11}{'p95 ms':>9}{'x anchor':>10}{'CPU ms/req':>12}")
        for name, times in figures.items():
            med = statistics.median(times)
            print(f"  {name:<16}{med:>11.0f}{_p95(times):>9.0f}{med / anchor:>10.1f}"
                  f"{cpu[think].get(name, 0):>12.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--pg", action="store_true", help="PostgreSQL too (127.0.0.1:5432)")
    parser.add_argument("--stress-only", action="store_true")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    loads = (False,) if args.stress_only else (True, False)
    backends = ["sqlite"] + (["postgresql"] if args.pg else [])
    for size in (int(s) for s in args.sizes.split(",")):
        for backend in backends:
            with tempfile.TemporaryDirectory() as tmp:
                if backend == "sqlite":
                    url, drop = f"sqlite:///{tmp}/bench.db", None
                else:
                    url, drop = _pg_database()
                try:
                    figures, cpu, prof = measure(url, size, args.users, args.requests, loads,
                                                 args.profile)
                finally:
                    if drop:
                        drop()
            report(backend, size, args.users, figures, cpu)
            for name, ms in prof.items():
                print(f"  query {name:<42}{ms:>8.1f} ms")
    sys.stdout.flush()


def _pg_database() -> tuple[str, Callable[[], None]]:
    import uuid

    from sqlalchemy import create_engine, text

    server = os.environ.get("FINBOTS_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
    name = f"finbots_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return f"{server}/{name}", drop


if __name__ == "__main__":
    main()
