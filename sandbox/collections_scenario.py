"""The seeded collections month: customer master data, overdue items, disputes, promises to
pay, unapplied cash, paid history and collection notes, with the dunning run's expected
outcome.

It builds on the cash-application day of :mod:`sandbox.scenario` (business date
``STATEMENT_DATE`` = 2026-11-20): the day's customers get master data and paid history, ten
new customers (``C2001``..``C2010``) bring items in every aging bucket, and Fjord Marine
(``C1006``), whose 2,000.00 payment of today the payment-posting bot cannot allocate
(``AMBIGUOUS``, an open case), also owes an older invoice.

The expected outcome assumes the day's cash application ran first and the dunning levels of
the collections bot's shipped configuration (level 1 from 10 days overdue, level 2 from 31,
level 3 from 61; the invoices listed are the overdue ones that may be reminded). The day's
order is the replies phase first, then dunning: a customer whose seeded reply promises to
pay every invoice of its reminder (C2001, C2002) is then not reminded, which the check
accounts for (:mod:`sandbox.collections_check`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sandbox.mail.addresses import customer_mailbox
from sandbox.scenario import STATEMENT_DATE, Customer, Invoice, Scenario

D = Decimal
AS_OF = STATEMENT_DATE
COLLECTORS = ("Maria Weber", "James Okafor")
TERMS_DAYS = {"NET14": 14, "NET30": 30, "NET45": 45}


@dataclass(frozen=True)
class AccountMaster:
    """What the ERP's customer master holds beyond the name."""

    customer_id: str
    payment_terms: str
    credit_limit: Decimal
    risk_class: str  # A (best) .. D
    collector: str
    language: str = "en"
    dunning_block: str = ""  # the block's reason; empty: not blocked

    @property
    def email(self) -> str:
        return customer_mailbox(self.customer_id)


@dataclass(frozen=True)
class PaidItem:
    """An invoice of the last twelve months, paid in full."""

    invoice_number: str
    customer_id: str
    amount: Decimal
    issue_date: dt.date
    due_date: dt.date
    paid_date: dt.date

    @property
    def days_late(self) -> int:
        return (self.paid_date - self.due_date).days


@dataclass(frozen=True)
class Dispute:
    invoice_number: str
    customer_id: str
    reason: str
    opened_on: dt.date


@dataclass(frozen=True)
class Promise:
    customer_id: str
    promised_date: dt.date
    amount: Decimal
    invoices: tuple[str, ...]
    source: str  # mail, call, letter, portal
    entered_by: str
    entered_on: dt.date


@dataclass(frozen=True)
class UnappliedCash:
    """Cash received and held on the customer's account, not yet applied to invoices."""

    document: str
    customer_id: str
    received_on: dt.date
    amount: Decimal
    text: str


@dataclass(frozen=True)
class Note:
    customer_id: str
    note_date: dt.date
    note_type: str  # reminder, call, promise, note
    text: str
    user: str


@dataclass(frozen=True)
class ExpectedReminder:
    customer_id: str
    level: int
    invoices: tuple[str, ...]
    language: str

    @property
    def to(self) -> str:
        return customer_mailbox(self.customer_id)

    @property
    def reference(self) -> str:
        return reminder_reference(self.customer_id, self.level, AS_OF)


@dataclass(frozen=True)
class CollectionsMonth:
    as_of: dt.date
    customers: tuple[Customer, ...]  # the new customers (the day's are in the scenario)
    masters: tuple[AccountMaster, ...]
    invoices: tuple[Invoice, ...]  # the new open invoices
    paid: tuple[PaidItem, ...]
    disputes: tuple[Dispute, ...]
    promises: tuple[Promise, ...]
    unapplied: tuple[UnappliedCash, ...]
    notes: tuple[Note, ...]
    reminders: tuple[ExpectedReminder, ...]
    skipped: dict[str, str]  # customer -> reason code
    dunning_blocks_set: tuple[str, ...]  # customers the last level blocks

    def master(self, customer_id: str) -> AccountMaster:
        return next(m for m in self.masters if m.customer_id == customer_id)


def reminder_reference(customer_id: str, level: int, as_of: dt.date) -> str:
    """The reference a reminder carries (mail header and ERP note): one per customer,
    level and as-of date."""
    return f"DUN-{customer_id}-L{level}-{as_of:%Y%m%d}"


NEW_CUSTOMERS = (
    Customer("C2001", "Aurora Textilwerke GmbH", ()),
    Customer("C2002", "Baltic Freight Ltd", ()),
    Customer("C2003", "Cobalt Mining plc", ()),
    Customer("C2004", "Delta Druck AG", ()),
    Customer("C2005", "Everest Hotels Ltd", ()),
    Customer("C2006", "Fennel Feinkost GmbH", ()),
    Customer("C2007", "Glacier Sports Inc.", ()),
    Customer("C2008", "Harbor Electronics B.V.", ()),
    Customer("C2009", "Iris Software Ltd", ()),
    Customer("C2010", "Juniper Medizintechnik GmbH", ()),
)

