"""The billing portal's claims desk, credit memo requests and customer pages over HTTP."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest
from PIL import Image
from pypdf import PdfReader

from sandbox.disputes_scenario import invoice
from sandbox.portal.app import create_app
from sandbox.portal.claims import ACCESS_CODES
from sandbox.scenario import CREDENTIALS, build_scenario
from sandbox.serve import serve_app

DESK = {"username": CREDENTIALS.disputes_username,
        "password": CREDENTIALS.disputes_portal_password}


@pytest.fixture(scope="module")
def portal_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FINBOTS_PORTAL_DELAY_MS", "0")
        app = create_app(tmp_path_factory.mktemp("claims") / "portal.db", build_scenario())
    with serve_app(app) as url:
        yield url


def _text(page: httpx.Response, element_id: str) -> str:
    """The text of the element with ``id`` (tags inside dropped, entities kept simple)."""
    found = re.search(rf'id="{element_id}"[^>]*>(.*?)</', page.text, re.S)
    assert found is not None, f"#{element_id} not on {page.url}"
    return re.sub(r"<[^>]+>", "", found.group(1)).replace("&#39;", "'").strip()


def _csrf(page: httpx.Response) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found is not None, f"no form on {page.url}"
    return found.group(1)


class Desk:
    """A signed-in claims-desk user."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        page = client.post("/claims/login", data=DESK)
        assert page.url.path == "/claims/desk", page.text
        self.csrf = _csrf(client.get("/claims/desk/DSP-0001"))

    def get(self, path: str) -> httpx.Response:
        return self.client.get(path)

    def post(self, path: str, **fields: str) -> httpx.Response:
        return self.client.post(path, data={"csrf": self.csrf, **fields})

    def request_credit(self, number: str, amount: str, reference: str,
                       claim: str = "") -> httpx.Response:
        return self.post("/claims/credit-memos/new", invoice=number, amount=amount,
                         reason="Credit agreed with the customer", reference=reference,
                         claim=claim)


@pytest.fixture
def portal(portal_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=portal_url, follow_redirects=True, timeout=10) as client:
        client.post("/_sandbox/reset").raise_for_status()
        client.post("/_sandbox/faults", json={"clear": True}).raise_for_status()
        yield client


@pytest.fixture
def desk(portal: httpx.Client) -> Desk:
    return Desk(portal)


def _truth(client: httpx.Client) -> dict[str, object]:
    return client.get("/_sandbox/truth").json()


def _invoice_status(client: httpx.Client, number: str) -> str:
    truth = _truth(client)
    return next(i["status"] for i in truth["invoices"]  # type: ignore[attr-defined]
                if i["invoice_number"] == number)


def test_desk_sign_in_and_expiry(portal: httpx.Client) -> None:
    page = portal.get("/claims/desk/DSP-0001")
    assert page.url.path == "/claims/login" and _text(page, "login-message") == \
        "Please sign in."
    refused = portal.post("/claims/login", data={**DESK, "password": "wrong"})
    assert refused.status_code == 401 and _text(refused, "error") == \
        "Invalid username or password."
    # the portal's other logins do not open the desk
    other = portal.post("/claims/login", data={"username": CREDENTIALS.portal_username,
                                               "password": CREDENTIALS.portal_password})
    assert other.status_code == 401

    desk = Desk(portal)
    page = desk.get("/claims/desk")
    rows = re.findall(r'<tr class="claim" data-claim-id="([^"]+)">', page.text)
    assert rows == ["DSP-0001", "DSP-0002", "DSP-0003", "DSP-0004", "DSP-0005"]
    assert re.search(r'data-claim-id="DSP-0003">.*?class="invoice">.*?INV-2026-1012.*?'
                     r'class="customer">C1008<.*?class="amount">250.00<.*?'
                     r'class="received">2026-11-18T08:40:00\+00:00<.*?>new<', page.text, re.S)
    assert "DSP-0001" not in desk.get("/claims/desk?status=received").text

    portal.post("/_sandbox/faults", json={"session_expiry_requests": 1})
    expired = desk.get("/claims/desk")
    assert expired.url.path == "/claims/login"
    assert _text(expired, "login-message") == "Your session has expired. Please sign in again."


