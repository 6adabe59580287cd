"""Finance events brought to the service desk per minute: the crm-sync bot through the UI
(Chromium, every step recorded, items in a store) next to plain HTTP (the same account
pages read with httpx and lxml, the same fields and note posted, no browser, no
recording): the price of doing it through the user interface; and the bot's rerun over
the same events (read again within the watermark's overlap, none queued twice: nothing
changed in the desk).

Each size is a freshly seeded desk and store with N events spread over the customers
(payments applied, cases opened, reminders, credit holds, disputes opened). Both variants
are checked: every event's note is in the desk exactly once.

Run: ``python -m bench.bench_crm_sync --sizes 10,30,60 --repeat 3``
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import lxml.html
from cryptography.fernet import Fernet

from bots.crm_sync import BOT
from bots.crm_sync.mapping import Account, FinanceEvent, apply_event, note_for, ticket_action
from bots.runtime import RunContext
from bots.runtime.finance_events import FINANCE_EVENT, event_key
from bots.runtime.vault import Vault
from orchestrator.bot_backend import StoreBackend
from orchestrator.store import Store
from sandbox.crm.app import create_app
from sandbox.crm.users import SYNC_PASSWORD, SYNC_USER
from sandbox.scenario import build_scenario
from sandbox.serve import serve_app

T0 = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)
CUSTOMERS = ("C1001", "C1002", "C1003", "C1004", "C1005", "C1006", "C1008", "C2001",
             "C2002", "C2003", "C3001", "C3002")
KINDS = (("payment_applied", "250.00", "paid"), ("case_opened", "100.00", "case open"),
         ("reminder_sent", None, "reminded"), ("credit_hold_set", "900.00", "on hold"),
         ("dispute_opened", "75.00", "disputed"))


def events(n: int) -> list[tuple[str, str, dict[str, Any]]]:
    """``n`` events (key, customer, data) over the customers, a minute apart."""
    out = []
    for k in range(n):
        type_, amount, status = KINDS[k % len(KINDS)]
        out.append((event_key(type_, f"BENCH-{k:05d}"), CUSTOMERS[k % len(CUSTOMERS)], {
            "type": type_, "occurred_at": (T0 + dt.timedelta(minutes=k)).isoformat(),
            "summary": f"Bench event {k} ({type_.replace('_', ' ')}).", "amount": amount,
            "currency": "EUR" if amount else None, "document": None,
            "invoice_numbers": [f"INV-2026-{1001 + k % 20}"], "case_id": None,
            "status_after": status}))
    return out


def _check(url: str, wanted: list[tuple[str, str, dict[str, Any]]]) -> None:
    truth = httpx.get(f"{url}/_sandbox/truth", timeout=60).json()
    refs = [n["external_ref"] for a in truth["accounts"] for n in a["notes"]]
    missing = {key for key, _, _ in wanted} - set(refs)
    if missing or len(refs) != len(set(refs)):
        raise RuntimeError(f"notes missing {sorted(missing)[:3]} or written twice")


class BotVariant:
    """The crm-sync bot in this process on a fresh store holding the events."""

    def __init__(self, url: str, folder: Path, batch: list[tuple[str, str, dict[str, Any]]]):
        os.environ["FINBOTS_SERVICE_DESK_URL"] = url
        os.environ["FINBOTS_RUNS_DIR"] = str(folder / "runs")
        self.folder = folder
        self.store = Store(f"sqlite:///{folder / 'finbots.db'}")
        self.store.register_bot(BOT.name, BOT.version, "", ())
        for key, customer, data in batch:
            self.store.put_record("payment-posting", FINANCE_EVENT, key, data,
                                  customer_id=customer, run_id=None)
        self.vault = Vault(folder / "vault.enc", Fernet.generate_key())
        self.vault.set("service_desk/crm-sync", {"username": SYNC_USER,
                                                 "password": SYNC_PASSWORD})

    def run(self) -> dict[str, Any]:
        run = self.store.start_run(BOT.name, {}, "bench", os.getpid())
        with RunContext(run.id, self.folder / "runs" / str(run.id), bot=BOT,
                        store=self.store, backend=StoreBackend(self.store, BOT.name),
                        vault=self.vault, batch_steps=True) as ctx:
            result: dict[str, Any] = BOT.run(ctx)
        return result


def _account(doc: lxml.html.HtmlElement) -> tuple[Account, set[str], list[dict[str, str]]]:
    def text(element_id: str) -> str:
        found = doc.xpath(f"//*[@id='{element_id}']")
        return found[0].text_content().strip() if found else ""

    fields = Account(text("standing"), Decimal(text("openBalance")), text("lastPaymentDate"),
                     text("lastPaymentAmount"), text("creditHold") == "Yes",
                     text("refundPending"), text("financeCase"), text("financeStatusWord"),
                     int(text("openDisputes") or 0))
    refs = {td.text_content().strip() for td in doc.xpath("//table[@id='notes']//td[@class='ref']")}
    tickets = [{"ref": tr.xpath("td[@class='ref']")[0].text_content().strip()}
               for tr in doc.xpath("//table[@id='tickets']//tr[@class='ticket']")]
    return fields, refs, tickets


def _page(web: httpx.Client, customer: str) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(web.get("/crm/account", params={"id": customer}).text)


def http_variant(url: str, batch: list[tuple[str, str, dict[str, Any]]]) -> int:
    """The same updates with plain HTTP requests; returns the events brought."""
    ordered = sorted(batch, key=lambda e: (e[1], e[2]["occurred_at"]))
    with httpx.Client(base_url=url, timeout=30, follow_redirects=True) as web:
        web.post("/crm/login", data={"username": SYNC_USER, "password": SYNC_PASSWORD})
        for key, customer, data in ordered:
            event = FinanceEvent.from_record(key, customer, data)
            fields, refs, tickets = _account(_page(web, customer))
            if key in refs:
                continue
            action = ticket_action(event)
            if action is not None and action.action == "open" and \
                    action.ref not in {t["ref"] for t in tickets}:
                web.post("/crm/ticket/open", data={
                    "id": customer, "category": "dispute", "subject": action.subject,
                    "comment": action.comment, "external_ref": action.ref})
                fields, _, _ = _account(_page(web, customer))
            after = apply_event(fields, event).form_values()
            web.post("/crm/account/edit", data={"id": customer, **after,
                                                "note": note_for(event), "note_ref": key})
    return len(ordered)


def measure(variant: str, size: int) -> float:
    """Events per minute of ``variant`` (``bot``, ``http`` or ``rerun``: the bot's second
    run over the same events) on a fresh desk and store."""
    batch = events(size)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with serve_app(create_app(folder / "desk.db", build_scenario())) as url:
            if variant == "http":
                start = time.perf_counter()
                done = http_variant(url, batch)
            else:
                bot = BotVariant(url, folder, batch)
                if variant == "rerun":
                    bot.run()  # the rerun reads the same events, queues none
                start = time.perf_counter()
                result = bot.run()
                done = result["updated"] + result["already"] if variant == "bot" \
                    else result["events_read"]
                bot.store.close()
            seconds = time.perf_counter() - start
            _check(url, batch)
    if done != size:
        raise RuntimeError(f"{variant}: {done} of {size} events")
    return done * 60 / seconds


VARIANTS: dict[str, Callable[[int], float]] = {
    "bot (UI)": lambda n: measure("bot", n),
    "plain HTTP": lambda n: measure("http", n),
    "bot rerun": lambda n: measure("rerun", n),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="10,30,60", help="events, comma-separated")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"finance events to the service desk per minute, median of {args.repeat} "
          f"(load {os.getloadavg()[0]:.1f})")
    print(f"{'events':>6} " + " ".join(f"{name:>11}" for name in VARIANTS) + "  UI / HTTP")
    for size in (int(s) for s in args.sizes.split(",")):
        rates = {name: statistics.median(run(size) for _ in range(args.repeat))
                 for name, run in VARIANTS.items()}
        print(f"{size:>6} " + " ".join(f"{r:>11.1f}" for r in rates.values())
              + f"  {rates['bot (UI)'] / rates['plain HTTP']:>8.2f}x")


if __name__ == "__main__":
    main()
