"""Each billing rule passes on a clean draft and fails, naming expected and found, on one
hand-made fault."""

from __future__ import annotations

import dataclasses
import sys
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from bots.billing.model import DraftInvoice
from bots.billing.rules import RULES, RuleResult, ValidationContext, failures, validate

if str(Path(__file__).parent) not in sys.path:  # the folder's shared data module
    sys.path.insert(0, str(Path(__file__).parent))

from test_rules_data import (
    AMENDMENT,
    APRIL,
    CONTRACT,
    DE,
    FR,
    MARCH,
    PO,
    US,
    context,
    draft,
    line,
    retotal,
)


def failed(d: DraftInvoice, ctx: ValidationContext | None = None) -> dict[str, RuleResult]:
    return {r.rule_id: r for r in failures(validate(d, ctx or context()))}


def test_a_clean_draft_passes_every_rule_and_every_rule_reports() -> None:
    results = validate(APRIL, context())
    assert failures(results) == []
    assert {r.rule_id for r in results} == set(RULES)


def test_every_rule_id_is_explained_in_one_sentence() -> None:
    for rule_id, meaning in RULES.items():
        assert rule_id.startswith(("BR-CO-", "BV-"))
        assert meaning.endswith(".") and len(meaning) < 100


def test_line_sum_differing_from_net_total_fails_br_co_10() -> None:
    bad = dataclasses.replace(APRIL, net_total=D("150.00"), gross_total=D("177.55"))
    result = failed(bad)["BR-CO-10"]
    assert (result.expected, result.found) == ("145.00", "150.00")
    assert "145.00" in result.message and "150.00" in result.message


def test_net_plus_vat_differing_from_gross_fails_br_co_15_only() -> None:
    bad = dataclasses.replace(APRIL, gross_total=D("172.56"))
    assert set(failed(bad)) == {"BR-CO-15"}
    assert failed(bad)["BR-CO-15"].expected == "172.55"


def test_vat_not_rate_times_taxable_amount_fails_br_co_17() -> None:
    bad = dataclasses.replace(APRIL, vat_total=D("27.56"), gross_total=D("172.56"))
    result = failed(bad)["BR-CO-17"]
    assert (result.expected, result.found) == ("27.55", "27.56")


def test_vat_within_the_configured_rounding_tolerance_passes() -> None:
    loose = dataclasses.replace(context().config, rounding_tolerance=D("0.01"))
    bad = dataclasses.replace(APRIL, vat_total=D("27.56"), gross_total=D("172.56"))
    assert "BR-CO-17" not in failed(bad, context(config=loose))


def test_line_net_not_quantity_times_price_fails_bv_line_net() -> None:
    lines = (line(1, "L1", "10", "12.50", "0", "126.00"), APRIL.lines[1])
    result = failed(retotal(APRIL, lines))["BV-LINE-NET"]
    assert (result.line_no, result.expected, result.found) == (1, "125.00", "126.00")


def test_price_below_contract_fails_bv_price_on_that_line() -> None:
    lines = (line(1, "L1", "10", "11.50", "0", "115.00"), APRIL.lines[1])
    got = failed(retotal(APRIL, lines))
    assert set(got) == {"BV-PRICE"}
    assert (got["BV-PRICE"].line_no, got["BV-PRICE"].expected, got["BV-PRICE"].found) == (
        1, "12.50", "11.50")


def test_a_line_outside_the_contract_fails_bv_price() -> None:
    lines = (*APRIL.lines, line(3, "L9", "1", "50", "0", "50.00"))
    assert "not a line of contract C-100" in failed(retotal(APRIL, lines))["BV-PRICE"].message


def test_usage_billed_short_fails_bv_quantity() -> None:
    lines = (APRIL.lines[0], line(2, "L2", "300", "0.05", "0", "15.00"))
    result = failed(retotal(APRIL, lines))["BV-QUANTITY"]
    assert (result.line_no, result.expected, result.found) == (2, "400.00", "300.00")


def test_a_recurring_line_left_off_fails_bv_quantity() -> None:
    result = failed(retotal(APRIL, (APRIL.lines[1],)))["BV-QUANTITY"]
    assert result.line_no is None and "L1" in result.message


def _june(price: str, net: str) -> DraftInvoice:
    june = draft("INV-0006", date(2026, 6, 1), date(2026, 6, 30),
                 (line(1, "L1", "10", price, "0", net),), net="0", vat="0", gross="0")
    return retotal(june)


def _with_may(ctx: ValidationContext) -> ValidationContext:
    april = dataclasses.replace(APRIL, status="released")
    may = dataclasses.replace(APRIL, number="INV-0005", period_start=date(2026, 5, 1),
                              period_end=date(2026, 5, 31), status="released")
    return dataclasses.replace(ctx, other_invoices=(*ctx.other_invoices, april, may))


