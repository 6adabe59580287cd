"""The seeded scenario every sandbox target is built from, with its expected outcome.

One business day of cash application for *Northwind Components GmbH*: the customers and
open invoices the ERP and the billing portal hold, the incoming payments on the bank
statement, and what a correct run leaves behind (postings, invoice statuses, exception
cases by reason). ``build_scenario(extra_exact=N)`` appends N plain exact payments for
throughput benchmarks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from bots.cashapp.identifiers import make_iban, make_rf

D = Decimal
STATEMENT_DATE = dt.date(2026, 11, 20)
COMPANY_NAME = "Northwind Components GmbH"
COMPANY_IBAN = make_iban("DE", "500105170648489890")
CURRENCY = "EUR"


@dataclass(frozen=True)
class SandboxCredentials:
    """Demo logins of the sandbox targets (test data, loaded into the vault by the demo)."""

    bank_username: str = "treasury.bot"
    bank_password: str = "Nw!Bank-Sandbox-2026"
    bank_totp_seed: str = "JBSWY3DPEHPK3PXPNORTHWINDQ"  # base32
    erp_username: str = "cashapp"
    erp_password: str = "Erp#Sandbox-42"
    portal_username: str = "billing.bot"
    portal_password: str = "Portal$Sandbox-7"
    collections_username: str = "dunning"  # the ERP user of the collections bot
    collections_password: str = "Erp#Dunning-17"
    credit_username: str = "creditctl"  # the ERP user of the credit bot
    credit_password: str = "Erp#Credit-23"
    # the ERP and billing-portal user of billing validation: not a word the bot's pages and
    # addresses use ("billing"), since a login name is masked in everything a run records
    billing_username: str = "billcheck"
    billing_password: str = "Erp#Billing-31"
    billing_portal_password: str = "Portal#Billing-19"
    # the disputes bot: ERP (orders, deliveries, credit memos) and the portal's claims desk
    disputes_username: str = "claimdesk"
    disputes_password: str = "Erp#Claims-53"
    disputes_portal_password: str = "Portal#Claims-61"
    # the refunds bot: ERP (credit balances, bank details, refund documents)
    refunds_username: str = "rfndctl"
    refunds_password: str = "Erp#Refunds-47"

    def erp_users(self) -> dict[str, str]:
        """Every ERP login (user -> password): one per process, as an ERP's audit needs."""
        return {self.erp_username: self.erp_password,
                self.collections_username: self.collections_password,
                self.credit_username: self.credit_password,
                self.billing_username: self.billing_password,
                self.disputes_username: self.disputes_password,
                self.refunds_username: self.refunds_password}


CREDENTIALS = SandboxCredentials()


@dataclass(frozen=True)
class Customer:
    customer_id: str
    name: str
    ibans: tuple[str, ...]


@dataclass(frozen=True)
class Invoice:
    invoice_number: str
    customer_id: str
    amount: Decimal
    issue_date: dt.date
    due_date: dt.date
    with_rf: bool = False
    discount_percent: Decimal = Decimal("0")
    discount_until: dt.date | None = None

    @property
    def creditor_reference(self) -> str | None:
        return make_rf(self.invoice_number.replace("-", "")) if self.with_rf else None


@dataclass(frozen=True)
class ExpectedPosting:
    """What the ERP must hold for one bank reference after a correct run."""

    allocations: tuple[tuple[str, Decimal], ...]  # (invoice number, cash applied)
    write_offs: tuple[tuple[str, Decimal], ...] = ()  # (invoice, difference closed)
    discounts: tuple[tuple[str, Decimal], ...] = ()  # (invoice, discount taken)


@dataclass(frozen=True)
class Payment:
    """One line of the day's statement and what a correct run does with it."""

    key: str  # P01..; the case it illustrates is in ``case``
    case: str
    bank_reference: str
    amount: Decimal
    counterparty_name: str
    counterparty_iban: str | None
    remittance_text: str = ""
    creditor_reference: str | None = None
    end_to_end_id: str | None = None
    credit: bool = True
    expected_posting: ExpectedPosting | None = None  # None: nothing may be posted
    expected_reason: str | None = None  # exception reason code, or None


