"""The disputes bot's target systems, driven in the browser by logical selectors.

- :class:`ClaimsDesk`: the billing portal's claims desk (its own sign-on): the claims by
  status, a claim with its lines and attachment, receiving a claim with the case's
  reference (idempotent in the portal), registering a dispute that came by mail or as a
  deduction under its case (idempotent by the case reference), an invoice with its lines,
  contract prices and totals, and the invoice's PDF;
- :class:`DisputesErp`: the legacy ERP's order of an invoice with its delivery, a
  customer's master (name, mail address) and account statement.

Each read is one unit of work for :func:`bots.runtime.retry.attempt`: an expired session
(the page lands on the sign-on form) or an error page signs on again and repeats it.
Files (attachments, PDFs) are fetched with the browser's own session and size-limited.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

from bots.runtime import ApplicationFailure, BusinessFailure, RunContext
from bots.runtime.errors import HttpStatusError
from bots.runtime.signon import SignedOnSession, SignOnForm

__all__ = ["MAX_FILE_BYTES", "ClaimPage", "ClaimsDesk", "DisputesErp", "InvoicePage",
           "OrderPage", "money"]

#: the largest attachment or PDF the bot fetches
MAX_FILE_BYTES = 5 * 1024 * 1024
DESK_SIGN_ON = SignOnForm("/claims/login", username="desk.username",
                          password="desk.password", submit="desk.sign_in",
                          refused="desk.refused", expired_at="/claims/login", code="PORTAL")
ERP_SIGN_ON = SignOnForm("/ar/login.do", expired_at="/login.do")
_NOT_MONEY = re.compile(r"[^0-9.\-]")
_FILENAME = re.compile(r'filename="?([^";]+)"?')


def money(text: str | None, what: str) -> Decimal:
    """An amount as a page shows it (``1,249.98``, ``1249.98 EUR``) to the cent."""
    raw = _NOT_MONEY.sub("", (text or "").replace(",", ""))
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ApplicationFailure("PAGE_UNREADABLE", f"{what}: {text!r} is no amount") from None
    if not value.is_finite():
        raise ApplicationFailure("PAGE_UNREADABLE", f"{what}: {text!r} is no amount")
    return value.quantize(Decimal("0.01"))


def _when(text: str, what: str) -> dt.datetime:
    try:
        found = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ApplicationFailure("PAGE_UNREADABLE", f"{what}: {text!r} is no time") from None
    return found if found.tzinfo else found.replace(tzinfo=dt.UTC)


@dataclass(frozen=True, slots=True)
class ClaimPage:
    """A claim as the claims desk shows it."""

    claim_id: str
    invoice_number: str
    customer_id: str
    customer_name: str
    amount: Decimal
    currency: str
    received_at: dt.datetime
    text: str
    status: str
    case_ref: str
    lines: tuple[int, ...]
    attachment_href: str
    screenshot: str | None = None


@dataclass(frozen=True, slots=True)
class InvoicePage:
    """An invoice as the claims desk shows it (its lines with the contract price)."""

    number: str
    status: str
    customer_id: str
    lines: tuple[dict[str, str], ...]
    net: Decimal
    vat: Decimal
    gross: Decimal
    screenshot: str | None = None


@dataclass(frozen=True, slots=True)
class OrderPage:
    """The order an invoice bills, with its delivery, as the ERP shows it."""

    order_number: str
    order_date: str
    delivery_date: str
    proof_of_delivery: str
    lines: tuple[dict[str, str], ...]
    invoices: tuple[str, ...] = field(default=())
    screenshot: str | None = None


class _Target:
    """One signed-on application of the run's browser."""

    def __init__(self, ctx: RunContext, app: str, credential: str, form: SignOnForm) -> None:
        self.ctx = ctx
        self.session = SignedOnSession(ctx, app, credential, form)
        self.app = self.session.app

    def recover(self) -> None:
        self.session.recover()

    def _open(self, path: str) -> None:
        self.session.ensure()
        self.app.open(path)
        self.session.check()

    def fetch(self, href: str, what: str, limit: int = MAX_FILE_BYTES) -> bytes:
        return self.fetch_file(href, what, limit)[1]

    def fetch_file(self, href: str, what: str, limit: int = MAX_FILE_BYTES
                   ) -> tuple[str, bytes]:
        """A file the page links to (its name, its content), fetched with the browser's
        session (at most ``limit`` bytes: a larger one is refused as a business failure
        naming it)."""
        url = href if "://" in href else self.app.selectors.base_url + "/" + href.lstrip("/")

        def work() -> tuple[str, bytes]:
            self.session.ensure()
            with self.ctx.recorder.step("fetch file", app=self.app.app, data={
                    "url": url, "what": what}) as st:
                answer = self.app.page.request.get(url, max_redirects=0)
                st.data["status"] = answer.status
                if answer.status in (301, 302, 303, 307):
                    self.session.expire()
                if answer.status >= 400:
                    raise ApplicationFailure("HTTP_ERROR", f"{what}: {url} answered HTTP "
                                             f"{answer.status}")
                length = int(answer.headers.get("content-length") or 0)
                if length > limit:
                    raise BusinessFailure("FILE_TOO_LARGE", f"{what} is {length} bytes, "
                                          f"more than {limit}")
                body = answer.body()
                if len(body) > limit:
                    raise BusinessFailure("FILE_TOO_LARGE", f"{what} is {len(body)} bytes, "
                                          f"more than {limit}")
                st.data["bytes"] = len(body)
                found = _FILENAME.search(answer.headers.get("content-disposition") or "")
                name = found.group(1) if found else url.rstrip("/").rsplit("/", 1)[-1]
                return name, body
        return self.session.work(work)


