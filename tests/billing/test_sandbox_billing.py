"""The billing sandbox: the portal's contract and draft pages, a release that needs the
draft's own well-formed e-invoice, the edit that recomputes totals, hold and cancel, the
ground truth and reset; the ERP's billing master and purchase orders; the seeded faults
and leakage; what ``finbots sandbox check`` says about the billing run."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from stdnum.eu import vat as eu_vat

from bots.billing.rules import RULES
from sandbox.billing_check import compare_billing
from sandbox.billing_scenario import build_billing_run, contract_lines
from sandbox.erp.app import create_app as erp_app
from sandbox.portal.app import create_app as portal_app
from sandbox.scenario import CREDENTIALS, build_scenario
from sandbox.serve import serve_app

RUN = build_billing_run()
FAULTS = ("BR-CO-10", "BR-CO-15", "BV-PRICE", "BV-PERIOD-DUP", "BV-PERIOD-GAP", "BV-TERMS",
          "BV-DISCOUNT-EXPIRED", "BV-VATID-MISSING", "BV-VATID-INVALID", "BV-VAT-RC",
          "BV-VAT-DOMESTIC", "BV-PO-MISSING", "BV-PO-EXPIRED", "BV-PO-EXCEEDED",
          "BV-AMENDMENT", "BV-DUPLICATE")


def einvoice(number: str, gross: str) -> bytes:
    """A minimal CII document naming ``number`` and ``gross`` (what the portal reads)."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rsm:CrossIndustryInvoice xmlns:rsm='
        '"urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" xmlns:ram="urn:un:'
        'unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100">'
        f"<rsm:ExchangedDocument><ram:ID>{number}</ram:ID></rsm:ExchangedDocument>"
        "<ram:SpecifiedTradeSettlementHeaderMonetarySummation>"
        f"<ram:GrandTotalAmount>{gross}</ram:GrandTotalAmount>"
        "</ram:SpecifiedTradeSettlementHeaderMonetarySummation></rsm:CrossIndustryInvoice>"
    ).encode()


class Targets:
    def __init__(self, portal: str, erp: str) -> None:
        self.portal, self.erp = portal, erp

    def reset(self) -> None:
        for url in (self.portal, self.erp):
            httpx.post(f"{url}/_sandbox/reset", timeout=30).raise_for_status()

    def truth(self) -> dict[str, Any]:
        return dict(httpx.get(f"{self.portal}/_sandbox/truth", timeout=30).json())

    def erp_truth(self) -> dict[str, Any]:
        return dict(httpx.get(f"{self.erp}/_sandbox/truth", timeout=30).json())

    def invoices(self) -> dict[str, dict[str, Any]]:
        return {i["number"]: i for i in self.truth()["billing"]["invoices"]}


@pytest.fixture(scope="module")
def targets(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Targets]:
    tmp: Path = tmp_path_factory.mktemp("billing-sandbox")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FINBOTS_ERP_SLOW_MS", "0")
        mp.setenv("FINBOTS_PORTAL_DELAY_MS", "0")
        portal = portal_app(tmp / "portal.db", build_scenario())
        erp = erp_app(tmp / "erp.db", build_scenario())
    with serve_app(portal) as portal_url, serve_app(erp) as erp_url:
        yield Targets(portal_url, erp_url)


class Browserless:
    """A signed-in client of the billing pages with the form's CSRF token."""

    def __init__(self, url: str) -> None:
        self.client = httpx.Client(base_url=url, timeout=30)
        signed = self.client.post("/billing/login", data={
            "username": CREDENTIALS.billing_username,
            "password": CREDENTIALS.billing_portal_password})
        assert signed.status_code == 303
        page = self.client.get("/billing/drafts/INV-2026-11101").text
        self.csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]

    def post(self, path: str, data: dict[str, str] | None = None,
             files: dict[str, Any] | None = None) -> httpx.Response:
        return self.client.post(path, data={"csrf": self.csrf, **(data or {})}, files=files,
                                follow_redirects=True)

    def release(self, number: str, xml: bytes) -> httpx.Response:
        return self.post(f"/billing/drafts/{number}/release",
                         files={"einvoice": (f"{number}.xml", xml, "application/xml")})


def error(page: httpx.Response) -> str:
    found = re.search(r'id="error"[^>]*>([^<]*)<', page.text)
    return found.group(1).replace("&#39;", "'") if found else ""


@pytest.fixture
def portal(targets: Targets) -> Iterator[Browserless]:
    targets.reset()
    client = Browserless(targets.portal)
    try:
        yield client
    finally:
        client.client.close()


