"""The inbox's money per reason: summed by the database (what the inbox does) beside the
cases' amounts read and added in Python, and beside the reason counts the inbox's chips
already ask for (the anchor), at several sizes, on SQLite and (with ``--pg URL``, an empty
database) PostgreSQL.

Each figure is the median of R runs of one call for the default filter (pending cases)
and for one reason, in milliseconds, counted afresh each time (the inbox keeps the totals,
like its counts, until a case changes); the seeded cases are those of ``bench_inbox``.

Run: ``python -m bench.bench_inbox_totals [--sizes 1000,10000,50000] [--runs 15] [--pg URL]``
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, delete, select

from bench.bench_inbox import seed, settle
from orchestrator.services.inbox_totals import _count, inbox_totals
from orchestrator.store import Store
from orchestrator.store.case_query import CaseFilter
from orchestrator.store.models import ExceptionCase
from orchestrator.store.types import utcnow


def python_totals(store: Store, flt: CaseFilter) -> dict[str, Decimal]:
    """The alternative: every listed case's reason and amount read, added in Python."""
    where = flt.conditions(utcnow(), dialect=store.engine.dialect.name)
    found: dict[str, Decimal] = {}
    with Session(store.engine) as s:
        for reason, amount in s.exec(select(ExceptionCase.reason_code,
                                            col(ExceptionCase.amount)).where(*where)):
            found[reason] = found.get(reason, Decimal("0.00")) + (amount or Decimal("0.00"))
    return found


def median_ms(call: Callable[[], Any], runs: int) -> float:
    call()  # warm
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def measure(store: Store, size: int, runs: int, label: str) -> None:
    for name, flt in (("pending", CaseFilter()), ("one reason", CaseFilter(reason="AMBIGUOUS"))):
        sql = inbox_totals(store, flt)
        py = python_totals(store, flt)
        assert {r.reason: r.amount for r in sql.reasons} == {k: v for k, v in py.items()}
        figures = {
            "anchor: chip counts": median_ms(lambda f=flt: store._facets(f, None, None), runs),
            "totals in SQL": median_ms(lambda f=flt: _count(store, f, None), runs),
            "totals in Python": median_ms(lambda f=flt: python_totals(store, f), runs),
        }
        cells = "  ".join(f"{k} {v:7.2f} ms" for k, v in figures.items())
        print(f"{label:10} {size:>7} cases  {name:10}  {cells}  "
              f"(Python/SQL {figures['totals in Python'] / figures['totals in SQL']:.1f}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--pg", default="", help="also on this empty PostgreSQL database")
    args = parser.parse_args()
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            store = Store(f"sqlite:///{Path(tmp) / 'bench.db'}")
            seed(store, size, 1)
            settle(str(store.engine.url))
            measure(store, size, args.runs, "SQLite")
            store.close()
        if args.pg:
            store = Store(args.pg)
            with store._tx(write=True) as s:
                s.exec(delete(ExceptionCase))  # type: ignore[call-overload]
            seed(store, size, 0)
            settle(args.pg)
            measure(store, size, args.runs, "PostgreSQL")
            store.close()

if __name__ == "__main__":
    main()
