"""Audit trail: what keyed hashing and the head checkpoint cost per record, and verify time.

Appends ``--records`` audit records one by one (each its own transaction, as people and
bots write them) on a SQLite file and on PostgreSQL when reachable, then verifies the
trail. The same appends are also timed with the checkpoint write left out, to show what
anchoring the head outside the database adds to each record. Each figure the median of
``--repeat`` runs on a fresh database and a fresh home.

Run: ``python -m bench.bench_audit [--records 300] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

from sqlalchemy import create_engine, text

import orchestrator.store.audit as audit_store
from orchestrator.store import Store

PG_SERVER = os.environ.get("FINBOTS_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")


@contextmanager
def _database(backend: str, home: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{home / 'finbots.db'}"
        return
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


def _no_checkpoint(*_args: object) -> bool:
    return False


def _once(backend: str, records: int, anchored: bool) -> tuple[float, float]:
    """Milliseconds per append and milliseconds to verify the whole trail."""
    with tempfile.TemporaryDirectory() as tmp, _database(backend, Path(tmp)) as url:
        os.environ["FINBOTS_HOME"] = tmp
        store = Store(url)
        patch = contextlib.nullcontext() if anchored else \
            mock.patch.object(audit_store, "advance_checkpoint", _no_checkpoint)
        try:
            with patch:
                started = time.perf_counter()
                for i in range(records):
                    store.record_audit("bench", "item.add", f"item:{i}", {"amount": "1.00"})
                per_append = (time.perf_counter() - started) / records * 1000
            started = time.perf_counter()
            problems = store.verify_audit()
            verify_ms = (time.perf_counter() - started) * 1000
            assert not problems, problems
        finally:
            store.close()
    return per_append, verify_ms


def _reachable() -> bool:
    engine = create_engine(f"{PG_SERVER}/postgres", connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            return True
    except Exception:
        return False
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    backends = ["sqlite"] + (["postgres"] if _reachable() else [])
    print(f"{'backend':<10}{'ms/append':>11}{'no checkpoint':>15}{'verify ms':>11}"
          f"  ({args.records} records, median of {args.repeat})")
    for backend in backends:
        full = [_once(backend, args.records, anchored=True) for _ in range(args.repeat)]
        bare = [_once(backend, args.records, anchored=False) for _ in range(args.repeat)]
        print(f"{backend:<10}{statistics.median(a for a, _ in full):>11.2f}"
              f"{statistics.median(a for a, _ in bare):>15.2f}"
              f"{statistics.median(v for _, v in full):>11.0f}")


if __name__ == "__main__":
    main()