def test_mid_period_amendment_is_pro_rata_by_days() -> None:
    # 15 days at 12.50 and 15 days at 14.00 in June: 13.25 a seat
    assert failed(_june("13.25", "132.50"), _with_may(context())) == {}
    result = failed(_june("12.50", "125.00"), _with_may(context()))["BV-AMENDMENT"]
    assert (result.expected, result.found) == ("10.00 x 13.25", "10.00 x 12.50")
    assert "2026-06-16" in result.message


def test_mid_period_amendment_in_whole_period_mode_bills_the_new_price() -> None:
    whole = dataclasses.replace(context().config, mid_period_amendment="whole_period")
    ctx = _with_may(context(config=whole))
    assert failed(_june("14.00", "140.00"), ctx) == {}
    assert set(failed(_june("13.25", "132.50"), ctx)) == {"BV-AMENDMENT"}


def test_discount_after_its_end_date_fails_bv_discount_expired() -> None:
    lines = (line(1, "L1", "10", "12.50", "10", "112.50"), APRIL.lines[1])
    got = failed(retotal(APRIL, lines))
    assert set(got) == {"BV-DISCOUNT-EXPIRED"}
    assert "2026-03-31" in got["BV-DISCOUNT-EXPIRED"].message


def test_discount_in_force_but_left_off_fails_bv_discount() -> None:
    april_history = context(other_invoices=tuple(
        d for d in context().other_invoices if d.number != "INV-0003"))
    march = retotal(dataclasses.replace(
        MARCH, status="draft", lines=(line(1, "L1", "10", "12.50", "0", "125.00"),)))
    result = failed(march, april_history)["BV-DISCOUNT"]
    assert (result.expected, result.found) == ("10.00%", "0.00%")


def test_period_already_billed_fails_bv_period_dup() -> None:
    again = dataclasses.replace(APRIL, number="INV-0099", period_start=date(2026, 3, 1),
                                period_end=date(2026, 3, 31), issue_date=date(2026, 3, 1))
    got = failed(again)
    assert "INV-0003" in got["BV-PERIOD-DUP"].message
    assert "BV-DUPLICATE" not in got  # a different amount: an overlap, not a copy


def test_same_period_and_amount_fails_bv_duplicate() -> None:
    copy = dataclasses.replace(APRIL, number="INV-0004-B")
    got = failed(copy, context(other_invoices=(*context().other_invoices, APRIL)))
    assert "INV-0004" in got["BV-DUPLICATE"].message


def test_of_two_identical_drafts_only_the_later_is_the_duplicate() -> None:
    copy = dataclasses.replace(APRIL, number="INV-0004-B")
    both = context(other_invoices=(*context().other_invoices, APRIL, copy))
    assert failed(APRIL, both) == {}
    assert {"BV-DUPLICATE", "BV-PERIOD-DUP"} <= set(failed(copy, both))
    released = context(other_invoices=(*context().other_invoices,
                                       dataclasses.replace(copy, status="released")))
    assert "BV-DUPLICATE" in failed(APRIL, released)  # a released copy always counts


def test_skipping_a_period_fails_bv_period_gap() -> None:
    may = dataclasses.replace(APRIL, number="INV-0005", period_start=date(2026, 5, 1),
                              period_end=date(2026, 5, 31), issue_date=date(2026, 5, 1),
                              lines=(APRIL.lines[0], line(2, "L2", "200", "0.05", "0", "10.00")))
    result = failed(retotal(may))["BV-PERIOD-GAP"]
    assert result.expected == "2026-04-01..2026-04-30"


def test_a_period_off_the_schedule_fails_bv_period_schedule() -> None:
    odd = dataclasses.replace(APRIL, period_start=date(2026, 4, 2), period_end=date(2026, 5, 1))
    assert failed(odd)["BV-PERIOD-SCHEDULE"].expected == "2026-04-01..2026-04-30"


def test_arrears_period_billed_before_it_ends_fails_bv_period_schedule() -> None:
    arrears = dataclasses.replace(CONTRACT, billing="monthly_in_arrears")
    early = dataclasses.replace(APRIL, issue_date=date(2026, 4, 20))
    result = failed(early, context(contract=arrears))["BV-PERIOD-SCHEDULE"]
    assert "2026-05-01" in result.message


def test_wrong_payment_terms_fail_bv_terms() -> None:
    result = failed(dataclasses.replace(APRIL, payment_terms_days=60))["BV-TERMS"]
    assert (result.expected, result.found) == ("30 days", "60 days")