@dataclass
class Scenario:
    statement_date: dt.date
    company_name: str
    company_iban: str
    currency: str
    opening_balance: Decimal
    customers: list[Customer]
    invoices: list[Invoice]
    payments: list[Payment]
    credentials: SandboxCredentials = field(default_factory=SandboxCredentials)

    @property
    def closing_balance(self) -> Decimal:
        total = sum((p.amount if p.credit else -p.amount for p in self.payments), D("0"))
        return self.opening_balance + total

    def customer(self, customer_id: str) -> Customer:
        return next(c for c in self.customers if c.customer_id == customer_id)

    def invoice(self, number: str) -> Invoice:
        return next(i for i in self.invoices if i.invoice_number == number)

    def expected_open_amounts(self) -> dict[str, Decimal]:
        """Open amount of every invoice after a correct run."""
        open_amounts = {i.invoice_number: i.amount for i in self.invoices}
        for p in self.payments:
            if p.expected_posting is None:
                continue
            e = p.expected_posting
            for inv, amt in (*e.allocations, *e.write_offs, *e.discounts):
                open_amounts[inv] -= amt
        return open_amounts

    def expected_statuses(self) -> dict[str, str]:
        """Billing-portal status of every invoice after a correct run."""
        statuses = {}
        for inv in self.invoices:
            left = self.expected_open_amounts()[inv.invoice_number]
            if left == 0:
                statuses[inv.invoice_number] = "paid"
            elif left < inv.amount:
                statuses[inv.invoice_number] = "partially_paid"
            else:
                statuses[inv.invoice_number] = "open"
        return statuses

    def expected_exceptions(self) -> dict[str, str]:
        """Bank reference -> exception reason code."""
        return {p.bank_reference: p.expected_reason for p in self.payments if p.expected_reason}


def _iban(country: str, bban: str) -> str:
    return make_iban(country, bban)


CUSTOMERS = [
    Customer("C1001", "Acme Industrial GmbH", (_iban("DE", "370400440532013000"),)),
    Customer("C1002", "Borealis Foods Ltd", (_iban("GB", "NWBK60161331926819"),)),
    Customer(
        "C1003",
        "Castellan Retail S.A.",
        (_iban("FR", "20041010050500013M02606"), _iban("ES", "21000418450200051332")),
    ),
    Customer("C1004", "Dunmore Logistics B.V.", (_iban("NL", "ABNA0417164300"),)),
    Customer("C1005", "Elbe Pharma AG", (_iban("DE", "100100100123456789"),)),
    Customer("C1006", "Fjord Marine AS", (_iban("NO", "86011117947"),)),
    Customer("C1007", "Granite Tools Inc.", ()),  # no bank account on file: name only
    Customer("C1008", "Helios Energy SE", (_iban("DE", "200400000123456700"),)),
]

_ISSUED = dt.date(2026, 10, 21)
_DUE = dt.date(2026, 11, 20)


def _inv(
    n: int, cust: str, amount: str, *, rf: bool = False, disc: str = "0",
    until: dt.date | None = None,
) -> Invoice:
    return Invoice(f"INV-2026-{n}", cust, D(amount), _ISSUED, _DUE, rf, D(disc), until)


INVOICES = [
    _inv(1001, "C1001", "1190.00", rf=True),
    _inv(1002, "C1002", "2380.00"),
    _inv(1003, "C1003", "500.00"),
    _inv(1004, "C1003", "750.00"),
    _inv(1005, "C1003", "1250.50"),
    _inv(1006, "C1003", "980.00"),
    _inv(1007, "C1004", "4200.00"),
    _inv(1008, "C1005", "3333.33"),
    _inv(1009, "C1005", "1500.00"),
    _inv(1010, "C1006", "2000.00"),
    _inv(1011, "C1006", "2000.00"),
    _inv(1012, "C1008", "5000.00"),
    _inv(1013, "C1001", "10000.00"),
    _inv(1014, "C1002", "800.00"),
    _inv(1015, "C1004", "1800.00"),
    _inv(1016, "C1005", "2000.00", disc="2", until=dt.date(2026, 11, 25)),
    _inv(1017, "C1008", "1200.00"),
    _inv(1018, "C1008", "1900.00"),
    _inv(1019, "C1007", "640.00"),
    _inv(1020, "C1007", "700.00"),
    _inv(1021, "C1007", "900.00"),
]

_C = {c.customer_id: c for c in CUSTOMERS}
_I = {i.invoice_number: i for i in INVOICES}


def _post(*alloc: tuple[str, str], wo: tuple[str, str] | None = None,
          disc: tuple[str, str] | None = None) -> ExpectedPosting:
    return ExpectedPosting(
        tuple((f"INV-2026-{n}", D(a)) for n, a in alloc),
        ((f"INV-2026-{wo[0]}", D(wo[1])),) if wo else (),
        ((f"INV-2026-{disc[0]}", D(disc[1])),) if disc else (),
    )


def _ref(n: int) -> str:
    return f"NWB{STATEMENT_DATE:%Y%m%d}{n:05d}"


