"""The legacy ERP's refund pages, driven by address in the browser: the open credit
balances, a customer's bank details and the refund of one credit balance.

Each read or action is one unit of work for :func:`bots.runtime.retry.attempt`: a session
that expired (the ERP sends the page to its sign-on form) or an error page signs in again
(:class:`bots.runtime.signon.SignedOnSession`) and repeats it. The refund reads the
balance's refund page first and posts only when the ERP shows no refund of it, and the ERP
answers the same reference with the same document, so a repeated attempt never refunds
twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import quote

from bots.refunds.policy import BankDetails
from bots.runtime import ApplicationFailure, BusinessFailure, RunContext
from bots.runtime.money import parse_amount
from bots.runtime.retry import attempt
from bots.runtime.signon import SignedOnSession, SignOnForm

__all__ = ["Balance", "RefundDone", "RefundsErp"]

SIGN_ON = SignOnForm("/ar/login.do", expired_at="/login.do")


@dataclass(frozen=True)
class Balance:
    """One credit balance the ERP owes a customer."""

    balance_id: int
    customer_id: str
    customer_name: str
    amount: Decimal
    currency: str
    document: str  # the credit memo that left it: the work item's reference
    created_on: str
    status: str
    refund_document: str

    def as_data(self) -> dict[str, str]:
        return {"balance_id": str(self.balance_id), "customer_id": self.customer_id,
                "customer_name": self.customer_name, "amount": f"{self.amount:.2f}",
                "currency": self.currency, "document": self.document,
                "created_on": self.created_on, "status": self.status}


@dataclass(frozen=True)
class RefundDone:
    """The ERP's refund document of a balance (posted now, or found)."""

    number: str
    amount: Decimal
    iban: str
    reference: str
    already: bool


class RefundsErp:
    name = "legacy_erp"

    def __init__(self, ctx: RunContext, credential: str) -> None:
        self.ctx, self.credential = ctx, credential
        self.session = SignedOnSession(ctx, self.name, credential, SIGN_ON)
        self.app = self.session.app

    def recover(self) -> None:
        self.session.recover()

    def _open(self, path: str) -> None:
        self.session.ensure()
        self.app.open(path)
        self.session.check()

    # -- reading ---------------------------------------------------------------------
    def balances(self, status: str = "open") -> list[Balance]:
        """The credit balances of ``status`` (open, refunded or all)."""
        return attempt(self, lambda: self._balances(status))

    def _balances(self, status: str) -> list[Balance]:
        self._open(f"/ar/credit-balances?status={quote(status)}")
        self.app.wait_for("balances.table")
        return [Balance(int(r.text("id")), r.text("customer"), r.text("name"),
                        parse_amount(r.text("amount"), f"credit balance {r.text('document')}"),
                        r.text("currency"), r.text("document"), r.text("created"),
                        r.text("status"), r.text("refund"))
                for r in self.app.rows("balances.rows")]

    def balance(self, document: str, known: list[Balance] | None = None) -> Balance | None:
        """The credit balance left by ``document``, whatever its status (from ``known``,
        the list read earlier in the run, when it holds it)."""
        found = next((b for b in known or [] if b.document == document), None)
        return found or next((b for b in self.balances("all") if b.document == document),
                             None)

    def bank_details(self, customer_id: str) -> BankDetails | None:
        return attempt(self, lambda: self._bank_details(customer_id))

    def _bank_details(self, customer_id: str) -> BankDetails | None:
        self._open(f"/ar/bank-details/{quote(customer_id)}")
        app = self.app
        if app.wait_for_any(["bank.holder", "bank.none"]) == "bank.none":
            return None
        rows = app.rows("bank.details")
        if not rows or rows[0].text("customer") != customer_id:
            raise ApplicationFailure("ERP_UNEXPECTED_PAGE", f"no bank details of {customer_id}")
        row = rows[0]
        changed = row.text("changed_on")
        try:
            changed_on = dt.date.fromisoformat(changed) if changed else None
        except ValueError:
            changed_on = None
        return BankDetails(customer_id, row.text("holder"), row.text("iban"), row.text("bic"),
                           changed_on, row.text("changed_by"))

    def screenshot(self, label: str) -> str | None:
        return self.app.checkpoint(label)

    # -- refunding -------------------------------------------------------------------
    def refund(self, balance_id: int, iban: str, reference: str) -> RefundDone:
        """The balance refunded to ``iban`` under ``reference``; a refund the ERP shows
        already is returned as found (``already``)."""
        return attempt(self, lambda: self._refund(balance_id, iban, reference))

    def _shown_refund(self, already: bool) -> RefundDone:
        rows = self.app.rows("refund.done")
        if not rows:
            raise ApplicationFailure("ERP_UNEXPECTED_PAGE", "no refund document shown")
        row = rows[0]
        return RefundDone(row.text("number"), parse_amount(row.text("amount"), "refund"),
                          row.text("iban"), row.text("reference"), already)

    def _refund(self, balance_id: int, iban: str, reference: str) -> RefundDone:
        self._open(f"/ar/credit-balances/{balance_id}/refund")
        app = self.app
        if app.wait_for_any(["refund.document", "refund.post"]) == "refund.document":
            return self._shown_refund(True)  # the idempotency look-up: done before
        app.fill("refund.iban", iban)
        app.fill("refund.reference", reference)
        app.click("refund.post")
        app.page.wait_for_load_state("load")
        self.session.check()
        if app.wait_for_any(["refund.document", "refund.error"]) == "refund.error":
            raise BusinessFailure("ERP_REFUSED_REFUND", app.text("refund.error"))
        return self._shown_refund(False)
