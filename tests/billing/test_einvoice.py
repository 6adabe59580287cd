"""The EN 16931 CII e-invoice of a clean draft validates against the schema; a draft whose
totals do not add up is refused before any XML is made; tampered XML is refused by the check."""

from __future__ import annotations

import dataclasses
import sys
from decimal import Decimal as D
from pathlib import Path

import pytest
from lxml import etree

from bots.billing.einvoice import EN16931, Seller, check_einvoice, einvoice_xml
from bots.billing.rules import default_rules, failures, validate
from bots.runtime.errors import BusinessFailure

if str(Path(__file__).parent) not in sys.path:  # the folder's shared data module
    sys.path.insert(0, str(Path(__file__).parent))

from test_rules_data import APRIL, FR, MARCH, US, context, retotal

SELLER = Seller("Nordlicht Software GmbH", "Alexanderplatz 1", "10178", "Berlin", "DE",
                "DE136695976", "DE89370400440532013000")
RAM = "{urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100}"


def _xml(draft: object, buyer: object = None) -> etree._Element:
    data = einvoice_xml(draft, SELLER, buyer or context().customer, default_rules())  # type: ignore[arg-type]
    assert check_einvoice(data) == []
    return etree.fromstring(data)


def _taxed(category: str, vat_id: str | None) -> object:
    lines = tuple(dataclasses.replace(ln, vat_category=category, vat_rate=D(0))
                  for ln in APRIL.lines)
    return retotal(dataclasses.replace(APRIL, buyer_vat_id=vat_id), lines)


def test_a_clean_domestic_draft_becomes_a_valid_en16931_invoice() -> None:
    assert failures(validate(APRIL, context())) == []
    root = _xml(APRIL)
    assert root.findtext(f".//{RAM}GuidelineSpecifiedDocumentContextParameter/{RAM}ID") \
        == EN16931
    assert root.findtext(f".//{RAM}GrandTotalAmount") == "172.55"
    assert root.findtext(f".//{RAM}TaxTotalAmount") == "27.55"
    assert [e.text for e in root.iter(f"{RAM}LineTotalAmount")][:2] == ["125.00", "20.00"]
    assert root.findtext(f".//{RAM}BillingSpecifiedPeriod/{RAM}StartDateTime/*") == "20260401"
    assert root.findtext(f".//{RAM}IBANID") == SELLER.iban


def test_a_discounted_line_shows_list_price_discount_and_net_price() -> None:
    root = _xml(MARCH)
    assert root.findtext(f".//{RAM}GrossPriceProductTradePrice/{RAM}ChargeAmount") == "12.50"
    assert root.findtext(f".//{RAM}NetPriceProductTradePrice/{RAM}ChargeAmount") == "11.2500"


def test_reverse_charge_carries_category_ae_and_the_exemption_reason() -> None:
    draft = _taxed("AE", "FR40303265045")
    assert failures(validate(draft, context(customer=FR))) == []
    root = _xml(draft, FR)
    tax = root.find(f".//{RAM}ApplicableHeaderTradeSettlement/{RAM}ApplicableTradeTax")
    assert tax is not None
    assert tax.findtext(f"{RAM}CategoryCode") == "AE"
    assert "Reverse charge" in (tax.findtext(f"{RAM}ExemptionReason") or "")
    assert tax.findtext(f"{RAM}ExemptionReasonCode") == "VATEX-EU-AE"
    ids = [e.text for e in root.iter(f"{RAM}ID") if e.get("schemeID") == "VA"]
    assert ids == ["DE136695976", "FR40303265045"]


def test_export_carries_category_g() -> None:
    root = _xml(_taxed("G", None), US)
    assert root.findtext(f".//{RAM}ApplicableHeaderTradeSettlement/{RAM}ApplicableTradeTax/"
                         f"{RAM}ExemptionReasonCode") == "VATEX-EU-G"


@pytest.mark.parametrize("change", [
    {"net_total": D("150.00"), "gross_total": D("177.55")},   # lines do not add up
    {"gross_total": D("172.56")},                              # net + VAT is not gross
    {"vat_total": D("20.00"), "gross_total": D("165.00")},     # VAT not rate x base
])
def test_inconsistent_totals_are_refused_before_any_xml(change: dict[str, D]) -> None:
    with pytest.raises(BusinessFailure) as caught:
        einvoice_xml(dataclasses.replace(APRIL, **change), SELLER, context().customer,  # type: ignore[arg-type]
                     default_rules())
    assert caught.value.code == "EINVOICE_INCONSISTENT"
    assert caught.value.rule in {"BR-CO-10", "BR-CO-15", "BR-CO-17"}


def test_the_check_refuses_xml_the_schema_does_not_allow() -> None:
    data = einvoice_xml(APRIL, SELLER, context().customer, default_rules())  # type: ignore[arg-type]
    broken = data.replace(b"<ram:GrandTotalAmount>172.55", b"<ram:GrandTotalAmount>lots")
    errors = check_einvoice(broken)
    assert errors and "GrandTotalAmount" in errors[0]
    other = data.replace(EN16931.encode(), b"urn:factur-x.eu:1p0:minimum")
    assert "not EN 16931" in check_einvoice(other)[0]
    assert "not well-formed" in check_einvoice(data[:200])[0]


def test_the_check_resolves_no_entities(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    data = einvoice_xml(APRIL, SELLER, context().customer, default_rules())  # type: ignore[arg-type]
    head, body = data.split(b"?>", 1)
    evil = (head + b'?><!DOCTYPE x [<!ENTITY s SYSTEM "file://' + str(secret).encode()
            + b'">]>' + body.replace(b"<ram:Name>line 1</ram:Name>", b"<ram:Name>&s;</ram:Name>"))
    errors = check_einvoice(evil)
    assert errors == ["a document type declaration (DOCTYPE) is not allowed in an e-invoice"]