def test_pages_need_a_sign_in(targets: Targets) -> None:
    targets.reset()
    with httpx.Client(base_url=targets.portal, timeout=30) as anonymous:
        for path in ("/billing/drafts", "/billing/contracts", "/billing/drafts/INV-2026-11101"):
            assert anonymous.get(path).headers["location"] == "/billing/login?msg=required"
        refused = anonymous.post("/billing/login", data={"username": CREDENTIALS.billing_username,
                                                         "password": "wrong"})
        assert refused.status_code == 401 and "Invalid username or password" in refused.text
        anonymous.post("/billing/drafts/INV-2026-11101/hold", data={"reason": "x"})
    assert targets.invoices()["INV-2026-11101"]["status"] == "draft"


def test_contract_and_draft_pages_show_the_terms_and_the_draft(portal: Browserless) -> None:
    contract = portal.client.get("/billing/contracts/CT-2026-114").text
    for shown in ("monthly_in_advance", "reverse_charge", "1450.00", "2026-11-16", "1595.00"):
        assert shown in contract, shown
    terms = portal.client.get("/billing/contracts/terms").text
    assert "Phase 2 acceptance" in terms and "18250" in terms and "2026-10-31" in terms
    drafts = portal.client.get("/billing/drafts").text
    assert drafts.count('class="invoice"') == len(RUN.drafts) == 27
    history = portal.client.get("/billing/drafts", params={"status": "released"}).text
    assert history.count('class="invoice"') == len(RUN.invoices) - 27
    page = portal.client.get("/billing/drafts/INV-2026-11105").text
    for shown in ("PO-EP-4500112", "DE136695976", "2100.00", "399.00", "2499.00",
                  "LIMS licence Dec 2026", 'id="releaseForm"'):
        assert shown in page, shown
    assert portal.client.get("/billing/drafts/INV-NOPE").status_code == 404


def test_release_needs_the_drafts_own_well_formed_einvoice(portal: Browserless,
                                                           targets: Targets) -> None:
    number, gross = "INV-2026-11101", "1773.10"
    refusals = {
        b"": "attach the e-invoice",
        b"<Invoice><ID>": "not well-formed",
        b'<!DOCTYPE x [<!ENTITY e "x">]><x>&e;</x>': "document type declaration",
        einvoice("INV-2026-11102", gross): "not INV-2026-11101",
        einvoice(number, "1773.00"): "gross total 1773.00 is not the draft's 1773.10",
        einvoice(number, gross) + b"<!--" + b"x" * (2 * 1024 * 1024) + b"-->":
            "larger than 2097152 bytes",
    }
    for xml, why in refusals.items():
        answer = portal.release(number, xml)
        assert answer.status_code in (400, 413) and why in error(answer), why
    assert targets.invoices()[number]["status"] == "draft"

    done = portal.release(number, einvoice(number, gross))
    assert done.status_code == 200 and 'id="releaseConfirmation"' in done.text
    released = targets.invoices()[number]
    assert released["status"] == "released"
    assert released["released_by"] == CREDENTIALS.billing_username
    assert portal.client.get(f"/billing/drafts/{number}/einvoice.xml").content == \
        einvoice(number, gross)
    again = portal.release(number, einvoice(number, gross))
    assert "is released: it cannot be released" in error(again)
    assert "cannot be" in error(portal.post(f"/billing/drafts/{number}/hold", {"reason": "x"}))
    log = [e for e in targets.truth()["billing"]["log"] if e["number"] == number]
    assert [e["action"] for e in log] == ["released"]
    assert released["xml_sha256"] in log[0]["detail"]


def test_an_edit_names_the_bad_field_and_recomputes_the_totals(portal: Browserless,
                                                               targets: Targets) -> None:
    number = "INV-2026-11123"  # stored net total 660.00, its line sums to 640.00
    before = targets.invoices()[number]
    assert before["net_total"] == "660.00" and before["lines"][0]["net_amount"] == "640.00"
    for form, why in (({"qty_1": "two"}, "Line 1 quantity: 'two' is not a number."),
                      ({"rate_1": "19"}, "Line 1 VAT rate: category AE has rate 0."),
                      ({"discount_1": "120"}, "Line 1 discount: a number from 0 to 100"),
                      ({"period_end": "2026-11-01"}, "period_end: the period cannot end"),
                      ({"payment_terms_days": "-3"}, "payment_terms_days: whole days")):
        assert why in error(portal.post(f"/billing/drafts/{number}/edit", form)), why
    assert targets.invoices()[number]["net_total"] == "660.00"

    saved = portal.post(f"/billing/drafts/{number}/edit", {
        "qty_1": "1", "price_1": "655.50", "category_1": "S", "rate_1": "19.00",
        "po_number": "PO-DUN-77"})
    assert "Draft saved; totals recomputed." in saved.text
    after = targets.invoices()[number]
    assert (after["net_total"], after["vat_total"], after["gross_total"]) == \
        ("655.50", "124.55", "780.05")
    assert after["po_number"] == "PO-DUN-77" and after["lines"][0]["vat_category"] == "S"
    edit = [e for e in targets.truth()["billing"]["log"] if e["number"] == number][-1]
    assert edit["action"] == "edited" and "line 1 unit_price: 640.00 -> 655.50" in edit["detail"]