class ClaimsDesk(_Target):
    """The billing portal's claims desk, signed on with the desk's vault login."""

    def __init__(self, ctx: RunContext, credential: str) -> None:
        super().__init__(ctx, "billing_portal", credential, DESK_SIGN_ON)
        self._invoices: dict[str, InvoicePage | None] = {}  # read once per run

    def claim_ids(self, status: str = "new") -> list[str]:
        """The ids of the claims in ``status``, as the desk lists them."""
        def work() -> list[str]:
            self._open(f"/claims/desk?status={quote(status)}")
            self.app.wait_for("desk.table")
            return [r.text("claim_id") for r in self.app.rows("desk.claims")]
        return self.session.work(work)

    def claim(self, claim_id: str) -> ClaimPage:
        return self.session.work(lambda: self._claim(claim_id))

    def _claim(self, claim_id: str, *, shot: bool = False) -> ClaimPage:
        self._open(f"/claims/desk/{quote(claim_id)}")
        app = self.app
        shown = app.text("claim.id") if app.exists("claim.id") else ""
        if shown != claim_id:
            raise ApplicationFailure("PORTAL_UNEXPECTED_PAGE", f"claim {claim_id} not shown")
        lines = app.page.eval_on_selector_all(
            "#lines li[data-line]", "els => els.map(e => e.dataset.line)")
        href = ""
        if app.exists("claim.attachment"):
            href = app.page.get_attribute("a#attachment", "href") or ""
        return ClaimPage(
            claim_id, app.text("claim.invoice").strip().upper(),
            app.text("claim.customer").strip(), app.text("claim.customer_name").strip(),
            money(app.text("claim.amount"), f"claim {claim_id} amount"),
            (app.text("claim.currency").strip() or "EUR").upper(),
            _when(app.text("claim.received_at"), f"claim {claim_id} received at"),
            app.text("claim.text"), app.text("claim.status").strip().lower(),
            app.text("claim.case_ref").strip() if app.exists("claim.case_ref") else "",
            tuple(int(x) for x in lines if str(x).isdigit()), href,
            app.checkpoint(f"claim-{claim_id}") if shot else None)

    def receive(self, claim_id: str, case_ref: str) -> str:
        """Receive the claim with ``case_ref`` (nothing when the portal shows it received
        with that reference already); the claim's status after."""
        def work() -> str:
            page = self._claim(claim_id)
            if page.status != "new" and page.case_ref == case_ref:
                return page.status
            self.app.fill("claim.case_ref_input", case_ref)
            self.app.click("claim.receive")
            self.app.page.wait_for_load_state("load")
            self.session.check()
            if self.app.exists("claim.error") and self.app.text("claim.error").strip():
                raise BusinessFailure("PORTAL_REFUSED_RECEIPT", f"claim {claim_id}: "
                                      f"{self.app.text('claim.error').strip()}",
                                      data={"claim_id": claim_id, "case_ref": case_ref})
            after = self._claim(claim_id, shot=True)
            if after.case_ref != case_ref:
                raise ApplicationFailure("PORTAL_NOT_RECEIVED", f"claim {claim_id} shows "
                                         f"case reference {after.case_ref!r}, not {case_ref}")
            return after.status
        return self.session.work(work)

    def register(self, *, invoice: str, amount: Decimal, text: str, channel: str,
                 case_ref: str) -> ClaimPage:
        """Register a dispute that came by ``channel`` (mail, deduction) on the desk under
        ``case_ref``: a claim received under the case, its invoice disputed. The desk
        answers a case reference registered before with that claim; the claim shown."""
        def work() -> ClaimPage:
            self._open("/claims/desk/register")
            app = self.app
            app.fill("register.invoice", invoice)
            app.fill("register.amount", f"{amount:.2f}")
            app.fill("register.text", text.strip()[:4000] or f"Dispute {case_ref}")
            app.select("register.channel", channel)
            app.fill("register.case_ref", case_ref)
            app.click("register.submit")
            app.page.wait_for_load_state("load")
            self.session.check()
            if app.exists("claim.error") and app.text("claim.error").strip():
                raise BusinessFailure("PORTAL_REFUSED_REGISTRATION", f"{case_ref}: the claims "
                                      f"desk refused to register the dispute of {invoice}: "
                                      f"{app.text('claim.error').strip()}",
                                      data={"case_ref": case_ref, "invoice": invoice})
            shown = app.text("claim.id").strip() if app.exists("claim.id") else ""
            if not shown:
                raise ApplicationFailure("PORTAL_UNEXPECTED_PAGE", f"{case_ref}: no claim "
                                         "shown after registering it")
            page = self._claim(shown, shot=True)
            if page.case_ref != case_ref or page.invoice_number != invoice.upper():
                raise ApplicationFailure("PORTAL_NOT_REGISTERED", f"claim {shown} shows "
                                         f"{page.invoice_number} under {page.case_ref!r}, not "
                                         f"{invoice} under {case_ref}")
            return page
        return self.session.work(work)

    def invoice(self, number: str) -> InvoicePage | None:
        """The invoice's page (None when the portal knows no such invoice), read once per
        run."""
        if number not in self._invoices:
            self._invoices[number] = self._invoice(number)
        return self._invoices[number]

    def _invoice(self, number: str) -> InvoicePage | None:
        def work() -> InvoicePage | None:
            try:
                self._open(f"/claims/invoices/{quote(number)}")
            except HttpStatusError as exc:
                if exc.status == 404:
                    return None
                raise
            app = self.app
            lines = tuple(r.cells() for r in app.rows("invoice.lines"))
            return InvoicePage(app.text("invoice.number").strip(),
                               app.text("invoice.status").strip(),
                               app.text("invoice.customer").strip(), lines,
                               money(app.text("invoice.net"), f"{number} net"),
                               money(app.text("invoice.vat"), f"{number} VAT"),
                               money(app.text("invoice.gross"), f"{number} gross"),
                               app.checkpoint(f"invoice-{number}"))
        return self.session.work(work)

    def invoice_pdf(self, number: str) -> bytes:
        return self.fetch(f"/claims/invoices/{quote(number)}.pdf", f"invoice {number} PDF")