def test_claim_detail_with_lines_and_attachments(desk: Desk) -> None:
    page = desk.get("/claims/desk/DSP-0001")
    assert [_text(page, k) for k in ("claim-id", "invoice-number", "customer-id",
                                     "customer-name", "amount", "currency", "status")] == [
        "DSP-0001", "INV-2026-2001", "C1001", "Acme Industrial GmbH", "190.40", "EUR", "new"]
    assert _text(page, "received-at") == "2026-11-16T09:12:00+00:00"
    assert "contract price is 12.90" in _text(page, "text")
    assert re.findall(r'<li data-line="(\d+)">', page.text) == ["2"]
    assert 'id="no-attachment"' in page.text and _text(page, "case-ref") == ""

    note = desk.get("/claims/desk/DSP-0002/attachment")
    assert note.headers["content-type"] == "application/pdf"
    assert "delivery-note-SO-50344.pdf" in note.headers["content-disposition"]
    assert "J. de Vries, 40 pallets received" in PdfReader(io.BytesIO(note.content)).pages[0]\
        .extract_text()
    photo = desk.get("/claims/desk/DSP-0003/attachment")
    assert Image.open(io.BytesIO(photo.content)).format == "JPEG"
    assert desk.get("/claims/desk/DSP-0099").status_code == 404


def test_receive_is_idempotent_and_reject_restores_the_invoice(desk: Desk) -> None:
    client = desk.client
    assert _invoice_status(client, "INV-2026-2004") == "paid"
    page = desk.post("/claims/desk/DSP-0004/receive", case_ref="DISPUTE-41")
    assert _text(page, "status") == "received" and _text(page, "case-ref") == "DISPUTE-41"
    assert _invoice_status(client, "INV-2026-2004") == "disputed"

    again = desk.post("/claims/desk/DSP-0004/receive", case_ref="DISPUTE-41")
    assert again.status_code == 200 and _text(again, "message").startswith("No change")
    other = desk.post("/claims/desk/DSP-0004/receive", case_ref="DISPUTE-42")
    assert other.status_code == 400
    assert _text(other, "error") == ("Field case_ref: claim DSP-0004 was received under case "
                                     "DISPUTE-41, not DISPUTE-42.")
    blank = desk.post("/claims/desk/DSP-0005/receive", case_ref=" ")
    assert blank.status_code == 400 and _text(blank, "error") == "Field case_ref: required."

    empty = desk.post("/claims/desk/DSP-0004/reject", message="")
    assert empty.status_code == 400 and _text(empty, "error") == "Field message: required."
    long_text = desk.post("/claims/desk/DSP-0004/reject", message="x" * 4001)
    assert _text(long_text, "error") == "Field message: at most 4000 characters (4001 given)."
    why = "INV-2026-2004 bills the second delivery of SO-50102, not the first one."
    page = desk.post("/claims/desk/DSP-0004/reject", message=why)
    assert _text(page, "status") == "rejected" and _text(page, "customer-message") == why
    assert _invoice_status(client, "INV-2026-2004") == "paid"  # as before the claim
    again = desk.post("/claims/desk/DSP-0004/reject", message=why)
    assert again.status_code == 200 and _text(again, "message").startswith("No change")
    assert desk.post("/claims/desk/DSP-0004/reject", message="other").status_code == 400

    page = desk.post("/claims/desk/DSP-0005/close", note="Settled by phone")
    assert _text(page, "status") == "closed" and _text(page, "close-note") == \
        "Settled by phone"
    assert desk.post("/claims/desk/DSP-0005/reject", message="late").status_code == 400
    claims = {c["id"]: c for c in _truth(client)["claims"]}  # type: ignore[attr-defined]
    assert (claims["DSP-0004"]["status"], claims["DSP-0004"]["case_ref"],
            claims["DSP-0004"]["message"]) == ("rejected", "DISPUTE-41", why)
    assert claims["DSP-0005"]["status"] == "closed" and claims["DSP-0001"]["status"] == "new"


