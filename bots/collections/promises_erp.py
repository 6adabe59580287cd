"""Promises to pay in the legacy ERP (its promises page, ``/ar/promises.do``): read them,
enter one, set one's status. Driven through the collections bot's ERP session
(:class:`~bots.collections.erp.CollectionsErp`: sign-on, re-sign-on after an expired
session, every unit of work safe to repeat).

Entering is idempotent: a promise carrying the same reference (the message it came in, or
the worklist request), or an open one of the same date, amount and invoices, is there
already and is not entered twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from bots.collections.erp import TROUBLE, CollectionsErp, _money
from bots.runtime import ApplicationFailure, BusinessFailure

__all__ = ["ErpPromise", "enter_promise", "erp_promises", "open_amounts", "set_promise_status"]


@dataclass(frozen=True)
class ErpPromise:
    id: int
    promised_date: dt.date
    amount: Decimal
    invoices: tuple[str, ...]
    source: str
    entered_by: str
    status: str
    reference: str


def erp_promises(erp: CollectionsErp, customer_id: str) -> list[ErpPromise]:
    """The customer's promises as the ERP lists them."""
    def work() -> list[ErpPromise]:
        erp._page("/ar/promises.do", {"id": customer_id}, "promises.list")
        return [ErpPromise(int(r.text("id")), dt.date.fromisoformat(r.text("promised_date")),
                           _money(r.text("amount"), "promised amount"),
                           tuple(i.strip() for i in r.text("invoices").split(",") if i.strip()),
                           r.text("source"), r.text("entered_by"), r.text("status"),
                           r.text("reference"))
                for r in erp.app.rows("promises.rows")]
    return erp._work(work)


def _same(p: ErpPromise, when: dt.date, amount: Decimal, invoices: Sequence[str],
          reference: str) -> bool:
    if reference and p.reference == reference:
        return True
    return (p.status == "open" and p.promised_date == when and p.amount == amount
            and sorted(p.invoices) == sorted(invoices))


def enter_promise(erp: CollectionsErp, customer_id: str, when: dt.date, amount: Decimal,
                  invoices: Sequence[str], source: str, reference: str
                  ) -> tuple[ErpPromise, bool]:
    """The promise in the ERP and whether this call entered it (False: it was there).
    The ERP refusing it (an invoice not open, say) is a BusinessFailure naming why."""
    def find() -> ErpPromise | None:
        return next((p for p in erp_promises(erp, customer_id)
                     if _same(p, when, amount, invoices, reference)), None)

    def work() -> bool:
        if find() is not None:
            return False
        app = erp.app
        app.fill("promise.date", when.isoformat())
        app.fill("promise.amount", f"{amount:.2f}")
        app.fill("promise.invoices", ",".join(invoices))
        app.select("promise.source", source)
        app.fill("promise.reference", reference)
        app.click("promise.submit")
        found = app.wait_for_any(["page.message", "page.error", *TROUBLE])
        if found == "page.error":
            raise BusinessFailure("ERP_PROMISE_REFUSED",
                                  f"the ERP refused the promise of {customer_id}: "
                                  f"{app.text('page.error').strip()}")
        if found != "page.message":
            raise ApplicationFailure("ERP_TROUBLE", f"the ERP shows {found} after a promise")
        return True

    entered = erp._work(work)
    promise = find()
    if promise is None:
        raise ApplicationFailure("ERP_PROMISE_MISSING", f"the promise of {customer_id} "
                                 "is not listed after it was saved")
    return promise, entered


def set_promise_status(erp: CollectionsErp, customer_id: str, promise_id: int,
                       status: str) -> bool:
    """Set the promise's status; False when it has that status already."""
    def work() -> bool:
        current = next((p for p in erp_promises(erp, customer_id) if p.id == promise_id),
                       None)
        if current is None:
            raise BusinessFailure("ERP_PROMISE_MISSING",
                                  f"promise {promise_id} of {customer_id} is not in the ERP")
        if current.status == status:
            return False
        erp.app.fill("promise_status.id", str(promise_id))
        erp.app.select("promise_status.status", status)
        erp.app.click("promise_status.submit")
        if erp.app.wait_for_any(["page.message", "page.error", *TROUBLE]) != "page.message":
            raise ApplicationFailure("ERP_STATUS_REFUSED", f"the ERP did not set promise "
                                     f"{promise_id} to {status}")
        return True
    return erp._work(work)


def open_amounts(erp: CollectionsErp, as_of: dt.date | None = None
                 ) -> dict[str, dict[str, Decimal]]:
    """Open amount of every open invoice, by customer (from the aging report)."""
    _, items, _ = erp.aging(as_of)
    out: dict[str, dict[str, Decimal]] = {}
    for i in items:
        out.setdefault(i.customer_id, {})[i.invoice] = i.open
    return out
