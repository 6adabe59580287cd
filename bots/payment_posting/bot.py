"""The payment-posting bot: statement intake produces work items, posting consumes them.

Arguments (``finbots run payment-posting --arg key=value``): see :data:`ARGUMENT_HELP`.
The bank, ERP and portal logins are vault entries (:data:`DEFAULT_CREDENTIALS`); the
selector files of the four target applications ship in ``selectors/`` beside this module.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

from bots.cashapp.bank import BankSite
from bots.cashapp.matching import load_config
from bots.payment_posting.advice_mail import MailAdvices
from bots.payment_posting.carry_out import Settler, SettlingPoster
from bots.payment_posting.case_types import CASE_TYPES
from bots.payment_posting.desktop_erp import DesktopErp
from bots.payment_posting.erp import LegacyErp
from bots.payment_posting.intake import QUEUE, produce
from bots.payment_posting.portal import BillingPortal
from bots.payment_posting.posting import Erp
from bots.payment_posting.refresh import REFRESH_QUEUE, Refresher
from bots.payment_posting.statement_review import REVIEW_QUEUE
from bots.runtime import Bot, QueueSpec, RunContext
from bots.runtime.paths import runs_dir

__all__ = ["BOT", "DEFAULT_CREDENTIALS", "run"]

DEFAULT_CREDENTIALS = {
    "bank_credential": "sandbox_bank/treasury",
    "erp_credential": "legacy_erp/cashapp",
    "portal_credential": "billing_portal/billing-bot",
}
DESKTOP_ERP_CREDENTIAL = "desktop_erp/cashapp"  # erp_credential's default with erp=desktop

ARGUMENT_HELP = {
    "date": "the statement day (default: today, UTC)",
    "format": "the statement format downloaded from the bank",
    "statement_file": "import this file (camt/MT940/BAI2/CSV) instead of downloading; a "
    "refused file is moved to runs/quarantine/ with the reason beside it",
    "phase": "all, intake, post (several post runs can share one queue) or refresh (only "
    "read again the candidates of the cases people opened)",
    "matching_config": "a YAML/TOML file of matching thresholds and tolerances",
    "update_portal": "false: leave the billing portal alone",
    "receipt_screenshots": "true: keep a screenshot of each ERP confirmation beside its text "
    "(by default the receipt's step holds the text the ERP showed and the confirmation "
    "number, without an image)",
    "erp": "post in the web ERP or in its desktop client",
    "bank_credential": "vault entry of the bank login",
    "erp_credential": f"vault entry of the ERP login ({DESKTOP_ERP_CREDENTIAL} with "
    "erp=desktop)",
    "portal_credential": "vault entry of the billing portal login",
    "max_retries": "retries of a payment after a technical failure (a new queue only)",
    "company_name": "the payer's name on refunds' credit transfers (paid from the "
    "statement's account)",
    "advice_folder": "a folder of customers' remittance advices (.xlsx, .pdf, .csv), read at "
    "every run; an advice that allocated its payment moves to linked/, a bad one to "
    "runs/quarantine/",
    "advice_wait_hours": "how long a payment the engine cannot decide waits for its "
    "remittance advice before it becomes a case (0: not at all)",
    "advice_mailbox": "true: also read remittance advices attached to mails in the finance "
    "mailbox (INBOX and Remittances); a mail whose advice allocated its payment moves to "
    "'Remittances linked', one that cannot be read to 'Needs a person'",
    "mail_credential": "vault entry of the finance mailbox (with advice_mailbox=true)",
}

BOT = Bot(
    name="payment-posting",
    version="1.1.0",
    description="Cash application: download the bank statement, match payments to open "
    "invoices, post them in the ERP, mark invoices paid in the billing portal; "
    "everything else becomes an exception case.",
    apps=("sandbox_bank", "legacy_erp", "desktop_erp", "billing_portal"),
    credentials=DEFAULT_CREDENTIALS,
    queues=(QueueSpec(QUEUE, description="one payment of a bank statement per item"),
            QueueSpec(REVIEW_QUEUE, description="statements whose balances do not add up, "
                      "one per item, until a person accepts or rejects them"),
            QueueSpec(REFRESH_QUEUE, description="cases a person opened: their candidates "
                      "read again from the ERP, one case per item")),
    selectors=Path(__file__).resolve().parent / "selectors",
    case_types=CASE_TYPES,
    argument_help=ARGUMENT_HELP,
)


@BOT.task
def run(
    ctx: RunContext,
    date: dt.date | None = None,
    format: Literal["camt053", "mt940", "bai2", "csv"] = "camt053",
    statement_file: Path | None = None,
    phase: Literal["all", "intake", "post", "refresh"] = "all",
    matching_config: Path | None = None,
    update_portal: bool = True,
    receipt_screenshots: bool = False,
    erp: Literal["web", "desktop"] = "web",
    bank_credential: str = DEFAULT_CREDENTIALS["bank_credential"],
    erp_credential: str | None = None,
    portal_credential: str = DEFAULT_CREDENTIALS["portal_credential"],
    max_retries: int = 3,
    company_name: str = "Northwind Components GmbH",
    advice_folder: Path | None = None,
    advice_wait_hours: float = 0.0,
    advice_mailbox: bool = False,
    mail_credential: str = "mail/finance",
) -> dict[str, Any]:
    day = date or dt.datetime.now(dt.UTC).date()
    queue = ctx.queue(QUEUE, max_retries=max_retries)
    erp_app: Erp = (
        DesktopErp(ctx, erp_credential or DESKTOP_ERP_CREDENTIAL,
                   receipt_screenshots=receipt_screenshots) if erp == "desktop"
        else LegacyErp(ctx, erp_credential or DEFAULT_CREDENTIALS["erp_credential"],
                       receipt_screenshots=receipt_screenshots))
    summary: dict[str, Any] = {"statement_date": day.isoformat()}
    if phase in ("all", "intake"):
        summary["intake"] = produce(
            ctx, queue, statement_file=statement_file, day=day, fmt=format,
            bank=BankSite(ctx, bank_credential), erp=erp_app,
            config=load_config(matching_config),
            quarantine_dir=runs_dir() / "quarantine", advice_folder=advice_folder,
            advice_wait_hours=advice_wait_hours,
            advice_mail=MailAdvices(ctx.mail(mail_credential), runs_dir() / "quarantine")
            if advice_mailbox else None)
    if phase in ("all", "post"):
        portal = BillingPortal(ctx, portal_credential) if update_portal else None
        settler = Settler(ctx, erp_app, lambda: BankSite(ctx, bank_credential), portal,
                          company_name)
        SettlingPoster(ctx, queue, erp_app, portal, settler).run()
    if phase in ("all", "post", "refresh"):
        summary["cases_read_again"] = Refresher(ctx, ctx.queue(REFRESH_QUEUE), erp_app).run()
    return summary

