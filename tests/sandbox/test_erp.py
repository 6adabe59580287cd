"""Legacy ERP sandbox over HTTP: login, posting, validation, duplicates, CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from sandbox.erp.app import create_app
from sandbox.scenario import CREDENTIALS, build_scenario
from sandbox.serve import serve_app

LOGIN = {"userid": CREDENTIALS.erp_username, "password": CREDENTIALS.erp_password}


@pytest.fixture(scope="module")
def erp_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FINBOTS_ERP_SLOW_MS", "0")
        app = create_app(tmp_path_factory.mktemp("erp") / "erp.db", build_scenario())
    with serve_app(app) as url:
        yield url


@pytest.fixture
def erp(erp_url: str) -> Iterator[httpx.Client]:
    """A logged-in client on a freshly reset ERP."""
    with httpx.Client(base_url=erp_url, timeout=10) as client:
        client.post("/_sandbox/reset").raise_for_status()
        client.post("/_sandbox/faults", json={"clear": True}).raise_for_status()
        r = client.post("/ar/login.do", data=LOGIN)
        assert r.status_code == 302 and r.headers["location"] == "/ar/main.do"
        yield client


def receipt(customer: str, ref: str, amount: str, *rows: tuple[str, str, str, str]) -> dict:
    form = {"custId": customer, "valueDate": "20.11.2026", "bankRef": ref, "pmtAmount": amount}
    for n, (inv, applied, diff, reason) in enumerate(rows, start=1):
        form |= {f"inv{n}": inv, f"amt{n}": applied, f"diff{n}": diff, f"reason{n}": reason}
    return form


def truth(client: httpx.Client) -> dict:
    return client.get("/_sandbox/truth").json()


def open_amount(client: httpx.Client, invoice: str) -> Decimal:
    inv = next(i for i in truth(client)["invoices"] if i["invoice_number"] == invoice)
    return Decimal(inv["amount_open"])


def test_pages_require_login(erp_url: str) -> None:
    with httpx.Client(base_url=erp_url) as client:
        for path in ("/ar/main.do", "/ar/openitems.do", "/ar/cashreceipt.do", "/ar/openitems.csv"):
            r = client.get(path)
            assert r.status_code == 302 and r.headers["location"].startswith("/ar/login.do")
        bad = client.post("/ar/login.do", data={"userid": "cashapp", "password": "nope"})
        assert "Invalid user id or password." in bad.text
        crossed = client.post("/ar/login.do", data={
            "userid": CREDENTIALS.erp_username, "password": CREDENTIALS.credit_password})
        assert "Invalid user id or password." in crossed.text


def test_each_bot_signs_on_as_its_own_erp_user(erp_url: str) -> None:
    for user, password in CREDENTIALS.erp_users().items():
        with httpx.Client(base_url=erp_url) as client:
            signed_on = client.post("/ar/login.do", data={"userid": user, "password": password})
            assert signed_on.status_code == 302, user
            assert client.get("/ar/welcome.do").status_code == 200


def test_session_expiry_sends_back_to_login(erp: httpx.Client) -> None:
    erp.post("/_sandbox/faults", json={"session_expiry_requests": 2})
    assert erp.get("/ar/menu.do").status_code == 200
    assert erp.get("/ar/welcome.do").status_code == 200
    r = erp.get("/ar/openitems.do")
    assert r.headers["location"] == "/ar/login.do?msg=expired"
    assert "Your session has expired" in erp.get(r.headers["location"]).text


def test_frameset_and_alt_layout(erp: httpx.Client) -> None:
    page = erp.get("/ar/main.do").text
    assert '<frame name="main"' in page and '<frame name="menu"' in page
    erp.post("/_sandbox/faults", json={"alt_layout": True})
    page = erp.get("/ar/main.do").text
    assert '<iframe name="content"' in page and "<frameset" not in page
    assert "Post Cash Receipt" in erp.get("/ar/menu.do").text
    assert 'name="receipt_amount"' in erp.get("/ar/cashreceipt.do").text


def test_post_payment_with_write_off(erp: httpx.Client) -> None:
    form = receipt("C1004", "NWB2026112000013", "1799.20",
                   ("INV-2026-1015", "1799.20", "0.80", "BANK_CHARGES"))
    r = erp.post("/ar/cashreceipt.do", data=form)
    assert "Cash Receipt Posted" in r.text
    conf = r.text.split("Confirmation No.:")[1].split("<b>")[1].split("</b>")[0]
    assert conf.startswith("CR-") and len(conf) == len("CR-2026-000101")
    assert open_amount(erp, "INV-2026-1015") == 0
    (posting,) = truth(erp)["postings"]
    assert posting["confirmation"] == conf and posting["amount"] == "1799.20"
    assert posting["lines"] == [{"invoice_number": "INV-2026-1015", "amount": "1799.20",
                                 "write_off": "0.80", "discount": "0.00",
                                 "reason": "BANK_CHARGES"}]
    (document,) = posting["documents"]
    assert (document["kind"], document["amount"], document["reason"]) == (
        "write_off", "0.80", "BANK_CHARGES")
    assert document["number"] in r.text  # on the confirmation page
    search = erp.get("/ar/paymentsearch.do", params={"bankRef": "NWB2026112000013"}).text
    assert conf in search
    none = erp.get("/ar/paymentsearch.do", params={"bankRef": "NWB2026112000099"}).text
    assert "No payments found" in none


def test_alt_layout_form_names_post(erp: httpx.Client) -> None:
    erp.post("/_sandbox/faults", json={"alt_layout": True})
    form = {"customer_no": "C1005", "val_date": "2026-11-20", "bank_reference": "R14",
            "receipt_amount": "1960.00", "row1_invoice": "INV-2026-1016",
            "row1_applied": "1960.00", "row1_diff": "40.00", "row1_reason": "CASH_DISCOUNT"}
    r = erp.post("/ar/cashreceipt.do", data=form)
    assert "Receipt No.:" in r.text
    assert truth(erp)["postings"][0]["lines"][0]["discount"] == "40.00"


@pytest.mark.parametrize(("form", "message"), [
    (receipt("C1001", "R1", "10.00", ("INV-2026-9999", "10.00", "", "NONE")),
     "Invoice INV-2026-9999 does not exist."),
    (receipt("C1001", "R1", "2380.00", ("INV-2026-1002", "2380.00", "", "NONE")),
     "Invoice INV-2026-1002 belongs to customer C1002, not C1001."),
    (receipt("C1004", "R1", "1800.00", ("INV-2026-1015", "1800.00", "0.80", "BANK_CHARGES")),
     "exceeds the open amount (1800.00) of invoice INV-2026-1015."),
    (receipt("C1001", "R1", "1190,00", ("INV-2026-1001", "1190.00", "", "NONE")),
     "use a dot as decimal separator."),
    (receipt("C1001", "R1", "1190.00", ("INV-2026-1001", "1000.00", "", "NONE")),
     "Allocated amounts (1000.00) do not match the payment amount (1190.00)."),
    (receipt("", "R1", "1.00"), "Customer is required."),
])
def test_server_side_validation(erp: httpx.Client, form: dict, message: str) -> None:
    r = erp.post("/ar/cashreceipt.do", data=form)
    assert r.status_code == 200 and "Cash Receipt Posted" not in r.text
    assert message in r.text and "alert(" in r.text
    assert 'value="R1"' in r.text or not form["custId"]  # input kept for correction
    assert truth(erp)["postings"] == []


def test_closed_invoice_refused(erp: httpx.Client) -> None:
    form = receipt("C1001", "R1", "1190.00", ("INV-2026-1001", "1190.00", "", "NONE"))
    assert "Cash Receipt Posted" in erp.post("/ar/cashreceipt.do", data=form).text
    form["bankRef"] = "R2"
    r = erp.post("/ar/cashreceipt.do", data=form)
    assert "Invoice INV-2026-1001 is already closed." in r.text


def test_duplicate_bank_reference_is_accepted_and_visible(erp: httpx.Client) -> None:
    form = receipt("C1001", "NWB2026112000009", "100.00", ("INV-2026-1013", "100.00", "", ""))
    first = erp.post("/ar/cashreceipt.do", data=form)
    second = erp.post("/ar/cashreceipt.do", data=form)
    assert "Cash Receipt Posted" in first.text and "Cash Receipt Posted" in second.text
    postings = truth(erp)["postings"]
    assert [p["bank_reference"] for p in postings] == ["NWB2026112000009"] * 2
    assert postings[0]["confirmation"] != postings[1]["confirmation"]
    assert open_amount(erp, "INV-2026-1013") == Decimal("9800.00")
    search = erp.get("/ar/paymentsearch.do", params={"bankRef": "NWB2026112000009"}).text
    assert all(p["confirmation"] in search for p in postings)


def test_open_items_pagination(erp: httpx.Client) -> None:
    # the day's invoices and the extensions' (collections, credit, orders) seeded open items
    held = [i for i in truth(erp)["invoices"] if Decimal(i["amount_open"]) > 0]
    numbers = sorted(i["invoice_number"] for i in held)
    pages = -(-len(numbers) // 10)
    first = erp.get("/ar/openitems.do").text
    assert "Next &gt;&gt;" in first and f"Page 1 of {pages}" in first
    assert "INV-2026-1001" in first
    third = erp.get("/ar/openitems.do", params={"page": 3}).text
    assert "INV-2026-1021" in third
    last = erp.get("/ar/openitems.do", params={"page": pages}).text
    assert "Next &gt;&gt;" not in last and numbers[-1] in last
    only = erp.get("/ar/openitems.do", params={"customer": "C1003"}).text
    c1003 = sum(1 for i in held if i["customer_id"] == "C1003")  # 4 of the day, 1 disputed
    assert f"{c1003} item(s)" in only and "INV-2026-1001" not in only


def test_csv_export(erp: httpx.Client) -> None:
    r = erp.get("/ar/openitems.csv")
    assert r.headers["content-disposition"].startswith("attachment")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert list(rows[0]) == ["invoice_number", "customer_id", "customer_name", "customer_iban",
                             "amount_open", "currency", "due_date", "creditor_reference",
                             "discount_percent", "discount_until", "invoice_date", "amount"]
    inv1003 = [row for row in rows if row["invoice_number"] == "INV-2026-1003"]
    assert {row["customer_iban"][:2] for row in inv1003} == {"FR", "ES"}
    granite = next(row for row in rows if row["invoice_number"] == "INV-2026-1019")
    assert granite["customer_iban"] == ""
    skonto = next(row for row in rows if row["invoice_number"] == "INV-2026-1016")
    assert skonto["discount_percent"] == "2.00" and skonto["discount_until"] == "2026-11-25"
    by_number = {row["invoice_number"]: row for row in rows}
    assert by_number["INV-2026-1008"]["amount_open"] == "3333.33"
    # the invoice as issued: its date and original amount beside what is still open
    assert Decimal(by_number["INV-2026-1008"]["amount"]) >= Decimal("3333.33")
    assert dt.date.fromisoformat(by_number["INV-2026-1008"]["invoice_date"]) <= \
        dt.date.fromisoformat(by_number["INV-2026-1008"]["due_date"])
    assert by_number["INV-2026-1001"]["creditor_reference"].startswith("RF")


def test_reset_with_extra_exact(erp: httpx.Client, tmp_path: Path) -> None:
    erp.post("/_sandbox/reset", json={"extra_exact": 3}).raise_for_status()
    data = truth(erp)
    day = {i["invoice_number"] for i in data["invoices"] if i["invoice_number"] <= "INV-2026-1021"}
    assert data["extra_exact"] == 3 and len(day) == 21
    assert {"INV-2026-5001", "INV-2026-5002", "INV-2026-5003"} <= {
        i["invoice_number"] for i in data["invoices"]}
    erp.post("/_sandbox/reset").raise_for_status()
    assert truth(erp)["extra_exact"] == 0