def test_hold_needs_a_reason_and_a_large_cancel_an_approver(portal: Browserless,
                                                            targets: Targets) -> None:
    assert "Field reason" in error(portal.post("/billing/drafts/INV-2026-11121/hold",
                                               {"reason": " "}))
    portal.post("/billing/drafts/INV-2026-11121/hold", {"reason": "November never billed"})
    held = targets.invoices()["INV-2026-11121"]
    assert (held["status"], held["hold_reason"]) == ("held", "November never billed")
    big = portal.post("/billing/drafts/INV-2026-11122/cancel", {"reason": "duplicate"})
    assert "needs an approver" in error(big)  # gross 12000.00 is above 5000.00
    portal.post("/billing/drafts/INV-2026-11122/cancel", {"reason": "re-issued",
                                                          "approver": "Vera Lind"})
    portal.post("/billing/drafts/INV-2026-11113/cancel", {"reason": "duplicate draft"})
    invoices = targets.invoices()
    assert invoices["INV-2026-11122"]["cancel_approver"] == "Vera Lind"
    assert invoices["INV-2026-11113"]["status"] == "cancelled"
    forged = portal.client.post("/billing/drafts/INV-2026-11101/hold",
                                data={"csrf": "forged", "reason": "x"})
    assert "CSRF" in error(forged) and targets.invoices()["INV-2026-11101"]["status"] == "draft"


def test_reset_seeds_the_run_again(portal: Browserless, targets: Targets) -> None:
    portal.release("INV-2026-11102", einvoice("INV-2026-11102", "500.00"))
    assert targets.truth()["billing"]["drafts"]["INV-2026-11102"] == "released"
    targets.reset()
    truth = targets.truth()["billing"]
    assert truth["drafts"]["INV-2026-11102"] == "draft" and truth["log"] == []
    assert truth["einvoices"] == {}


def test_the_seeded_run_has_every_fault_and_clean_drafts_that_are_right() -> None:
    outcomes = sorted(RUN.expected.values())
    assert {o.split(":", 1)[1] for o in outcomes if o != "release"} == set(FAULTS)
    assert set(FAULTS) <= set(RULES)
    clean = [RUN.draft(n) for n, o in RUN.expected.items() if o == "release"]
    assert len(clean) == 10
    for d in clean:
        contract = RUN.contract(d.contract_number)
        assert d.lines == contract_lines(contract, d.period_start, d.period_end), d.number
        assert d.payment_terms_days == contract.payment_terms_days
        assert d.net_total + d.vat_total == d.gross_total
    by_rule = {o[5:]: RUN.draft(n) for n, o in sorted(RUN.expected.items(), reverse=True)
               if o != "release"}  # the first draft of each rule
    line_sum = sum(ln.net_amount for ln in by_rule["BR-CO-10"].lines)
    assert by_rule["BR-CO-10"].net_total != line_sum
    co15 = by_rule["BR-CO-15"]
    assert co15.net_total + co15.vat_total != co15.gross_total
    reverse_charge = [RUN.draft(n) for n, o in sorted(RUN.expected.items())
                      if o == "case:BV-VAT-RC"]
    assert [(RUN.contract(d.contract_number).tax_treatment, d.lines[0].vat_category)
            for d in reverse_charge] == [("reverse_charge", "S"), ("domestic", "AE")]
    assert by_rule["BV-VAT-DOMESTIC"].lines[0].vat_rate == Decimal("7.00")
    assert by_rule["BV-PO-MISSING"].po_number is None
    assert by_rule["BV-VATID-MISSING"].buyer_vat_id is None
    assert not eu_vat.is_valid(by_rule["BV-VATID-INVALID"].buyer_vat_id)
    valid = [m.vat_id for m in RUN.masters if m.vat_id and m.customer_id != "C2004"]
    assert len(valid) == 11 and all(eu_vat.is_valid(v) for v in valid)
    dup = by_rule["BV-DUPLICATE"]
    first = next(d for d in clean if d.contract_number == dup.contract_number)
    assert (first.period_start, first.gross_total) == (dup.period_start, dup.gross_total)


