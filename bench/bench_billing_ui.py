"""Draft invoices validated per minute: the billing-validation bot through the billing
portal's user interface (Chromium, every page read, every rule result a recorded step,
clean drafts released with their e-invoice, cases in a store) next to the rules alone on
the same drafts (the engine's ``validate`` on data already read, no browser, no store):
the price of reading and acting through the UI.

Each size is a freshly seeded portal and ERP. The seeded billing run's drafts (a size
below their number runs them alone) are joined by copies of the day's drafts under new
numbers, which the duplicate rule sends to people as cases, so every size checks every
rule on every draft. Both variants are checked: every draft checked once, the clean ones
released once.

Run: ``python -m bench.bench_billing_ui --sizes 27,54,81 --repeat 3``
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from bots.billing import BOT
from bots.billing.rules.config import BillingRules
from bots.billing.rules.engine import validate
from bots.billing.settings import BotSettings
from bots.billing.systems import BillingSystems
from bots.runtime import RunContext
from bots.runtime.bot_config import packaged_document
from bots.runtime.vault import Vault
from orchestrator.bot_backend import StoreBackend
from orchestrator.store import Store
from sandbox.credentials import VAULT_ENTRIES
from sandbox.erp.app import create_app as create_erp
from sandbox.portal.app import create_app as create_portal
from sandbox.scenario import build_scenario
from sandbox.serve import serve_app

LOGINS = ("billing_portal/billing", "legacy_erp/billing")


def _copy_drafts(billing_db: Path, size: int) -> None:
    """Copies of the day's drafts under new numbers until ``size`` drafts wait."""
    with sqlite3.connect(billing_db) as c:
        drafts = [r[0] for r in c.execute(
            "SELECT number FROM b_invoices WHERE status = 'draft' ORDER BY number")]
        header = [r[1] for r in c.execute("PRAGMA table_info(b_invoices)")]
        line = [r[1] for r in c.execute("PRAGMA table_info(b_invoice_lines)")]
        for k in range(max(0, size - len(drafts))):
            source, number = drafts[k % len(drafts)], f"INV-2026-{19000 + k}"
            cols = ", ".join(header)
            picked = ", ".join("?" if h == "number" else h for h in header)
            c.execute(f"INSERT INTO b_invoices ({cols}) SELECT {picked} FROM b_invoices "
                      "WHERE number = ?", (number, source))
            cols = ", ".join(line)
            picked = ", ".join("?" if h == "number" else h for h in line)
            c.execute(f"INSERT INTO b_invoice_lines ({cols}) SELECT {picked} FROM "
                      "b_invoice_lines WHERE number = ?", (number, source))


def _home(folder: Path) -> tuple[Store, Vault]:
    store = Store(f"sqlite:///{folder / 'finbots.db'}")
    store.register_bot(BOT.name, BOT.version, "", ())
    vault = Vault(folder / "vault.enc", Fernet.generate_key())
    for name in LOGINS:
        vault.set(name, VAULT_ENTRIES[name])
    return store, vault


def bot_variant(folder: Path) -> dict[str, Any]:
    """The bot's validate phase in this process on a fresh store."""
    store, vault = _home(folder)
    run = store.start_run(BOT.name, {}, "bench", os.getpid())
    with RunContext(run.id, folder / "runs" / str(run.id), bot=BOT, store=store,
                    backend=StoreBackend(store, BOT.name), vault=vault,
                    batch_steps=True) as ctx:
        result: dict[str, Any] = BOT.run(ctx)
    store.close()
    return result


def rules_variant(folder: Path) -> tuple[int, float]:
    """Read every draft and what it is checked against (not timed), then time the rules
    alone on them."""
    store, vault = _home(folder)
    run = store.start_run(BOT.name, {}, "bench", os.getpid())
    rules = BillingRules.from_config(packaged_document(
        BOT.name, "billing_rules", BOT.config_specs()["billing_rules"]).data)
    settings = BotSettings.from_config(packaged_document(
        BOT.name, "billing_bot", BOT.config_specs()["billing_bot"]).data)
    with RunContext(run.id, folder / "runs-rules" / str(run.id), bot=BOT, store=store,
                    backend=StoreBackend(store, BOT.name), vault=vault) as ctx:
        systems = BillingSystems(ctx, rules, settings,
                                 portal_credential=LOGINS[0], erp_credential=LOGINS[1])
        work = [(d, systems.context(d)) for d in systems.drafts()]
    store.close()
    start = time.perf_counter()
    for draft, context in work:
        validate(draft, context)
    return len(work), time.perf_counter() - start


def one_round(size: int) -> tuple[float, float, int]:
    """(bot seconds, rules seconds, drafts) on a freshly seeded portal and ERP."""
    with tempfile.TemporaryDirectory(prefix="bench-billing-") as tmp:
        folder = Path(tmp)
        portal = create_portal(folder / "portal.db", build_scenario())
        _copy_drafts(folder / "portal-billing.sqlite", size)
        erp = create_erp(folder / "erp.db", build_scenario())
        with serve_app(portal) as portal_url, serve_app(erp) as erp_url:
            os.environ["FINBOTS_BILLING_PORTAL_URL"] = portal_url
            os.environ["FINBOTS_LEGACY_ERP_URL"] = erp_url
            os.environ["FINBOTS_RUNS_DIR"] = str(folder / "runs")
            drafts, rules_s = rules_variant(folder / "rules")
            start = time.perf_counter()
            result = bot_variant(folder / "bot")
            bot_s = time.perf_counter() - start
        if result["checked"] != drafts or drafts < size:
            raise RuntimeError(f"size {size}: the bot checked {result['checked']}, the rules "
                               f"variant read {drafts}")
    return bot_s, rules_s, drafts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="27,54,81")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("FINBOTS_PORTAL_DELAY_MS", "0")
    os.environ.setdefault("FINBOTS_ERP_SLOW_MS", "0")
    print(f"billing validation, medians of {args.repeat}; load {os.getloadavg()[0]:.1f}; "
          f"portal delay {os.environ['FINBOTS_PORTAL_DELAY_MS']} ms, ERP "
          f"{os.environ['FINBOTS_ERP_SLOW_MS']} ms")
    print(f"{'drafts':>7} {'bot s':>8} {'bot/min':>9} {'rules ms':>9} {'rules/min':>11} "
          f"{'UI cost':>8}")
    for size in (int(s) for s in args.sizes.split(",")):
        rounds = [one_round(size) for _ in range(args.repeat)]
        bot_s = statistics.median(r[0] for r in rounds)
        rules_s = statistics.median(r[1] for r in rounds)
        size = rounds[0][2]
        print(f"{size:>7} {bot_s:>8.1f} {size / bot_s * 60:>9.0f} {rules_s * 1000:>9.1f} "
              f"{size / max(rules_s, 1e-9) * 60:>11.0f} {bot_s / max(rules_s, 1e-9):>7.0f}x")


if __name__ == "__main__":
    main()
