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
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from stdnum.eu import vat as eu_vat

from sandbox.scenario import COMPANY_NAME, CURRENCY, STATEMENT_DATE

__all__ = ["BILLING_DAY", "CANCEL_APPROVAL_ABOVE", "BillingRun", "build_billing_run"]

D = Decimal
CENT = D("0.01")
BILLING_DAY = STATEMENT_DATE
CANCEL_APPROVAL_ABOVE = D("5000.00")  # cancelling a draft above this gross needs an approver
SELLER = {"name": COMPANY_NAME, "country": "DE", "street": "Hafenstrasse 12",
          "postcode": "20457", "city": "Hamburg"}
RATES = {"S": D("19.00"), "AE": D("0.00"), "G": D("0.00"), "E": D("0.00"), "Z": D("0.00")}
TREATMENT_CATEGORY = {"domestic": "S", "reverse_charge": "AE", "export": "G", "exempt": "E"}


def _vat_id(template: str) -> str:
    """The first VAT ID passing the checksum with the ``?`` filled in (deterministic)."""
    pos = template.index("?")
    for ch in "0123456789ABCDEFGHIJKLMNOPQRSTUVW":
        candidate = template[:pos] + ch + template[pos + 1:]
        if "?" in candidate:
            found = _vat_id_or_none(candidate)
            if found:
                return found
        elif eu_vat.is_valid(candidate):
            return candidate
    raise ValueError(f"no valid VAT ID for {template}")


def _vat_id_or_none(template: str) -> str | None:
    try:
        return _vat_id(template)
    except ValueError:
        return None


def _invalid(valid: str) -> str:
    """``valid`` with its last digit changed so that the checksum fails."""
    for d in "0123456789":
        candidate = valid[:-1] + d
        if candidate != valid and not eu_vat.is_valid(candidate):
            return candidate
    raise ValueError(valid)


@dataclass(frozen=True)
class BillingMaster:
    customer_id: str
    billing_name: str
    street: str
    postcode: str
    city: str
    country: str
    vat_id: str | None
    po_required: bool


@dataclass(frozen=True)
class PO:
    number: str
    customer_id: str
    amount: Decimal
    remaining: Decimal
    expires: dt.date


@dataclass(frozen=True)
class CLine:
    line_id: str
    sku: str
    description: str
    kind: str  # recurring | usage | milestone
    unit_price: Decimal
    quantity: Decimal
    unit: str


@dataclass(frozen=True)
class Contract:
    number: str
    customer_id: str
    start: dt.date
    billing: str
    payment_terms_days: int
    tax_treatment: str
    lines: tuple[CLine, ...]
    discounts: tuple[tuple[Decimal, dt.date, str | None], ...] = ()  # percent, ends, line
    po_number: str | None = None
    end: dt.date | None = None
    currency: str = CURRENCY

    @property
    def vat_category(self) -> str:
        return TREATMENT_CATEGORY[self.tax_treatment]


@dataclass(frozen=True)
class Amendment:
    contract_number: str
    effective: dt.date
    line_id: str
    new_unit_price: Decimal | None = None
    new_quantity: Decimal | None = None


@dataclass(frozen=True)
class Usage:
    contract_number: str
    line_id: str
    period_start: dt.date
    period_end: dt.date
    quantity: Decimal


@dataclass(frozen=True)
class Milestone:
    contract_number: str
    line_id: str
    name: str
    due: dt.date
    amount: Decimal
    billed: bool


@dataclass(frozen=True)
class Line:
    line_no: int
    contract_line_id: str | None
    description: str
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal
    net_amount: Decimal
    vat_category: str
    vat_rate: Decimal


@dataclass(frozen=True)
class Draft:
    """A draft of the day or an invoice of the history (status ``released``)."""

    number: str
    customer_id: str
    contract_number: str
    issue_date: dt.date
    period_start: dt.date
    period_end: dt.date
    payment_terms_days: int
    po_number: str | None
    buyer_vat_id: str | None
    lines: tuple[Line, ...]
    net_total: Decimal
    vat_total: Decimal
    gross_total: Decimal
    status: str = "draft"
    currency: str = CURRENCY


@dataclass(frozen=True)
class Leak:
    customer_id: str
    contract_number: str
    line_id: str
    cause: str
    period_start: dt.date
    period_end: dt.date
    amount: Decimal
    detail: str


