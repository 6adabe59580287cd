"""The exception inbox under load: 8 people signed in, fetching the inbox page at once.

A store is seeded with N exception cases the way the payment-posting bot leaves them
(bank line, matching decision, candidates; reasons, ages, owners and statuses mixed),
then the real app is served by ``uvicorn`` (as ``finbots serve`` does) and U users, each
with a session of their own, fetch, all at the same time:

* ``/login``             the anchor: a page of the same server that reads no case;
* ``/inbox``             the inbox's first page (pending cases by SLA, counts, chips);
* ``/inbox?q=fjord``     a search (payer name) across all cases;
* ``/inbox?reason=...&sort=-amount``  a filtered, sorted page.

Two loads: people (each user waits a random 0.5-1.5 s between pages, as a person reading
the list does: 8 users make about 8 requests a second) and a stress load (no pause at
all: 8 requests always in flight, which one server process on a shared 2-core machine
works through one after another). Each figure is the median and p95 of the request
latency seen by the users, and the median's ratio to the anchor measured in the same run;
beside them the server process's CPU milliseconds per request (user + system time over
the whole load, divided by its requests), which a loaded machine moves far less than the
latencies. On PostgreSQL the seeded table is vacuumed and analysed first, as autovacuum
leaves a table that lives for days (statistics, visibility map).

Run: ``python -m bench.bench_inbox [--sizes 1000,10000] [--users 8] [--requests 25]
[--pg] [--stress-only]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import httpx

from orchestrator.auth import service as accounts
from orchestrator.store import Store
from orchestrator.store.case_search import case_search_text
from orchestrator.store.models import ExceptionCase

REPO = Path(__file__).resolve().parents[1]
PASSWORD = "Bench-inbox-2026!"
REASONS = ("UNMATCHED", "AMBIGUOUS", "SHORT_PAYMENT", "OVERPAYMENT", "DUPLICATE",
           "UNKNOWN_PAYER", "LOW_CONFIDENCE", "ERP_REJECTED")
PAYERS = ("Fjord Marine AS", "Elbe Pharma GmbH", "Rhone Logistique SA", "Baltic Timber OY",
          "Danube Foods Kft", "Tagus Energia SA", "Vistula Steel SA", "Po Valley Tessili")
STATUSES = ("open",) * 6 + ("in_progress", "awaiting_approval", "resolved", "closed")
PAGES = {
    "anchor /login": "/login",
    "inbox": "/inbox",
    "search q=fjord": "/inbox?q=fjord",
    "filtered": "/inbox?reason=AMBIGUOUS&sort=-amount",
}


def _case(n: int, now: dt.datetime, rng: random.Random) -> ExceptionCase:
    payer, reason = rng.choice(PAYERS), rng.choice(REASONS)
    amount = Decimal(rng.randrange(1000, 5_000_000)) / 100
    customer = f"C{1000 + rng.randrange(400)}"
    created = now - dt.timedelta(minutes=rng.randrange(60 * 24 * 30))
    ref = f"NWB{n:012d}"
    invoices = [f"INV-2026-{rng.randrange(100000):05d}" for _ in range(rng.randrange(1, 4))]
    entry = {"entry_id": ref, "amount": f"{amount:.2f}", "currency": "EUR",
             "booking_date": created.date().isoformat(),
             "value_date": created.date().isoformat(), "bank_reference": ref,
             "counterparty_name": payer, "counterparty_iban": "NO9386011117947",
             "remittance_text": f"Rechnung {' '.join(invoices)} Ersatzteile"}
    candidates = [{"invoice_number": i, "customer_id": customer,
                   "amount_open": f"{amount:.2f}", "score": 0.5, "why": "amount fits"}
                  for i in invoices]
    status = rng.choice(STATUSES)
    case = ExceptionCase(
        reference=ref, reason_code=reason, status=status, bot="payment-posting",
        summary=f"{reason}: {payer} paid {amount:.2f}", rule="amount_only",
        data={"payload": {"entry": entry, "decision": "exception", "reason": reason,
                          "customer_id": customer, "candidates": candidates,
                          "statement": {"id": "STMT-1", "format": "camt.053"}},
              "failure_kind": "business"},
        candidates=candidates, evidence=[f"screenshots/{n:04d}-failed-transaction.png"],
        amount=amount, customer_id=customer, created_at=created,
        sla_due_at=created + dt.timedelta(hours=48),
        owner=rng.choice((None, None, None, "user1", "user2")),
    )
    case.search_text = case_search_text(case)
    return case


def seed(store: Store, size: int, users: int) -> None:
    rng, now = random.Random(size), dt.datetime.now(dt.UTC)
    batch = 2000
    for start in range(0, size, batch):
        with store._tx(write=True) as s:
            s.add_all(_case(n, now, rng) for n in range(start, min(size, start + batch)))
    for u in range(1, users + 1):
        accounts.add_user(store, f"user{u}", PASSWORD, ["finance_reviewer"])


def cpu_ms(pid: int) -> float:
    """User + system CPU milliseconds process ``pid`` used so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def settle(db_url: str) -> None:
    """PostgreSQL: vacuum and analyse the cases, as autovacuum does to a live table."""
    if not db_url.startswith("postgresql"):
        return
    store = Store(db_url)
    try:
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE exception_case")
    finally:
        store.close()


