"""The service desk (CRM) driven in the browser by logical selectors: sign in, read an
account (finance fields, notes, tickets), open or close a ticket, save the finance form
with its note.

A page the desk answers with ``.error`` after a change is its refusal (an account locked
by another user, a note too long): :class:`Refusal`, a business failure that opens a
``CRM_REFUSED`` case with the desk's message and that page's screenshot. A
session that expired sends the page to the sign-in form: an ApplicationFailure, so
:func:`bots.runtime.retry.attempt` signs in again and repeats the (idempotent) work.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from urllib.parse import quote

from bots.crm_sync.case_types import REFUSED
from bots.crm_sync.mapping import Account, TicketAction
from bots.runtime import ApplicationFailure, BusinessFailure, RunContext
from bots.runtime.errors import ConfigError, HttpStatusError

__all__ = ["AccountPage", "Refusal", "ServiceDesk"]

FORM_FIELDS = ("open_balance", "last_payment_date", "last_payment_amount", "refund_pending",
               "finance_case", "finance_status")


class Refusal(BusinessFailure):
    """The desk refused a change (``CRM_REFUSED``); ``said`` is what its page said."""

    def __init__(self, said: str, page: str) -> None:
        super().__init__(REFUSED, f"the service desk refused the change: {said}",
                         data={"crm_message": said, "crm_page": page})
        self.said, self.page = said, page


@dataclass(frozen=True)
class AccountPage:
    customer_id: str
    name: str
    fields: Account
    note_refs: frozenset[str]
    tickets: tuple[dict[str, str], ...]
    locked: bool


class ServiceDesk:
    name = "service_desk"

    def __init__(self, ctx: RunContext, credential: str) -> None:
        self.ctx, self.credential = ctx, credential
        self.app = ctx.browser.app(self.name)
        self._signed_in = False
        self._showing: str | None = None  # the account whose page the browser shows

    # -- session -----------------------------------------------------------------------
    def login(self) -> None:
        cred = self.ctx.credential(self.credential)
        app = self.app
        app.open("/crm/login")
        app.fill("login.username", cred.username)
        app.fill("login.password", cred.password, secret=True)
        app.click("login.submit")
        app.page.wait_for_load_state("load")
        if "/crm/login" in app.page.url:
            raise ConfigError(f"the service desk refused the login of {self.credential}: "
                              f"{app.text('login.error')}")
        self._signed_in = True

    def recover(self) -> None:
        self._signed_in, self._showing = False, None
        self.login()

    def _check_signed_in(self) -> None:
        if "/crm/login" in self.app.page.url:
            self._signed_in = False
            raise ApplicationFailure("CRM_SESSION_EXPIRED", "the service desk session expired")

    def _open(self, path: str) -> None:
        self._showing = None
        if not self._signed_in:
            self.login()
        self.app.open(path)
        self._check_signed_in()

    def _submitted(self, button: str) -> None:
        """Click ``button``; the desk's refusal raises :class:`Refusal`."""
        self._showing = None
        self.app.click(button)
        self.app.page.wait_for_load_state("load")
        self._check_signed_in()
        if self.app.exists("page.error"):
            raise Refusal(self.app.text("page.error"), self.app.page.url)

    # -- reading ---------------------------------------------------------------------
    def account(self, customer_id: str) -> AccountPage | None:
        """The account page (None: the desk has no such account). The page the desk
        answered the last update with is read where it is (the customer's next event
        needs no page load)."""
        if self._showing == customer_id:
            return self._shown_account(customer_id)
        try:
            self._open(f"/crm/account?id={quote(customer_id)}")
        except HttpStatusError as exc:  # the desk answers an unknown account with a 404
            if exc.status != 404 or not self.app.exists("account.not_found"):
                raise
            return None
        return self._shown_account(customer_id)

    def _shown_account(self, customer_id: str) -> AccountPage | None:
        app = self.app
        found = app.rows("account.summary", wait=True)
        row = found[0] if found else None
        if row is None or row.get("customer") is None:
            if app.exists("account.not_found"):
                return None
            raise ApplicationFailure("CRM_UNEXPECTED_PAGE", f"account {customer_id} not shown")
        shown = row.text("customer")
        if shown != customer_id:
            raise ApplicationFailure("CRM_UNEXPECTED_PAGE", f"account {customer_id} not "
                                     f"shown ({shown})")
        fields = Account(
            standing=row.text("standing"), open_balance=_balance(row.text("open_balance")),
            last_payment_date=row.text("last_payment_date"),
            last_payment_amount=row.text("last_payment_amount"),
            credit_hold=row.text("credit_hold") == "Yes",
            refund_pending=row.text("refund_pending"),
            finance_case=row.text("finance_case"),
            finance_status=row.text("finance_status"),
            open_disputes=int(row.text("open_disputes") or 0))
        refs = frozenset(r.text("ref") for r in app.rows("account.notes") if r.get("ref"))
        tickets = tuple(r.cells() for r in app.rows("account.tickets"))
        self._showing = customer_id
        return AccountPage(customer_id, row.text("name"), fields, refs, tickets,
                           row.get("locked") is not None)

    # -- changing --------------------------------------------------------------------
    def ticket(self, customer_id: str, shown: AccountPage, action: TicketAction) -> str:
        """Open or close the dispute ticket of ``action``; what was done, in words. The
        account page ``shown`` is the one the browser shows now."""
        found = next((t for t in shown.tickets if t.get("ref") == action.ref), None)
        if found is None and action.action == "close":  # one a person opened
            found = next((t for t in shown.tickets if t.get("category") == "dispute"
                          and t.get("status") == "open"
                          and any(n in t.get("subject", "") for n in action.invoices)), None)
        if action.action == "open":
            if found is not None:
                return f"dispute ticket {found['number']} was open already"
            app = self.app
            app.select("ticket_form.category", "dispute")
            app.fill("ticket_form.subject", action.subject)
            app.fill("ticket_form.comment", action.comment)
            app.fill("ticket_form.ref", action.ref)
            self._submitted("ticket_form.submit")
            return f"dispute ticket {app.text('ticket.number')} opened"
        if found is None:
            return "no open dispute ticket to close"
        if found.get("status") == "closed":
            return f"dispute ticket {found['number']} was closed already"
        self._open(f"/crm/ticket?id={quote(found['number'])}")
        self.app.fill("ticket.comment", action.comment)
        self._submitted("ticket.close")
        return f"dispute ticket {found['number']} closed"

    def save(self, customer_id: str, before: Account, after: Account, note: str,
             note_ref: str) -> None:
        """Save the finance form with ``after`` and the note ``note_ref`` in one post;
        only the fields that differ from ``before`` (the account page just read) are
        typed, so a field another user changed meanwhile is left as they set it."""
        self._open(f"/crm/account/edit?id={quote(customer_id)}")
        app = self.app
        old, new = before.form_values(), after.form_values()
        for name in ("standing", "credit_hold"):
            if old[name] != new[name]:
                app.select(f"finance.{name}", new[name])
        for name in FORM_FIELDS:
            if old[name] != new[name]:
                app.fill(f"finance.{name}", new[name])
        app.fill("finance.note", note)
        app.fill("finance.note_ref", note_ref)
        self._submitted("finance.save")
        self._showing = customer_id  # the desk answers with the account's page

    def checkpoint(self, label: str) -> str | None:
        return self.app.checkpoint(label)


def _balance(text: str) -> Decimal:
    """The open balance the page shows (a credit balance is negative)."""
    try:
        amount = Decimal(text.replace(",", "").strip())
    except InvalidOperation:
        raise ApplicationFailure("CRM_UNEXPECTED_PAGE", f"open balance {text!r} is no "
                                 "amount") from None
    if not amount.is_finite():
        raise ApplicationFailure("CRM_UNEXPECTED_PAGE", f"open balance {text!r} is no amount")
    return amount.quantize(Decimal("0.01"))