def test_a_mail_or_deduction_dispute_is_registered_once_and_holds_the_invoice(
        desk: Desk) -> None:
    client = desk.client
    assert _invoice_status(client, "INV-2026-2006") == "open"
    form = desk.get("/claims/desk/register")
    assert 'id="reg-channel"' in form.text and 'value="deduction"' in form.text
    fields = {"invoice": "INV-2026-2006", "amount": "1261.40", "channel": "mail",
              "text": "5 pump motors returned under RMA 7781", "case_ref": "DISP-INV-2026-2006"}
    page = desk.post("/claims/desk/register", **fields)
    assert page.status_code == 200 and _text(page, "message").startswith("Claim registered")
    claim_id = _text(page, "claim-id")
    assert (_text(page, "status"), _text(page, "case-ref"), _text(page, "channel"),
            _text(page, "customer-id")) == ("received", "DISP-INV-2026-2006", "mail", "C1003")
    assert _invoice_status(client, "INV-2026-2006") == "disputed"

    # the same case again (a rerun, or the deduction of the same dispute): its claim
    again = desk.post("/claims/desk/register", **{**fields, "channel": "deduction"})
    assert _text(again, "claim-id") == claim_id
    assert _text(again, "message").startswith("This case reference is registered already")
    elsewhere = desk.post("/claims/desk/register", **{**fields, "invoice": "INV-2026-2007"})
    assert elsewhere.status_code == 400 and _text(elsewhere, "error") == (
        "Field case_ref: case DISP-INV-2026-2006 is registered on INV-2026-2006, not "
        "INV-2026-2007.")
    for wrong, error in ((dict(channel="portal"), "Field channel: 'portal'; one of mail, "
                          "deduction."),
                         (dict(amount="99999.00", case_ref="X-1"), "Field amount: at most "),
                         (dict(invoice="INV-1999-0001", case_ref="X-2"),
                          "Field invoice: invoice INV-1999-0001 not found.")):
        refused = desk.post("/claims/desk/register", **{**fields, **wrong})
        assert refused.status_code == 400 and _text(refused, "error").startswith(error)
    forged = client.post("/claims/desk/register", data={**fields, "case_ref": "X-3"})
    assert forged.status_code in (400, 403)
    truth = _truth(client)
    registered = [c for c in truth["claims"] if c["channel"] != "portal"]  # type: ignore
    assert [(c["id"], c["channel"], c["case_ref"]) for c in registered] == [
        (claim_id, "mail", "DISP-INV-2026-2006")]

    # settled like a customer's claim: closing it gives the invoice its status back
    page = desk.post(f"/claims/desk/{claim_id}/close", note="Dispute settled")
    assert _text(page, "status") == "closed"
    assert _invoice_status(client, "INV-2026-2006") == "open"