@dataclass
class BillingRun:
    """The whole seeded billing run and what a correct validation makes of it."""

    billing_day: dt.date
    masters: tuple[BillingMaster, ...]
    purchase_orders: tuple[PO, ...]
    contracts: tuple[Contract, ...]
    amendments: tuple[Amendment, ...]
    usage: tuple[Usage, ...]
    milestones: tuple[Milestone, ...]
    invoices: tuple[Draft, ...]  # history and the day's drafts
    expected: dict[str, str]  # draft of the day -> "release" | "case:<RULE-ID>"
    leaks: tuple[Leak, ...] = field(default=())

    def contract(self, number: str) -> Contract:
        return next(c for c in self.contracts if c.number == number)

    def master(self, customer_id: str) -> BillingMaster:
        return next(m for m in self.masters if m.customer_id == customer_id)

    def draft(self, number: str) -> Draft:
        return next(d for d in self.invoices if d.number == number)

    @property
    def drafts(self) -> tuple[Draft, ...]:
        return tuple(d for d in self.invoices if d.status == "draft")

    def expected_leakage(self) -> dict[str, dict[str, Decimal]]:
        """customer -> cause -> net amount lost."""
        out: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        for leak in self.leaks:
            out[leak.customer_id][leak.cause] += leak.amount
        return {c: dict(causes) for c, causes in sorted(out.items())}

    def leakage_total(self) -> Decimal:
        return sum((leak.amount for leak in self.leaks), D("0.00"))


# -- master data (ERP) -------------------------------------------------------------------

@cache
def _masters() -> tuple[BillingMaster, ...]:
    de = _vat_id("DE13669597?")
    rows = [
        ("C1001", "Acme Industrial GmbH", "Industriestr. 4", "70565", "Stuttgart", "DE",
         _vat_id("DE81129?321"), False),
        ("C1002", "Borealis Foods Ltd", "12 Dock Road", "E16 2QU", "London", "GB", None, False),
        ("C1003", "Castellan Retail S.A.", "8 rue de la Paix", "75002", "Paris", "FR",
         "FR44732829320", False),
        ("C1004", "Dunmore Logistics B.V.", "Havenweg 21", "3089 JK", "Rotterdam", "NL",
         _vat_id("NL00449544?B01"), False),
        ("C1005", "Elbe Pharma AG", "Elbchaussee 300", "22609", "Hamburg", "DE", de, True),
        ("C1006", "Fjord Marine AS", "Strandkaien 5", "5013", "Bergen", "NO", None, False),
        ("C1007", "Granite Tools Inc.", "400 Quarry Ave", "05641", "Barre VT", "US", None,
         False),
        ("C1008", "Helios Energy SE", "Sonnenallee 77", "12045", "Berlin", "DE",
         _vat_id("DE26318712?"), True),
        ("C2001", "Aurora Textilwerke GmbH", "Webereistr. 9", "48599", "Gronau", "DE",
         _vat_id("DE11400278?"), False),
        ("C2002", "Baltic Freight Ltd", "Unit 4, Dublin Port", "D01 K0E2", "Dublin", "IE",
         None, False),
        ("C2003", "Cobalt Mining plc", "1 Pit Lane", "CF10 1AA", "Cardiff", "GB", None, False),
        ("C2004", "Delta Druck AG", "Druckergasse 3", "1010", "Wien", "AT",
         _invalid(_vat_id("ATU1358562?")), False),
        ("C2005", "Everest Hotels Ltd", "22 Grafton Street", "D02 X285", "Dublin", "IE",
         _vat_id("IE3628739?"), False),
        ("C2006", "Fennel Feinkost GmbH", "Marktplatz 2", "50667", "Koeln", "DE",
         _vat_id("DE12225896?"), False),
        ("C2007", "Glacier Sports Inc.", "77 Summit Rd", "80202", "Denver CO", "US", None,
         False),
        ("C2008", "Harbor Electronics B.V.", "Kade 14", "1013 AA", "Amsterdam", "NL",
         _vat_id("NL81388420?B01"), True),
        ("C2009", "Iris Software Ltd", "5 Harcourt Road", "D02 HW77", "Dublin", "IE",
         _vat_id("IE6388047?"), False),
        ("C2010", "Juniper Medizintechnik GmbH", "Auenweg 11", "91052", "Erlangen", "DE",
         _vat_id("DE81379145?"), True),
    ]
    return tuple(BillingMaster(*r) for r in rows)


def _pos() -> tuple[PO, ...]:
    rows = [
        ("PO-EP-4500112", "C1005", "30000.00", "12000.00", dt.date(2027, 3, 31)),
        ("PO-EP-4500187", "C1005", "20000.00", "5000.00", dt.date(2027, 6, 30)),
        ("PO-HEL-778", "C1008", "40000.00", "18000.00", dt.date(2026, 10, 31)),
        ("PO-HEL-812", "C1008", "25000.00", "20000.00", dt.date(2027, 9, 30)),
        ("PO-HAR-0003", "C2008", "30000.00", "15000.00", dt.date(2027, 1, 31)),
        ("PO-JUN-2026-14", "C2010", "50000.00", "41000.00", dt.date(2027, 6, 30)),
    ]
    return tuple(PO(n, c, D(a), D(r), e) for n, c, a, r, e in rows)


