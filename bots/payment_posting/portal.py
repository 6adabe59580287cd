"""The billing portal (a single-page app): set an invoice's status with a note."""

from __future__ import annotations

from playwright.sync_api import expect

from bots.payment_posting.recovery import attempt
from bots.runtime import ApplicationFailure, RunContext
from orchestrator.errors import ConfigError

STATUS_LABELS = {"open": "Open", "paid": "Paid", "partially_paid": "Partially paid",
                 "disputed": "Disputed"}


class BillingPortal:
    name = "billing_portal"

    def __init__(self, ctx: RunContext, credential: str) -> None:
        self.ctx, self.credential = ctx, credential
        self.app = ctx.browser.app(self.name)
        self._logged_in = False

    def login(self) -> None:
        cred = self.ctx.credential(self.credential)
        app = self.app
        app.open("/#/login")
        if app.wait_for_any(["login.username", "nav.invoices"]) == "login.username":
            app.fill("login.username", cred.username)
            app.fill("login.password", cred.password, secret=True)
            app.click("login.submit")
            if app.wait_for_any(["nav.invoices", "login.error"]) == "login.error":
                raise ConfigError(f"portal refused the login of {self.credential}")
        self._logged_in = True

    def recover(self) -> None:
        self._logged_in = False
        self.login()

    def _expect_text(self, name: str, text: str) -> None:
        """Wait until ``name`` shows ``text`` (content renders after a delay)."""
        with self.ctx.recorder.step("expect_text", app=self.name, selector=name,
                                    data={"text": text}, target=self.app):
            expect(self.app.locator(name)).to_contain_text(text, timeout=self.app.timeout_ms)

    def set_status(self, invoice: str, status: str, note: str) -> None:
        """Open the invoice, change its status with ``note``, check the detail shows it."""

        def work() -> None:
            if not self._logged_in:
                self.login()
            app = self.app
            app.open(f"/#/invoices/{invoice}")
            if app.wait_for_any(["detail.number", "login.username"]) != "detail.number":
                raise ApplicationFailure("PORTAL_SESSION_LOST", f"detail of {invoice} not shown")
            self._expect_text("detail.number", invoice)
            app.select("status.select", status)
            app.fill("status.note", note)
            app.click("status.save")
            self._expect_text("detail.status", STATUS_LABELS[status])

        attempt(self, work)