class DisputesErp(_Target):
    """The legacy ERP, signed on with the disputes bot's vault login."""

    def __init__(self, ctx: RunContext, credential: str) -> None:
        super().__init__(ctx, "legacy_erp", credential, ERP_SIGN_ON)
        # read once per run: a customer's master and statement serve all its claims
        self._customers: dict[str, tuple[str, str]] = {}
        self._statements: dict[str, tuple[list[dict[str, Any]], str | None]] = {}

    def order(self, invoice_number: str) -> OrderPage | None:
        """The order ``invoice_number`` bills (None when the ERP knows none)."""
        def work() -> OrderPage | None:
            try:
                self._open(f"/orders/by-invoice/{quote(invoice_number)}")
            except HttpStatusError as exc:
                if exc.status == 404:
                    return None
                raise
            app = self.app
            if app.exists("order.error") or not app.exists("order.number"):
                return None
            lines = tuple(r.cells() for r in app.rows("order.lines"))
            invoices = tuple(r.text("invoice") for r in app.rows("order.invoices"))
            return OrderPage(app.text("order.number").strip(), app.text("order.date").strip(),
                             app.text("order.delivery_date").strip(),
                             app.text("order.proof_of_delivery").strip(), lines, invoices,
                             app.checkpoint(f"order-{invoice_number}"))
        return self.session.work(work)

    def customer(self, customer_id: str) -> tuple[str, str]:
        """The customer's name and mail address from its master record."""
        if customer_id not in self._customers:
            self._customers[customer_id] = self._customer(customer_id)
        return self._customers[customer_id]

    def _customer(self, customer_id: str) -> tuple[str, str]:
        def work() -> tuple[str, str]:
            self._open(f"/ar/customer.do?id={quote(customer_id)}")
            app = self.app
            if not app.exists("customer.id") or app.text("customer.id").strip() != customer_id:
                raise BusinessFailure("UNKNOWN_CUSTOMER", f"the ERP holds no customer "
                                      f"{customer_id}", customer=customer_id)
            email = app.text("customer.email").strip() if app.exists("customer.email") else ""
            return app.text("customer.name").strip(), email
        return self.session.work(work)

    def statement(self, customer_id: str) -> tuple[list[dict[str, Any]], str | None]:
        """The customer's open items (invoice, due, open, days overdue, disputed) and a
        screenshot of the statement."""
        if customer_id not in self._statements:
            self._statements[customer_id] = self._statement(customer_id)
        return self._statements[customer_id]

    def _statement(self, customer_id: str) -> tuple[list[dict[str, Any]], str | None]:
        def work() -> tuple[list[dict[str, Any]], str | None]:
            self._open(f"/ar/statement.do?id={quote(customer_id)}")
            app = self.app
            if app.text("statement.customer").strip() != customer_id:
                raise ApplicationFailure("ERP_UNEXPECTED_PAGE",
                                         f"no statement of {customer_id}")
            rows = [r.cells() for r in app.rows("statement.open_items")]
            return rows, app.checkpoint(f"statement-{customer_id}")
        return self.session.work(work)