# -- contracts (portal) ------------------------------------------------------------------

def _l(line_id: str, sku: str, text: str, price: str, qty: str = "1", kind: str = "recurring",
       unit: str = "month") -> CLine:
    return CLine(line_id, sku, text, kind, D(price), D(qty), unit)


_SEP, _OCT, _NOV = dt.date(2026, 9, 1), dt.date(2026, 10, 1), dt.date(2026, 11, 1)
_MA, _MR, _QR, _MS = ("monthly_in_advance", "monthly_in_arrears", "quarterly_in_arrears",
                      "milestones")
CONTRACTS = (
    Contract("CT-2026-101", "C1001", _SEP, _MA, 30, "domestic",
             (_l("L1", "SAAS-SEAT", "SaaS platform licence", "48.00", "25", unit="seat"),
              _l("L2", "SUP-PREM", "Premium support", "350.00")),
             ((D("5"), dt.date(2027, 6, 30), "L1"),)),
    Contract("CT-2026-102", "C1002", _SEP, _MA, 45, "export",
             (_l("L1", "TEL-UNIT", "Fleet telematics subscription", "12.50", "40",
                 unit="unit"),)),
    Contract("CT-2026-103", "C1003", _OCT, _MA, 30, "reverse_charge",
             (_l("L1", "ANA-STORE", "Store analytics licence", "95.00", "12", unit="store"),)),
    Contract("CT-2026-104", "C1004", dt.date(2026, 5, 1), _QR, 30, "reverse_charge",
             (_l("L1", "WRS-SVC", "Warehouse robotics service", "4200.00", unit="quarter"),
              _l("L2", "WRS-HRS", "Robot operating hours", "3.20", "0", "usage", "h"))),
    Contract("CT-2026-105", "C1005", _OCT, _MA, 30, "domestic",
             (_l("L1", "LIMS-LIC", "LIMS licence", "210.00", "10", unit="user"),),
             po_number="PO-EP-4500112"),
    Contract("CT-2026-106", "C1005", dt.date(2026, 7, 1), _MS, 30, "domestic",
             (_l("M1", "VAL-SVC", "Validation services", "0.00", "1", "milestone",
                 "milestone"),), po_number="PO-EP-4500187"),
    Contract("CT-2026-107", "C1006", _SEP, _MR, 30, "export",
             (_l("L1", "VTR-BASE", "Vessel tracking base fee", "600.00"),
              _l("L2", "VTR-SAT", "Satellite data", "0.045", "0", "usage", "MB"))),
    Contract("CT-2026-108", "C1007", _OCT, _MA, 30, "export",
             (_l("L1", "CAD-SEAT", "CAD seats", "150.00", "8", unit="seat"),)),
    Contract("CT-2026-109", "C1008", _OCT, _MA, 30, "domestic",
             (_l("L1", "GRID-MON", "Grid monitoring service", "2750.00"),),
             po_number="PO-HEL-778"),
    Contract("CT-2026-110", "C2001", _SEP, _MA, 30, "domestic",
             (_l("L1", "ERP-HOST", "ERP hosting", "1800.00"),),
             ((D("10"), dt.date(2026, 10, 31), None),)),
    Contract("CT-2026-111", "C2002", _NOV, _MA, 30, "reverse_charge",
             (_l("L1", "ROUTE-LIC", "Route planning licence", "220.00", "6", unit="user"),)),
    Contract("CT-2026-112", "C2003", _NOV, _MA, 30, "export",
             (_l("L1", "GEO-FEED", "Geo data feed", "990.00"),)),
    Contract("CT-2026-113", "C2004", _NOV, _MA, 30, "reverse_charge",
             (_l("L1", "PWF-LIC", "Print workflow licence", "310.00", "4", unit="press"),)),
    Contract("CT-2026-114", "C2005", _OCT, _MA, 30, "reverse_charge",
             (_l("L1", "BOOK-ENG", "Booking engine", "1450.00"),)),
    Contract("CT-2026-115", "C2006", _NOV, _MA, 30, "domestic",
             (_l("L1", "POS-RENT", "POS terminal rental", "39.00", "14", unit="terminal"),)),
    Contract("CT-2026-116", "C2007", _OCT, _MA, 30, "export",
             (_l("L1", "ECOM-PLT", "E-commerce platform", "2200.00"),)),
    Contract("CT-2026-117", "C2008", _NOV, _MA, 30, "reverse_charge",
             (_l("L1", "TB-LEASE", "Test bench lease", "780.00", "3", unit="bench"),),
             po_number="PO-HAR-0003"),
    Contract("CT-2026-118", "C2009", _OCT, _MA, 30, "reverse_charge",
             (_l("L1", "DEV-SEAT", "Developer tooling seats", "19.00", "30", unit="seat"),)),
    Contract("CT-2026-119", "C2010", _SEP, _MA, 30, "domestic",
             (_l("L1", "DEV-REG", "Device registry", "3100.00"),), po_number="PO-JUN-2026-14"),
    Contract("CT-2026-120", "C1003", dt.date(2026, 6, 1), _MS, 30, "reverse_charge",
             (_l("M1", "IMPL", "Implementation project", "0.00", "1", "milestone",
                 "milestone"),)),
    Contract("CT-2026-121", "C1004", _NOV, _MA, 30, "reverse_charge",
             (_l("L1", "YARD-MGT", "Yard management", "640.00"),)),
    Contract("CT-2026-122", "C2001", _NOV, _MA, 30, "domestic",
             (_l("L1", "PAYROLL", "Payroll service", "900.00"),)),
    Contract("CT-2026-123", "C1002", dt.date(2026, 3, 1), _QR, 45, "export",
             (_l("L1", "CCS-SENS", "Cold-chain sensors", "2400.00", unit="quarter"),)),
    Contract("CT-2026-124", "C1008", _OCT, _MR, 30, "domestic",
             (_l("L1", "MTR-READ", "Meter reads", "0.08", "0", "usage", "read"),),
             po_number="PO-HEL-812"),
    Contract("CT-2026-125", "C2008", dt.date(2026, 5, 1), _QR, 30, "reverse_charge",
             (_l("L1", "CAL-SVC", "Calibration service", "5100.00", unit="quarter"),),
             po_number="PO-HAR-0003"),
    Contract("CT-2026-126", "C2006", _NOV, _MA, 30, "domestic",
             (_l("L1", "SHELF-LBL", "Electronic shelf labels service", "420.00"),)),
)

