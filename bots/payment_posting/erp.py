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

from playwright.sync_api import Frame
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from bots.payment_posting.payload import row_difference
from bots.runtime import ApplicationFailure, BusinessFailure, RunContext
from bots.runtime.errors import ConfigError
from bots.runtime.retry import attempt

MAX_ROWS = 5  # allocation rows on the cash receipt form
CONTENT_FRAMES = ("main", "content")
# what the ERP shows instead of the expected page when something went wrong
TROUBLE = ("error.frame", "error.page", "login.username")


class LegacyErp:
    name = "legacy_erp"

    def __init__(self, ctx: RunContext, credential: str, *,
                 receipt_screenshots: bool = True) -> None:
        self.ctx, self.credential = ctx, credential
        self.receipt_screenshots = receipt_screenshots
        self.app = ctx.browser.app(self.name)
        self._logged_in = False

    # -- session ---------------------------------------------------------------------
    def login(self) -> None:
        cred = self.ctx.credential(self.credential)
        app = self.app
        app.open("/ar/login.do")
        self._await("login.username")
        app.fill("login.username", cred.username)
        app.fill("login.password", cred.password, secret=True)
        app.click("login.submit")
        if self._await("main.welcome", "login.message") != "main.welcome":
            raise ConfigError(f"ERP refused the login of {self.credential}: "
                              f"{app.text('login.message')}")
        app.wait_for("menu.post", timeout_ms=min(app.timeout_ms, 5000))
        self._logged_in = True

    def _await(self, *names: str) -> str:
        """Wait for one of ``names``; an error page or the sign-on form raise at once."""
        found = self.app.wait_for_any([*names, *(t for t in TROUBLE if t not in names)])
        if found not in names:
            if found == "login.username":
                self._logged_in = False
            raise ApplicationFailure("ERP_TROUBLE", f"the ERP shows {found} instead of "
                                     f"{' or '.join(names)}")
        return found

    def recover(self) -> None:
        self._logged_in = False
        self.login()

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
        if "/login.do" in response.url:
            self._logged_in = False
            raise ApplicationFailure("ERP_SESSION_EXPIRED", "the ERP session has expired")

    def _which(self, *names: str) -> str:
        """The first of ``names`` on the (loaded) page; anything else is trouble."""
        for name in names:
            if self.app.exists(name):
                return name
        raise ApplicationFailure("ERP_UNEXPECTED_PAGE", f"none of {', '.join(names)} shown")

    def _menu(self, name: str) -> None:
        if not self._logged_in:
            self.login()
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
        app.take_dialogs()
        try:
            self._load(lambda: app.click("post.submit"))
        except PlaywrightTimeout as exc:
            raise ApplicationFailure("ERP_FORM_REFUSED", " | ".join(app.take_dialogs())
                                     or "the cash receipt form did not submit") from exc
        if self._which("confirmation.number", "post.error") == "post.error":
            app.take_dialogs()
            raise BusinessFailure("ERP_REJECTED", app.text("post.error"))
        confirmation = app.text("confirmation.number").strip()
        if self.receipt_screenshots:  # the evidence of the posting, as the ERP shows it
            app.checkpoint(f"erp-receipt-{bank_reference}")
        return confirmation

    def _fill_row(self, n: int, alloc: dict[str, str]) -> None:
        diff, reason = row_difference(alloc)
        self.app.fill(f"post.row{n}.invoice", alloc["invoice_number"])
        self.app.fill(f"post.row{n}.applied", f"{Decimal(alloc['amount']):.2f}")
        if diff:
            self.app.fill(f"post.row{n}.diff", f"{diff:.2f}")
            self.app.select(f"post.row{n}.reason", reason)
