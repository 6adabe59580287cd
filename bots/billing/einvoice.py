"""The EN 16931 e-invoice of a released draft: UN/CEFACT CII XML made with drafthorse.

:func:`einvoice_xml` refuses a draft whose totals do not add up (BR-CO-10, BR-CO-15,
BR-CO-17: the XML schema cannot see those) and serialises with drafthorse's schema
validation on (the Factur-X 1.0.07 EN 16931 XSD, profile ``urn:cen.eu:en16931:2017``).
:func:`check_einvoice` validates bytes received from elsewhere (the portal, a test) against
the same schema, parsed with entity resolution and network access off.

Lines without VAT (reverse charge AE, export G, exempt E, zero rated Z) carry the
configured exemption reason in the VAT breakdown, as EN 16931 asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import drafthorse
from drafthorse.models.accounting import ApplicableTradeTax
from drafthorse.models.document import Document
from drafthorse.models.party import TaxRegistration
from drafthorse.models.payment import PaymentMeans, PaymentTerms
from drafthorse.models.tradelines import AllowanceCharge, LineItem
from lxml import etree

from bots.billing.model import CustomerMaster, DraftInvoice
from bots.billing.rules import totals
from bots.billing.rules.config import BillingRules
from bots.runtime.errors import BusinessFailure

__all__ = ["EN16931", "MAX_EINVOICE_BYTES", "Seller", "check_einvoice", "einvoice_xml"]

EN16931 = "urn:cen.eu:en16931:2017"
SCHEMA = "FACTUR-X_EN16931"
MAX_EINVOICE_BYTES = 5 * 1024 * 1024
_VATEX = {"AE": "VATEX-EU-AE", "G": "VATEX-EU-G"}  # CEF VATEX exemption reason codes
_XSD = Path(drafthorse.__file__).parent / "schema" / "Factur-X_1.0.07_EN16931.xsd"


@dataclass(frozen=True, slots=True)
class Seller:
    """The invoicing company as the e-invoice names it."""

    name: str
    street: str
    postcode: str
    city: str
    country: str
    vat_id: str
    iban: str | None = None


def _refuse_inconsistent(draft: DraftInvoice, config: BillingRules) -> None:
    failed = [r for r in totals.check_totals(draft, config.rounding_tolerance) if not r.passed]
    if failed:
        raise BusinessFailure(
            "EINVOICE_INCONSISTENT",
            f"Draft {draft.number} cannot become an e-invoice: "
            + " ".join(f"{r.rule_id}: {r.message}" for r in failed),
            rule=failed[0].rule_id, amount=draft.gross_total, customer=draft.customer_id)


def _party(party: object, name: str, street: str, postcode: str, city: str,
           country: str, vat_id: str | None) -> None:
    party.name = name  # type: ignore[attr-defined]
    address = party.address  # type: ignore[attr-defined]
    address.line_one, address.postcode = street, postcode
    address.city_name, address.country_id = city, country
    if vat_id:
        party.tax_registrations.add(_tax_registration(vat_id))  # type: ignore[attr-defined]


def _tax_registration(vat_id: str) -> TaxRegistration:
    registration = TaxRegistration()
    registration.id = ("VA", vat_id)
    return registration


def einvoice_xml(draft: DraftInvoice, seller: Seller, buyer: CustomerMaster,
                 config: BillingRules) -> bytes:
    """The draft as EN 16931 CII XML, schema-validated; refuses inconsistent totals."""
    _refuse_inconsistent(draft, config)
    doc = Document()
    doc.context.guideline_parameter.id = EN16931
    doc.header.id = draft.number
    doc.header.type_code = "380"
    doc.header.issue_date_time = draft.issue_date
    agreement = doc.trade.agreement
    _party(agreement.seller, seller.name, seller.street, seller.postcode, seller.city,
           seller.country, seller.vat_id)
    _party(agreement.buyer, buyer.billing_name, buyer.street, buyer.postcode, buyer.city,
           buyer.country, draft.buyer_vat_id)
    agreement.buyer_reference = draft.customer_id
    if draft.po_number:
        agreement.buyer_order.issuer_assigned_id = draft.po_number
    agreement.contract.issuer_assigned_id = draft.contract_number
    doc.trade.delivery.event.occurrence = draft.period_end

    for line in draft.lines:
        item = LineItem()
        item.document.line_id = str(line.line_no)
        item.product.name = line.description
        price = (line.unit_price * (Decimal(100) - line.discount_percent)
                 / Decimal(100)).quantize(Decimal("0.0001"))
        item.agreement.net.amount = price
        if line.discount_percent:  # the list price and the discount off it (BT-148, BT-147)
            item.agreement.gross.amount = line.unit_price
            off = AllowanceCharge()
            off.indicator = False
            off.actual_amount = line.unit_price - price
            off.reason = f"{line.discount_percent.normalize():f}% contract discount"
            item.agreement.gross.charge.add(off)
        item.delivery.billed_quantity = (line.quantity, "C62")
        item.settlement.trade_tax.type_code = "VAT"
        item.settlement.trade_tax.category_code = line.vat_category
        item.settlement.trade_tax.rate_applicable_percent = line.vat_rate
        item.settlement.monetary_summation.total_amount = line.net_amount
        doc.trade.items.add(item)

    settlement = doc.trade.settlement
    settlement.currency_code = draft.currency
    settlement.payment_reference = draft.number
    if seller.iban:
        means = PaymentMeans()
        means.type_code = "58"  # SEPA credit transfer
        means.payee_account.iban = seller.iban
        settlement.payment_means.add(means)
    settlement.period.start = draft.period_start
    settlement.period.end = draft.period_end
    for (category, rate), (base, vat) in totals.vat_breakdown(draft.lines).items():
        tax = ApplicableTradeTax()
        tax.calculated_amount = vat
        tax.basis_amount = base
        tax.type_code = "VAT"
        tax.category_code = category
        tax.rate_applicable_percent = rate
        if category != "S":
            tax.exemption_reason = config.exemption_reasons.get(category, "Exempt from VAT")
            if category in _VATEX:
                tax.exemption_reason_code = _VATEX[category]
        settlement.trade_tax.add(tax)
    terms = PaymentTerms()
    terms.description = f"Payable within {draft.payment_terms_days} days"
    terms.due = draft.issue_date + timedelta(days=draft.payment_terms_days)
    settlement.terms.add(terms)
    summation = settlement.monetary_summation
    summation.line_total = draft.net_total
    summation.charge_total = Decimal("0.00")
    summation.allowance_total = Decimal("0.00")
    summation.tax_basis_total = draft.net_total
    summation.tax_total = (draft.vat_total, draft.currency)
    summation.grand_total = draft.gross_total
    summation.due_amount = draft.gross_total
    return bytes(doc.serialize(schema=SCHEMA))


_schema: etree.XMLSchema | None = None


def check_einvoice(data: bytes) -> list[str]:
    """Schema errors of a CII e-invoice (empty: valid); entities and network stay off."""
    global _schema
    if len(data) > MAX_EINVOICE_BYTES:
        return [f"larger than {MAX_EINVOICE_BYTES // (1024 * 1024)} MiB"]
    if _schema is None:
        _schema = etree.XMLSchema(etree.parse(str(_XSD)))
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        return [f"not well-formed XML: {exc}"]
    if root.getroottree().docinfo.doctype:
        return ["a document type declaration (DOCTYPE) is not allowed in an e-invoice"]
    if _schema.validate(root):
        guideline = root.findtext(".//{*}GuidelineSpecifiedDocumentContextParameter/{*}ID")
        return [] if guideline == EN16931 else [
            f"profile {guideline!r} is not EN 16931 ({EN16931})"]
    return [f"line {e.line}: {e.message}" for e in _schema.error_log]
