"""The customer page at scale: 10,000 customers with 100,000 to 1,000,000 invoices and
finance events.

A store is seeded straight through bulk inserts, the way the bots' records land in it: per
customer a ``customer`` record (name, IBAN), its ``invoice`` records, its ``finance_event``
records (payments received and applied, reminders, promises), one exception case, and
the customer directory's terms (name words, number, IBAN, invoice numbers, bank
references). Then the real app is served by ``uvicorn`` (as ``finbots serve`` does) and one
signed-in customer-service user fetches, one request after another:

* ``/login``                 the anchor page of the same server (reads no customer);
* ``/customers/{id}``        a random customer's page (every section, audited read);
* ``/customers?q=<name>``    a search by the start of a customer's name;
* ``/customers?q=<invoice>`` a search by an invoice number;

and beside them, in the bench process, the bare SQL the page needs (the customer's
records by kind, its cases: the same indexes, no templates, no HTTP, no audit write) and
the bare search query: what the database alone costs; the service call that builds the
page's data (``customer_view``, ``search_customers``: SQL plus Python, no HTTP); and two
anchor pages of the server: ``/login`` (no session) and the empty ``/customers`` form
(signed in, no customer read). Each figure is the median (p50) and p95 of the latency in
milliseconds.

Run: ``python -m bench.bench_customers [--sizes 100000,1000000] [--customers 10000]
[--requests 60] [--pg | --pg-only]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

from bench.bench_inbox import serving, settle, signed_in
from orchestrator.auth import service as accounts
from orchestrator.services.customers import customer_view, search_customers
from orchestrator.store import Store
from orchestrator.store.customer_directory import terms_of
from orchestrator.store.models import BotWrittenRecord, CustomerTerm, ExceptionCase

PASSWORD = "Bench-inbox-2026!"  # what bench_inbox's signed_in() sends
WORDS = ("Fjord", "Elbe", "Rhone", "Baltic", "Danube", "Tagus", "Vistula", "Po", "Nordlicht",
         "Polar", "Castellan", "Dunmore", "Helios", "Borealis", "Granite", "Aurora")
KINDS = ("Marine", "Pharma", "Logistik", "Timber", "Foods", "Energia", "Steel", "Tessili",
         "Werkzeuge", "Retail")
FORMS = ("AS", "GmbH", "SA", "OY", "Kft", "Ltd", "AG", "plc")
EVENT_TYPES = ("payment_received", "payment_applied", "reminder_sent", "promise_recorded",
               "case_opened", "dispute_opened")


def _name(n: int) -> str:
    return f"{WORDS[n % len(WORDS)]} {KINDS[(n // 16) % len(KINDS)]} {n:05d} " \
           f"{FORMS[n % len(FORMS)]}"


def _rows(customers: int, per_customer: int, now: dt.datetime
          ) -> Iterator[tuple[list[dict[str, Any]], list[dict[str, Any]],
                              list[dict[str, Any]]]]:
    """Per customer: its records, directory terms and case, as insert rows."""
    rng = random.Random(per_customer)
    invoices_each = per_customer // 2
    for c in range(customers):
        cid = f"C{100000 + c}"
        written = now - dt.timedelta(minutes=rng.randrange(60 * 24 * 30))
        base = {"customer_id": cid, "version": 1, "bot": "payment-posting",
                "run_id": str(1 + c % 500), "created_at": written, "updated_at": written}
        records = [{**base, "kind": "customer", "key": cid,
                    "data": {"number": cid, "name": _name(c),
                             "ibans": [f"NO93 8601 {c:06d} 47"], "bank_references": []}}]
        for i in range(invoices_each):
            number = f"INV-{c:05d}-{i:04d}"
            amount = rng.randrange(100, 900_000) / 100
            paid = rng.random() < 0.6
            records.append({**base, "kind": "invoice", "key": number, "data": {
                "number": number, "amount": f"{amount:.2f}",
                "amount_open": "0.00" if paid else f"{amount:.2f}", "currency": "EUR",
                "due_date": (now.date() - dt.timedelta(days=rng.randrange(90))).isoformat(),
                "customer_id": cid}})
        for e in range(per_customer - invoices_each):
            type_ = EVENT_TYPES[e % len(EVENT_TYPES)]
            reference = f"NWB{c:06d}{e:04d}"
            when = now - dt.timedelta(hours=rng.randrange(24 * 365))
            records.append({**base, "kind": "finance_event", "key": f"{type_}:{reference}",
                            "data": {
                "type": type_, "occurred_at": when.isoformat(),
                "summary": f"{type_.replace('_', ' ')} {reference}",
                "amount": f"{rng.randrange(100, 90_000) / 100:.2f}", "currency": "EUR",
                "document": None,
                "invoice_numbers": [f"INV-{c:05d}-{e % max(invoices_each, 1):04d}"],
                "case_id": None, "status_after": None}})
        terms: dict[tuple[str, str], str] = {}
        for r in records:
            for term, source, found in terms_of(r["kind"], r["key"], r["data"], cid):
                terms.setdefault((term, source), found)
        term_rows = [{"term": t, "customer_id": cid, "source": s, "text": x}
                     for (t, s), x in terms.items()]
        case = {"reference": f"NWB{c:06d}9999", "reason_code": "SHORT_PAYMENT",
                "status": "open" if c % 3 else "resolved", "summary": "short payment",
                "data": {}, "candidates": [], "evidence": [], "customer_id": cid,
                "owner": "user1" if c % 2 else None, "bot": "payment-posting",
                "created_at": written, "sla_due_at": written + dt.timedelta(hours=48),
                "search_text": f"{cid.lower()} short payment"}
        yield records, term_rows, [case]


def seed(db_url: str, customers: int, total: int) -> float:
    """Bulk-insert the records; seconds it took."""
    started = time.perf_counter()
    store = Store(db_url)
    now = dt.datetime.now(dt.UTC)
    batch: tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]] = \
        ([], [], [])
    tables = (BotWrittenRecord.__table__, CustomerTerm.__table__, ExceptionCase.__table__)

    def flush() -> None:
        with store.engine.begin() as conn:
            for table, rows in zip(tables, batch, strict=True):
                if rows:
                    conn.execute(insert(table), rows)  # type: ignore[arg-type]
        for rows in batch:
            rows.clear()

    for records, terms, cases in _rows(customers, max(2, total // customers), now):
        batch[0].extend(records)
        batch[1].extend(terms)
        batch[2].extend(cases)
        if len(batch[0]) >= 20_000:
            flush()
    flush()
    accounts.add_user(store, "service1", PASSWORD, ["customer_service"])
    store.close()
    if db_url.startswith("postgresql"):
        settle(db_url)
        store = Store(db_url)
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE bot_record")
            conn.exec_driver_sql("VACUUM ANALYZE customer_term")
        store.close()
    else:
        store = Store(db_url)
        with store.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        store.close()
    return time.perf_counter() - started


_PAGE_SQL = (
    "SELECT data FROM bot_record WHERE kind = 'customer' AND key = :cid",
    "SELECT data FROM bot_record WHERE customer_id = :cid AND kind = 'invoice'",
    "SELECT data FROM bot_record WHERE customer_id = :cid AND kind = 'finance_event'",
    "SELECT data FROM bot_record WHERE customer_id = :cid AND kind = 'promise_to_pay'",
    "SELECT data FROM bot_record WHERE kind = 'credit_status' AND key = :cid",
    "SELECT * FROM exception_case WHERE customer_id = :cid",
)
_SEARCH_SQL = ("SELECT customer_id, source, text FROM customer_term "
               "WHERE term >= :q AND term <= :hi ORDER BY term LIMIT 200")


def _timed(n: int, call: Callable[[int], Any]) -> list[float]:
    times = []
    for i in range(n):
        t0 = time.perf_counter()
        call(i)
        times.append((time.perf_counter() - t0) * 1000)
    return times


def measure(db_url: str, customers: int, requests: int) -> dict[str, list[float]]:
    rng = random.Random(7)
    picks = [rng.randrange(customers) for _ in range(requests)]
    ids = [f"C{100000 + c}" for c in picks]
    names = [_name(c).split()[0].lower() + _name(c).split()[1][:3].lower() for c in picks]
    invoices = [f"INV-{c:05d}-0001" for c in picks]
    figures: dict[str, list[float]] = {}
    store = Store(db_url)
    try:
        with store.engine.connect() as conn:
            def page_sql(i: int) -> None:
                for sql in _PAGE_SQL:
                    conn.execute(text(sql), {"cid": ids[i]}).fetchall()

            def search_sql(i: int) -> None:
                q = invoices[i].lower().replace("-", "")
                conn.execute(text(_SEARCH_SQL), {"q": q, "hi": q + "z" * 120}).fetchall()

            _timed(5, page_sql)
            figures["bare SQL of a customer page"] = _timed(requests, page_sql)
            figures["bare SQL of a search"] = _timed(requests, search_sql)
        figures["service: customer view"] = _timed(
            requests, lambda i: customer_view(store, ids[i]))
        figures["service: search by name"] = _timed(
            requests, lambda i: search_customers(store, names[i]))
    finally:
        store.close()
    with tempfile.TemporaryDirectory() as tmp, serving(db_url, Path(tmp)) as (url, _pid):
        client = signed_in(url, "service1")
        try:
            def get(path: str) -> None:
                answer = client.get(path)
                if answer.status_code != 200:
                    raise RuntimeError(f"{path}: HTTP {answer.status_code}")

            for i in range(5):  # warm up: templates, connections
                get("/login")
                get(f"/customers/{ids[i]}")
            figures["anchor /login"] = _timed(requests, lambda i: get("/login"))
            figures["anchor /customers (form)"] = _timed(requests, lambda i: get("/customers"))
            figures["/customers/{id}"] = _timed(requests, lambda i: get(f"/customers/{ids[i]}"))
            figures["/customers?q=<name>"] = _timed(
                requests, lambda i: get(f"/customers?q={names[i]}"))
            figures["/customers?q=<invoice>"] = _timed(
                requests, lambda i: get(f"/customers?q={invoices[i]}"))
        finally:
            client.close()
    return figures


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def report(title: str, figures: dict[str, list[float]]) -> None:
    print(f"\n{title}")
    print(f"  {'what':<32} {'p50 ms':>8} {'p95 ms':>8}")
    for name, times in figures.items():
        print(f"  {name:<32} {statistics.median(times):>8.1f} {_p95(times):>8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000",
                        help="invoices + events in all, comma separated")
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--pg", action="store_true", help="also on PostgreSQL")
    parser.add_argument("--pg-only", action="store_true", help="on PostgreSQL only")
    args = parser.parse_args()
    backends = ([] if args.pg_only else ["sqlite"]) + (
        ["postgresql"] if args.pg or args.pg_only else [])
    for size in (int(s) for s in args.sizes.split(",")):
        for backend in backends:
            with tempfile.TemporaryDirectory() as tmp:
                if backend == "sqlite":
                    url = f"sqlite:///{Path(tmp) / 'finbots.db'}"
                else:
                    url = _pg_database(f"finbots_bench_customers_{os.getpid()}")
                try:
                    took = seed(url, args.customers, size)
                    figures = measure(url, args.customers, args.requests)
                finally:
                    if backend == "postgresql":
                        _pg_drop(f"finbots_bench_customers_{os.getpid()}")
                report(f"{backend}, {args.customers:,} customers, {size:,} invoices and "
                       f"events (seeded in {took:.0f} s), {args.requests} requests each, "
                       f"load average {os.getloadavg()[0]:.1f}", figures)


_PG = os.environ.get("FINBOTS_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")


def _pg_database(name: str) -> str:
    from sqlalchemy import create_engine

    admin = create_engine(f"{_PG}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return f"{_PG}/{name}"


def _pg_drop(name: str) -> None:
    from sqlalchemy import create_engine

    admin = create_engine(f"{_PG}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


if __name__ == "__main__":
    main()