_W, _O = COLLECTORS
_MASTERS = {
    "C1001": ("NET30", "50000.00", "A", _W, "de"),
    "C1002": ("NET30", "25000.00", "B", _O, "en"),
    "C1003": ("NET45", "30000.00", "B", _O, "en"),
    "C1004": ("NET30", "20000.00", "A", _O, "en"),
    "C1005": ("NET30", "40000.00", "A", _W, "de"),
    "C1006": ("NET30", "15000.00", "B", _O, "en"),
    "C1007": ("NET14", "5000.00", "C", _O, "en"),
    "C1008": ("NET30", "35000.00", "B", _W, "de"),
    "C2001": ("NET30", "10000.00", "B", _W, "de"),
    "C2002": ("NET30", "20000.00", "B", _O, "en"),
    "C2003": ("NET45", "15000.00", "C", _O, "en"),
    "C2004": ("NET30", "8000.00", "D", _W, "de"),
    "C2005": ("NET30", "12000.00", "B", _O, "en"),
    "C2006": ("NET30", "18000.00", "A", _W, "de"),
    "C2007": ("NET30", "9000.00", "C", _O, "en"),
    "C2008": ("NET30", "14000.00", "B", _O, "en"),
    "C2009": ("NET14", "6000.00", "A", _O, "en"),
    "C2010": ("NET30", "11000.00", "C", _W, "de"),
}
_BLOCKS = {"C2004": "Legal review: insolvency proceedings checked by legal"}


def _open(n: int, cust: str, amount: str, due: dt.date) -> Invoice:
    terms = TERMS_DAYS[_MASTERS[cust][0]]
    return Invoice(f"INV-2026-{n:04d}", cust, D(amount), due - dt.timedelta(days=terms), due)


def _d(month: int, day: int) -> dt.date:
    return dt.date(2026, month, day)


NEW_INVOICES = (
    _open(1101, "C2001", "1847.35", _d(10, 26)),  # 25 days: level 1 (German)
    _open(1102, "C2002", "3912.80", _d(10, 6)),   # 45 days: level 2
    _open(1103, "C2002", "1150.00", _d(12, 5)),   # not yet due
    _open(1104, "C2003", "6420.00", _d(9, 6)),    # 75 days: level 3
    _open(1105, "C2003", "980.45", _d(10, 21)),   # 30 days
    _open(1106, "C2004", "2215.90", _d(7, 13)),   # 130 days, dunning block
    _open(1107, "C2005", "2764.10", _d(10, 11)),  # 40 days, disputed
    _open(1108, "C2005", "1395.60", _d(11, 5)),   # 15 days: level 1
    _open(1109, "C2006", "4180.00", _d(10, 16)),  # 35 days, open promise
    _open(1110, "C2007", "2530.75", _d(10, 1)),   # 50 days, promise broken yesterday
    _open(1111, "C2008", "1672.40", _d(10, 19)),  # 32 days, unapplied cash on account
    _open(1112, "C2009", "845.00", _d(11, 14)),   # 6 days: below level 1
    _open(1113, "C1006", "1486.20", _d(10, 9)),   # 42 days, today's payment in a case
    _open(1114, "C2010", "3050.00", _d(9, 25)),   # 56 days, disputed
)

DISPUTES = (
    Dispute("INV-2026-1107", "C2005", "Quantity: short shipment", _d(10, 28)),
    Dispute("INV-2026-1114", "C2010", "Pricing: contract price not applied", _d(10, 30)),
)

PROMISES = (
    Promise("C2006", _d(11, 27), D("4180.00"), ("INV-2026-1109",), "call", "Maria Weber",
            _d(11, 17)),
    Promise("C2007", _d(11, 19), D("2530.75"), ("INV-2026-1110",), "mail", "James Okafor",
            _d(11, 9)),
)

UNAPPLIED = (
    UnappliedCash("UC-2026-000412", "C2008", _d(11, 18), D("1672.40"),
                  "HARBOR ELECTRONICS PAYMENT NOV"),
)

NOTES = (
    Note("C2002", _d(10, 20), "reminder", "Reminder level 1 sent for INV-2026-1102.",
         "James Okafor"),
    Note("C2003", _d(10, 8), "reminder", "Reminder level 2 sent for INV-2026-1104.",
         "James Okafor"),
    Note("C2007", _d(11, 9), "promise", "Customer promised 2,530.75 by 2026-11-19 by mail.",
         "James Okafor"),
    Note("C2006", _d(11, 17), "call", "Spoke to AP clerk; payment run on 27 November.",
         "Maria Weber"),
    Note("C2006", _d(11, 17), "promise", "Promise to pay 4,180.00 by 2026-11-27.",
         "Maria Weber"),
    Note("C2005", _d(10, 28), "note", "Customer disputes INV-2026-1107: 12 cartons missing.",
         "James Okafor"),
)