def test_credit_memo_is_blocked_until_released_by_enough_approvers(desk: Desk) -> None:
    client = desk.client
    desk.post("/claims/desk/DSP-0001/receive", case_ref="DISPUTE-7")
    page = desk.request_credit("INV-2026-2001", "190.40", "DISPUTE-7:credit", "DSP-0001")
    assert page.url.path == "/claims/credit-memos/CMR-0001"
    assert _text(page, "request-status") == "blocked" and _text(page, "billing-block") == "yes"
    assert _text(page, "credit-memo-number") == ""
    again = desk.request_credit("INV-2026-2001", "190.40", "DISPUTE-7:credit", "DSP-0001")
    assert again.url.path == "/claims/credit-memos/CMR-0001"
    assert _text(again, "message").startswith("A request with this reference exists")
    assert len(_truth(client)["credit_memo_requests"]) == 1  # type: ignore[arg-type]
    inv = desk.get("/claims/invoices/INV-2026-2001")
    assert _text(inv, "invoice-status") == "disputed" and 'id="no-credit-memos"' in inv.text

    own = desk.post("/claims/credit-memos/CMR-0001/release",
                    approved_by=CREDENTIALS.disputes_username)
    assert own.status_code == 400 and "cannot approve" in _text(own, "error")
    page = desk.post("/claims/credit-memos/CMR-0001/release", approved_by="Dana Kurz")
    assert _text(page, "request-status") == "released"
    assert _text(page, "credit-memo-number") == "CM-2026-1001"
    assert _text(page, "approved-by-value") == "Dana Kurz"
    inv = desk.get("/claims/invoices/INV-2026-2001")
    gross = invoice("INV-2026-2001").gross
    assert _text(inv, "invoice-status") == "partially_credited"
    assert _text(inv, "gross") == str(gross) and _text(inv, "credited") == "190.40"
    assert re.search(r'<tr class="credit-memo" data-credit-memo="CM-2026-1001">.*?'
                     r'class="amount">190.40<', inv.text, re.S)
    pdf = PdfReader(io.BytesIO(desk.get("/claims/invoices/INV-2026-2001.pdf").content))
    text = pdf.pages[0].extract_text()
    assert "CM-2026-1001" in text and f"{gross - Decimal('190.40'):,.2f} EUR" in text
    claim = desk.get("/claims/desk/DSP-0001")
    assert _text(claim, "status") == "credited"
    assert "CM-2026-1001" in _text(claim, "customer-message")

    # above 1,000.00: two names; the request cannot ask more than is left uncredited
    gross = invoice("INV-2026-2006").gross
    too_much = desk.request_credit("INV-2026-2006", str(gross + Decimal("0.01")), "R-2")
    assert too_much.status_code == 400
    assert _text(too_much, "error").startswith(f"Field amount: {gross + Decimal('0.01')} is "
                                               f"more than the invoice's uncredited gross")
    page = desk.request_credit("INV-2026-2006", "1261.40", "R-2")
    one = desk.post("/claims/credit-memos/CMR-0002/release", approved_by="Dana Kurz")
    assert one.status_code == 400
    assert _text(one, "error") == ("Field approved_by: a credit memo above 1,000.00 needs "
                                   "two approvers' names.")
    assert _text(one, "request-status") == "blocked"
    assert _invoice_status(client, "INV-2026-2006") == "open"
    page = desk.post("/claims/credit-memos/CMR-0002/release",
                     approved_by="Dana Kurz, Felix Ng")
    assert _text(page, "credit-memo-number") == "CM-2026-1002"
    rest = str(gross - Decimal("1261.40"))
    assert desk.request_credit("INV-2026-2006", rest, "R-3").url.path.endswith("CMR-0003")
    desk.post("/claims/credit-memos/CMR-0003/release", approved_by="Dana Kurz, Felix Ng")
    assert _invoice_status(client, "INV-2026-2006") == "credited"

    desk.request_credit("INV-2026-2005", "218.88", "R-4")
    page = desk.post("/claims/credit-memos/CMR-0004/reject", reason="Reissued without VAT")
    assert _text(page, "request-status") == "rejected"
    assert desk.post("/claims/credit-memos/CMR-0004/release",
                     approved_by="Dana Kurz").status_code == 400
    requests = {r["id"]: r for r in _truth(client)["credit_memo_requests"]}  # type: ignore
    assert [(r["status"], r["number"], r["approved_by"]) for r in requests.values()] == [
        ("released", "CM-2026-1001", ["Dana Kurz"]),
        ("released", "CM-2026-1002", ["Dana Kurz", "Felix Ng"]),
        ("released", "CM-2026-1003", ["Dana Kurz", "Felix Ng"]),
        ("rejected", None, [])]


def test_credit_memo_amount_and_fields(desk: Desk) -> None:
    for amount in ("0", "12.345", "-5", "1e3", "", "1,000.00"):
        page = desk.request_credit("INV-2026-2001", amount, "R-x")
        assert page.status_code == 400 and _text(page, "error").startswith(
            "Field amount: enter an amount above 0.00 with at most two decimals"), amount
    page = desk.request_credit("INV-2026-2001", "10.00", "")
    assert _text(page, "error") == "Field reference: required."
    page = desk.request_credit("INV-2026-2009", "10.00", "R-y", claim="DSP-0001")
    assert _text(page, "error") == "Field claim: claim DSP-0001 is not a claim on INV-2026-2009."
    assert _truth(desk.client)["credit_memo_requests"] == []


def _customer(portal: httpx.Client, customer_id: str) -> str:
    page = portal.post("/customer/login", data={"customer_id": customer_id,
                                                "access_code": ACCESS_CODES[customer_id]})
    assert page.url.path == "/customer/invoices", page.text
    return _csrf(portal.get("/customer/disputes/new?invoice=INV-2026-2002"))


