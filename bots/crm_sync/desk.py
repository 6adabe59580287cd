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
        self._signed_in = False
        self.login()

    def _check_signed_in(self) -> None:
        if "/crm/login" in self.app.page.url:
            self._signed_in = False
            raise ApplicationFailure("CRM_SESSION_EXPIRED", "the service desk session expired")

    def _open(self, path: str) -> None:
        if not self._signed_in:
            self.login()
        self.app.open(path)
        self._check_signed_in()

    def _submitted(self, button: str) -> None:
        """Click ``button``; the desk's refusal raises :class:`Refusal`."""
        self.app.click(button)
        self.app.page.wait_for_load_state("load")
        self._check_signed_in()
        if self.app.exists("page.error"):
            raise Refusal(self.app.text("page.error"), self.app.page.url)

    # -- reading ---------------------------------------------------------------------
    def account(self, customer_id: str) -> AccountPage | None:
        """The account page (None: the desk has no such account)."""
        try:
            self._open(f"/crm/account?id={quote(customer_id)}")
        except HttpStatusError as exc:  # the desk answers an unknown account with a 404
            if exc.status != 404 or not self.app.exists("account.not_found"):
                raise
            return None
        return self._shown_account(customer_id)

    def _shown_account(self, customer_id: str) -> AccountPage | None:
        app = self.app
        if app.exists("account.not_found"):
            return None
        shown = app.text("account.customer")
        if shown != customer_id:
            raise ApplicationFailure("CRM_UNEXPECTED_PAGE", f"account {customer_id} not "
                                     f"shown ({shown or 'another page'})")
        fields = Account(
            standing=app.text("account.standing"),
            open_balance=_balance(app.text("account.open_balance")),
            last_payment_date=app.text("account.last_payment_date"),
            last_payment_amount=app.text("account.last_payment_amount"),
            credit_hold=app.text("account.credit_hold") == "Yes",
            refund_pending=app.text("account.refund_pending"),
            finance_case=app.text("account.finance_case"),
            finance_status=app.text("account.finance_status"),
            open_disputes=int(app.text("account.open_disputes") or 0))
        refs = frozenset(r.text("ref") for r in app.rows("account.notes") if r.text("ref"))
        tickets = tuple(r.cells() for r in app.rows("account.tickets"))
        return AccountPage(customer_id, app.text("account.name"), fields, refs, tickets,
                           app.exists("account.locked"))

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

    def save(self, customer_id: str, fields: Account, note: str, note_ref: str) -> None:
        """Save the finance form with ``fields`` and the note ``note_ref`` in one post."""
        self._open(f"/crm/account/edit?id={quote(customer_id)}")
        app = self.app
        app.wait_for("finance.form")
        values = fields.form_values()
        app.select("finance.standing", values["standing"])
        app.select("finance.credit_hold", values["credit_hold"])
        for name in FORM_FIELDS:
            if app.value(f"finance.{name}") != values[name]:
                app.fill(f"finance.{name}", values[name])
        app.fill("finance.note", note)
        app.fill("finance.note_ref", note_ref)
        self._submitted("finance.save")

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
