"""Where the disputes bot carries out people's decisions: the billing portal's claims desk
(claims rejected and closed, credit memos requested and released) and the ERP (credit memo
and write-off documents, invoices' open amounts).

Every action reads first and is idempotent in its target: a claim already rejected or
closed is left as it is; a credit memo request with a reference used before answers with
the existing request; an ERP adjustment with a reference used before answers with the
existing document. A repeated attempt (after an expired session) or a rerun therefore
never issues anything twice. Pages are driven through logical selectors
(``selectors/billing_portal.yaml``, ``selectors/legacy_erp.yaml``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TypeVar
from urllib.parse import quote, urlencode

from bots.runtime import ApplicationFailure, BusinessFailure, RunContext
from bots.runtime.signon import SignedOnSession, SignOnForm

__all__ = ["Adjustment", "ClaimState", "CreditMemoRequest", "ResolutionDesk"]

T = TypeVar("T")

DESK_FORM = SignOnForm(path="/claims/login", username="desk.username",
                       password="desk.password", submit="desk.sign_in",
                       refused="desk.refused", code="PORTAL")
ERP_FORM = SignOnForm(path="/ar/login.do", expired_at="/login.do", code="ERP")
ERP_TROUBLE = ("login.username", "error.page")


def _money(text: str, what: str) -> Decimal:
    cleaned = text.strip().replace(",", "").replace("EUR", "").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ApplicationFailure("TARGET_UNREADABLE", f"{what}: {text!r} is no amount") from None
    if not value.is_finite():
        raise ApplicationFailure("TARGET_UNREADABLE", f"{what}: {text!r} is no amount")
    return value.quantize(Decimal("0.01"))


@dataclass(frozen=True, slots=True)
class ClaimState:
    """A claim as the claims desk shows it."""

    claim_id: str
    status: str  # new | received | rejected | credited | closed
    case_ref: str
    message: str  # the message shown to the customer ("" when none)


@dataclass(frozen=True, slots=True)
class CreditMemoRequest:
    """A credit memo request of the claims desk and, once released, its credit memo."""

    request_id: str
    status: str  # blocked | released | rejected
    number: str  # CM-2026-1nnn once released, else ""
    approved_by: str


@dataclass(frozen=True, slots=True)
class Adjustment:
    """An ERP credit memo or write-off document: what it took off the invoice's open
    amount and what became a credit balance."""

    document: str
    applied: Decimal
    credit_balance: Decimal


class ResolutionDesk:
    """The claims desk and the ERP, as the disputes bot changes them."""

    def __init__(self, ctx: RunContext, *, portal_credential: str, erp_credential: str,
                 portal: SignedOnSession | None = None,
                 erp: SignedOnSession | None = None) -> None:
        """``portal``/``erp``: sessions the run signed on already (the intake's), shared so
        one tab per app is signed on once."""
        self.ctx = ctx
        self.portal = portal or SignedOnSession(ctx, "billing_portal", portal_credential,
                                                DESK_FORM)
        self.erp = erp or SignedOnSession(ctx, "legacy_erp", erp_credential, ERP_FORM)

    # -- portal pages ----------------------------------------------------------------------
    def _desk_page(self, path: str, expect: str) -> None:
        self.portal.ensure()
        self.portal.app.open(path)
        self.portal.check()
        found = self.portal.app.wait_for_any([expect, "claim.error",
                                              "desk.username"])
        if found == "desk.username":
            self.portal.expire()
        if found != expect:
            raise BusinessFailure("DESK_NOT_FOUND", f"the claims desk shows no {expect} on "
                                  f"{path}: {self.portal.app.text('claim.error')}")

    def _portal(self, unit: Callable[[], T]) -> T:
        return self.portal.work(unit)

    def claim(self, claim_id: str) -> ClaimState:
        """The claim's status, case reference and message to the customer."""
        return self._portal(lambda: self._claim(claim_id))

    def _claim(self, claim_id: str) -> ClaimState:
        app = self.portal.app
        self._desk_page(f"/claims/desk/{quote(claim_id)}", "claim.id")
        message = app.text("claim.customer_message") if app.exists(
            "claim.customer_message") else ""
        return ClaimState(app.text("claim.id").strip(), app.text("claim.status").strip(),
                          app.text("claim.case_ref").strip(), message.strip())

    def reject_claim(self, claim_id: str, message: str) -> ClaimState:
        """Reject the claim with ``message`` for the customer (a claim already rejected or
        closed is left as it is)."""
        def work() -> ClaimState:
            found = self._claim(claim_id)
            if found.status in ("rejected", "closed"):
                return found
            app = self.portal.app
            app.fill("claim.message_input", message)
            app.click("claim.reject")
            app.page.wait_for_load_state("load")
            self.portal.check()
            after = self._claim(claim_id)
            if after.status != "rejected":
                raise BusinessFailure("CLAIM_NOT_REJECTED", f"the claims desk did not reject "
                                      f"{claim_id}: it shows {after.status}")
            return after
        return self._portal(work)

    def close_claim(self, claim_id: str, note: str) -> ClaimState:
        """Close the claim with ``note`` (a closed claim is left as it is)."""
        def work() -> ClaimState:
            found = self._claim(claim_id)
            if found.status == "closed":
                return found
            app = self.portal.app
            app.fill("claim.note_input", note)
            app.click("claim.close")
            app.page.wait_for_load_state("load")
            self.portal.check()
            after = self._claim(claim_id)
            if after.status != "closed":
                raise BusinessFailure("CLAIM_NOT_CLOSED", f"the claims desk did not close "
                                      f"{claim_id}: it shows {after.status}")
            return after
        return self._portal(work)

    def request_credit_memo(self, *, invoice: str, claim_id: str, amount: Decimal,
                            reason: str, reference: str) -> CreditMemoRequest:
        """Request a credit memo (the portal answers a used ``reference`` with its request)."""
        def work() -> CreditMemoRequest:
            app = self.portal.app
            query = urlencode({"invoice": invoice, "claim": claim_id})
            self._desk_page(f"/claims/credit-memos/new?{query}", "cm.amount")
            app.fill("cm.amount", f"{amount:.2f}")
            app.fill("cm.reason", reason)
            app.fill("cm.reference", reference)
            app.click("cm.request")
            found = app.wait_for_any(["cmreq.id", "claim.error", "desk.username"])
            if found == "desk.username":
                self.portal.expire()
            if found != "cmreq.id":
                raise BusinessFailure("CREDIT_MEMO_REFUSED", f"the claims desk refused the "
                                      f"credit memo of {amount:.2f} on {invoice}: "
                                      f"{app.text('claim.error')}")
            return self._shown_request()
        return self._portal(work)

    def _shown_request(self) -> CreditMemoRequest:
        app = self.portal.app
        number = app.text("cmreq.number").strip() if app.exists("cmreq.number") else ""
        approved = (app.text("cmreq.approved_by_value").strip()
                    if app.exists("cmreq.approved_by_value") else "")
        return CreditMemoRequest(app.text("cmreq.id").strip(),
                                 app.text("cmreq.status").strip(), number, approved)

    def credit_memo_request(self, request_id: str) -> CreditMemoRequest:
        def work() -> CreditMemoRequest:
            self._desk_page(f"/claims/credit-memos/{quote(request_id)}", "cmreq.id")
            return self._shown_request()
        return self._portal(work)

    def release_credit_memo(self, request_id: str, approvers: str) -> CreditMemoRequest:
        """Release the request with the approvers' names (a released one is left as it is)."""
        def work() -> CreditMemoRequest:
            app = self.portal.app
            self._desk_page(f"/claims/credit-memos/{quote(request_id)}", "cmreq.id")
            shown = self._shown_request()
            if shown.status != "blocked":
                return shown
            app.fill("cmreq.approved_by", approvers)
            app.click("cmreq.release")
            app.page.wait_for_load_state("load")
            self.portal.check()
            if app.exists("claim.error"):
                raise BusinessFailure("CREDIT_MEMO_NOT_RELEASED", f"the claims desk refused "
                                      f"to release credit memo request {request_id}: "
                                      f"{app.text('claim.error')}")
            self._desk_page(f"/claims/credit-memos/{quote(request_id)}", "cmreq.id")
            after = self._shown_request()
            if after.status != "released" or not after.number:
                error = (app.text("claim.error") if app.exists("claim.error")
                         else after.status)
                raise BusinessFailure("CREDIT_MEMO_NOT_RELEASED", f"the claims desk did not "
                                      f"release credit memo request {request_id}: {error}")
            return after
        return self._portal(work)

    # -- ERP pages -------------------------------------------------------------------------
    def _erp_page(self, path: str, expect: str) -> None:
        self.erp.ensure()
        self.erp.app.open(path)
        found = self.erp.app.wait_for_any([expect, "page.error", *ERP_TROUBLE])
        if found == "login.username":
            self.erp.expire()
        if found == "error.page":
            raise ApplicationFailure("ERP_TROUBLE", f"the ERP shows an error page on {path}")
        if found != expect:
            raise BusinessFailure("ERP_REFUSED", f"the ERP refused {path}: "
                                  f"{self.erp.app.text('page.error')}")

    def post_adjustment(self, *, kind: str, invoice: str, amount: Decimal, reference: str,
                        reason: str) -> Adjustment:
        """Post a credit memo or write-off on ``invoice`` (``reference`` used before: the
        existing document)."""
        if kind not in ("credit_memo", "write_off"):
            raise ValueError(f"kind: credit_memo or write_off, not {kind!r}")

        def work() -> Adjustment:
            app = self.erp.app
            self._erp_page(f"/ar/adjustments/new?{urlencode({'invoice': invoice})}",
                           "adj.amount")
            app.select("adj.kind", kind)
            app.fill("adj.invoice", invoice)
            app.fill("adj.amount", f"{amount:.2f}")
            app.fill("adj.reference", reference)
            app.fill("adj.reason", reason)
            app.click("adj.post")
            found = app.wait_for_any(["adj.document", "page.error", *ERP_TROUBLE])
            if found == "login.username":
                self.erp.expire()
            if found != "adj.document":
                error = app.text("page.error") if found == "page.error" else found
                raise BusinessFailure("ERP_ADJUSTMENT_REFUSED", f"the ERP refused the "
                                      f"{kind.replace('_', ' ')} of {amount:.2f} on {invoice}: "
                                      f"{error}")
            return Adjustment(app.text("adj.document").strip(),
                              _money(app.text("adj.applied"), "applied"),
                              _money(app.text("adj.credit_balance"), "credit balance"))
        return self.erp.work(work)

    def open_amounts(self) -> dict[str, Decimal]:
        """Every open invoice's open amount (the ERP's aging report); a paid invoice is
        not listed (its open amount is 0.00)."""
        def work() -> dict[str, Decimal]:
            self._erp_page("/ar/aging.do?view=detail", "aging.as_of")
            return {r.text("invoice").strip(): _money(r.text("open"), r.text("invoice"))
                    for r in self.erp.app.rows("aging.items")}
        return self.erp.work(work)