def test_the_seeded_leakage_is_in_the_portal(targets: Targets) -> None:
    targets.reset()
    billing = targets.truth()["billing"]
    assert billing["expected_leakage"] == {
        "C1002": {"period_not_invoiced": "2400.00"}, "C1006": {"usage_not_invoiced": "693.00"},
        "C2001": {"discount_past_end": "180.00"}, "C2005": {"below_contract_price": "72.50"},
        "C2007": {"below_contract_price": "200.00"}, "C2010": {"period_not_invoiced": "3100.00"}}
    assert billing["expected_leakage_total"] == "6645.50"
    invoices = billing["invoices"]

    def billed(contract: str, start: str) -> list[dict[str, Any]]:
        return [i for i in invoices if i["contract_number"] == contract
                and i["period_start"] <= start <= i["period_end"]]

    assert billed("CT-2026-119", "2026-11-01") == []  # November never invoiced
    assert billed("CT-2026-123", "2026-07-01") == []  # the quarter June-August
    september = billed("CT-2026-107", "2026-09-01")
    assert [ln["contract_line_id"] for ln in september[0]["lines"]] == ["L1"]  # no usage
    october = billed("CT-2026-116", "2026-10-01")[0]["lines"][0]
    assert Decimal(october["unit_price"]) == Decimal("2000.00")  # the contract says 2200.00
    november = billed("CT-2026-110", "2026-11-01")[0]["lines"][0]
    assert Decimal(november["discount_percent"]) == 10  # the discount ended on 2026-10-31
    amended = billed("CT-2026-114", "2026-11-01")[0]["lines"][0]
    assert Decimal(amended["unit_price"]) == Decimal("1450.00")  # 1595.00 from 2026-11-16


def test_erp_billing_master_and_purchase_orders(targets: Targets) -> None:
    targets.reset()
    with httpx.Client(base_url=targets.erp, timeout=30) as erp:
        assert erp.get("/ar/billingmaster.do").headers["location"].startswith("/ar/login.do")
        erp.post("/ar/login.do", data={"userid": CREDENTIALS.billing_username,
                                       "password": CREDENTIALS.billing_password})
        masters = erp.get("/ar/billingmaster.do").text
        assert masters.count('class="billingMaster"') == 18
        page = erp.get("/ar/billing.do", params={"id": "C1008"}).text
        for shown in ("Helios Energy SE", "Sonnenallee 77", ">DE<", ">Yes<", "PO-HEL-778",
                      "expired", "PO-HEL-812", "20000.00"):
            assert shown in page, shown
        assert erp.get("/ar/billing.do", params={"id": "C9999"}).status_code == 404
        orders = erp.get("/ar/purchaseorders.do", params={"customer": "C2008"}).text
        assert orders.count('class="purchaseOrder"') == 1 and "2027-01-31" in orders
    truth = targets.erp_truth()
    master = {m["customer_id"]: m for m in truth["billing_master"]}
    assert master["C2002"]["vat_id"] is None and master["C1005"]["po_required"] == 1
    ids = {c["customer_id"] for c in truth["customer_master"]}
    assert set(master) <= ids  # the customer master's customers


def test_the_check_reports_the_billing_run(portal: Browserless, targets: Targets) -> None:
    assert compare_billing(targets.truth(), targets.erp_truth()) == []  # nothing done yet
    clean = sorted(n for n, o in RUN.expected.items() if o == "release")
    for number in clean:
        gross = targets.invoices()[number]["gross_total"]
        assert portal.release(number, einvoice(number, gross)).status_code == 200
    portal.post("/billing/drafts/INV-2026-11121/hold", {"reason": "gap"})
    assert compare_billing(targets.truth(), targets.erp_truth()) == []

    # a faulty draft released as it is, a duplicate released: both reported
    portal.release("INV-2026-11108", einvoice("INV-2026-11108", "1200.00"))
    portal.release("INV-2026-11113", einvoice("INV-2026-11113", "990.00"))
    problems = compare_billing(targets.truth(), targets.erp_truth())
    assert "billing: INV-2026-11108 released uncorrected (case:BV-TERMS)" in problems
    assert ("billing: INV-2026-11108 released with payment terms 14 days, contract 30"
            in problems)
    assert "billing: INV-2026-11113 released, it is a BV-DUPLICATE draft" in problems
    assert "billing: CT-2026-112 2026-12-01..2026-12-31 released 2 times" in problems

    # a person's correction carried out, then released: no difference for that draft
    portal.post("/billing/drafts/INV-2026-11115/edit", {"price_1": "1595.00"})
    portal.release("INV-2026-11115", einvoice("INV-2026-11115", "1595.00"))
    # a wrong correction is reported
    portal.post("/billing/drafts/INV-2026-11117/edit", {"price_1": "2100.00"})
    portal.release("INV-2026-11117", einvoice("INV-2026-11117", "2100.00"))
    problems = compare_billing(targets.truth(), targets.erp_truth())
    assert not [p for p in problems if "INV-2026-11115" in p]
    assert ("billing: INV-2026-11117 released with line 1 unit_price 2100.00, contract "
            "2200.00") in problems
