"""The bank's online banking, driven through its pages: login with TOTP, statement download."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bots.runtime import ApplicationFailure, RunContext
from bots.runtime.errors import ConfigError
from bots.runtime.retry import attempt

FORMATS = ("camt053", "mt940", "bai2", "csv")


class BankSite:
    name = "sandbox_bank"

    def __init__(self, ctx: RunContext, credential: str) -> None:
        self.ctx, self.credential = ctx, credential
        self.app = ctx.browser.app(self.name)

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

    def recover(self) -> None:
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
