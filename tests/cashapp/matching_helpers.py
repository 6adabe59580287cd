"""Small builders for the matching tests: open items and entries from short arguments,
and the sandbox scenario as matching input."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from bots.cashapp.identifiers import make_iban
from bots.cashapp.model import Direction, OpenItem, StatementEntry
from sandbox.scenario import Scenario

D = Decimal
DAY = dt.date(2026, 11, 20)
IBAN_A = make_iban("DE", "370400440532013000")
IBAN_B = make_iban("GB", "NWBK60161331926819")
IBAN_X = make_iban("IE", "AIBK93115212345678")


def item(
    number: str,
    amount: str,
    customer: str = "C1",
    *,
    name: str | None = None,
    ibans: tuple[str, ...] | None = None,
    **kw: object,
) -> OpenItem:
    names = {"C1": "Acme Industrial GmbH", "C2": "Borealis Foods Ltd"}
    default_ibans = {"C1": (IBAN_A,), "C2": (IBAN_B,)}
    return OpenItem(
        number,
        customer,
        name or names.get(customer, f"Customer {customer}"),
        D(amount),
        kw.pop("currency", "EUR"),
        DAY,
        ibans if ibans is not None else default_ibans.get(customer, ()),
        **kw,
    )  # type: ignore[arg-type]


def entry(
    entry_id: str,
    amount: str,
    text: str = "",
    *,
    iban: str | None = IBAN_A,
    name: str | None = "Acme Industrial GmbH",
    credit: bool = True,
    ref: str | None = None,
    booked: dt.date = DAY,
    **kw: object,
) -> StatementEntry:
    return StatementEntry(
        entry_id,
        D(amount),
        str(kw.pop("currency", "EUR")),
        Direction.CREDIT if credit else Direction.DEBIT,
        booked,
        booked,
        str(kw.pop("bank_reference", f"BR-{entry_id}")),
        kw.pop("end_to_end_id", None),  # type: ignore[arg-type]
        name,
        iban,
        ref,
        text,
    )


def scenario_items(sc: Scenario) -> list[OpenItem]:
    customers = {c.customer_id: c for c in sc.customers}
    return [
        OpenItem(
            i.invoice_number,
            i.customer_id,
            customers[i.customer_id].name,
            i.amount,
            sc.currency,
            i.due_date,
            customers[i.customer_id].ibans,
            i.creditor_reference,
            i.discount_percent,
            i.discount_until,
        )
        for i in sc.invoices
    ]


def scenario_entries(sc: Scenario) -> list[StatementEntry]:
    return [
        StatementEntry(
            p.key,
            p.amount,
            sc.currency,
            Direction.CREDIT if p.credit else Direction.DEBIT,
            sc.statement_date,
            sc.statement_date,
            p.bank_reference,
            p.end_to_end_id,
            p.counterparty_name,
            p.counterparty_iban,
            p.creditor_reference,
            p.remittance_text,
        )
        for p in sc.payments
    ]
