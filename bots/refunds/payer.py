"""Paying a refund at the bank: one pain.001 file with one credit transfer per ERP refund
document, uploaded only when the bank holds no transfer with its EndToEndId (the document
number), so one refund is one transfer however often the bot runs or retries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from bots.cashapp.bank import BankSite
from bots.cashapp.identifiers import compact
from bots.cashapp.pain001 import CreditTransfer, Debtor, build
from bots.runtime import RunContext
from bots.runtime.retry import attempt

__all__ = ["RefundPayer"]


class RefundPayer:
    """Pays refunds from the company's account (``company_iban``, else the bank's first
    account of the login); the bank is signed on when the first refund needs it."""

    def __init__(self, ctx: RunContext, bank: Callable[[], BankSite], company_name: str,
                 company_iban: str = "") -> None:
        self.ctx, self.company, self._iban = ctx, company_name, compact(company_iban)
        self._make_bank, self._bank = bank, None

    @property
    def bank(self) -> BankSite:
        if self._bank is None:
            self._bank = self._make_bank()
        return self._bank

    def account(self) -> str:
        if not self._iban:
            self._iban = compact(attempt(self.bank, self._first_account))
        return self._iban

    def _first_account(self) -> str:
        bank = self.bank
        bank.login()  # once a run: the account is remembered
        bank.app.click("nav.accounts")
        bank.app.wait_for("accounts.list")
        return bank.app.text("accounts.first_iban")

    def pay(self, number: str, amount: Decimal, currency: str, holder: str, iban: str,
            remittance: str) -> tuple[str, bool]:
        """``(bank reference, found already)`` of the transfer of refund ``number``."""
        folder = self.ctx.run_dir / "payments"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{number}.xml"
        path.write_bytes(build(
            Debtor(self.company, self.account()), f"FB-{number}",
            [CreditTransfer(number, amount, holder, iban, remittance, currency)],
            execution_date=dt.datetime.now(dt.UTC).date()))
        with self.ctx.recorder.step("pay_refund", app=self.bank.name,
                                    rule="one transfer per refund document",
                                    data={"end_to_end_id": number, "amount": f"{amount:.2f}",
                                          "file": path.name}) as st:
            reference, found = self.bank.pay_once(path, number)
            st.data.update(bank_reference=reference, found_already_paid=found)
        return reference, found
