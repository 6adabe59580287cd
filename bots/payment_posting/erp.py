"""The legacy ERP's AR module, driven through its frameset: open items, payment inquiry,
cash receipt entry.

Every page of the ERP loads into one content frame (``main`` in the frameset, ``content``
in the newer iframe layout). Clicks that load a page there wait for that frame's
navigation, so the bot never reads the previous page's table by mistake, and the
navigation's HTTP response tells at once when the ERP answered with an error page or sent
the session back to the sign-on page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from playwright.sync_api import Frame
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from bots.payment_posting.payload import row_difference
from bots.runtime import ApplicationFailure, BusinessFailure, RunContext
from bots.runtime.retry import attempt
from bots.runtime.signon import SignedOnSession, SignOnForm

MAX_ROWS = 5  # allocation rows on the cash receipt form
CONTENT_FRAMES = ("main", "content")
# what the ERP shows instead of the expected page when something went wrong
TROUBLE = ("error.frame", "error.page", "login.username")
SIGN_ON = SignOnForm("/ar/login.do", signed_on="main.welcome", ready="menu.post",
                     trouble=("error.frame", "error.page"), expired_at="/login.do")


class LegacyErp:
    name = "legacy_erp"

    def __init__(self, ctx: RunContext, credential: str, *,
                 receipt_screenshots: bool = False) -> None:
        self.ctx, self.credential = ctx, credential
        self.receipt_screenshots = receipt_screenshots
        self.session = SignedOnSession(ctx, self.name, credential, SIGN_ON)
        self.app = self.session.app

    # -- session ---------------------------------------------------------------------
    def login(self) -> None:
        self.session.sign_on()

    def _await(self, *names: str) -> str:
        """Wait for one of ``names``; an error page or the sign-on form raise at once."""
        found = self.app.wait_for_any([*names, *(t for t in TROUBLE if t not in names)])
        if found not in names:
            if found == "login.username":
                self.session.signed_on = False
            raise ApplicationFailure("ERP_TROUBLE", f"the ERP shows {found} instead of "
                                     f"{' or '.join(names)}")
        return found

    def recover(self) -> None:
        self.session.recover()

    def _content(self) -> Frame:
        for name in CONTENT_FRAMES:
            frame = self.app.page.frame(name=name)
            if frame is not None:
                return frame
        raise ApplicationFailure("ERP_NOT_READY", "the ERP's content frame is not there")

    def _load(self, click: Callable[[], None]) -> None:
        """Run ``click`` and wait until the content frame has loaded the next page."""
        with self._content().expect_navigation(
                wait_until="load", timeout=self.app.timeout_ms) as navigation:
            click()
        response = navigation.value
        if response is None:
            return
        if response.status >= 400:
            raise ApplicationFailure(f"ERP_HTTP_{response.status}",
                                     f"the ERP answered {response.status} for {response.url}")
        self.session.check(response.url)

    def _which(self, *names: str) -> str:
        """The first of ``names`` on the (loaded) page; anything else is trouble."""
        for name in names:
            if self.app.exists(name):
                return name
        raise ApplicationFailure("ERP_UNEXPECTED_PAGE", f"none of {', '.join(names)} shown")

    def _menu(self, name: str) -> None:
        self.session.ensure()
        self._load(lambda: self.app.click(name))

    # -- reading -----------------------------------------------------------------------
    def export_open_items(self) -> Path:
        """All open items as the ERP's CSV export (one row per customer IBAN)."""
        def work() -> Path:
            self._menu("menu.open_items")
            self._await("export_csv")
            return self.app.download("export_csv")
        return attempt(self, work)

    def find_postings(self, bank_reference: str) -> list[str]:
        """Confirmation numbers of postings carrying ``bank_reference`` (the idempotency key)."""
        app = self.app
        if self._inquire(bank_reference) == "payment_search.none":  # the usual answer
            return []
        cells = app.locator("payment_search.confirmations").all_inner_texts()
        return [c.strip() for c in cells if c.strip()]

    def show_payment(self, bank_reference: str) -> str:
        """Open the payment inquiry of ``bank_reference`` (the page a case of this payment
        shows); returns the bank reference the page shows."""
        def work() -> str:
            self._inquire(bank_reference)
            return self.app.value("payment_search.bank_reference").strip()
        return attempt(self, work)

    def _inquire(self, bank_reference: str) -> str:
        """The payment inquiry for ``bank_reference``: which answer the page shows."""
        app = self.app
        self._menu("menu.payment_search")
        app.fill("payment_search.bank_reference", bank_reference)
        self._load(lambda: app.click("payment_search.submit"))
        return self._which("payment_search.none", "payment_search.confirmations")

    # -- posting -----------------------------------------------------------------------
    def post_receipt(
        self, *, customer_id: str, value_date: dt.date, bank_reference: str,
        amount: Decimal, allocations: Sequence[dict[str, str]],
    ) -> str:
        """Enter and submit a cash receipt; returns the ERP's confirmation number."""
        if len(allocations) > MAX_ROWS:
            raise BusinessFailure("TOO_MANY_INVOICES", f"{len(allocations)} invoices in one "
                                  f"payment; the ERP form takes {MAX_ROWS}")
        app = self.app
        self._menu("menu.post")
        app.fill("post.customer", customer_id)
        app.fill("post.value_date", value_date.isoformat())
        app.fill("post.bank_reference", bank_reference)
        app.fill("post.amount", f"{amount:.2f}")
        for n, alloc in enumerate(allocations, start=1):
            self._fill_row(n, alloc)
        self._form_check()
        try:
            self._load(lambda: app.click("post.submit"))
        except PlaywrightTimeout as exc:
            raise ApplicationFailure("ERP_FORM_REFUSED", " | ".join(app.take_dialogs())
                                     or "the cash receipt form did not submit") from exc
        if self._which("confirmation.number", "post.error") == "post.error":
            app.take_dialogs()
            raise BusinessFailure("ERP_REJECTED", app.text("post.error"))
        confirmation = app.text("confirmation.number").strip()
        # the evidence of the posting, as the ERP shows it: its text, and the image on request
        app.checkpoint(f"erp-receipt-{bank_reference}", image=self.receipt_screenshots)
        return confirmation

    # -- settling: a person's resolution in one receipt ------------------------------------
    def post_settlement(self, *, value_date: dt.date, bank_reference: str, amount: Decimal,
                        settlement: dict[str, Any]) -> str:
        """Enter a receipt with invoice rows and the rest of the payment handled (on account,
        suspense, refund, write-off), as :mod:`.settlement` shaped it; returns the ERP's
        confirmation number.

        The ERP's own check of the form runs before it is submitted: a refusal (its alert)
        comes back at once as :class:`BusinessFailure` ``ERP_REJECTED`` with the ERP's
        words, as does a refusal of its business layer.
        """
        rows = settlement.get("rows") or []
        if len(rows) > MAX_ROWS:
            raise BusinessFailure("TOO_MANY_INVOICES", f"{len(rows)} invoices in one "
                                  f"payment; the ERP form takes {MAX_ROWS}")
        app = self.app
        self._menu("menu.post")
        app.fill("post.customer", settlement.get("customer_id") or "")
        app.fill("post.value_date", value_date.isoformat())
        app.fill("post.bank_reference", bank_reference)
        app.fill("post.amount", f"{amount:.2f}")
        for n, row in enumerate(rows, start=1):
            app.fill(f"post.row{n}.invoice", row["invoice_number"])
            app.fill(f"post.row{n}.applied", f"{Decimal(row['amount']):.2f}")
            if Decimal(row.get("write_off") or 0):
                app.fill(f"post.row{n}.diff", f"{Decimal(row['write_off']):.2f}")
                app.select(f"post.row{n}.reason", row.get("reason") or "BANK_CHARGES")
        rest = settlement.get("rest")
        if rest:
            app.fill("post.rest_amount", rest["amount"])
            app.select("post.rest_action", rest["action"])
            if rest.get("reason"):
                app.select("post.rest_reason", rest["reason"])
            if rest.get("payee_iban"):
                app.fill("post.payee_name", rest.get("payee_name") or "")
                app.fill("post.payee_iban", rest["payee_iban"])
        if settlement.get("dispute"):
            app.fill("post.dispute", settlement["dispute"])
        app.fill("post.our_ref", settlement.get("our_ref") or "")
        self._form_check()
        self._load(lambda: app.click("post.submit"))
        if self._which("confirmation.number", "post.error") == "post.error":
            app.take_dialogs()
            raise BusinessFailure("ERP_REJECTED", f"the ERP refused it: "
                                  f"{app.text('post.error').removeprefix('Error:').strip()}")
        confirmation = app.text("confirmation.number").strip()
        app.checkpoint(f"erp-receipt-{bank_reference}", image=self.receipt_screenshots)
        return confirmation

    def _form_check(self) -> None:
        """Run the receipt form's own check (the one its submit button runs) first: what it
        refuses is the ERP's answer about the data, a business outcome with its words,
        never a form that silently did not submit."""
        app = self.app
        app.take_dialogs()
        if not self._content().evaluate(
                "() => validateReceipt(document.forms['cashReceipt'])"):
            refused = " | ".join(app.take_dialogs()) or "the ERP refused the receipt"
            raise BusinessFailure("ERP_REJECTED", f"the ERP refused it: {refused}")

    def documents(self, bank_reference: str) -> list[dict[str, str]]:
        """The documents of the postings of ``bank_reference`` (number, kind, amount), as
        the payment inquiry lists them."""
        def work() -> list[dict[str, str]]:
            if self._inquire(bank_reference) == "payment_search.none":
                return []
            found = self.app.locator("payment_search.documents")
            return [{"number": (found.nth(i).inner_text() or "").strip(),
                     "kind": found.nth(i).get_attribute("data-kind") or "",
                     "amount": found.nth(i).get_attribute("data-amount") or ""}
                    for i in range(found.count())]
        return attempt(self, work)

    def _fill_row(self, n: int, alloc: dict[str, str]) -> None:
        diff, reason = row_difference(alloc)
        self.app.fill(f"post.row{n}.invoice", alloc["invoice_number"])
        self.app.fill(f"post.row{n}.applied", f"{Decimal(alloc['amount']):.2f}")
        if diff:
            self.app.fill(f"post.row{n}.diff", f"{diff:.2f}")
            self.app.select(f"post.row{n}.reason", reason)
