"""The seeded customer claims: disputes, deductions, credit balances and bank details.

Northwind Components GmbH (the scenario of :mod:`sandbox.scenario`) billed its customers in
October and November; some of them dispute an invoice. The claims arrive through three
channels:

- ``portal``: the customer's dispute form in the billing portal (invoice lines, amount,
  free text, an optional attachment);
- ``mail``: a mail to the finance mailbox; in some the invoice number is only in the
  attached PDF;
- ``deduction``: a short payment on the bank statement whose text names a reason (P08 of
  the cash-application scenario: "INV-2026-1012 less 250.00 damaged goods").

Every claim carries what a correct run makes of it: its reason code, the team that owns it
and, for a claim that repeats another through a second channel, the claim it repeats (one
case, both claims linked to it).

The invoices disputed here (``INV-2026-2xxx``) are billed from orders the ERP holds with
their deliveries (quantities shipped, delivery date, proof of delivery). They are seeded
into the ERP and the billing portal beside the cash-application invoices; none of them is
on the day's bank statement. ``paid`` invoices were settled before the day: a credit memo
on one of them leaves a credit balance that becomes a refund.

Credit balances already on the ERP's books (from older credit memos) and the customers'
bank details with the date they last changed are seeded for the refunds bot.

Reason codes: ``PRICING``, ``QUANTITY`` (quantity or short shipment), ``DAMAGED``,
``RETURNED``, ``DUPLICATE_BILLING``, ``TAX``, ``NOT_ORDERED``, ``SERVICE_NOT_RENDERED``,
``OTHER``. Owner teams: ``finance``, ``sales``, ``operations``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from bots.cashapp.identifiers import make_iban
from sandbox.mail.addresses import customer_mailbox

D = Decimal
CENT = D("0.01")

#: the day the claims are read (the cash-application statement date)
CLAIMS_DAY = dt.date(2026, 11, 20)


@dataclass(frozen=True)
class InvoiceLine:
    """One billed line; ``shipped`` is what the delivery note says left the warehouse."""

    line_no: int
    sku: str
    description: str
    quantity: Decimal
    unit_price: Decimal  # net
    shipped: Decimal | None = None  # None: as billed (services: None)
    contract_price: Decimal | None = None  # the price the contract in the portal gives

    @property
    def net(self) -> Decimal:
        return (self.quantity * self.unit_price).quantize(CENT)


@dataclass(frozen=True)
class DisputedInvoice:
    """An invoice of the claims scenario, with its order and delivery."""

    invoice_number: str
    customer_id: str
    issue_date: dt.date
    due_date: dt.date
    order_number: str
    delivery_date: dt.date | None
    proof_of_delivery: str  # who signed and what they noted ("" for services)
    lines: tuple[InvoiceLine, ...]
    vat_percent: Decimal = Decimal("19")
    paid: bool = False  # settled in full before the claims day

    @property
    def net(self) -> Decimal:
        return sum((line.net for line in self.lines), D("0.00"))

    @property
    def vat(self) -> Decimal:
        return (self.net * self.vat_percent / 100).quantize(CENT)

    @property
    def gross(self) -> Decimal:
        return self.net + self.vat


@dataclass(frozen=True)
class SeededClaim:
    """One claim as it arrives, and what a correct run makes of it."""

    key: str  # D01..; stable, used by the checks and the tests
    channel: str  # portal | mail | deduction
    customer_id: str
    invoice_number: str
    amount: Decimal  # what the customer disputes (gross)
    text: str  # the customer's words (the form's text, the mail's body, the payment text)
    received_at: dt.datetime  # UTC
    expected_reason: str
    expected_owner: str  # finance | sales | operations
    lines: tuple[int, ...] = ()  # invoice lines named on the form
    subject: str = ""  # mail only
    sender: str = ""  # mail only: the customer's address (its mailbox in the sandbox)
    invoice_only_in_pdf: bool = False  # mail only: the body does not name the invoice
    attachment: str = ""  # file name of the attachment (portal form or mail), "" for none
    duplicate_of: str | None = None  # the key of the claim whose case this one joins
    bank_reference: str = ""  # deduction only: the statement line
    low_confidence: bool = False  # the words give no clear reason: a person classifies


@dataclass(frozen=True)
class CreditBalance:
    """Money the ERP owes a customer (an older credit memo already settled)."""

    customer_id: str
    amount: Decimal
    document: str  # the ERP credit memo that left it
    created_on: dt.date


@dataclass(frozen=True)
class BankDetails:
    """The account the ERP would refund to, and when it last changed."""

    customer_id: str
    holder: str
    iban: str
    changed_on: dt.date
    changed_by: str


def _d(y: int, m: int, d: int) -> dt.date:
    return dt.date(y, m, d)


def _at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=dt.UTC)


def _line(n: int, sku: str, desc: str, qty: str, price: str, shipped: str | None = None,
          contract: str | None = None) -> InvoiceLine:
    return InvoiceLine(n, sku, desc, D(qty), D(price), D(shipped) if shipped else None,
                       D(contract) if contract else None)


INVOICES: tuple[DisputedInvoice, ...] = (
    DisputedInvoice("INV-2026-2001", "C1001", _d(2026, 11, 2), _d(2026, 12, 2), "SO-50311",
                    _d(2026, 10, 30), "K. Brandt, goods received complete", (
                        _line(1, "HX-220", "Hex bolts M8, box of 500", "20", "18.40"),
                        _line(2, "BR-115", "Bearing 6204-2RS", "100", "14.50",
                              contract="12.90"),
                    )),
    DisputedInvoice("INV-2026-2002", "C1004", _d(2026, 11, 4), _d(2026, 12, 4), "SO-50344",
                    _d(2026, 11, 3), "J. de Vries, 40 pallets received", (
                        _line(1, "PL-900", "Euro pallet of steel profiles", "50", "105.04",
                              shipped="40"),
                    )),
    DisputedInvoice("INV-2026-2003", "C1002", _d(2026, 10, 12), _d(2026, 11, 11), "SO-50102",
                    _d(2026, 10, 9), "M. Hughes, received", (
                        _line(1, "GS-310", "Gasket set 310", "60", "8.50"),
                    ), vat_percent=D("0"), paid=True),
    DisputedInvoice("INV-2026-2004", "C1002", _d(2026, 10, 13), _d(2026, 11, 12), "SO-50102",
                    _d(2026, 10, 9), "M. Hughes, received", (
                        _line(1, "GS-310", "Gasket set 310", "60", "8.50"),
                    ), vat_percent=D("0"), paid=True),
    DisputedInvoice("INV-2026-2005", "C1005", _d(2026, 11, 6), _d(2026, 12, 6), "SO-50390",
                    _d(2026, 11, 5), "L. Roth, received", (
                        _line(1, "VL-040", "Valve assembly 40 mm", "12", "96.00"),
                    )),
    DisputedInvoice("INV-2026-2006", "C1003", _d(2026, 11, 9), _d(2026, 12, 9), "SO-50402",
                    _d(2026, 11, 6), "A. Moreau, received", (
                        _line(1, "PM-075", "Pump motor 0.75 kW", "15", "212.00"),
                    )),
    DisputedInvoice("INV-2026-2007", "C1005", _d(2026, 11, 10), _d(2026, 12, 10), "SO-50415",
                    _d(2026, 11, 9), "L. Roth, received", (
                        _line(1, "FT-010", "Filter cartridge F10", "40", "11.25"),
                    )),
    DisputedInvoice("INV-2026-2008", "C1007", _d(2026, 11, 11), _d(2026, 12, 11), "SO-50421",
                    _d(2026, 11, 10), "R. Olsen, received", (
                        _line(1, "CL-200", "Clamp set 200", "30", "9.80"),
                        _line(2, "LB-001", "Lubricant drum 20 l", "2", "145.00"),
                    ), vat_percent=D("0")),
    DisputedInvoice("INV-2026-2009", "C1006", _d(2026, 11, 3), _d(2026, 12, 3), "SO-50330",
                    None, "", (
                        _line(1, "SV-ENG", "On-site engine service, vessel Nordlys", "1",
                              "1450.00"),
                    ), vat_percent=D("0")),
)

_C1002_IBAN = make_iban("GB", "NWBK60161331926819")

CLAIMS: tuple[SeededClaim, ...] = (
    SeededClaim("D01", "portal", "C1001", "INV-2026-2001", D("190.40"),
                "Line 2: you charged 14.50 per bearing, our contract price is 12.90. "
                "Please credit the difference of 160.00 plus VAT.",
                _at(16, 9, 12), "PRICING", "sales", lines=(2,)),
    SeededClaim("D02", "portal", "C1004", "INV-2026-2002", D("1249.98"),
                "Only 40 of the 50 pallets were delivered, see the signed delivery note. "
                "We will not pay for 10 pallets that never arrived.",
                _at(17, 14, 5), "QUANTITY", "operations", lines=(1,),
                attachment="delivery-note-SO-50344.pdf"),
    SeededClaim("D03", "portal", "C1008", "INV-2026-1012", D("250.00"),
                "Two cartons arrived damaged (photos attached); we deducted 250.00 from "
                "our payment.", _at(18, 8, 40), "DAMAGED", "operations",
                attachment="damaged-cartons.jpg"),
    SeededClaim("D04", "portal", "C1002", "INV-2026-2004", D("510.00"),
                "This invoice bills order SO-50102 a second time: it was already invoiced "
                "on INV-2026-2003, which we paid. Duplicate billing.",
                _at(18, 11, 30), "DUPLICATE_BILLING", "finance"),
    SeededClaim("D05", "portal", "C1005", "INV-2026-2005", D("218.88"),
                "VAT of 19% was charged, but the goods were shipped to our Austrian site "
                "under reverse charge; please reissue without tax.",
                _at(19, 10, 0), "TAX", "finance"),
    SeededClaim("D06", "mail", "C1006", "INV-2026-2009", D("1450.00"),
                "Dear team, the engine service you invoiced was never carried out: your "
                "technician did not come on board. Our claim form is attached.",
                _at(19, 7, 55), "SERVICE_NOT_RENDERED", "operations",
                subject="Complaint about your invoice", sender=customer_mailbox("C1006"),
                invoice_only_in_pdf=True, attachment="claim-form.pdf"),
    SeededClaim("D07", "mail", "C1003", "INV-2026-2006", D("1261.40"),
                "Hello, we returned 5 pump motors under RMA 7781 on 12 November, yet "
                "INV-2026-2006 still bills all 15. Please issue a credit note for the "
                "returned units.", _at(19, 13, 20), "RETURNED", "operations",
                subject="Returned goods INV-2026-2006", sender=customer_mailbox("C1003")),
    SeededClaim("D08", "mail", "C1001", "INV-2026-2001", D("190.40"),
                "Following up on our portal claim: the bearings on INV-2026-2001 were "
                "billed above the agreed contract price.", _at(19, 15, 45), "PRICING",
                "sales", subject="Price difference INV-2026-2001",
                sender=customer_mailbox("C1001"), duplicate_of="D01"),
    SeededClaim("D09", "mail", "C1005", "INV-2026-2007", D("535.50"),
                "Please call me back about INV-2026-2007, something about it is not right.",
                _at(20, 6, 30), "OTHER", "finance", subject="INV-2026-2007",
                sender=customer_mailbox("C1005"), low_confidence=True),
    SeededClaim("D10", "mail", "C1007", "INV-2026-2008", D("290.00"),
                "We never ordered the two lubricant drums on INV-2026-2008 and will send "
                "them back; please remove them from the invoice.", _at(20, 7, 10),
                "NOT_ORDERED", "sales", subject="Items not ordered",
                sender=customer_mailbox("C1007")),
    SeededClaim("D11", "deduction", "C1008", "INV-2026-1012", D("250.00"),
                "INV-2026-1012 less 250.00 damaged goods", _at(20, 5, 0), "DAMAGED",
                "operations", bank_reference="NWB2026112000008", duplicate_of="D03"),
)

CREDIT_BALANCES: tuple[CreditBalance, ...] = (
    CreditBalance("C1005", D("120.00"), "CM-2026-0042", _d(2026, 10, 28)),
    CreditBalance("C1004", D("900.00"), "CM-2026-0047", _d(2026, 11, 2)),
    CreditBalance("C1007", D("75.00"), "CM-2026-0051", _d(2026, 11, 9)),  # no bank details
)

BANK_DETAILS: tuple[BankDetails, ...] = (
    BankDetails("C1001", "Acme Industrial GmbH", make_iban("DE", "370400440532013000"),
                _d(2024, 3, 1), "erp.setup"),
    # changed three days before the claims day: a refund waits for a second person
    BankDetails("C1002", "Borealis Foods Ltd", _C1002_IBAN, _d(2026, 11, 17), "s.kline"),
    BankDetails("C1003", "Castellan Retail S.A.", make_iban("FR", "20041010050500013M02606"),
                _d(2025, 6, 12), "erp.setup"),
    BankDetails("C1004", "Dunmore Logistics B.V.", make_iban("NL", "ABNA0417164300"),
                _d(2023, 9, 4), "erp.setup"),
    BankDetails("C1005", "Elbe Pharma AG", make_iban("DE", "100100100123456789"),
                _d(2025, 1, 20), "erp.setup"),
    BankDetails("C1006", "Fjord Marine AS", make_iban("NO", "86011117947"),
                _d(2024, 11, 5), "erp.setup"),
    BankDetails("C1008", "Helios Energy SE", make_iban("DE", "200400000123456700"),
                _d(2022, 2, 14), "erp.setup"),
)


def invoice(number: str) -> DisputedInvoice:
    return next(i for i in INVOICES if i.invoice_number == number)


def claims(channel: str | None = None) -> tuple[SeededClaim, ...]:
    return tuple(c for c in CLAIMS if channel is None or c.channel == channel)


def expected_cases() -> dict[str, tuple[str, ...]]:
    """One case per claim that repeats none: its key -> every claim key linked to it."""
    cases: dict[str, list[str]] = {}
    for c in CLAIMS:
        cases.setdefault(c.duplicate_of or c.key, []).append(c.key)
    return {k: tuple(v) for k, v in cases.items()}
