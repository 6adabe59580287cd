"""The bank's online banking, driven through its pages: login with TOTP, statement download,
payment files (upload a pain.001, find a transfer by its EndToEndId).

Shared by the bots that read statements or pay refunds (payment posting, refunds); each
ships the ``sandbox_bank`` selectors in its own selector folder."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bots.runtime import ApplicationFailure, BusinessFailure, RunContext
from bots.runtime.errors import ConfigError
from bots.runtime.retry import attempt

FORMATS = ("camt053", "mt940", "bai2", "csv")


class BankSite:
    name = "sandbox_bank"

    def __init__(self, ctx: RunContext, credential: str) -> None:
        self.ctx, self.credential = ctx, credential
        self.app = ctx.browser.app(self.name)
        self._logged_in = False

    def login(self) -> None:
        cred = self.ctx.credential(self.credential)
        app = self.app
        app.open("/login")
        app.fill("login.username", cred.username)
        app.fill("login.password", cred.password, secret=True)
        app.click("login.submit")
        if app.wait_for_any(["mfa.code", "login.error"]) == "login.error":
            raise ConfigError(f"bank refused the login of {self.credential}: "
                              f"{app.text('login.error')}")
        app.fill("mfa.code", cred.totp(), secret=True)
        app.click("mfa.submit")
        if app.wait_for_any(["nav.statements", "mfa.error"]) == "mfa.error":
            raise ApplicationFailure("BANK_MFA_REFUSED", app.text("mfa.error"))
        self._logged_in = True

    def recover(self) -> None:
        self._logged_in = False
        self.login()

    def download_statement(self, day: dt.date, fmt: str = "camt053") -> Path:
        """The statement of ``day`` in ``fmt``, saved under the run's downloads."""
        if fmt not in FORMATS:
            raise ConfigError(f"unknown statement format {fmt!r}; choose one of {FORMATS}")

        def work() -> Path:
            app = self.app
            page = app.wait_for_any(["nav.statements", "login.username", "error.page"])
            if page != "nav.statements":
                raise ApplicationFailure("BANK_NOT_READY", "not on a logged-in bank page")
            app.click("nav.statements")
            app.wait_for("statements.date")
            app.fill("statements.date", day.isoformat())
            app.select("statements.format", fmt)
            return app.download("statements.download")

        self.login()
        return attempt(self, work)

    # -- payment files -----------------------------------------------------------------
    def _payments(self) -> None:
        if not self._logged_in:
            self.login()
        app = self.app
        if app.wait_for_any(["nav.payments", "login.username", "error.page"]) != "nav.payments":
            self._logged_in = False
            raise ApplicationFailure("BANK_NOT_READY", "not on a logged-in bank page")
        app.click("nav.payments")
        app.wait_for("payments.search_e2e")

    def _find(self, end_to_end_id: str) -> str | None:
        self._payments()
        app = self.app
        app.fill("payments.search_e2e", end_to_end_id)
        app.click("payments.search")
        app.wait_for("payments.search_e2e")
        if app.wait_for_any(["payments.transfer", "payments.none"]) == "payments.none":
            return None
        row = app.locator("payments.transfer").filter(has_text=end_to_end_id).first
        return row.locator("td.bank-ref").inner_text().strip() or None

    def find_transfer(self, end_to_end_id: str) -> str | None:
        """The bank reference of the transfer with ``end_to_end_id``, None when the bank
        holds none."""
        return attempt(self, lambda: self._find(end_to_end_id))

    def pay_once(self, path: Path, end_to_end_id: str) -> tuple[str, bool]:
        """Make the transfer ``end_to_end_id`` of the pain.001 file ``path`` unless the bank
        holds it already: ``(bank reference, found already)``. The look-up comes first in
        every attempt, so a retry after a lost answer never uploads twice. A refused file
        is a :class:`BusinessFailure` with the bank's words (the same file would be refused
        again: a person looks at it)."""
        def work() -> tuple[str, bool]:
            found = self._find(end_to_end_id)
            if found:
                return found, True
            app = self.app
            with self.ctx.recorder.step("upload", app=self.name, selector="payments.file",
                                        data={"file": path.name,
                                              "end_to_end_id": end_to_end_id}):
                app.locator("payments.file").set_input_files(str(path))
            app.click("payments.upload")
            if app.wait_for_any(["payments.result", "payments.error"]) == "payments.error":
                raise BusinessFailure("BANK_REFUSED_PAYMENT", app.text("payments.error"))
            row = app.locator("payments.accepted").filter(has_text=end_to_end_id).first
            return row.locator("td.bank-ref").inner_text().strip(), False
        return attempt(self, work)
