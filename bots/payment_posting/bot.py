"""The payment-posting bot: statement intake produces work items, posting consumes them.

Arguments (``finbots run payment-posting --arg key=value``):

- ``date``: the statement day (default: the sandbox scenario's day)
- ``format``: camt053 | mt940 | bai2 | csv (default camt053)
- ``statement_file``: import this file (camt/MT940/BAI2/CSV) instead of downloading;
  a refused file is moved to ``runs/quarantine/`` with the reason beside it
- ``phase``: all | intake | post (several ``post`` runs can share one queue)
- ``matching_config``: a YAML/TOML file of thresholds and tolerances
- ``update_portal``: false to leave the billing portal alone (default true)
- ``receipt_screenshots``: false to skip the screenshot of each ERP confirmation
  (the step record still holds the confirmation number)
- ``erp``: web | desktop: post in the web ERP or in its desktop client (default web)
- ``bank_credential`` / ``erp_credential`` / ``portal_credential``: vault entry names
  (``erp_credential`` defaults to ``desktop_erp/cashapp`` with ``erp=desktop``)
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from pathlib import Path
from typing import Any

from bots.cashapp.matching import load_config
from bots.payment_posting.bank import BankSite
from bots.payment_posting.case_types import CASE_TYPES
from bots.payment_posting.desktop_erp import DesktopErp
from bots.payment_posting.erp import LegacyErp
from bots.payment_posting.intake import QUEUE, produce
from bots.payment_posting.portal import BillingPortal
from bots.payment_posting.posting import Erp, Poster
from bots.runtime import Bot, RunContext
from bots.runtime.errors import ConfigError
from orchestrator.config import get_settings
from sandbox.scenario import STATEMENT_DATE

BOT = Bot(
    name="payment-posting",
    version="1.0.0",
    description="Cash application: download the bank statement, match payments to open "
    "invoices, post them in the ERP, mark invoices paid in the billing portal; "
    "everything else becomes an exception case.",
    apps=("sandbox_bank", "legacy_erp", "desktop_erp", "billing_portal"),
    case_types=CASE_TYPES,
)

DEFAULT_CREDENTIALS = {
    "bank_credential": "sandbox_bank/treasury",
    "erp_credential": "legacy_erp/cashapp",
    "portal_credential": "billing_portal/billing-bot",
}


def _arg(args: dict[str, Any], key: str) -> str:
    return str(args.get(key) or DEFAULT_CREDENTIALS[key])


def _flag(args: dict[str, Any], key: str) -> bool:
    return str(args.get(key, "true")).lower() not in ("0", "false", "no", "off")


@BOT.task
def run(ctx: RunContext) -> dict[str, Any]:
    args = ctx.args
    store = ctx.store
    if store is None:
        raise ConfigError("the payment-posting bot needs the orchestrator store")
    phase = str(args.get("phase", "all"))
    if phase not in ("all", "intake", "post"):
        raise ConfigError(f"phase must be all, intake or post, not {phase!r}")
    day = dt.date.fromisoformat(str(args.get("date") or STATEMENT_DATE.isoformat()))
    store.ensure_queue(QUEUE, max_retries=int(args.get("max_retries", 3)))
    erp_kind, screenshots = str(args.get("erp", "web")), _flag(args, "receipt_screenshots")
    if erp_kind not in ("web", "desktop"):
        raise ConfigError(f"erp must be web or desktop, not {erp_kind!r}")
    erp: Erp = (DesktopErp(ctx, str(args.get("erp_credential") or "desktop_erp/cashapp"),
                           receipt_screenshots=screenshots) if erp_kind == "desktop"
                else LegacyErp(ctx, _arg(args, "erp_credential"), receipt_screenshots=screenshots))
    summary: dict[str, Any] = {"statement_date": day.isoformat()}
    if phase in ("all", "intake"):
        bank = BankSite(ctx, _arg(args, "bank_credential"))
        statement_file = Path(args["statement_file"]) if args.get("statement_file") else None
        summary["intake"] = produce(
            ctx, store, statement_file=statement_file, day=day,
            fmt=str(args.get("format", "camt053")), bank=bank, erp=erp,
            config=load_config(args.get("matching_config")),
            quarantine_dir=Path(get_settings().runs_dir) / "quarantine")
    if phase in ("all", "post"):
        owner = f"{socket.gethostname()}:{os.getpid()}:run{ctx.run_id}"
        portal = (BillingPortal(ctx, _arg(args, "portal_credential"))
                  if _flag(args, "update_portal") else None)
        Poster(ctx, store, erp, portal, owner).run()
    return summary
