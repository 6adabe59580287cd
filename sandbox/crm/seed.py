"""The service desk's seeded accounts: every customer the legacy ERP knows (the day's
cash-application customers, the collections month's and the credit customers), with the
open balance of their ERP open items, a standing read from those items (overdue, in
dispute) and a few service tickets, as a CRM holds them before any bot touched it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from sandbox.collections_scenario import DISPUTES, NEW_CUSTOMERS, NEW_INVOICES
from sandbox.erp.ext import credit
from sandbox.scenario import STATEMENT_DATE, Scenario

__all__ = ["SeedAccount", "SeedTicket", "accounts", "tickets"]


@dataclass(frozen=True)
class SeedAccount:
    customer_id: str
    name: str
    open_balance: Decimal
    standing: str
    owner: str


@dataclass(frozen=True)
class SeedTicket:
    customer_id: str
    category: str  # dispute | service | billing
    subject: str
    opened_on: dt.date
    opened_by: str


#: the service agents who own the accounts, in turn
OWNERS = ("Lena Vogt", "Tom Brennan")


def _open_items(scenario: Scenario) -> Iterator[tuple[str, Decimal, dt.date]]:
    for inv in scenario.invoices:
        yield inv.customer_id, inv.amount, inv.due_date
    for inv in NEW_INVOICES:
        yield inv.customer_id, inv.amount, inv.due_date
    for cust in credit.CUSTOMERS:
        for _number, amount, due in cust.invoices:
            yield cust.customer_id, amount, due


def accounts(scenario: Scenario) -> list[SeedAccount]:
    """One account per ERP customer, ordered by customer number."""
    names = {c.customer_id: c.name for c in (*scenario.customers, *NEW_CUSTOMERS)}
    names.update({c.customer_id: c.name for c in credit.CUSTOMERS})
    balance = dict.fromkeys(names, Decimal("0.00"))
    overdue: set[str] = set()
    for customer_id, amount, due in _open_items(scenario):
        balance[customer_id] = balance.get(customer_id, Decimal("0.00")) + amount
        if due < STATEMENT_DATE:
            overdue.add(customer_id)
    disputed = {d.customer_id for d in DISPUTES}
    out = []
    for n, customer_id in enumerate(sorted(names)):
        standing = ("in dispute" if customer_id in disputed
                    else "overdue" if customer_id in overdue else "good")
        out.append(SeedAccount(customer_id, names[customer_id], balance[customer_id],
                               standing, OWNERS[n % len(OWNERS)]))
    return out


def tickets() -> list[SeedTicket]:
    """The collections month's disputes as open dispute tickets, and a few service ones."""
    found = [SeedTicket(d.customer_id, "dispute", f"Dispute {d.invoice_number}: {d.reason}",
                        d.opened_on, OWNERS[0]) for d in DISPUTES]
    found += [
        SeedTicket("C1001", "service", "Delivery address change for the Hamburg plant",
                   dt.date(2026, 11, 12), OWNERS[1]),
        SeedTicket("C1006", "billing", "Customer asks for invoice copies as PDF",
                   dt.date(2026, 11, 16), OWNERS[0]),
    ]
    return found