PAYMENTS = [
    Payment("P01", "exact payment, structured RF reference", _ref(1), D("1190.00"),
            "ACME INDUSTRIAL GMBH", _C["C1001"].ibans[0],
            creditor_reference=_I["INV-2026-1001"].creditor_reference,
            end_to_end_id="ACME-E2E-88121", expected_posting=_post((1001, "1190.00"))),
    Payment("P02", "exact payment, invoice number in the text", _ref(2), D("2380.00"),
            "Borealis Foods Ltd", _C["C1002"].ibans[0], "Payment INV-2026-1002 thank you",
            expected_posting=_post((1002, "2380.00"))),
    Payment("P03", "one payment for three invoices", _ref(3), D("2500.50"),
            "CASTELLAN RETAIL SA", _C["C1003"].ibans[0],
            "INV-2026-1003 INV-2026-1004 INV-2026-1005",
            expected_posting=_post((1003, "500.00"), (1004, "750.00"), (1005, "1250.50"))),
    Payment("P04", "customer paying from its second account, prefix missing", _ref(4),
            D("980.00"), "Castellan Retail", _C["C1003"].ibans[1], "FACTURA 2026-1006",
            expected_posting=_post((1006, "980.00"))),
    Payment("P05", "garbled (OCR-like) invoice number", _ref(5), D("4200.00"),
            "DUNMORE LOGISTICS", _C["C1004"].ibans[0], "lNV-2O26-1OO7",
            expected_posting=_post((1007, "4200.00"))),
    Payment("P06", "no reference, amount identifies the invoice", _ref(6), D("3333.33"),
            "Elbe Pharma AG", _C["C1005"].ibans[0], "SEPA CREDIT TRANSFER",
            expected_posting=_post((1008, "3333.33"))),
    Payment("P07", "no reference, two invoices with that amount", _ref(7), D("2000.00"),
            "Fjord Marine AS", _C["C1006"].ibans[0], "",
            expected_reason="AMBIGUOUS"),
    Payment("P08", "short payment with a deduction", _ref(8), D("4750.00"),
            "Helios Energy SE", _C["C1008"].ibans[0],
            "INV-2026-1012 less 250.00 damaged goods", expected_reason="SHORT_PAYMENT"),
    Payment("P09", "partial payment, announced as such", _ref(9), D("4000.00"),
            "Acme Industrial GmbH", _C["C1001"].ibans[0],
            "INV-2026-1013 partial payment 1/3",
            expected_posting=_post((1013, "4000.00"))),
    Payment("P10", "overpayment", _ref(10), D("880.00"),
            "Borealis Foods Ltd", _C["C1002"].ibans[0], "INV-2026-1014",
            expected_reason="OVERPAYMENT"),
    Payment("P11", "duplicate of P02 (same payer, amount and reference)", _ref(11),
            D("2380.00"), "Borealis Foods Ltd", _C["C1002"].ibans[0],
            "Payment INV-2026-1002 thank you", expected_reason="DUPLICATE"),
    Payment("P12", "unknown payer, no usable reference", _ref(12), D("615.40"),
            "Zephyr Trading LLC", _iban("IE", "AIBK93115212345678"), "Order 55812",
            expected_reason="UNKNOWN_PAYER"),
    Payment("P13", "bank charges deducted, within tolerance", _ref(13), D("1799.20"),
            "Dunmore Logistics B.V.", _C["C1004"].ibans[0], "INV-2026-1015",
            expected_posting=_post((1015, "1799.20"), wo=(1015, "0.80"))),
    Payment("P14", "early-payment discount within terms", _ref(14), D("1960.00"),
            "Elbe Pharma AG", _C["C1005"].ibans[0], "INV-2026-1016 2% Skonto",
            expected_posting=_post((1016, "1960.00"), disc=(1016, "40.00"))),
    Payment("P15", "known payer, no reference, no amount fits", _ref(15), D("1234.56"),
            "GRANITE TOOLS INC", None, "REMITTANCE TO FOLLOW",
            expected_reason="UNMATCHED"),
    Payment("P16", "no reference, two open invoices sum to the amount", _ref(16),
            D("3100.00"), "Helios Energy SE", _C["C1008"].ibans[0], "",
            expected_posting=_post((1017, "1200.00"), (1018, "1900.00"))),
    Payment("P17", "payer known by name only, reference without separators", _ref(17),
            D("640.00"), "GRANITE TOOLS INCORPORATED", None, "INV2026 1019",
            expected_posting=_post((1019, "640.00"))),
    Payment("P18", "bank charges (a debit, not a customer payment)", _ref(18), D("12.50"),
            "Sandbox Bank AG", None, "Account maintenance fee 11/2026", credit=False),
]


def build_scenario(extra_exact: int = 0) -> Scenario:
    """The seeded scenario; ``extra_exact`` adds that many plain exact RF payments."""
    customers, invoices, payments = list(CUSTOMERS), list(INVOICES), list(PAYMENTS)
    for k in range(extra_exact):
        n = 5001 + k
        cust = Customer(f"C{9000 + k}", f"Volume Customer {k:04d} Ltd",
                        (_iban("DE", f"1001001{k:011d}"),))
        inv = Invoice(f"INV-2026-{n}", cust.customer_id, D("100.00") + k, _ISSUED, _DUE, True)
        customers.append(cust)
        invoices.append(inv)
        payments.append(Payment(
            f"X{k:04d}", "bulk exact payment", _ref(100 + k), inv.amount, cust.name,
            cust.ibans[0], creditor_reference=inv.creditor_reference,
            expected_posting=ExpectedPosting(((inv.invoice_number, inv.amount),))))
    return Scenario(STATEMENT_DATE, COMPANY_NAME, COMPANY_IBAN, CURRENCY, D("250000.00"),
                    customers, invoices, payments)