@contextmanager
def serving(db_url: str, home: Path) -> Iterator[tuple[str, int]]:
    """``uvicorn orchestrator.app:create_app`` on a free port, one process."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "FINBOTS_HOME": str(home), "FINBOTS_DB_URL": db_url,
           "FINBOTS_ACTOR": "bench"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "orchestrator.app:create_app",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{url}/login", timeout=2)
                break
            except httpx.HTTPError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the orchestrator did not start") from None
                time.sleep(0.1)
        yield url, proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def signed_in(url: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=60, follow_redirects=False)
    form = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]*)"', form)
    answer = client.post("/login", data={"username": username, "password": PASSWORD,
                                         "csrf_token": token.group(1) if token else ""})
    if answer.status_code >= 400 or "session" not in " ".join(client.cookies.keys()).lower():
        raise RuntimeError(f"{username} could not sign in ({answer.status_code})")
    return client


def _load(clients: list[httpx.Client], path: str, requests: int,
          think: bool = False) -> list[float]:
    """Every client fetches ``path`` ``requests`` times, all clients at once (``think``:
    with a person's pause between two pages)."""
    times: list[float] = []
    lock, start = threading.Lock(), threading.Barrier(len(clients))

    def user(client: httpx.Client) -> None:
        start.wait()
        mine = []
        pause = random.Random(id(client))
        for _ in range(requests):
            if think:
                time.sleep(pause.uniform(0.5, 1.5))
            t0 = time.perf_counter()
            answer = client.get(path)
            mine.append((time.perf_counter() - t0) * 1000)
            if answer.status_code != 200:
                raise RuntimeError(f"{path}: HTTP {answer.status_code}")
        with lock:
            times.extend(mine)

    threads = [threading.Thread(target=user, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if len(times) != len(clients) * requests:
        raise RuntimeError(f"{path}: some requests failed")
    return times


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


#: CPU milliseconds per request of each page, per load (``think``), of the last measure()
CPU: dict[bool, dict[str, float]] = {}


def measure(db_url: str, size: int, users: int, requests: int,
            loads: tuple[bool, ...]) -> dict[bool, dict[str, list[float]]]:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(db_url)
        seed(store, size, users)
        store.close()
        settle(db_url)
        with serving(db_url, Path(tmp)) as (url, pid):
            clients = [signed_in(url, f"user{u}") for u in range(1, users + 1)]
            try:
                for path in PAGES.values():  # warm up: templates, caches, connections
                    _load(clients[:1], path, 2)
                figures: dict[bool, dict[str, list[float]]] = {}
                for think in loads:
                    figures[think], CPU[think] = {}, {}
                    for name, path in PAGES.items():
                        before = cpu_ms(pid)
                        figures[think][name] = _load(clients, path, requests, think)
                        CPU[think][name] = (cpu_ms(pid) - before) / (requests * len(clients))
                return figures
            finally:
                for c in clients:
                    c.close()


def report(backend: str, size: int, users: int,
           loads: dict[bool, dict[str, list[float]]]) -> None:
    for think, figures in loads.items():
        _table(f"{backend}, {size:,} cases, {users} users at once, "
               f"{'people (0.5-1.5 s between pages)' if think else 'stress (no pause)'}, "
               f"{len(figures['inbox'])} requests per page, load average "
               f"{os.getloadavg()[0]:.1f}", figures, CPU.get(think, {}))


def _table(title: str, figures: dict[str, list[float]], cpu: dict[str, float]) -> None:
    anchor = statistics.median(figures["anchor /login"])
    print(f"\n{title}")
    print(f"  {'page':<18} {'median ms':>10} {'p95 ms':>8} {'x anchor':>9} {'CPU ms/req':>11}")
    for name, times in figures.items():
        median = statistics.median(times)
        print(f"  {name:<18} {median:>10.1f} {_p95(times):>8.1f} {median / anchor:>9.2f} "
              f"{cpu.get(name, float('nan')):>11.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--requests", type=int, default=25, help="per user and page")
    parser.add_argument("--pg", action="store_true", help="also on PostgreSQL")
    parser.add_argument("--stress-only", action="store_true", help="no people load")
    args = parser.parse_args()
    loads = (False,) if args.stress_only else (True, False)
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{Path(tmp) / 'finbots.db'}"
            report("SQLite", size, args.users, measure(url, size, args.users, args.requests, loads))
        if args.pg:
            from bench.bench_queue import pg_database, pg_reachable

            if not pg_reachable():
                print("PostgreSQL not reachable: skipped")
                continue
            with pg_database() as url:
                report("PostgreSQL", size, args.users,
                       measure(url, size, args.users, args.requests, loads))


if __name__ == "__main__":
    main()
