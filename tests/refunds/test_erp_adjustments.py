"""The ERP's AR adjustments, credit balances, bank details and refunds of credit balances:
forms a person (or a bot) fills, each idempotent by its reference, amounts checked, the
ground truth showing what was posted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import httpx
import pytest
from refundsharness import Targets

from sandbox.disputes_scenario import BANK_DETAILS, CREDIT_BALANCES


@pytest.fixture(scope="module")
def erp(refund_targets: Targets) -> Iterator[httpx.Client]:
    refund_targets.reset()
    client = refund_targets.erp()
    try:
        yield client
    finally:
        client.close()
        refund_targets.reset()


def _post(erp: httpx.Client, **form: str) -> httpx.Response:
    values = {"kind": "credit_memo", "invoice": "INV-2026-3102", "amount": "100.00",
              "reference": "CM-TEST-1", "reason": "price difference", **form}
    return erp.post("/ar/adjustments", data=values)


def test_pages_need_a_login(refund_targets: Targets, erp: httpx.Client) -> None:
    with httpx.Client(base_url=refund_targets.erp_url, timeout=10) as anonymous:
        for path in ("/ar/adjustments/new?invoice=INV-2026-3102", "/ar/credit-balances",
                     "/ar/bank-details/C1005", "/ar/credit-balances/1/refund"):
            assert anonymous.get(path).headers["location"].startswith("/ar/login.do"), path
        refused = anonymous.post("/ar/bank-details/C1005", data={
            "holder": "Mallory", "iban": "DE89370400440532013000"})
        assert refused.status_code == 302
    assert refund_targets.erp_truth()["bank_details"][4]["changed_by"] == "erp.setup"


def test_seeded_balances_and_bank_details(refund_targets: Targets, erp: httpx.Client) -> None:
    truth = refund_targets.erp_truth()
    assert [(b["customer_id"], b["amount"], b["document"], b["status"])
            for b in truth["credit_balances"]] == [
        (b.customer_id, str(b.amount), b.document, "open") for b in CREDIT_BALANCES]
    assert {d["customer_id"] for d in truth["bank_details"]} == {
        d.customer_id for d in BANK_DETAILS}
    assert truth["adjustments"] == [] and truth["balance_refunds"] == []
    page = erp.get("/ar/credit-balances", params={"status": "open"}).text
    assert page.count('class="balance"') == 3 and "CM-2026-0047" in page
    c1005 = erp.get("/ar/bank-details/C1005").text
    assert 'id="changed-on">2025-01-20<' in c1005 and 'id="changed-by">erp.setup<' in c1005
    assert 'id="no-bank-details"' in erp.get("/ar/bank-details/C1007").text


def test_credit_memo_reduces_the_open_amount_at_most_and_leaves_the_rest_as_balance(
        refund_targets: Targets, erp: httpx.Client) -> None:
    form = erp.get("/ar/adjustments/new", params={"invoice": "INV-2026-3102"}).text
    assert 'id="adj-info-open">1815.40<' in form
    for bad, said in (("0.00", "greater than 0.00"), ("12.345", "at most two decimals"),
                      ("-5", "positive amount"), ("1e3", "positive amount")):
        refused = _post(erp, amount=bad)
        assert refused.status_code == 422 and said in refused.text, bad
    assert _post(erp, reference="").status_code == 422
    assert "does not exist" in _post(erp, invoice="INV-NOPE").text
    assert "exceeds the open amount" in _post(erp, kind="write_off", amount="1815.41").text
    assert refund_targets.invoice_open("INV-2026-3102") == "1815.40"

    done = _post(erp, amount="1900.00", reference="CM-TEST-OVER")
    assert done.status_code == 200 and "/ar/adjustments/CM-ERP-" in str(done.url)
    for shown in ('id="adj-applied">1815.40<', 'id="adj-credit-balance">84.60<',
                  'id="adj-open-after">0.00<'):
        assert shown in done.text, shown
    again = _post(erp, amount="1900.00", reference="CM-TEST-OVER")
    assert again.url == done.url  # the same document, nothing posted twice
    other = _post(erp, amount="50.00", reference="CM-TEST-OVER")
    assert other.status_code == 422 and "already used by CM-ERP-" in other.text

    truth = refund_targets.erp_truth()
    assert refund_targets.invoice_open("INV-2026-3102") == "0.00"
    assert [(a["kind"], a["applied"], a["credit_balance"]) for a in truth["adjustments"]] == [
        ("credit_memo", "1815.40", "84.60")]
    new = [b for b in truth["credit_balances"] if b["document"].startswith("CM-ERP-")]
    assert [(b["customer_id"], b["amount"], b["status"]) for b in new] == [
        ("C3001", "84.60", "open")]

    write_off = _post(erp, kind="write_off", invoice="INV-2026-3101", amount="0.15",
                      reference="WO-TEST-1", reason="rounding")
    assert 'id="adj-applied">0.15<' in write_off.text
    assert 'id="adj-credit-balance">0.00<' in write_off.text
    assert refund_targets.invoice_open("INV-2026-3101") == "12149.85"


def test_bank_details_change_records_who_and_today(refund_targets: Targets,
                                                   erp: httpx.Client) -> None:
    assert "IBAN: required" in erp.post("/ar/bank-details/C1007",
                                        data={"holder": "Granite Tools Inc."}).text
    saved = erp.post("/ar/bank-details/C1007", data={
        "holder": "Granite Tools Inc.", "iban": "de89 3704 0044 0532 0130 00", "bic": ""})
    assert 'id="bd-saved"' in saved.text and 'id="iban">DE89370400440532013000<' in saved.text
    entry = next(d for d in refund_targets.erp_truth()["bank_details"]
                 if d["customer_id"] == "C1007")
    assert entry["changed_on"] == dt.datetime.now(dt.UTC).date().isoformat()
    assert entry["changed_by"] == "cashapp"


def test_refund_of_a_balance_is_idempotent_by_reference(refund_targets: Targets,
                                                        erp: httpx.Client) -> None:
    balance = next(b for b in refund_targets.erp_truth()["credit_balances"]
                   if b["customer_id"] == "C1004")
    path = f"/ar/credit-balances/{balance['id']}/refund"
    form = erp.get(path).text
    on_file = next(d.iban for d in BANK_DETAILS if d.customer_id == "C1004")
    assert f'value="{on_file}"' in form and 'id="refund-amount">900.00<' in form
    assert "differs from the bank details on file" in erp.post(path, data={
        "iban": "DE89370400440532013000", "reference": "RFQ-1"}).text
    assert "not a valid IBAN" in erp.post(path, data={
        "iban": "NL00ABNA0417164300", "reference": "RFQ-1"}).text
    done = erp.post(path, data={"iban": on_file, "reference": "RFQ-1"})
    assert done.status_code == 200 and 'id="refund-document">RF-ERP-' in done.text
    again = erp.post(path, data={"iban": on_file, "reference": "RFQ-1"})
    assert again.text.count("RF-ERP-") == done.text.count("RF-ERP-")
    other = erp.post(path, data={"iban": on_file, "reference": "RFQ-2"})
    assert other.status_code == 422 and "refunded already" in other.text
    truth = refund_targets.erp_truth()
    assert [(r["customer_id"], r["amount"], r["reference"]) for r in truth[
        "balance_refunds"]] == [("C1004", "900.00", "RFQ-1")]
    assert "CM-2026-0047" not in erp.get("/ar/credit-balances?status=open").text
