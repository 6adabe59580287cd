"""The legacy ERP's credit pages, driven by address in the browser: the held-orders list,
an order with its Release and Reject actions, and a customer's account statement (open
items with days overdue and disputes, the paid items' average days late).

Each read or action is one unit of work for :func:`bots.runtime.retry.attempt`: a session
that expired (the ERP sends the page to its sign-on form) or an error page signs in again
(:class:`bots.runtime.signon.SignedOnSession`) and repeats it. Releasing and rejecting
read the order's credit status first, so a repeated attempt never decides an order twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import quote

from bots.runtime import ApplicationFailure, RunContext
from bots.runtime.money import parse_amount
from bots.runtime.retry import attempt
from bots.runtime.signon import SignedOnSession, SignOnForm

__all__ = ["CreditErp", "Decided", "HeldOrder", "OpenItem", "OrderPage", "Statement"]

HELD = "on credit hold"
#: no page marks a signed-on session: the sign-on form's address tells
SIGN_ON = SignOnForm("/ar/login.do", expired_at="/login.do")


def _amount(text: str, what: str) -> Decimal:
    return parse_amount(text.replace(",", ""), what, allow_zero=True)


@dataclass(frozen=True)
class HeldOrder:
    order: str
    customer_id: str
    amount: Decimal
    currency: str
    status: str
    hold_reason: str


@dataclass(frozen=True)
class OrderPage:
    order: str
    customer_id: str
    customer_name: str
    amount: Decimal
    currency: str
    status: str
    hold_reason: str
    credit_limit: Decimal | None
    risk_class: str
    decisions: tuple[dict[str, str], ...]


@dataclass(frozen=True)
class OpenItem:
    invoice: str
    due: dt.date
    open: Decimal
    days_overdue: int
    disputed: bool


@dataclass(frozen=True)
class Statement:
    open_items: tuple[OpenItem, ...]
    avg_days_late: Decimal | None  # None: no paid history


@dataclass(frozen=True)
class Decided:
    """What the ERP shows after a decision (or already showed before it)."""

    status: str
    already: bool  # the order was no longer on hold: nothing was done
    decision: dict[str, str] | None


class CreditErp:
    name = "legacy_erp"

    def __init__(self, ctx: RunContext, credential: str) -> None:
        self.ctx, self.credential = ctx, credential
        self.session = SignedOnSession(ctx, self.name, credential, SIGN_ON)
        self.app = self.session.app

    # -- session -----------------------------------------------------------------------
    def login(self) -> None:
        self.session.sign_on()

    def recover(self) -> None:
        self.session.recover()

    def _open(self, path: str) -> None:
        self.session.ensure()
        self.app.open(path)
        self.session.check()

    # -- reading ---------------------------------------------------------------------
    def held_orders(self) -> tuple[dt.date, list[HeldOrder]]:
        """The ERP's business date and its orders on credit hold."""
        return attempt(self, lambda: self._orders("/ar/heldorders.do"))

    def customer_orders(self, customer_id: str) -> list[HeldOrder]:
        """Every order of the customer, whatever its credit status."""
        path = f"/ar/heldorders.do?customer={quote(customer_id)}&status=all"
        return attempt(self, lambda: self._orders(path))[1]

    def _orders(self, path: str) -> tuple[dt.date, list[HeldOrder]]:
        self._open(path)
        self.app.wait_for("orders.table")
        day = dt.date.fromisoformat(self.app.text("orders.business_date"))
        rows = [HeldOrder(r.text("order"), r.text("customer"),
                          _amount(r.text("amount"), f"order {r.text('order')}"),
                          r.text("currency"), r.text("status"), r.text("hold_reason"))
                for r in self.app.rows("orders.rows")]
        return day, rows

    def order(self, number: str) -> OrderPage:
        return attempt(self, lambda: self._order(number))

    def _order(self, number: str) -> OrderPage:
        self._open(f"/ar/salesorder.do?order={quote(number)}")
        return self._shown_order(number)

    def _shown_order(self, number: str) -> OrderPage:
        """The order page the browser shows now."""
        app = self.app
        if not app.exists("order.number") or app.text("order.number") != number:
            raise ApplicationFailure("ERP_UNEXPECTED_PAGE", f"order {number} not shown")
        limit = app.text("order.credit_limit")
        return OrderPage(
            app.text("order.number"), app.text("order.customer"), app.text("order.name"),
            _amount(app.text("order.amount"), f"order {number}"), app.text("order.currency"),
            app.text("order.status"), app.text("order.hold_reason"),
            _amount(limit, "credit limit") if limit else None, app.text("order.risk_class"),
            tuple(r.cells() for r in app.rows("order.decisions")))

    def statement(self, customer_id: str) -> Statement:
        """The customer's account statement: open items, disputes, paid history."""
        return attempt(self, lambda: self._statement(customer_id))

    def _statement(self, customer_id: str) -> Statement:
        self._open(f"/ar/statement.do?id={quote(customer_id)}")
        app = self.app
        if app.text("statement.customer") != customer_id:
            raise ApplicationFailure("ERP_UNEXPECTED_PAGE", f"no statement of {customer_id}")
        items = tuple(
            OpenItem(r.text("invoice"), dt.date.fromisoformat(r.text("due")),
                     _amount(r.text("open"), f"invoice {r.text('invoice')}"),
                     int(r.text("days_overdue") or 0), r.text("disputed") == "Yes")
            for r in app.rows("statement.open_items"))
        late = app.text("statement.avg_days_late")
        return Statement(items, None if late in ("", "-") else Decimal(late))

    def screenshot(self, label: str) -> str | None:
        """A checkpoint screenshot of the page now shown (the order, as evidence)."""
        return self.app.checkpoint(label)

    # -- deciding --------------------------------------------------------------------
    def decide(self, number: str, action: str, reason: str, approver: str, *,
               shown: bool = False) -> Decided:
        """Release or reject the order with ``reason`` and ``approver``, unless the ERP
        shows it is no longer on credit hold (then nothing is done).

        ``shown``: the browser shows the order's page, just read; the first attempt reads
        the status there instead of loading the page again (a repeated one always does).
        """
        if action not in ("release", "reject"):
            raise ValueError(f"release or reject, not {action!r}")
        first = [shown]

        def work() -> Decided:
            use_shown, first[0] = first[0], False
            return self._decide(number, action, reason, approver, use_shown)
        return attempt(self, work)

    def _decide(self, number: str, action: str, reason: str, approver: str,
                shown: bool = False) -> Decided:
        # the idempotency look-up: the status the ERP shows
        page = self._shown_order(number) if shown else self._order(number)
        if page.status != HELD:
            last = page.decisions[-1] if page.decisions else None
            return Decided(page.status, True, last)
        self.app.fill("order.reason", reason[:500])
        self.app.fill("order.approver", approver[:100])
        self.app.click(f"order.{action}")
        self.app.page.wait_for_load_state("load")
        self.session.check()
        if self.app.exists("order.error"):
            raise ApplicationFailure("ERP_REFUSED", self.app.text("order.error"))
        after = self._shown_order(number)  # the ERP answers with the order's page
        if after.status == HELD:
            raise ApplicationFailure("ERP_NOT_DECIDED", f"order {number} is still on hold")
        return Decided(after.status, False, after.decisions[-1] if after.decisions else None)