AMENDMENTS = (
    # signed mid-November, effective mid-period: December is billed at the new price
    Amendment("CT-2026-114", dt.date(2026, 11, 16), "L1", new_unit_price=D("1595.00")),
)

USAGE = (
    Usage("CT-2026-104", "L2", dt.date(2026, 8, 1), dt.date(2026, 8, 31), D("412.5")),
    Usage("CT-2026-104", "L2", dt.date(2026, 9, 1), dt.date(2026, 9, 30), D("398")),
    Usage("CT-2026-104", "L2", dt.date(2026, 10, 1), dt.date(2026, 10, 31), D("455.25")),
    Usage("CT-2026-107", "L2", dt.date(2026, 9, 1), dt.date(2026, 9, 30), D("15400")),
    Usage("CT-2026-107", "L2", dt.date(2026, 10, 1), dt.date(2026, 10, 31), D("18250")),
    Usage("CT-2026-124", "L1", dt.date(2026, 10, 1), dt.date(2026, 10, 31), D("52000")),
)

MILESTONES = (
    Milestone("CT-2026-106", "M1", "Phase 1 acceptance", dt.date(2026, 9, 15), D("6000.00"),
              True),
    Milestone("CT-2026-106", "M1", "Phase 2 acceptance", dt.date(2026, 11, 15), D("8500.00"),
              False),
    Milestone("CT-2026-106", "M1", "Phase 3 acceptance", dt.date(2027, 2, 15), D("8500.00"),
              False),
    Milestone("CT-2026-120", "M1", "Go-live", dt.date(2026, 11, 10), D("12000.00"), False),
)


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
    masters = {m.customer_id: m for m in _masters()}
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
                skip = number == "CT-2026-119" and month == _NOV  # never invoiced: leakage
                lines = contract_lines(c, start, end)
                if number == "CT-2026-116" and month == _OCT:  # billed below the contract
                    lines = _relined(lines, unit_price=D("2000.00"))
                if number == "CT-2026-110" and month == _NOV:  # expired discount applied
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
    nov, sep = _month(_NOV), _month(_SEP)
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
        Leak("C2007", "CT-2026-116", "L1", "below_contract_price", *_month(_OCT), D("200.00"),
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
    return BillingRun(BILLING_DAY, _masters(), _pos(), CONTRACTS, AMENDMENTS, USAGE,
                      MILESTONES, tuple(history + drafts), expected, _leaks(cs))
