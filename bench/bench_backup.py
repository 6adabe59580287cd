"""``finbots db backup`` / ``restore`` against the tools an operator would use alone.

SQLite: finbots' backup (online backup API, manifest with row counts, SHA-256, tar.gz) is
timed against ``sqlite3 DB ".backup FILE"``; its restore (checks, row counts, audit
checkpoint, ``store.restore`` record) against ``sqlite3 NEW ".restore FILE"``. PostgreSQL:
against bare ``pg_dump -Fc`` and ``pg_restore`` into an empty database. Stores of several
sizes (runs with 20 steps each, a case per 10 runs, an audit record per run), median of
``--repeat`` runs, each pair timed back to back.

    python -m bench.bench_backup [--sizes 1000,10000] [--repeat 3] [--no-pg]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, insert, text

from orchestrator.store import Store
from orchestrator.store.backup import backup, restore
from orchestrator.store.models import AuditRecord, ExceptionCase, RunRecord, StepRecord
from orchestrator.store.types import utcnow

PG = os.environ.get("FINBOTS_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")


def seed(url: str, runs: int) -> None:
    store = Store(url)
    now = utcnow()
    with store.engine.begin() as conn:
        conn.execute(insert(RunRecord), [
            {"id": i, "bot": "payment-posting", "status": "successful", "args": {"n": i},
             "host": "h1", "trigger": "manual", "credentials": [], "created_at": now,
             "started_at": now, "summary": {"posted": 20}} for i in range(1, runs + 1)])
        conn.execute(insert(StepRecord), [
            {"run_id": i, "seq": s, "started_at": now, "action": "click", "app": "legacy_erp",
             "selector": "post.submit", "data": {"ref": f"BANK-{i}-{s}"}, "outcome": "ok"}
            for i in range(1, runs + 1) for s in range(20)])
        conn.execute(insert(ExceptionCase), [
            {"run_id": i, "reference": f"BANK-{i}", "reason_code": "UNMATCHED",
             "status": "open", "summary": "no invoice", "data": {}, "candidates": [],
             "evidence": [], "created_at": now, "sla_due_at": now, "search_text": ""}
            for i in range(1, runs + 1, 10)])
    for i in range(runs // 100):  # the chained trail, through the store
        store.record_audit("bench", "run.note", f"run:{i}")
    with store.engine.begin() as conn:
        conn.execute(insert(AuditRecord), [
            {"at": now, "actor": "bench", "action": "plain", "target": "x", "details": {}}
            for _ in range(runs - runs // 100)])
    store.close()


def timed(fn: Callable[..., object], *args: object, **kwargs: object) -> float:
    start = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - start


def sqlite_round(folder: Path, runs: int, repeat: int) -> dict[str, list[float]]:
    db = folder / f"store-{runs}.db"
    url = f"sqlite:///{db}"
    seed(url, runs)
    out: dict[str, list[float]] = {k: [] for k in ("finbots backup", "sqlite3 .backup",
                                                    "finbots restore", "sqlite3 .restore")}
    for r in range(repeat):
        file, plain = folder / f"b{runs}-{r}.finbots", folder / f"b{runs}-{r}.db"
        out["finbots backup"].append(timed(backup, url, file))
        out["sqlite3 .backup"].append(timed(subprocess.run,
            ["sqlite3", str(db), f".backup {plain}"], check=True))
        target = folder / f"r{runs}-{r}.db"
        out["finbots restore"].append(timed(restore, f"sqlite:///{target}", file, actor="bench"))
        other = folder / f"p{runs}-{r}.db"
        out["sqlite3 .restore"].append(timed(subprocess.run,
            ["sqlite3", str(other), f".restore {plain}"], check=True))
    return out


def pg_round(folder: Path, runs: int, repeat: int) -> dict[str, list[float]]:
    admin = create_engine(f"{PG}/postgres", isolation_level="AUTOCOMMIT")
    made: list[str] = []

    def new_db() -> str:
        name = f"finbots_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        made.append(name)
        return name

    out: dict[str, list[float]] = {k: [] for k in ("finbots backup", "pg_dump -Fc",
                                                    "finbots restore", "pg_restore")}
    try:
        source = new_db()
        url = f"{PG}/{source}"
        seed(url, runs)
        plain_url = f"postgresql://postgres@127.0.0.1:5432/{source}"
        for r in range(repeat):
            file, plain = folder / f"pg{runs}-{r}.finbots", folder / f"pg{runs}-{r}.dump"
            out["finbots backup"].append(timed(backup, url, file))
            out["pg_dump -Fc"].append(timed(subprocess.run,
                ["pg_dump", "-Fc", "-f", str(plain), plain_url], check=True))
            target = new_db()
            out["finbots restore"].append(timed(restore, f"{PG}/{target}", file, actor="bench"))
            other = new_db()
            out["pg_restore"].append(timed(subprocess.run,
                ["pg_restore", "--no-owner", "--single-transaction", "-d",
                 f"postgresql://postgres@127.0.0.1:5432/{other}", str(plain)], check=True))
    finally:
        with admin.connect() as conn:
            for name in made:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return out


def report(backend: str, runs: int, times: dict[str, list[float]]) -> None:
    names = list(times)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"{backend} {runs:>6} runs ({runs * 20} steps):  "
          f"{names[0]} {med[names[0]]:.2f} s vs {names[1]} {med[names[1]]:.2f} s "
          f"({med[names[0]] / med[names[1]]:.2f}x);  "
          f"{names[2]} {med[names[2]]:.2f} s vs {names[3]} {med[names[3]]:.2f} s "
          f"({med[names[2]] / med[names[3]]:.2f}x)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-pg", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="finbots-bench-backup-") as scratch:
        os.environ["FINBOTS_HOME"] = scratch  # audit key and checkpoint of the bench only
        folder = Path(scratch)
        for runs in (int(s) for s in args.sizes.split(",")):
            report("sqlite", runs, sqlite_round(folder, runs, args.repeat))
            if not args.no_pg:
                report("postgres", runs, pg_round(folder, runs, args.repeat))


if __name__ == "__main__":
    main()
