"""Credit reviews per minute on the sandbox ERP: the credit bot through the UI (Chromium,
every step recorded, cases in a store, decisions read back) next to plain HTTP (the same
pages read and the same decisions posted with httpx and lxml, no browser, no recording):
the price of doing it through the user interface.

Each size is a freshly seeded ERP whose seven held orders are joined by more orders of
the same credit customers (small ones the policy releases, large ones it sends to
people), reviewed once. Both variants are checked: every held order ends released with
one decision or stays held (a case), never decided twice.

Run: ``python -m bench.bench_credit --sizes 7,20,40 --repeat 3``
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import httpx
import lxml.html
from cryptography.fernet import Fernet

from bots.credit import BOT
from bots.credit.policy import CreditFacts, CreditPolicy, decide
from bots.credit.review import BOT_APPROVER
from bots.runtime import RunContext
from bots.runtime.bot_config import packaged_document
from bots.runtime.vault import Vault
from orchestrator.bot_backend import StoreBackend
from orchestrator.store import Store
from sandbox.erp.app import create_app
from sandbox.erp.ext.credit import CUSTOMERS, HELD, ORDER_DATE
from sandbox.scenario import CREDENTIALS, build_scenario
from sandbox.serve import serve_app

SEEDED_HELD = 7


def _erp(folder: Path, held: int) -> tuple[Path, object]:
    """A seeded ERP app with ``held`` orders on credit hold in all."""
    os.environ["FINBOTS_ERP_SLOW_MS"] = "0"
    db = folder / "erp.db"
    app = create_app(db, build_scenario())
    with sqlite3.connect(db) as conn:
        for k in range(max(0, held - SEEDED_HELD)):
            cust = CUSTOMERS[k % len(CUSTOMERS)]
            amount = Decimal("400.00") + k if k % 3 else Decimal("30000.00") + k
            conn.execute("INSERT INTO sales_orders VALUES (?,?,?,?,?,?,?)",
                         (f"SO-2026-{7000 + k}", cust.customer_id, ORDER_DATE.isoformat(),
                          str(amount), "EUR", HELD, "overdue items"))
    return db, app


def _check(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        twice = conn.execute("SELECT order_number FROM credit_decisions GROUP BY order_number "
                             "HAVING COUNT(*) > 1").fetchall()
    if twice:
        raise RuntimeError(f"decided twice: {twice}")


def bot_variant(url: str, folder: Path) -> int:
    """The credit bot in this process on a fresh store; returns the orders reviewed."""
    os.environ["FINBOTS_LEGACY_ERP_URL"] = url
    os.environ["FINBOTS_RUNS_DIR"] = str(folder / "runs")
    store = Store(f"sqlite:///{folder / 'finbots.db'}")
    store.register_bot(BOT.name, BOT.version, "", ())
    vault = Vault(folder / "vault.enc", Fernet.generate_key())
    vault.set("legacy_erp/credit", {"username": CREDENTIALS.credit_username,
                                    "password": CREDENTIALS.credit_password})
    run = store.start_run(BOT.name, {}, "bench", os.getpid())
    with RunContext(run.id, folder / "runs" / str(run.id), bot=BOT, store=store,
                    backend=StoreBackend(store, BOT.name), vault=vault,
                    batch_steps=True) as ctx:  # as the orchestrator runs a job
        result = BOT.run(ctx)
    store.close()
    return int(result["reviewed"])


def _text(doc: lxml.html.HtmlElement, xpath: str) -> str:
    found = doc.xpath(xpath)
    return found[0].text_content().strip() if found else ""


def http_variant(url: str, folder: Path) -> int:
    """The same reviews with plain HTTP requests; returns the orders reviewed."""
    spec = BOT.config_specs()["credit_policy"]
    policy = CreditPolicy.from_config(packaged_document(BOT.name, "credit_policy", spec).data)
    with httpx.Client(base_url=url, timeout=30, follow_redirects=True) as web:
        web.post("/ar/login.do", data={"userid": CREDENTIALS.erp_username,
                                       "password": CREDENTIALS.erp_password})
        held = lxml.html.fromstring(web.get("/ar/heldorders.do").text)
        day = dt.date.fromisoformat(_text(held, "//*[@id='businessDate']"))
        rows = [[td.text_content().strip() for td in tr.xpath("td")]
                for tr in held.xpath("//table[@id='orders']//tr[td[8]][position() > 1]")]
        for number, customer, *_ in rows:
            stmt = lxml.html.fromstring(web.get("/ar/statement.do", params={"id": customer}).text)
            items = stmt.xpath("//tr[@class='openItem']")
            receivables = sum((Decimal(_text(i, "td[@class='amountOpen']")) for i in items),
                              Decimal("0.00"))
            overdue = max([(day - dt.date.fromisoformat(_text(i, "td[@class='dueDate']"))).days
                           for i in items] + [0])
            disputes = sum(1 for i in items if _text(i, "td[@class='disputed']") == "Yes")
            late = _text(stmt, "//*[@id='avgDaysLate']")
            orders = lxml.html.fromstring(web.get("/ar/heldorders.do", params={
                "customer": customer, "status": "all"}).text)
            open_orders = sum((Decimal(tr.xpath("td")[4].text_content().strip())
                               for tr in orders.xpath("//table[@id='orders']//tr[td[8]]")
                               if tr.xpath("td")[6].text_content().strip() == "released"),
                              Decimal("0.00"))
            page = lxml.html.fromstring(web.get("/ar/salesorder.do",
                                                params={"order": number}).text)
            if _text(page, "//*[@id='creditStatus']") != HELD:
                continue
            limit = _text(page, "//*[@id='creditLimit']")
            facts = CreditFacts(number, customer, Decimal(_text(page, "//*[@id='orderAmount']")),
                                "EUR", _text(page, "//*[@id='holdReason']"),
                                Decimal(limit) if limit else None,
                                _text(page, "//*[@id='riskClass']"), receivables, open_orders,
                                overdue, None if late in ("", "-") else Decimal(late), disputes)
            decision = decide(policy, facts)
            if decision.release:
                web.post("/ar/salesorder.do", data={"order": number, "action": "release",
                                                     "reason": decision.rule,
                                                     "approver": BOT_APPROVER})
        return len(rows)


def measure(variant: Callable[[str, Path], int], held: int) -> float:
    """Reviews per minute of ``variant`` over a fresh ERP with ``held`` held orders."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db, app = _erp(folder, held)
        with serve_app(app) as url:
            start = time.perf_counter()
            reviewed = variant(url, folder)
            seconds = time.perf_counter() - start
        _check(db)
    if reviewed != held:
        raise RuntimeError(f"{variant.__name__}: reviewed {reviewed} of {held}")
    return reviewed * 60 / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="7,20,40", help="held orders, comma-separated")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"credit reviews per minute, median of {args.repeat} (load {os.getloadavg()[0]:.1f})")
    print(f"{'held':>6} {'bot (UI)':>10} {'plain HTTP':>11} {'UI / HTTP':>10}")
    for held in (int(s) for s in args.sizes.split(",")):
        ui = statistics.median(measure(bot_variant, held) for _ in range(args.repeat))
        http = statistics.median(measure(http_variant, held) for _ in range(args.repeat))
        print(f"{held:>6} {ui:>10.1f} {http:>11.1f} {ui / http:>9.2f}x")


if __name__ == "__main__":
    main()
