"""Reminders per minute: the collections bot through the ERP's pages in Chromium next to
plain HTTP posting the same forms (httpx, no browser), at several sizes.

Both variants do the same work on a freshly reset ERP and mail server: read the aging,
each overdue customer's master (and statement when needed), look each reminder's reference
up in the ERP's notes and the finance mailbox's Sent folder, send it with the SDK's mail
client (statement PDF from level 2), note it in the ERP, block at the last level. The
sizes come from the scenario's volume customers (``extra_exact``), whose invoices are 41
days overdue on the as-of date used here (level 2 each), on top of the seeded month.
Each run is checked: every reminder in the mail server exactly once.

Run: ``python -m bench.bench_collections --sizes 0 20 60 --repeat 3``
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import statistics
import tempfile
import time
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import yaml
from cryptography.fernet import Fernet

from bots.collections.dunning import Facts, decide, levels, nothing_to_remind, reminder_reference
from bots.collections.erp import AgingItem
from bots.collections.templates import render
from bots.runtime.mail import Mailbox, MailSettings
from sandbox.background import running_on_free_ports
from sandbox.credentials import VAULT_ENTRIES, mail_entry

AS_OF = dt.date(2026, 12, 31)
CONFIG = yaml.safe_load((Path(__file__).resolve().parents[1] / "bots" / "collections" /
                         "config" / "dunning.yaml").read_text(encoding="utf-8"))


def _reset(urls: dict[str, str], extra: int) -> None:
    httpx.post(f"{urls['legacy_erp']}/_sandbox/reset", json={"extra_exact": extra},
               timeout=120).raise_for_status()
    httpx.post(f"{urls['sandbox_mail']}/_sandbox/reset", timeout=120).raise_for_status()


def _sent(urls: dict[str, str]) -> Counter[str]:
    truth = httpx.get(f"{urls['sandbox_mail']}/_sandbox/truth", timeout=60).json()
    refs: Counter[str] = Counter()
    for box, msgs in truth["mailboxes"].items():
        for m in msgs:
            ref = {k.lower(): v for k, v in m["headers"].items()}.get("x-finbots-reference", "")
            if ref.startswith("DUN-") and not box.startswith("ar@"):
                refs[ref] += 1
    return refs


# -- the bot ---------------------------------------------------------------------------
def bot_run(urls: dict[str, str]) -> int:
    from bots.collections import BOT
    from bots.runtime import RunContext
    from bots.runtime.vault import Vault
    from orchestrator.bot_backend import StoreBackend
    from orchestrator.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        os.environ.update({"FINBOTS_HOME": tmp, "FINBOTS_MASTER_KEY": Fernet.generate_key()
                           .decode(), "FINBOTS_LEGACY_ERP_URL": urls["legacy_erp"],
                           "FINBOTS_SANDBOX_MAIL_URL": urls["sandbox_mail"]})
        vault = Vault()
        vault.set("legacy_erp/collections", VAULT_ENTRIES["legacy_erp/collections"])
        vault.set("mail/finance", mail_entry(urls["sandbox_mail"]))
        store = Store(f"sqlite:///{Path(tmp) / 'finbots.db'}")
        store.register_bot(BOT.name, BOT.version, "", ())
        run = store.start_run(BOT.name, {}, "bench", os.getpid())
        with RunContext(run.id, Path(tmp) / "runs", bot=BOT, store=store, vault=vault,
                        backend=StoreBackend(store, BOT.name),
                        args={"as_of": AS_OF.isoformat()}, batch_steps=True) as ctx:
            result = BOT.run(ctx)
        store.close()
    return len(result["sent"])


# -- plain HTTP ------------------------------------------------------------------------
def _by_class(html: str, row: str) -> list[dict[str, str]]:
    out = []
    for body in re.findall(rf'<tr class="{row}"[^>]*>(.*?)</tr>', html, re.S):
        out.append({c: re.sub(r"<[^>]+>", "", t).strip()
                    for c, t in re.findall(r'<td class="(\w+)"[^>]*>(.*?)</td>', body, re.S)})
    return out


def _by_id(html: str, ident: str) -> str:
    m = re.search(rf'id="{ident}"[^>]*>([^<]*)<', html)
    return m.group(1).strip() if m else ""


def http_run(urls: dict[str, str]) -> int:
    ladder = levels(CONFIG)
    mailbox = Mailbox(MailSettings.from_fields(mail_entry(urls["sandbox_mail"])))
    creds = VAULT_ENTRIES["legacy_erp/collections"]
    sent = 0
    with httpx.Client(base_url=urls["legacy_erp"], timeout=60) as c:
        c.post("/ar/login.do", data={"userid": creds["username"],
                                     "password": creds["password"]})
        html = c.get("/ar/aging.do", params={"asof": AS_OF.isoformat(), "view": "detail"}).text
        by: dict[str, list[AgingItem]] = defaultdict(list)
        for r in _by_class(html, "agingItem"):
            by[r["custId"]].append(AgingItem(
                r["invoice"], r["custId"], dt.date.fromisoformat(r["dueDate"]),
                int(r["daysOverdue"]), Decimal(r["amountOpen"]), r["disputed"] == "Yes",
                r["promised"] == "Yes"))
        for cid in sorted(k for k, v in by.items() if any(i.days_overdue > 0 for i in v)):
            page = c.get("/ar/customer.do", params={"id": cid}).text
            decision = nothing_to_remind(cid, by[cid], ladder)
            blocked = _by_id(page, "dunningBlock") == "Yes"
            if decision is None:
                unapplied = Decimal(_by_id(c.get("/ar/statement.do", params={"id": cid}).text,
                                           "unappliedTotal") or "0")
                decision = decide(Facts(cid, by[cid], blocked, "", (), unapplied), ladder)
            if decision.level is None:
                continue
            ref = reminder_reference(cid, decision.level.level, AS_OF)
            notes = _by_class(c.get("/ar/notes.do", params={"id": cid}).text, "note")
            if any(n["noteRef"] == ref for n in notes) or mailbox.sent_with_reference(ref):
                continue
            rem = render(decision, language=_by_id(page, "language"),
                         customer_name=_by_id(page, "custName"),
                         collector=_by_id(page, "collector"), as_of=AS_OF, reference=ref,
                         company=CONFIG["company"], currency=CONFIG["currency"])
            files = []
            if decision.level.attach_statement:
                pdf = c.get("/ar/statement.pdf", params={"id": cid}).content
                files.append((f"statement_{cid}.pdf", pdf, "application/pdf"))
            mailbox.send(_by_id(page, "custEmail"), rem.subject, rem.text, attachments=files,
                         reference=ref)
            c.post("/ar/notes.do", data={"id": cid, "noteDate": AS_OF.isoformat(),
                                         "noteType": "reminder", "noteText": rem.subject,
                                         "reference": ref})
            if decision.level.dunning_block:
                c.post("/ar/customer.do", data={"id": cid, "blockAction": "set",
                                                "blockReason": f"Final reminder {ref} sent."})
            sent += 1
    return sent


def measure(urls: dict[str, str], extra: int, variant: Any) -> tuple[float, int]:
    _reset(urls, extra)
    start = time.perf_counter()
    sent = variant(urls)
    took = time.perf_counter() - start
    refs = _sent(urls)
    if sum(refs.values()) != sent or any(n != 1 for n in refs.values()):
        raise RuntimeError(f"{variant.__name__}: {sent} sent, mail server holds {refs}")
    return took, sent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[0, 20, 60],
                        help="volume customers added to the seeded month")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as base, running_on_free_ports(
            Path(base), {"FINBOTS_ERP_SLOW_MS": "0"}, timeout_s=180) as urls:
        print(f"reminders per minute, as of {AS_OF}, median of {args.repeat} "
              f"(load average {load:.1f} at start)")
        print(f"{'extra':>6} {'reminders':>9} {'bot s':>8} {'bot/min':>8} {'http s':>8} "
              f"{'http/min':>9} {'http/bot':>8}")
        for extra in args.sizes:
            bot = [measure(urls, extra, bot_run) for _ in range(args.repeat)]
            http = [measure(urls, extra, http_run) for _ in range(args.repeat)]
            n = bot[0][1]
            b = statistics.median(t for t, _ in bot)
            h = statistics.median(t for t, _ in http)
            print(f"{extra:>6} {n:>9} {b:>8.1f} {60 * n / b:>8.1f} {h:>8.1f} "
                  f"{60 * http[0][1] / h:>9.1f} {b / h:>7.1f}x", flush=True)


if __name__ == "__main__":
    main()
