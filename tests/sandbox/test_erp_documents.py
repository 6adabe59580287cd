"""The ERP's follow-up documents: apply part of a payment and refund, park or write off the
rest in one receipt; each document has its number on the confirmation page and in the
payment inquiry; what the ERP refuses, it says in words."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from sandbox.erp.app import create_app
from sandbox.scenario import CREDENTIALS, build_scenario
from sandbox.serve import serve_app

LOGIN = {"userid": CREDENTIALS.erp_username, "password": CREDENTIALS.erp_password}
BOREALIS_IBAN = build_scenario().customer("C1002").ibans[0]


@pytest.fixture(scope="module")
def erp_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FINBOTS_ERP_SLOW_MS", "0")
        app = create_app(tmp_path_factory.mktemp("erp") / "erp.db", build_scenario())
    with serve_app(app) as url:
        yield url


@pytest.fixture
def erp(erp_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=erp_url, timeout=10) as client:
        client.post("/_sandbox/reset").raise_for_status()
        client.post("/ar/login.do", data=LOGIN)
        yield client


def receipt(customer: str, ref: str, amount: str, *rows: tuple[str, str, str, str]) -> dict:
    form = {"custId": customer, "valueDate": "20.11.2026", "bankRef": ref, "pmtAmount": amount}
    for n, (inv, applied, diff, reason) in enumerate(rows, start=1):
        form |= {f"inv{n}": inv, f"amt{n}": applied, f"diff{n}": diff, f"reason{n}": reason}
    return form


def truth(client: httpx.Client) -> dict:
    return client.get("/_sandbox/truth").json()


def posted(r: httpx.Response) -> list[str]:
    assert "Cash Receipt Posted" in r.text, re.findall(r"Error: [^<]*", r.text)
    return re.findall(r'class="doc-number"><font face="Arial" size="2">([^<]+)<', r.text)


def test_apply_part_and_refund_the_rest(erp: httpx.Client) -> None:
    form = receipt("C1002", "NWB2026112000010", "880.00", ("INV-2026-1014", "800.00", "", ""))
    form |= {"restAmount": "80.00", "restAction": "REFUND", "payeeName": "Borealis Foods Ltd",
             "payeeIban": BOREALIS_IBAN, "ourRef": "finbots case 4"}
    numbers = posted(erp.post("/ar/cashreceipt.do", data=form))
    (posting,) = truth(erp)["postings"]
    (doc,) = posting["documents"]
    assert numbers == [doc["number"]] and doc["number"].startswith("RFD-")
    assert (doc["kind"], doc["amount"], doc["payee_iban"]) == ("refund", "80.00", BOREALIS_IBAN)
    assert posting["our_ref"] == "finbots case 4"
    inquiry = erp.get("/ar/paymentsearch.do", params={"bankRef": "NWB2026112000010"}).text
    assert doc["number"] in inquiry
    # a second refund of the same payment may not take more than the payment
    again = form | {"inv1": "", "amt1": "", "restAmount": "880.00"}
    refused = erp.post("/ar/cashreceipt.do", data=again).text
    assert "would exceed the payment amount (880.00)" in refused


def test_on_account_suspense_and_write_off_documents(erp: httpx.Client) -> None:
    on_account = receipt("C1007", "NWB2026112000015", "1234.56")
    on_account |= {"restAmount": "1234.56", "restAction": "ON_ACCOUNT"}
    assert posted(erp.post("/ar/cashreceipt.do", data=on_account))[0].startswith("UA-")
    suspense = receipt("", "NWB2026112000012", "615.40")
    suspense |= {"restAmount": "615.40", "restAction": "SUSPENSE"}
    assert posted(erp.post("/ar/cashreceipt.do", data=suspense))[0].startswith("SU-")
    known = suspense | {"custId": "C1002"}
    assert "is known: put the rest on account" in erp.post("/ar/cashreceipt.do", data=known).text

    deduction = receipt("C1008", "NWB2026112000008", "4750.00",
                        ("INV-2026-1012", "4750.00", "250.00", "DEDUCTION"))
    refused = erp.post("/ar/cashreceipt.do", data=deduction).text
    assert "A deduction needs its dispute reason." in refused
    numbers = posted(erp.post("/ar/cashreceipt.do",
                              data=deduction | {"disputeReason": "damaged goods"}))
    docs = {p["bank_reference"]: p["documents"] for p in truth(erp)["postings"]}
    (wo,) = docs["NWB2026112000008"]
    assert numbers == [wo["number"]] and wo["number"].startswith("WO-")
    assert (wo["invoice_number"], wo["amount"], wo["reason"], wo["dispute"]) == (
        "INV-2026-1012", "250.00", "DEDUCTION", "damaged goods")
    (suspended,) = docs["NWB2026112000012"]
    assert suspended["customer_id"] == "" and suspended["account"].startswith("1590")
    invoices = {i["invoice_number"]: i["amount_open"] for i in truth(erp)["invoices"]}
    assert invoices["INV-2026-1012"] == "0.00"


def test_what_the_erp_refuses(erp: httpx.Client) -> None:
    short = receipt("C1006", "NWB2026112000007", "2000.00", ("INV-2026-1010", "1500.00", "", ""))
    text = erp.post("/ar/cashreceipt.do", data=short).text
    assert "Allocated amounts (1500.00) do not match the payment amount (2000.00)." in text
    rest = short | {"restAmount": "400.00", "restAction": "ON_ACCOUNT"}
    assert "and the rest (400.00) do not match" in erp.post("/ar/cashreceipt.do", data=rest).text
    unhandled = short | {"restAmount": "500.00"}
    assert "Choose what happens to the rest" in erp.post("/ar/cashreceipt.do",
                                                         data=unhandled).text
    no_reason = short | {"restAmount": "500.00", "restAction": "WRITE_OFF"}
    assert "Select the write-off reason" in erp.post("/ar/cashreceipt.do", data=no_reason).text
    bad_iban = short | {"restAmount": "500.00", "restAction": "REFUND", "payeeName": "Fjord",
                        "payeeIban": "NO0000000000000"}
    assert "is not a valid IBAN" in erp.post("/ar/cashreceipt.do", data=bad_iban).text
    other = receipt("C1006", "NWB2026112000007", "2000.00", ("INV-2026-1012", "2000.00", "", ""))
    assert "belongs to customer C1008, not C1006" in erp.post("/ar/cashreceipt.do",
                                                              data=other).text
    assert truth(erp)["postings"] == []


def test_the_check_knows_a_persons_resolution_and_each_refunds_transfer(
        erp: httpx.Client) -> None:
    from sandbox.check import compare_bank, compare_erp

    scenario = build_scenario()
    form = receipt("C1002", "NWB2026112000010", "880.00", ("INV-2026-1014", "800.00", "", ""))
    form |= {"restAmount": "80.00", "restAction": "REFUND", "payeeName": "Borealis Foods Ltd",
             "payeeIban": BOREALIS_IBAN}
    (number,) = posted(erp.post("/ar/cashreceipt.do", data=form))
    held = truth(erp)
    # without its case reference, an exception payment's posting is the bot's mistake
    assert any("expected no posting" in p for p in compare_erp(held, scenario))
    held["postings"][0]["our_ref"] = "finbots case 4"
    assert [p for p in compare_erp(held, scenario) if "NWB2026112000010" in p
            or "INV-2026-1014" in p] == []
    transfer = {"end_to_end_id": number, "amount": "80.00", "creditor_iban": BOREALIS_IBAN}
    assert compare_bank({"transfers": [transfer]}, held, scenario) == []
    assert compare_bank({"transfers": []}, held, scenario) == [
        f"NWB2026112000010: refund {number} of 80.00 paid by 0 bank transfer(s), expected one"]
    twice = compare_bank({"transfers": [transfer, transfer]}, held, scenario)
    assert "paid by 2 bank transfer(s)" in twice[0]
    stray = compare_bank({"transfers": [transfer, {**transfer, "end_to_end_id": "X"}]},
                         held, scenario)
    assert stray == ["bank: 1 transfer(s) with EndToEndId X and no refund in the ERP"]