def test_customer_files_a_dispute_within_the_limits(portal: httpx.Client) -> None:
    refused = portal.post("/customer/login", data={"customer_id": "C1004",
                                                   "access_code": ACCESS_CODES["C1001"]})
    assert refused.status_code == 401
    csrf = _customer(portal, "C1004")
    invoices = portal.get("/customer/invoices")
    assert re.findall(r'data-invoice="([^"]+)"', invoices.text) == [
        "INV-2026-1007", "INV-2026-1015", "INV-2026-2002"]
    assert portal.get("/customer/invoices/INV-2026-2001").status_code == 404  # not theirs
    pdf = portal.get("/customer/invoices/INV-2026-2002.pdf")
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "Dunmore Logistics B.V." in text and "6,249.88 EUR" in text and "VAT 19%" in text
    cash_app = PdfReader(io.BytesIO(portal.get("/customer/invoices/INV-2026-1007.pdf")
                                    .content)).pages[0].extract_text()
    assert "Goods and services" in cash_app and "INV-2026-1007" in cash_app

    def submit(amount: str = "105.04", text: str = "One pallet was wet.",
               file: tuple[str, bytes, str] | None = None) -> httpx.Response:
        return portal.post("/customer/disputes/new?invoice=INV-2026-2002",
                           data={"csrf": csrf, "invoice": "INV-2026-2002", "line": "1",
                                 "amount": amount, "text": text},
                           files={"attachment": file} if file else None)

    assert _text(submit(amount="10.001"), "error").startswith("Field amount:")
    assert _text(submit(amount="7000.00"), "error") == (
        "Field amount: at most 6249.88 EUR (the invoice's amount not yet credited).")
    assert _text(submit(text="x" * 4001), "error") == \
        "Field text: at most 4000 characters (4001 given)."
    assert _text(submit(text=""), "error") == "Field text: required."
    just_over = b"\xff\xd8\xff" + b"0" * (5 * 1024 * 1024 - 2)  # 5 MiB and one byte
    for size, status in ((just_over, 400), (just_over * 2, 413)):  # read / refused at once
        big = submit(file=("photo.jpg", size, "image/jpeg"))
        assert big.status_code == status and _text(big, "error") == (
            "Field attachment: the file is larger than 5 MiB (5242880 bytes).")
    assert _text(submit(file=("run.exe", b"MZ", "application/octet-stream")), "error") == \
        "Field attachment: only PDF, PNG or JPEG files (.pdf, .png, .jpg)."
    assert _text(submit(file=("note.pdf", b"<html>", "application/pdf")), "error") == \
        "Field attachment: the file is not a PDF file."
    assert len(_truth(portal)["claims"]) == 5  # type: ignore[arg-type]

    png = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 0, 0)).save(png, format="PNG")
    page = submit(file=("wet pallet.png", png.getvalue(), "image/png"))
    assert page.url.path == "/customer/disputes/DSP-0006"
    assert _text(page, "claim-status") == "submitted" and _text(page, "claim-message") == ""
    claim = next(c for c in _truth(portal)["claims"]  # type: ignore[attr-defined]
                 if c["id"] == "DSP-0006")
    assert (claim["seed_key"], claim["invoice"], claim["customer"], claim["amount"],
            claim["lines"], claim["attachment"], claim["status"]) == (
        None, "INV-2026-2002", "C1004", "105.04", [1], "wet_pallet.png", "new")
    assert portal.get("/customer/disputes/DSP-0001").status_code == 404  # C1001's
    assert portal.get("/customer/disputes/DSP-0006/attachment").content == png.getvalue()


def test_truth_and_reset(portal: httpx.Client) -> None:
    desk = Desk(portal)
    desk.post("/claims/desk/DSP-0002/receive", case_ref="DISPUTE-9")
    truth = _truth(portal)
    statuses = {i["invoice_number"]: i["status"]  # type: ignore[attr-defined]
                for i in truth["claim_invoices"]}  # type: ignore[attr-defined]
    assert statuses["INV-2026-2002"] == "disputed" and statuses["INV-2026-2003"] == "paid"
    assert [(c["id"], c["seed_key"]) for c in truth["claims"]] == [  # type: ignore
        ("DSP-0001", "D01"), ("DSP-0002", "D02"), ("DSP-0003", "D03"), ("DSP-0004", "D04"),
        ("DSP-0005", "D05")]
    portal.post("/_sandbox/reset").raise_for_status()
    assert _invoice_status(portal, "INV-2026-2002") == "open"
    assert {c["status"] for c in _truth(portal)["claims"]} == {"new"}  # type: ignore