# days late of the paid history, by risk class (one invoice per entry, oldest first)
_LATENESS = {"A": (-3, 0, 2, 1, 0), "B": (4, 9, 12, 6, 15), "C": (18, 25, 31, 14, 27),
             "D": (44, 61, 38, 52, 70)}


def _paid_history(masters: tuple[AccountMaster, ...]) -> tuple[PaidItem, ...]:
    items = []
    for k, m in enumerate(masters):
        terms = TERMS_DAYS[m.payment_terms]
        for j, late in enumerate(_LATENESS[m.risk_class]):
            issue = dt.date(2025, 12, 1) + dt.timedelta(days=55 * j + k)
            due = issue + dt.timedelta(days=terms)
            amount = D(900 + 137 * k + 211 * j) + D("0.50") * (j % 2)
            items.append(PaidItem(f"INV-{issue:%Y}-H{k:02d}{j}", m.customer_id, amount,
                                  issue, due, due + dt.timedelta(days=late)))
    return tuple(items)


def _master(customer_id: str) -> AccountMaster:
    terms, limit, risk, collector, lang = _MASTERS.get(
        customer_id, ("NET30", "10000.00", "B", COLLECTORS[1], "en"))
    return AccountMaster(customer_id, terms, D(limit), risk, collector, lang,
                         _BLOCKS.get(customer_id, ""))


def _r(cust: str, level: int, *numbers: int) -> ExpectedReminder:
    return ExpectedReminder(cust, level, tuple(f"INV-2026-{n:04d}" for n in numbers),
                            _MASTERS[cust][4])


EXPECTED_REMINDERS = (
    _r("C2001", 1, 1101),
    _r("C2002", 2, 1102),
    _r("C2003", 3, 1104, 1105),
    _r("C2005", 1, 1108),
    _r("C2007", 2, 1110),
)
EXPECTED_SKIPS = {
    "C2004": "DUNNING_BLOCK",
    "C2006": "PROMISED",
    "C2008": "UNAPPLIED_CASH",
    "C2009": "BELOW_FIRST_LEVEL",
    "C2010": "DISPUTED",
    "C1006": "PAYMENT_IN_CASE",
}


def _credit_customers() -> tuple[Any, ...]:
    """The credit scenario's customers (:mod:`sandbox.erp.ext.credit`): their credit limit
    and risk class go into the customer master, their overdue items into the dunning run."""
    from sandbox.erp.ext import credit

    return tuple(getattr(credit, "CUSTOMERS", ()))


def _level(days: int) -> int:
    return next((n for n, start in ((3, 61), (2, 31), (1, 10)) if days >= start), 0)


def _credit_outcome(customers: tuple[Any, ...]
                    ) -> tuple[list[ExpectedReminder], dict[str, str]]:
    """What the dunning levels make of the credit customers' overdue items (disputed ones
    held back; none is promised or blocked)."""
    from sandbox.erp.ext import credit

    disputed = {number for number, *_ in getattr(credit, "DISPUTES", ())}
    reminders, skips = [], {}
    for cust in customers:
        overdue = [(number, (AS_OF - due).days) for number, _, due in cust.invoices
                   if (AS_OF - due).days > 0]
        if not overdue:
            continue
        if all(number in disputed for number, _ in overdue):
            skips[cust.customer_id] = "DISPUTED"
            continue
        overdue = [(number, days) for number, days in overdue if number not in disputed]
        level = _level(max(days for _, days in overdue))
        if level:
            reminders.append(ExpectedReminder(cust.customer_id, level, tuple(
                number for number, days in overdue if days >= 10), "en"))
        else:
            skips[cust.customer_id] = "BELOW_FIRST_LEVEL"
    return reminders, skips


def build_month(scenario: Scenario) -> CollectionsMonth:
    """The collections month on top of ``scenario`` (its extra customers get defaults)."""
    ids = [c.customer_id for c in scenario.customers] + [c.customer_id for c in NEW_CUSTOMERS]
    credit = _credit_customers()
    masters = tuple(_master(cid) for cid in ids) + tuple(
        AccountMaster(c.customer_id, "NET30", c.credit_limit, c.risk_class, COLLECTORS[1])
        for c in credit)
    named = tuple(m for m in masters if m.customer_id in _MASTERS)
    reminders, skips = _credit_outcome(credit)
    return CollectionsMonth(AS_OF, NEW_CUSTOMERS, masters, NEW_INVOICES,
                            _paid_history(named), DISPUTES, PROMISES, UNAPPLIED, NOTES,
                            EXPECTED_REMINDERS + tuple(reminders),
                            {**EXPECTED_SKIPS, **skips}, ("C2003",))
