"""The ERP's desktop client ("NWC Financials AR 4.2"), driven through its windows and keys:
open items, payment inquiry, cash receipt entry. Same interface as :class:`LegacyErp`.

Every unit of work starts with a function key from whatever screen the client shows
(F2, F3, F6 switch screens from anywhere) and waits for the window title of the screen
it needs; the sign-on screen instead means the session was lost. Values typed in money
fields are read back (selector ``verify``), the posting confirmation's text is checked
against the receipt before Yes, and the confirmation number is copied from the notice.
Intake reads the open items from the client's grid too (Ctrl+A, Ctrl+C), turned into the
CSV the web ERP exports, so a run with ``erp=desktop`` needs no web ERP at all.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from bots.payment_posting.payload import row_difference
from bots.runtime import ApplicationFailure, BusinessFailure, RunContext
from bots.runtime.desktop import DesktopSession, desktop_session
from bots.runtime.errors import ConfigError
from bots.runtime.paths import unique_path
from bots.runtime.retry import TECHNICAL, attempt

__all__ = ["DesktopErp"]

MAX_ROWS = 5  # allocation rows on the cash receipt screen
CSV_COLUMNS = ("invoice_number", "customer_id", "customer_name", "customer_iban",
               "amount_open", "currency", "due_date", "creditor_reference",
               "discount_percent", "discount_until")
GRID_COLUMNS = {"Invoice No.": "invoice_number", "Customer": "customer_id",
                "Name": "customer_name", "Bank Accounts": "customer_iban",
                "Open Amount": "amount_open", "Cur": "currency", "Due Date": "due_date",
                "RF Reference": "creditor_reference", "Disc. %": "discount_percent",
                "Disc. Until": "discount_until"}


def dialog_message(copied: str) -> str:
    """The message of a dialog from its copied text (``[title]/---/message/---/buttons``)."""
    parts = copied.split("\n---\n")
    return parts[1].strip() if len(parts) >= 3 else copied.strip()


def grid_rows(copied: str) -> list[dict[str, str]]:
    """A copied grid (tab-separated, header first) as dicts by heading."""
    lines = [ln for ln in copied.splitlines() if ln.strip()]
    if not lines:
        return []
    header = lines[0].split("\t")
    return [dict(zip(header, ln.split("\t"), strict=False)) for ln in lines[1:]]


def _iso(day: str) -> str:
    return dt.datetime.strptime(day, "%d.%m.%Y").date().isoformat() if day.strip() else ""


class DesktopErp:
    name = "desktop_erp"

    def __init__(self, ctx: RunContext, credential: str, *,
                 receipt_screenshots: bool = False) -> None:
        self.ctx, self.credential = ctx, credential
        self.receipt_screenshots = receipt_screenshots
        self._app: DesktopSession | None = None
        self._ready = False

    @property
    def app(self) -> DesktopSession:
        """The run's session on the client (display, driver, process on first use)."""
        if self._app is None:
            self._app = desktop_session(self.ctx, self.name)
        return self._app

    # -- session ---------------------------------------------------------------------
    def login(self) -> None:
        cred = self.ctx.credential(self.credential)
        app = self.app
        app.fill("login.username", cred.username)
        app.fill("login.password", cred.password, secret=True)
        app.press("Return", "login")
        if app.wait_for_any(["main_menu", "sign_on_failed"]) == "sign_on_failed":
            text = dialog_message(app.copy("ctrl+c", "sign_on_failed"))
            app.press("Return", "sign_on_failed")
            raise ConfigError(f"the desktop ERP refused the login of {self.credential}: {text}")
        self._ready = True

    def _start(self) -> None:
        """Launch (or find) the client, close what is open, be signed on at a screen."""
        app = self.app
        app.launch()
        app.dismiss_dialogs()
        if app.wait_for_any(["main", "login"]) == "login":
            self.login()
            return
        app.press("Escape", "main")
        app.wait_for("main_menu")
        self._ready = True

    def recover(self) -> None:
        """Back to the main menu, signed on; the client restarted if that fails."""
        self._ready = False
        try:
            self._start()
        except TECHNICAL:
            self.app.launch(restart=True)
            self._start()

    def _screen(self, key: str, screen: str) -> None:
        """Switch to ``screen`` with its function key; fail fast when signed off."""
        if not self._ready:
            self._start()
        self.app.press(key, "client")
        if self.app.wait_for_any([screen, "login"]) == "login":
            self._ready = False
            raise ApplicationFailure("ERP_SIGNED_OFF", "the desktop ERP shows its sign-on")

    # -- reading -----------------------------------------------------------------------
    def export_open_items(self) -> Path:
        """All open items from the grid, saved as the web ERP's CSV export."""
        def work() -> Path:
            self._screen("F2", "open_items")
            self.app.press("F5", "open_items")
            self.app.wait_for("open_items.loaded")
            rows = grid_rows(self.app.value("open_items.grid"))
            target = unique_path(self.ctx.run_dir / "downloads", "open_items.csv")
            with target.open("w", newline="", encoding="utf-8") as fh:
                writer = csv.DictWriter(fh, CSV_COLUMNS)
                writer.writeheader()
                for row in rows:
                    item = {GRID_COLUMNS[k]: v.strip() for k, v in row.items()
                            if k in GRID_COLUMNS}
                    item["amount_open"] = item["amount_open"].replace(",", "")
                    item["due_date"] = _iso(item["due_date"])
                    item["discount_until"] = _iso(item.get("discount_until", ""))
                    for iban in item["customer_iban"].split(";") or [""]:
                        writer.writerow({**item, "customer_iban": iban.strip()})
            return target
        return attempt(self, work)

    def find_postings(self, bank_reference: str) -> list[str]:
        """Confirmation numbers of postings carrying ``bank_reference``."""
        self._screen("F6", "inquiry")
        self.app.fill("inquiry.bank_reference", bank_reference)
        self.app.press("F5", "inquiry")
        rows = grid_rows(self.app.value("inquiry.results"))
        return [r["Confirmation No."].strip() for r in rows
                if r.get("Bank Reference", "").strip() == bank_reference.strip()]

    def show_payment(self, bank_reference: str) -> str:
        """Show the payment inquiry of ``bank_reference`` (the screen a case of this payment
        shows); returns the bank reference the screen shows."""
        def work() -> str:
            self.find_postings(bank_reference)
            return self.app.value("inquiry.bank_reference").strip()
        return attempt(self, work)

    # -- posting -----------------------------------------------------------------------
    def post_receipt(
        self, *, customer_id: str, value_date: dt.date, bank_reference: str,
        amount: Decimal, allocations: Sequence[dict[str, str]],
    ) -> str:
        """Enter and post a cash receipt; returns the ERP's confirmation number."""
        if len(allocations) > MAX_ROWS:
            raise BusinessFailure("TOO_MANY_INVOICES", f"{len(allocations)} invoices in one "
                                  f"payment; the receipt screen takes {MAX_ROWS}")
        app = self.app
        self._screen("F3", "receipt")
        app.fill("receipt.customer", customer_id)
        app.fill("receipt.value_date", value_date.strftime("%d.%m.%Y"))
        app.fill("receipt.bank_reference", bank_reference)
        app.fill("receipt.amount", f"{amount:.2f}")
        for n, alloc in enumerate(allocations, start=1):
            self._fill_row(n, alloc)
        app.press("F9", "receipt")
        if app.wait_for_any(["confirm_post", "posting_refused"]) == "posting_refused":
            text = dialog_message(app.copy("ctrl+c", "posting_refused"))
            app.press("Return", "posting_refused")
            app.press("Escape", "receipt")
            raise BusinessFailure("ERP_REJECTED", text)
        question = dialog_message(app.copy("ctrl+c", "confirm_post"))
        if any(part not in question for part in (bank_reference, f" of {amount:,.2f} ",
                                                   f"customer {customer_id}?")):
            app.press("n", "confirm_post")
            raise ApplicationFailure("ERP_INPUT_MISMATCH", f"the client asks: {question}")
        app.press("Return", "confirm_post")
        app.wait_for("receipt_posted")
        confirmation = app.value("receipt_posted.number").strip()
        # the evidence of the posting, as the client shows it (the image on request)
        app.checkpoint(f"erp-receipt-{bank_reference}", image=self.receipt_screenshots)
        app.press("Return", "receipt_posted")
        app.wait_gone("receipt_posted")
        return confirmation

    def _fill_row(self, n: int, alloc: dict[str, str]) -> None:
        diff, reason = row_difference(alloc)
        self.app.fill(f"receipt.row{n}.invoice", alloc["invoice_number"])
        self.app.fill(f"receipt.row{n}.applied", f"{Decimal(alloc['amount']):.2f}")
        if diff:
            self.app.fill(f"receipt.row{n}.diff", f"{diff:.2f}")
            self.app.fill(f"receipt.row{n}.reason", reason)
