"""The billing bot's target adapter against the session's sandbox in real Chromium: drafts,
contracts, master data and purchase orders read into the model; release with the e-invoice
upload, edit, hold and cancel done once, a repeat answering with the portal's confirmation;
an expired session signed in again."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sandboxharness import Sandbox

from bots.billing.targets import BillingTargets
from bots.runtime import BusinessFailure, RunContext
from bots.runtime.vault import Vault
from sandbox.billing_check import compare_billing
from sandbox.credentials import VAULT_ENTRIES
from sandbox.scenario import CREDENTIALS

pytestmark = pytest.mark.e2e

SELECTORS = Path(__file__).resolve().parents[2] / "bots" / "billing" / "selectors"


def einvoice(number: str, gross: Decimal) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rsm:CrossIndustryInvoice xmlns:rsm="urn:un:'
        'unece:uncefact:data:standard:CrossIndustryInvoice:100" xmlns:ram="urn:un:unece:'
        'uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100">'
        f"<rsm:ExchangedDocument><ram:ID>{number}</ram:ID></rsm:ExchangedDocument>"
        f"<ram:GrandTotalAmount>{gross}</ram:GrandTotalAmount></rsm:CrossIndustryInvoice>"
    ).encode()


@pytest.fixture(scope="module")
def targets(sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[BillingTargets]:
    sandbox.reset()
    tmp = tmp_path_factory.mktemp("billing-targets")
    vault = Vault(tmp / "vault.enc", Fernet.generate_key())
    for name in ("billing_portal/billing", "legacy_erp/billing"):
        vault.set(name, VAULT_ENTRIES[name])
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FINBOTS_BILLING_PORTAL_URL", sandbox.urls["billing_portal"])
        mp.setenv("FINBOTS_LEGACY_ERP_URL", sandbox.urls["legacy_erp"])
        mp.setenv("FINBOTS_TIMEOUT_MS", "15000")
        with RunContext("billing-targets", tmp / "run", vault=vault,
                        selectors_dirs=(SELECTORS,)) as ctx:
            yield BillingTargets(ctx, portal_credential="billing_portal/billing",
                                 erp_credential="legacy_erp/billing")


def billing(sandbox: Sandbox) -> dict[str, Any]:
    return dict(sandbox.truth("billing_portal")["billing"])


def test_reads_drafts_contracts_master_data_and_orders(targets: BillingTargets,
                                                       sandbox: Sandbox) -> None:
    truth = billing(sandbox)
    drafts = {d.number: d for d in targets.drafts()}
    assert set(drafts) == set(truth["expected"])
    seeded = {i["number"]: i for i in truth["invoices"]}
    for number, draft in drafts.items():
        shown = seeded[number]
        assert (draft.net_total, draft.vat_total, draft.gross_total) == tuple(
            Decimal(shown[k]) for k in ("net_total", "vat_total", "gross_total"))
        assert [(ln.line_no, ln.quantity, ln.unit_price, ln.vat_category) for ln in draft.lines
                ] == [(ln["line_no"], Decimal(ln["quantity"]), Decimal(ln["unit_price"]),
                       ln["vat_category"]) for ln in shown["lines"]]
    assert drafts["INV-2026-11111"].buyer_vat_id is None
    assert drafts["INV-2026-11105"].po_number == "PO-EP-4500112"

    terms = targets.contract_terms()
    assert len(terms.contracts) == 26
    amended = terms.contracts["CT-2026-114"]
    assert amended.tax_treatment == "reverse_charge" and amended.lines[0].vat_category == "AE"
    assert [(a.contract_number, a.new_unit_price) for a in terms.amendments] == [
        ("CT-2026-114", Decimal("1595.00"))]
    assert terms.contracts["CT-2026-110"].discounts[0].ends.isoformat() == "2026-10-31"
    assert sum(u.quantity for u in terms.usage if u.contract_number == "CT-2026-107") == \
        Decimal("33650")
    assert {m.name: m.billed for m in terms.milestones if m.contract_number == "CT-2026-106"
            } == {"Phase 1 acceptance": True, "Phase 2 acceptance": False,
                  "Phase 3 acceptance": False}

    masters = targets.billing_masters()
    assert len(masters) == 18 and masters["C2002"].vat_id is None
    assert masters["C1005"].po_required and masters["C1004"].country == "NL"
    orders = {o.number: o for o in targets.purchase_orders()}
    assert orders["PO-HEL-778"].expires.isoformat() == "2026-10-31"
    assert orders["PO-EP-4500187"].remaining == Decimal("5000.00")

    context = targets.validation_context(drafts["INV-2026-11119"], None)  # type: ignore[arg-type]
    assert context.contract.number == "CT-2026-118"
    released = {i.period_start.isoformat() for i in context.other_invoices
                if i.status == "released"}
    assert released == {"2026-10-01", "2026-11-01"}  # November is billed already


def test_release_uploads_the_einvoice_once(targets: BillingTargets, sandbox: Sandbox) -> None:
    number = "INV-2026-11104"
    xml = einvoice(number, targets.draft(number).gross_total)
    done = targets.release(number, xml)
    assert (done.status, done.already, done.released_by) == (
        "released", False, CREDENTIALS.billing_username)
    assert done.xml_sha256 == hashlib.sha256(xml).hexdigest() in done.confirmation
    again = targets.release(number, xml)
    assert again.already and again.confirmation == done.confirmation
    truth = billing(sandbox)
    assert truth["drafts"][number] == "released"
    assert [e["action"] for e in truth["log"] if e["number"] == number] == ["released"]


def test_a_correction_is_carried_out_and_the_corrected_draft_released(
        targets: BillingTargets, sandbox: Sandbox) -> None:
    number = "INV-2026-11115"  # December billed at the price before the amendment
    corrected = targets.update_draft(number, {"line_no": 1, "unit_price": "1595.00"})
    assert corrected.lines[0].unit_price == Decimal("1595.00")
    assert corrected.gross_total == Decimal("1595.00")  # reverse charge: no VAT
    targets.release(number, einvoice(number, corrected.gross_total))
    truth = sandbox.truth("billing_portal")
    problems = compare_billing(truth, sandbox.truth("legacy_erp"))
    assert not [p for p in problems if number in p]
    edit = next(e for e in truth["billing"]["log"] if e["number"] == number)
    assert "line 1 unit_price: 1450.00 -> 1595.00" in edit["detail"]
    with pytest.raises(ValueError, match="line_no"):
        targets.update_draft(number, {"unit_price": "1.00"})


def test_hold_and_cancel_are_done_once_and_refusals_are_business_failures(
        targets: BillingTargets, sandbox: Sandbox) -> None:
    held = targets.hold("INV-2026-11121", "November was never billed")
    assert (held.status, held.already) == ("held", False)
    assert targets.hold("INV-2026-11121", "again").already
    with pytest.raises(BusinessFailure) as refused:
        targets.cancel("INV-2026-11106", "milestone re-planned")  # 10115.00: an approver
    assert refused.value.code == "PORTAL_REFUSED" and "approver" in str(refused.value)
    done = targets.cancel("INV-2026-11106", "milestone re-planned", approver="Vera Lind")
    assert done.status == "cancelled" and targets.cancel("INV-2026-11106", "x").already
    with pytest.raises(BusinessFailure) as closed:
        targets.update_draft("INV-2026-11106", {"po_number": "PO-EP-4500112"})
    assert closed.value.code == "DRAFT_NOT_OPEN"
    truth = billing(sandbox)
    assert truth["drafts"]["INV-2026-11121"] == "held"
    assert [e["action"] for e in truth["log"] if e["number"] == "INV-2026-11106"] == [
        "cancelled"]


def test_an_expired_session_is_signed_in_again(targets: BillingTargets,
                                               sandbox: Sandbox) -> None:
    sandbox.faults("billing_portal", session_expiry_requests=2)
    try:
        for _ in range(3):
            assert targets.draft("INV-2026-11101").status == "draft"
    finally:
        sandbox.faults("billing_portal", clear=True)
