"""The billing portal (a single-page app): set an invoice's status with a note.

Content renders after a delay and the previous invoice's view stays on screen until the
next one is drawn, so each wait is for a specific text (this invoice, that status) or
for a sign of trouble (an error banner, an error page, the sign-in form).
"""

from __future__ import annotations

import re

from playwright.sync_api import Locator

from bots.runtime import ApplicationFailure, RunContext
from bots.runtime.errors import ConfigError
from bots.runtime.locate import any_of, candidates
from bots.runtime.retry import attempt

STATUS_LABELS = {"open": "Open", "paid": "Paid", "partially_paid": "Partially paid",
                 "disputed": "Disputed"}
TROUBLE = ("status.error", "error.banner", "error.page", "login.username")
_NOT_BLANK = re.compile(r"\S")


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
        found = app.wait_for_any(["login.username", "nav.invoices", "error.page"])
        if found == "error.page":
            raise ApplicationFailure("PORTAL_UNAVAILABLE", "the portal answered with an error")
        if found == "login.username":
            app.fill("login.username", cred.username)
            app.fill("login.password", cred.password, secret=True)
            app.click("login.submit")
            found = app.wait_for_any(["nav.invoices", "login.error", "error.page"])
            if found == "login.error":
                raise ConfigError(f"portal refused the login of {self.credential}")
            if found != "nav.invoices":
                raise ApplicationFailure("PORTAL_UNAVAILABLE", "sign-in did not complete")
        self._logged_in = True

    def recover(self) -> None:
        self._logged_in = False
        self.login()

    def _any(self, name: str) -> Locator:
        combined = any_of(candidates(self.app.page, self.app.selectors.spec(name)))
        assert combined is not None
        return combined

    def _await_text(self, name: str, text: str) -> None:
        """Wait until ``name`` shows ``text``; fail fast on a sign of trouble."""
        with self.ctx.recorder.step("await_text", app=self.name, selector=name,
                                    data={"text": text}, target=self.app) as st:
            ok = self._any(name).filter(has_text=text)
            either = ok
            for trouble in TROUBLE:
                either = either.or_(self._any(trouble).filter(has_text=_NOT_BLANK))
            either.first.wait_for(state="visible", timeout=self.app.timeout_ms)
            if not ok.first.is_visible():
                shown = [t for t in TROUBLE if self._any(t).filter(has_text=_NOT_BLANK)
                         .first.is_visible()]
                st.data["shown"] = shown
                raise ApplicationFailure("PORTAL_TROUBLE", f"{name} did not show {text!r}; "
                                         f"the portal shows {', '.join(shown)}")

    def set_status(self, invoice: str, status: str, note: str) -> None:
        """Open the invoice, change its status with ``note``, check the detail shows it."""

        def work() -> None:
            if not self._logged_in:
                self.login()
            app = self.app
            app.open(f"/#/invoices/{invoice}")
            self._await_text("detail.number", invoice)
            app.select("status.select", status)
            app.fill("status.note", note)
            app.click("status.save")
            self._await_text("detail.status", STATUS_LABELS[status])

        attempt(self, work)
