"""The seeded billing run: contracts, invoice history and the drafts of one billing day.

Northwind Components GmbH (Germany) bills its customers from the billing portal on the
sandbox's business day (:data:`BILLING_DAY`, the scenario's statement date). The ERP holds
each customer's billing master (entity, address, country, VAT ID, PO required) and their
purchase orders; the portal holds the contracts (lines, schedule, discounts, amendments,
usage, milestones), the invoices already released and the drafts of the day.

Billing conventions the expected outcome follows:

- periods are calendar months (``monthly_*``) or three-month blocks counted from the
  contract start (``quarterly_*``), inclusive on both ends; in advance, the month after the
  billing day is billed on it; in arrears, a period is billed once it has ended; a milestone
  is billed once due, for the period from the day after the previous milestone (or the
  contract start) up to its due date;
- a line's price and quantity are those of the contract and its amendments in force; an
  amendment effective during a period applies pro rata by days from its effective date
  (November of CT-2026-114, invoiced in October at the old price, lost the second half
  of the month's increase: leakage);
- a discount applies to a period starting on or before its end date;
- VAT: domestic (DE) 19 % (category S), intra-EU B2B reverse charge with a valid VAT ID
  (AE, 0 %), buyers outside the EU export (G, 0 %); line nets and VAT per category are
  rounded half up to the cent.

``expected`` maps every draft of the day to ``"release"`` or ``"case:<RULE-ID>"`` (the rule
ids of ``bots.billing.rules.RULES``); a case naming that rule meets the expectation, other
rules the same fault trips may be named beside it. Of two identical drafts the first is
released and the second is the duplicate.

Leakage is revenue the history lost, net of VAT: a due period with neither an invoice nor a
draft (``period_not_invoiced``), usage with no invoice line for it (``usage_not_invoiced``),
a released line below the contract price (``below_contract_price``) and a discount applied
after its end date (``discount_past_end``), each keyed by contract, line and period. The
drafts of the day bill their periods (no period of theirs is a leak), but their own faults
are not leakage: they are validated, and held or corrected, before release.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from sandbox.billing_records import (
    CENT,
    RATES,
    BillingRun,
    CLine,
    Contract,
    D,
    Draft,
    Leak,
    Line,
    Milestone,
)
from sandbox.billing_terms import (
    AMENDMENTS,
    CONTRACTS,
    MILESTONES,
    NOV,
    OCT,
    SEP,
    USAGE,
    billing_masters,
    purchase_orders,
)
from sandbox.scenario import COMPANY_NAME, STATEMENT_DATE

__all__ = ["BILLING_DAY", "CANCEL_APPROVAL_ABOVE", "BillingRun", "Line", "build_billing_run",
           "contract_lines", "milestone_period", "totals"]

BILLING_DAY = STATEMENT_DATE
CANCEL_APPROVAL_ABOVE = D("5000.00")  # cancelling a draft above this gross needs an approver
SELLER = {"name": COMPANY_NAME, "country": "DE", "street": "Hafenstrasse 12",
          "postcode": "20457", "city": "Hamburg"}
_MA, _MR, _QR = "monthly_in_advance", "monthly_in_arrears", "quarterly_in_arrears"


# -- invoice arithmetic ------------------------------------------------------------------

def _month(start: dt.date) -> tuple[dt.date, dt.date]:
    nxt = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return start, nxt - dt.timedelta(days=1)


def _add_months(day: dt.date, n: int) -> dt.date:
    y, m = divmod(day.month - 1 + n, 12)
    return dt.date(day.year + y, m + 1, 1)


def _quarter(start: dt.date) -> tuple[dt.date, dt.date]:
    return start, _add_months(start, 3) - dt.timedelta(days=1)


def milestone_period(c: Contract, ms: Milestone) -> tuple[dt.date, dt.date]:
    """A milestone's period: from the day after the contract's previous milestone (or the
    contract start) up to its due date."""
    before = [m.due for m in MILESTONES if m.contract_number == c.number and m.due < ms.due]
    return (max(before) + dt.timedelta(days=1) if before else c.start), ms.due


def _net(qty: Decimal, price: Decimal, discount: Decimal) -> Decimal:
    return (qty * price * (100 - discount) / 100).quantize(CENT, ROUND_HALF_UP)


def _line(no: int, line_id: str | None, text: str, qty: Decimal, price: Decimal,
          discount: Decimal, category: str) -> Line:
    return Line(no, line_id, text, qty, price, discount, _net(qty, price, discount), category,
                RATES[category])


def totals(lines: tuple[Line, ...]) -> tuple[Decimal, Decimal, Decimal]:
    """Net, VAT (per category and rate, rounded) and gross of ``lines``."""
    net = sum((ln.net_amount for ln in lines), D("0.00"))
    groups: dict[tuple[str, Decimal], Decimal] = defaultdict(Decimal)
    for ln in lines:
        groups[(ln.vat_category, ln.vat_rate)] += ln.net_amount
    vat = sum(((base * rate / 100).quantize(CENT, ROUND_HALF_UP)
               for (_, rate), base in groups.items()), D("0.00"))
    return net, vat, net + vat


def _price(c: Contract, line: CLine, on: dt.date) -> tuple[Decimal, Decimal]:
    price, qty = line.unit_price, line.quantity
    for a in sorted(AMENDMENTS, key=lambda a: a.effective):
        if a.contract_number == c.number and a.line_id == line.line_id and a.effective <= on:
            price = a.new_unit_price if a.new_unit_price is not None else price
            qty = a.new_quantity if a.new_quantity is not None else qty
    return price, qty


def _discount(c: Contract, line_id: str, start: dt.date) -> Decimal:
    return sum((p for p, ends, lid in c.discounts
                if start <= ends and lid in (None, line_id)), D("0"))


def contract_lines(c: Contract, start: dt.date, end: dt.date) -> tuple[Line, ...]:
    """What the contract bills for the period (the correct lines of a period no amendment
    takes effect within; the seeded run has none among the drafts of the day)."""
    out: list[Line] = []
    for cl in c.lines:
        price, qty = _price(c, cl, start)
        if cl.kind == "usage":
            qty = sum((u.quantity for u in USAGE if u.contract_number == c.number
                       and u.line_id == cl.line_id and start <= u.period_start
                       and u.period_end <= end), D("0"))
            if not qty:
                continue  # no usage in the period: no line
            text = f"{cl.description} {start:%Y-%m-%d}..{end:%Y-%m-%d} ({cl.unit})"
        elif cl.kind == "milestone":
            ms = next(m for m in MILESTONES if m.contract_number == c.number
                      and start <= m.due <= end)
            qty, price, text = D("1"), ms.amount, f"{cl.description}: {ms.name}"
        else:
            text = f"{cl.description} {start:%b %Y}" if c.billing.startswith("monthly") else (
                f"{cl.description} {start:%d.%m.%Y}-{end:%d.%m.%Y}")
        out.append(_line(len(out) + 1, cl.line_id, text, qty, price,
                         _discount(c, cl.line_id, start), c.vat_category))
    return tuple(out)


def _invoice(number: str, c: Contract, start: dt.date, end: dt.date, issue: dt.date, *,
             lines: tuple[Line, ...] | None = None, status: str = "draft", **changes: object
             ) -> Draft:
    masters = {m.customer_id: m for m in billing_masters()}
    lines = lines if lines is not None else contract_lines(c, start, end)
    net, vat, gross = totals(lines)
    draft = Draft(number, c.customer_id, c.number, issue, start, end, c.payment_terms_days,
                  c.po_number, masters[c.customer_id].vat_id, lines, net, vat, gross, status)
    return replace(draft, **changes) if changes else draft  # type: ignore[arg-type]


def _relined(lines: tuple[Line, ...], **changes: object) -> tuple[Line, ...]:
    """The first line changed (net recomputed), the others as they are."""
    first = replace(lines[0], **changes)  # type: ignore[arg-type]
    first = replace(first, net_amount=_net(first.quantity, first.unit_price,
                                           first.discount_percent))
    return (first, *lines[1:])


# -- the history and the day's drafts ------------------------------------------------------

def _history(cs: dict[str, Contract]) -> list[Draft]:
    """Invoices released before the billing day (numbered by issue order)."""
    out: list[Draft] = []

    def add(c: Contract, start: dt.date, end: dt.date, issue: dt.date, **kw: object) -> None:
        number = f"INV-{issue:%Y}-{issue:%m}{len(out) + 1:03d}"
        out.append(_invoice(number, c, start, end, issue, status="released", **kw))

    for number, c in cs.items():
        if c.billing == _MA:
            month = c.start
            while month <= dt.date(2026, 11, 1):
                start, end = _month(month)
                issue = _add_months(month, -1).replace(day=20)
                skip = number == "CT-2026-119" and month == NOV  # never invoiced: leakage
                lines = contract_lines(c, start, end)
                if number == "CT-2026-116" and month == OCT:  # billed below the contract
                    lines = _relined(lines, unit_price=D("2000.00"))
                if number == "CT-2026-110" and month == NOV:  # expired discount applied
                    lines = _relined(lines, discount_percent=D("10"))
                if not skip:
                    add(c, start, end, issue, lines=lines)
                month = _add_months(month, 1)
        elif c.billing == _MR:
            month = c.start
            while _month(month)[1] < dt.date(2026, 10, 1):
                start, end = _month(month)
                lines = contract_lines(c, start, end)
                if number == "CT-2026-107":  # the usage of the month was never invoiced
                    lines = tuple(ln for ln in lines if ln.contract_line_id != "L2")
                add(c, start, end, _add_months(end, 1).replace(day=20), lines=lines)
                month = _add_months(month, 1)
        elif c.billing == _QR:
            q = c.start
            while _quarter(q)[1] < BILLING_DAY and q != dt.date(2026, 8, 1):  # drafted today
                start, end = _quarter(q)
                if number != "CT-2026-123" or start != dt.date(2026, 6, 1):  # never invoiced
                    add(c, start, end, _add_months(end, 1).replace(day=20))
                q = _add_months(q, 3)
    for ms in MILESTONES:
        if ms.billed:
            c = cs[ms.contract_number]
            add(c, *milestone_period(c, ms), ms.due + dt.timedelta(days=3))
    return out


def _drafts(cs: dict[str, Contract]) -> tuple[list[Draft], dict[str, str]]:
    day, dec = BILLING_DAY, _month(dt.date(2026, 12, 1))
    oct_, nov = _month(dt.date(2026, 10, 1)), _month(dt.date(2026, 11, 1))
    aug_oct = _quarter(dt.date(2026, 8, 1))
    drafts: list[Draft] = []
    expected: dict[str, str] = {}

    def add(outcome: str, contract: str, period: tuple[dt.date, dt.date],
            lines: tuple[Line, ...] | None = None, **changes: object) -> None:
        number = f"INV-{day:%Y}-{day:%m}{len(drafts) + 101:03d}"
        c = cs[contract]
        drafts.append(_invoice(number, c, *period, day, lines=lines, **changes))
        expected[number] = outcome

    def base(contract: str, period: tuple[dt.date, dt.date]) -> tuple[Line, ...]:
        return contract_lines(cs[contract], *period)

    add("release", "CT-2026-101", dec)
    add("release", "CT-2026-102", dec)
    add("case:BV-VAT-RC", "CT-2026-103", dec, tuple(
        replace(ln, vat_category="S", vat_rate=RATES["S"]) for ln in base("CT-2026-103", dec)))
    add("release", "CT-2026-104", aug_oct)
    add("release", "CT-2026-105", dec)
    phase2 = milestone_period(cs["CT-2026-106"], MILESTONES[1])
    add("case:BV-PO-EXCEEDED", "CT-2026-106", phase2)
    add("release", "CT-2026-107", oct_)
    add("case:BV-TERMS", "CT-2026-108", dec, payment_terms_days=14)
    add("case:BV-PO-EXPIRED", "CT-2026-109", dec)
    add("case:BV-DISCOUNT-EXPIRED", "CT-2026-110", dec,
        _relined(base("CT-2026-110", dec), discount_percent=D("10")))
    add("case:BV-VATID-MISSING", "CT-2026-111", dec)
    add("release", "CT-2026-112", dec)
    add("case:BV-DUPLICATE", "CT-2026-112", dec)
    add("case:BV-VATID-INVALID", "CT-2026-113", dec)
    add("case:BV-AMENDMENT", "CT-2026-114", dec,
        _relined(base("CT-2026-114", dec), unit_price=D("1450.00")))
    # reverse charge where the domestic rate applies: the reverse-charge rule is broken
    add("case:BV-VAT-RC", "CT-2026-115", dec, tuple(
        replace(ln, vat_category="AE", vat_rate=RATES["AE"]) for ln in base("CT-2026-115", dec)))
    add("case:BV-PRICE", "CT-2026-116", dec,
        _relined(base("CT-2026-116", dec), unit_price=D("2000.00")))
    add("case:BV-PO-MISSING", "CT-2026-117", dec, po_number=None)
    add("case:BV-PERIOD-DUP", "CT-2026-118", nov)
    add("release", "CT-2026-118", dec)
    add("case:BV-PERIOD-GAP", "CT-2026-119", dec)
    golive = milestone_period(cs["CT-2026-120"], MILESTONES[3])
    add("release", "CT-2026-120", golive)
    lines = base("CT-2026-121", dec)
    add("case:BR-CO-10", "CT-2026-121", dec, lines, net_total=D("660.00"),
        gross_total=D("660.00"))
    lines = base("CT-2026-122", dec)
    gross = totals(lines)[2]
    add("case:BR-CO-15", "CT-2026-122", dec, lines, gross_total=gross + 10)
    add("release", "CT-2026-124", oct_)
    add("release", "CT-2026-125", aug_oct)
    # a domestic line at the reduced rate (7 %), the service is standard-rated (19 %)
    add("case:BV-VAT-DOMESTIC", "CT-2026-126", dec, tuple(
        replace(ln, vat_rate=D("7.00")) for ln in base("CT-2026-126", dec)))
    return drafts, expected


def _leaks(cs: dict[str, Contract]) -> tuple[Leak, ...]:
    nov, sep = _month(NOV), _month(SEP)
    return (
        Leak("C1006", "CT-2026-107", "L2", "usage_not_invoiced", *sep, _net(D("15400"), D("0.045"),
                                                                D(0)),
             "Satellite data of September (15400 MB) on no invoice"),
        Leak("C2001", "CT-2026-110", "L1", "discount_past_end", *nov,
             D("1800.00") - _net(D(1), D("1800.00"), D(10)),
             "10 % discount ended 2026-10-31, applied to November"),
        Leak("C2005", "CT-2026-114", "L1", "below_contract_price", *nov,
             ((D("1595.00") - D("1450.00")) * 15 / 30).quantize(CENT),
             "the amendment of 2026-11-16 (1595.00) not billed for 16-30 November"),
        Leak("C2007", "CT-2026-116", "L1", "below_contract_price", *_month(OCT), D("200.00"),
             "October billed at 2000.00, contract price 2200.00"),
        Leak("C2010", "CT-2026-119", "L1", "period_not_invoiced", *nov, D("3100.00"),
             "November never invoiced"),
        Leak("C1002", "CT-2026-123", "L1", "period_not_invoiced", *_quarter(dt.date(2026, 6, 1)),
             D("2400.00"), "Quarter June-August never invoiced"),
    )


@cache
def build_billing_run() -> BillingRun:
    """The seeded billing run (the same every time)."""
    cs = {c.number: c for c in CONTRACTS}
    history = _history(cs)
    drafts, expected = _drafts(cs)
    return BillingRun(BILLING_DAY, billing_masters(), purchase_orders(), CONTRACTS,
                      AMENDMENTS, USAGE, MILESTONES, tuple(history + drafts), expected,
                      _leaks(cs))