def test_other_currency_fails_bv_currency() -> None:
    assert "BV-CURRENCY" in failed(dataclasses.replace(APRIL, currency="USD"))


def test_incomplete_master_fails_bv_customer() -> None:
    ctx = context(customer=dataclasses.replace(DE, street=" "))
    assert "street" in failed(APRIL, ctx)["BV-CUSTOMER"].found


def _rc(lines_cat: str, rate: str, vat_id: str | None = "FR40303265045") -> DraftInvoice:
    lines = (line(1, "L1", "10", "12.50", "0", "125.00", lines_cat, rate),
             line(2, "L2", "400", "0.05", "0", "20.00", lines_cat, rate))
    return retotal(dataclasses.replace(APRIL, buyer_vat_id=vat_id), lines)


def test_eu_buyer_abroad_is_reverse_charge() -> None:
    assert failed(_rc("AE", "0"), context(customer=FR)) == {}
    got = failed(_rc("S", "19"), context(customer=FR))
    assert set(got) == {"BV-VAT-RC"}
    assert (got["BV-VAT-RC"].expected, got["BV-VAT-RC"].found) == ("AE 0.00%", "S 19.00%")


def test_reverse_charge_for_a_domestic_buyer_fails_bv_vat_rc() -> None:
    result = failed(_rc("AE", "0", "DE136695976"))["BV-VAT-RC"]
    assert result.expected == "S 19.00%"


def test_domestic_line_at_a_wrong_rate_fails_bv_vat_domestic() -> None:
    result = failed(_rc("S", "7", "DE136695976"))["BV-VAT-DOMESTIC"]
    assert (result.expected, result.found) == ("S 19.00%", "S 7.00%")


def test_buyer_outside_the_eu_is_export() -> None:
    assert failed(_rc("G", "0", None), context(customer=US)) == {}
    assert set(failed(_rc("S", "19", None), context(customer=US))) == {"BV-VAT-EXPORT"}


def test_reverse_charge_without_a_vat_id_fails_bv_vatid_missing() -> None:
    result = failed(_rc("AE", "0", None), context(customer=FR))["BV-VATID-MISSING"]
    assert result.expected == "FR40303265045"


@pytest.mark.parametrize(("vat_id", "why"), [
    ("FR40303265046", "check digits"),       # one digit off
    ("DE136695976", "not a VAT ID of FR"),   # valid, but another country's
    ("FR83404833048", "customer master holds FR40303265045"),  # valid, someone else's
])
def test_a_bad_vat_id_fails_bv_vatid_invalid(vat_id: str, why: str) -> None:
    result = failed(_rc("AE", "0", vat_id), context(customer=FR))["BV-VATID-INVALID"]
    assert why in result.message and result.found == vat_id


def test_greek_vat_ids_start_with_el() -> None:
    gr = dataclasses.replace(FR, country="GR", vat_id="EL094259216")
    assert failed(_rc("AE", "0", "EL094259216"), context(customer=gr)) == {}


def test_po_required_but_missing_fails_bv_po_missing() -> None:
    ctx = context(customer=dataclasses.replace(DE, po_required=True))
    assert "BV-PO-MISSING" in failed(APRIL, ctx)
    assert failed(dataclasses.replace(APRIL, po_number="PO-77"), ctx) == {}


def test_expired_or_foreign_po_fails_bv_po_expired() -> None:
    expired = dataclasses.replace(PO, expires=date(2026, 3, 31))
    result = failed(dataclasses.replace(APRIL, po_number="PO-77"),
                    context(purchase_orders=(expired,)))["BV-PO-EXPIRED"]
    assert "2026-03-31" in result.message
    foreign = dataclasses.replace(PO, customer_id="K-XX")
    result = failed(dataclasses.replace(APRIL, po_number="PO-77"),
                    context(purchase_orders=(foreign,)))["BV-PO-EXPIRED"]
    assert "K-XX" in result.message


def test_invoice_over_the_po_balance_fails_bv_po_exceeded() -> None:
    low = dataclasses.replace(PO, remaining=D("172.54"))
    result = failed(dataclasses.replace(APRIL, po_number="PO-77"),
                    context(purchase_orders=(low,)))["BV-PO-EXCEEDED"]
    assert (result.expected, result.found) == ("at most 172.54", "172.55")


def test_amendment_in_force_before_the_period_is_priced_from_it() -> None:
    later = dataclasses.replace(AMENDMENT, effective=date(2026, 3, 1))
    ctx = context(amendments=(later,))
    assert set(failed(APRIL, ctx)) == {"BV-AMENDMENT"}
    fixed = retotal(APRIL, (line(1, "L1", "10", "14.00", "0", "140.00"), APRIL.lines[1]))
    assert failed(fixed, ctx) == {}
