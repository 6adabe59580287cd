"""Hand-made billing data the rule tests share: one contract, three customers, clean drafts.

Seller in Germany (19% standard rate). Contract C-100 of customer K-DE, monthly in advance
from 1 January 2026: 10 seats at 12.50 (10% off until 31 March), storage by usage at
0.05 per GB; from 16 June 2026 a seat costs 14.00.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal as D

from bots.billing.model import (
    Amendment,
    Contract,
    ContractLine,
    CustomerMaster,
    Discount,
    DraftInvoice,
    DraftLine,
    PurchaseOrder,
    UsageRecord,
)
from bots.billing.rules import ValidationContext, default_rules

SEATS = ContractLine("L1", "SEAT", "Platform seats", "recurring", D("12.50"), D("10"), "seat",
                     "S")
STORAGE = ContractLine("L2", "STOR", "Storage", "usage", D("0.05"), D("0"), "GB", "S")
CONTRACT = Contract("C-100", "K-DE", "EUR", date(2026, 1, 1), None, 30, "domestic",
                    "monthly_in_advance", (SEATS, STORAGE),
                    (Discount(D("10"), date(2026, 3, 31), "L1"),), None)
AMENDMENT = Amendment("C-100", date(2026, 6, 16), "L1", D("14.00"), None)
USAGE = (UsageRecord("C-100", "L2", date(2026, 4, 1), date(2026, 4, 15), D("300")),
         UsageRecord("C-100", "L2", date(2026, 4, 16), date(2026, 4, 30), D("100")),
         UsageRecord("C-100", "L2", date(2026, 5, 1), date(2026, 5, 31), D("200")))
DE = CustomerMaster("K-DE", "Muster Handel GmbH", "Hauptstr. 1", "10115", "Berlin", "DE",
                    "DE136695976", False)
FR = CustomerMaster("K-DE", "Dupont SARL", "1 rue de la Paix", "75002", "Paris", "FR",
                    "FR40303265045", False)
US = CustomerMaster("K-DE", "Acme Inc.", "1 Main St", "10001", "New York", "US", None, False)


def line(no: int, cid: str | None, qty: str, price: str, disc: str, net: str,
         cat: str = "S", rate: str = "19") -> DraftLine:
    return DraftLine(no, cid, f"line {no}", D(qty), D(price), D(disc), D(net), cat,  # type: ignore[arg-type]
                     D(rate))


def draft(number: str, start: date, end: date, lines: tuple[DraftLine, ...], *,
          net: str, vat: str, gross: str, **changes: object) -> DraftInvoice:
    base = DraftInvoice(number, "K-DE", "C-100", start, start, end, 30, "EUR", None,
                        "DE136695976", lines, D(net), D(vat), D(gross), "draft")
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


# April: seats 10 x 12.50 (discount ended 31 March) = 125.00; storage 400 GB x 0.05 = 20.00
APRIL = draft("INV-0004", date(2026, 4, 1), date(2026, 4, 30),
              (line(1, "L1", "10", "12.50", "0", "125.00"),
               line(2, "L2", "400", "0.05", "0", "20.00")),
              net="145.00", vat="27.55", gross="172.55")
# March: seats 10 x 12.50 less 10% = 112.50, no storage
MARCH = draft("INV-0003", date(2026, 3, 1), date(2026, 3, 31),
              (line(1, "L1", "10", "12.50", "10", "112.50"),),
              net="112.50", vat="21.38", gross="133.88", status="released")
JANUARY = dataclasses.replace(MARCH, number="INV-0001", period_start=date(2026, 1, 1),
                              period_end=date(2026, 1, 31), issue_date=date(2026, 1, 1))
FEBRUARY = dataclasses.replace(MARCH, number="INV-0002", period_start=date(2026, 2, 1),
                               period_end=date(2026, 2, 28), issue_date=date(2026, 2, 1))
HISTORY = (JANUARY, FEBRUARY, MARCH)
PO = PurchaseOrder("PO-77", "K-DE", D("1000.00"), D("400.00"), date(2026, 12, 31))


def context(**changes: object) -> ValidationContext:
    base = ValidationContext(CONTRACT, DE, default_rules(), (AMENDMENT,), USAGE, (), (PO,),
                             HISTORY)
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def retotal(d: DraftInvoice, lines: tuple[DraftLine, ...] | None = None) -> DraftInvoice:
    """The draft with its totals made consistent with its lines (by plain arithmetic)."""
    lines = d.lines if lines is None else lines
    net = sum((ln.net_amount for ln in lines), D(0))
    groups: dict[tuple[str, D], D] = {}
    for ln in lines:
        groups[(ln.vat_category, ln.vat_rate)] = groups.get((ln.vat_category, ln.vat_rate),
                                                            D(0)) + ln.net_amount
    from decimal import ROUND_HALF_UP
    vat = sum(((base * rate / 100).quantize(D("0.01"), ROUND_HALF_UP)
               for (_, rate), base in groups.items()), D(0))
    return dataclasses.replace(d, lines=lines, net_total=net, vat_total=vat,
                               gross_total=net + vat)
