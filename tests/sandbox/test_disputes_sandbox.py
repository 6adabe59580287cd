"""The sandbox's side of the disputes: the ERP's orders and deliveries of the disputed
invoices, the dispute mails in the finance INBOX, and what ``finbots sandbox check`` says
about a disputes run."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from pypdf import PdfReader

from bots.runtime.mail import Mailbox, MailSettings
from sandbox.check import run_check
from sandbox.disputes_check import compare_disputes, disputes_note, disputes_ran
from sandbox.disputes_scenario import claims, invoice
from sandbox.erp.app import create_app as create_erp
from sandbox.mail.accounts import FINANCE_PASSWORD
from sandbox.mail.addresses import FINANCE_MAILBOX, customer_mailbox
from sandbox.mail.disputes import DISPUTES_FOLDER, dispute_message_id
from sandbox.mail.dovecot import DovecotError, find_dovecot
from sandbox.portal.app import create_app as create_portal
from sandbox.scenario import CREDENTIALS, build_scenario
from sandbox.serve import serve_app

LOGIN = {"userid": CREDENTIALS.disputes_username, "password": CREDENTIALS.disputes_password}


@pytest.fixture(scope="module")
def erp_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FINBOTS_ERP_SLOW_MS", "0")
        app = create_erp(tmp_path_factory.mktemp("erp") / "erp.db", build_scenario())
    with serve_app(app) as url:
        yield url


@pytest.fixture(scope="module")
def portal_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FINBOTS_PORTAL_DELAY_MS", "0")
        app = create_portal(tmp_path_factory.mktemp("portal") / "portal.db", build_scenario())
    with serve_app(app) as url:
        yield url


@pytest.fixture(scope="module")
def mail(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The real mail server (dovecot + SMTP) through its control app."""
    try:
        find_dovecot()
    except DovecotError as exc:
        pytest.fail(str(exc))
    from sandbox.mail.app import create_app

    app = create_app(tmp_path_factory.mktemp("mail") / "mail", smtp_port=0, imap_port=0)
    try:
        with serve_app(app) as url:
            ports = httpx.get(f"{url}/_sandbox/ports", timeout=10).json()
            yield {"url": url, **ports}
    finally:
        app.state.close()


def _mailbox(mail: dict[str, Any], address: str, password: str) -> Mailbox:
    return Mailbox(MailSettings(mail["host"], mail["smtp_port"], mail["imap_port"], address,
                                password), name="test")


def _truth(url: str) -> dict[str, Any]:
    response = httpx.get(f"{url}/_sandbox/truth", timeout=30)
    response.raise_for_status()
    return dict(response.json())


# -- the ERP ----------------------------------------------------------------------------
def test_order_by_invoice_needs_login_and_shows_the_delivery(erp_url: str) -> None:
    with httpx.Client(base_url=erp_url, timeout=10) as client:
        assert client.get("/orders/by-invoice/INV-2026-2002").status_code == 302
        assert client.post("/ar/login.do", data=LOGIN).status_code == 302
        page = client.get("/orders/by-invoice/INV-2026-2002").text
        assert 'id="order-number">SO-50344<' in page
        assert 'id="delivery-date">2026-11-03<' in page
        assert "J. de Vries, 40 pallets received" in page
        row = page.split('data-line="1"')[1].split("</tr>")[0]
        assert ">50<" in row.split('class="ordered"')[1][:80]
        assert ">40<" in row.split('class="shipped"')[1][:80]
        assert ">105.04<" in row.split('class="unit-price"')[1][:80]

        twice = client.get("/orders/by-invoice/INV-2026-2004").text  # billed again
        assert 'id="order-number">SO-50102<' in twice
        assert 'data-invoice="INV-2026-2003"' in twice and 'data-invoice="INV-2026-2004"' in twice

        service = client.get("/orders/by-invoice/INV-2026-2009").text  # nothing delivered
        assert 'id="delivery-date"></font>' in service and 'id="no-delivery"' in service

        unknown = client.get("/orders/by-invoice/INV-2026-9999")
        assert unknown.status_code == 404 and 'id="error"' in unknown.text
        bad = client.get("/orders/by-invoice/%3Cscript%3E")
        assert bad.status_code == 404 and "<script>" not in bad.text


def test_disputed_invoices_in_the_erp_and_the_paid_ones_on_the_statement(
        erp_url: str) -> None:
    truth = _truth(erp_url)
    held = {i["invoice_number"]: i for i in truth["invoices"]}
    for number in ("INV-2026-2001", "INV-2026-2003", "INV-2026-2009"):
        inv = invoice(number)
        assert Decimal(held[number]["amount"]) == inv.gross
        assert Decimal(held[number]["amount_open"]) == (0 if inv.paid else inv.gross)
    assert {o["order_number"] for o in truth["orders"]} == {
        i.order_number for i in (invoice(n) for n in held if n.startswith("INV-2026-20"))}
    with httpx.Client(base_url=erp_url, timeout=10) as client:
        client.post("/ar/login.do", data=LOGIN)
        statement = client.get("/ar/statement.do", params={"id": "C1002"}).text
    paid = statement.split('id="paidItems"')[1]
    assert "INV-2026-2003" in paid and "INV-2026-2004" in paid
    assert "INV-2026-2003" not in statement.split('id="openItems"')[1].split("</table>")[0]


# -- the mails --------------------------------------------------------------------------
def test_dispute_mails_in_the_finance_inbox(mail: dict[str, Any]) -> None:
    httpx.post(f"{mail['url']}/_sandbox/reset", timeout=60).raise_for_status()
    finance = _mailbox(mail, FINANCE_MAILBOX, FINANCE_PASSWORD)
    inbox = {m.message_id: m for m in finance.messages("INBOX")}
    for claim in claims("mail"):
        got = inbox[dispute_message_id(claim)]
        assert got.sender == customer_mailbox(claim.customer_id) == claim.sender
        assert got.date == claim.received_at and got.subject == claim.subject
        assert claim.text.split(":")[0] in got.text
    d06 = inbox[dispute_message_id(next(c for c in claims("mail") if c.key == "D06"))]
    assert "INV-2026-2009" not in d06.text and "INV-2026-2009" not in d06.subject
    (pdf,) = d06.attachments
    assert pdf.mime == "application/pdf" and pdf.name == "claim-form.pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "INV-2026-2009" in text
    d07 = inbox[dispute_message_id(next(c for c in claims("mail") if c.key == "D07"))]
    assert d07.html and "pump motors" in d07.html


# -- the check --------------------------------------------------------------------------
def test_fresh_sandbox_is_not_checked_for_disputes(erp_url: str, portal_url: str,
                                                   mail: dict[str, Any]) -> None:
    httpx.post(f"{mail['url']}/_sandbox/reset", timeout=60).raise_for_status()
    notes: list[str] = []
    differences = run_check("", erp_url, portal_url, mail_url=mail["url"], notes=notes)
    assert notes == [disputes_note(_truth(portal_url), _truth(mail["url"]))]
    assert "disputes bot has not run" in notes[0]
    assert not [d for d in differences if "claim" in d or "dispute" in d.lower()]


def _portal(statuses: dict[str, tuple[str, str]] | None = None) -> dict[str, Any]:
    """The claims desk's truth: each seeded portal claim with (status, case ref); once the
    bot ran (``statuses``), each dispute without a portal claim registered under its case."""
    rows = []
    for n, c in enumerate(claims("portal"), start=1):
        status, case = (statuses or {}).get(c.key, ("new", ""))
        rows.append({"id": f"DSP-{n:04d}", "seed_key": c.key, "invoice": c.invoice_number,
                     "customer": c.customer_id, "amount": str(c.amount), "status": status,
                     "case_ref": case, "channel": "portal", "message": ""})
    for c in claims():
        if statuses is None or c.channel == "portal" or c.duplicate_of:
            continue
        rows.append({"id": f"DSP-{len(rows) + 1:04d}", "seed_key": None,
                     "invoice": c.invoice_number, "customer": c.customer_id,
                     "amount": str(c.amount), "status": "received",
                     "case_ref": f"DSP-CASE-{c.key}", "channel": c.channel, "message": ""})
    return {"claims": rows, "credit_memo_requests": []}


def _received() -> dict[str, tuple[str, str]]:
    return {c.key: ("received", f"DSP-CASE-{c.key}") for c in claims("portal")}


def test_disputes_run_on_the_mail_server_checks_clean_then_names_each_problem(
        mail: dict[str, Any]) -> None:
    """Dispute mails filed and claimants acknowledged for real (IMAP, SMTP): clean; then a
    second acknowledgement, a mail left in the INBOX and a duplicate under its own case."""
    httpx.post(f"{mail['url']}/_sandbox/reset", timeout=60).raise_for_status()
    finance = _mailbox(mail, FINANCE_MAILBOX, FINANCE_PASSWORD)
    portal = _portal(_received())
    assert compare_disputes({}, _portal(), _truth(mail["url"])) == []  # not run yet
    case_of = {c.key: f"DSP-CASE-{c.duplicate_of or c.key}" for c in claims()}
    ids = {dispute_message_id(c): c for c in claims("mail")}
    for m in finance.messages("INBOX"):
        if m.message_id in ids:
            finance.move(m.uid, DISPUTES_FOLDER)
    refs = {"portal": {c.key: f"portal:DSP-{n:04d}" for n, c in
                       enumerate(claims("portal"), start=1)}}
    for c in claims():
        if c.duplicate_of:
            continue  # a linked claim needs no acknowledgement of its own
        ref = (refs["portal"][c.key] if c.channel == "portal" else
               f"mail:{dispute_message_id(c)}")
        to = c.sender or customer_mailbox(c.customer_id)
        finance.send(to, f"Your claim on invoice {c.invoice_number}", "Received.",
                     reference=f"dispute-ack:{case_of[c.key]}:{ref}")
    truth = _truth(mail["url"])
    assert disputes_ran(portal, truth) and disputes_note(portal, truth) == ""
    assert compare_disputes({}, portal, truth) == []

    d07, d08 = (next(c for c in claims() if c.key == k) for k in ("D07", "D08"))
    finance.send(d07.sender, "Again", "Received.",
                 reference=f"dispute-ack:{case_of['D07']}:mail:{dispute_message_id(d07)}")
    finance.send(d08.sender, "Yours", "Received.",
                 reference=f"dispute-ack:CASE-OTHER:mail:{dispute_message_id(d08)}")
    back = next(m for m in finance.messages(DISPUTES_FOLDER)
                if m.message_id == dispute_message_id(d08))
    finance.move(back.uid, "INBOX", from_folder=DISPUTES_FOLDER)
    problems = compare_disputes({}, portal, _truth(mail["url"]))
    assert any(p.startswith("claim D07") and "acknowledged 2 times" in p for p in problems)
    assert any(p.startswith("dispute mail D08") and "in INBOX" in p for p in problems)
    assert any(p.startswith("claims D01, D08: one case expected") and "CASE-OTHER" in p
               for p in problems)
    assert len(problems) == 3, problems


def test_hand_made_state_names_each_problem() -> None:
    statuses = _received()
    statuses["D02"] = ("new", "")
    statuses["D04"] = ("received", statuses["D01"][1])  # two disputes under one case
    statuses["D05"] = ("rejected", statuses["D05"][1])  # without a message
    portal = _portal(statuses)
    d07 = next(c for c in portal["claims"] if c["case_ref"] == "DSP-CASE-D07")
    portal["claims"].append({**d07, "id": "DSP-0099"})  # registered twice
    portal["claims"] = [c for c in portal["claims"] if c["case_ref"] != "DSP-CASE-D09"]
    portal["claim_invoices"] = [{"invoice_number": "INV-2026-2006", "status": "open"},
                                {"invoice_number": "INV-2026-2008", "status": "disputed"}]
    portal["credit_memo_requests"] = [
        {"id": "CMR-0001", "invoice": "INV-2026-2002", "amount": "1249.98",
         "reference": "case-2", "status": "released", "number": "CM-2026-1001",
         "approved_by": ["r.khan"]},
        {"id": "CMR-0002", "invoice": "INV-2026-2001", "amount": "250.00",
         "reference": "case-1", "status": "blocked", "number": None, "approved_by": []},
        {"id": "CMR-0003", "invoice": "INV-2026-2006", "amount": "1261.40",
         "reference": "case-7", "status": "released", "number": "CM-2026-1002",
         "approved_by": ["r.khan", "m.weber"]},
    ]
    erp = {"adjustments": [
        {"kind": "credit_memo", "number": "CM-ERP-000001", "reference": "CM-2026-1001",
         "invoice_number": "INV-2026-2002", "amount": "1249.98"},
        {"kind": "credit_memo", "number": "CM-ERP-000002", "reference": "CM-2026-1001",
         "invoice_number": "INV-2026-2002", "amount": "1249.98"},
    ], "balance_refunds": [
        {"number": "RF-ERP-000003", "reference": "refund-C1004", "amount": "900.00",
         "iban": "NL91ABNA0417164300"},
    ]}
    bank = {"transfers": [{"end_to_end_id": "RF-ERP-000003", "amount": "900.00",
                           "creditor_iban": "NL91ABNA0417164300"}] * 2}
    problems = compare_disputes(erp, portal, None, bank)
    expected = (
        "claim D02 (DSP-0002, INV-2026-2002): new, expected received under a case",
        "case DSP-CASE-D01 joins claims D01 and D04, which are different disputes",
        "claim DSP-0005 (INV-2026-2005): rejected without a message to the customer",
        f"claims D07 (INV-2026-2006): registered 2 times ({d07['id']}, DSP-0099), expected "
        "once",
        "claims D09 (INV-2026-2007, by mail): not registered on the claims desk, expected "
        "one claim under their case",
        "INV-2026-2006: open in the portal while a received claim holds it, expected "
        "disputed",
        "credit memo request CMR-0001 (INV-2026-2002, 1249.98): released with 1 "
        "approver(s) named, expected 2",
        "credit memo request CMR-0002 (INV-2026-2001, 250.00): above the disputed amount "
        "190.40",
        "ERP: 2 documents for reference CM-2026-1001 (CM-ERP-000001, CM-ERP-000002), "
        "expected one",
        "credit memo CM-2026-1002 (INV-2026-2006, 1261.40): no ERP credit memo document",
        "refund RF-ERP-000003 of 900.00: paid by 2 bank transfer(s), expected one",
    )
    for line in expected:
        assert line in problems, (line, problems)
    assert len(problems) == len(expected), problems


def test_erp_documents_against_the_portal_and_the_bank(erp_url: str) -> None:
    """Credit memos and a refund posted in the ERP for real: a portal credit memo without
    its ERP document and a refund the bank has not paid are named, the rest is clean."""
    with httpx.Client(base_url=erp_url, timeout=10) as client:
        client.post("/_sandbox/reset").raise_for_status()
        client.post("/ar/login.do", data=LOGIN)
        posted = client.post("/ar/adjustments", data={
            "kind": "credit_memo", "invoice": "INV-2026-2006", "amount": "1261.40",
            "reference": "CM-2026-1002", "reason": "RETURNED 5 pump motors"})
        assert posted.status_code == 303, posted.text
        erp = _truth(erp_url)
        balance = next(b for b in erp["credit_balances"] if b["customer_id"] == "C1004")
        iban = next(d["iban"] for d in erp["bank_details"] if d["customer_id"] == "C1004")
        refund = client.post(f"/ar/credit-balances/{balance['id']}/refund",
                             data={"iban": iban, "reference": "refund-C1004"})
        assert refund.status_code == 200, refund.text
        erp = _truth(erp_url)
        client.post("/_sandbox/reset").raise_for_status()
    (number,) = [r["number"] for r in erp["balance_refunds"]]
    portal = _portal(_received())
    portal["credit_memo_requests"] = [
        {"id": f"CMR-000{n}", "invoice": inv, "amount": amount, "reference": f"case-{n}",
         "status": "released", "number": memo, "approved_by": ["r.khan", "m.weber"]}
        for n, (inv, amount, memo) in enumerate((("INV-2026-2006", "1261.40", "CM-2026-1002"),
                                                 ("INV-2026-2001", "190.40", "CM-2026-1003")),
                                                start=1)]
    paid = {"transfers": [{"end_to_end_id": number, "amount": "900.00",
                           "creditor_iban": iban}]}
    assert compare_disputes(erp, portal, None, {"transfers": []}) == [
        "credit memo CM-2026-1003 (INV-2026-2001, 190.40): no ERP credit memo document",
        f"refund {number} of 900.00: paid by 0 bank transfer(s), expected one"]
    assert compare_disputes(erp, portal, None, paid) == [
        "credit memo CM-2026-1003 (INV-2026-2001, 190.40): no ERP credit memo document"]


def _desk_post(desk: httpx.Client, page: str, action: str, **fields: str) -> httpx.Response:
    """Post a claims-desk form as a person does: with the page's form token."""
    token = re.search(r'name="csrf" value="([^"]+)"', desk.get(page).text)
    assert token, page
    return desk.post(action, data={"csrf": token[1], **fields})


def test_claims_desk_state_names_each_problem(portal_url: str) -> None:
    """Claims received and registered through the real claims desk: two disputes under
    one case, one claim left new, a mail dispute not registered, a credit memo requested
    above the disputed amount."""
    with httpx.Client(base_url=portal_url, timeout=10) as desk:
        desk.post("/_sandbox/reset").raise_for_status()
        assert compare_disputes({}, _truth(portal_url), None) == []  # nothing done yet
        signed = desk.post("/claims/login", data={
            "username": CREDENTIALS.disputes_username,
            "password": CREDENTIALS.disputes_portal_password})
        assert signed.status_code in (302, 303), signed.text
        ids = {c["seed_key"]: c["id"] for c in _truth(portal_url)["claims"]}
        for key, case in (("D01", "CASE-A"), ("D03", "CASE-C"), ("D04", "CASE-A"),
                          ("D05", "CASE-E")):
            page = f"/claims/desk/{ids[key]}"
            done = _desk_post(desk, page, f"{page}/receive", case_ref=case)
            assert done.status_code in (200, 303), done.text
        for c in claims("mail"):  # the disputes that came only by mail, but D10's
            if c.duplicate_of or c.key == "D10":
                continue
            done = _desk_post(desk, "/claims/desk/register", "/claims/desk/register",
                              invoice=c.invoice_number, amount=str(c.amount), text=c.text,
                              channel="mail", case_ref=f"CASE-{c.key}")
            assert done.status_code in (200, 303), done.text
        asked = _desk_post(desk, "/claims/credit-memos/new?invoice=INV-2026-2001",
                           "/claims/credit-memos/new", invoice="INV-2026-2001",
                           amount="250.00", reason="Contract price", reference="CASE-A-CM",
                           claim=ids["D01"])
        assert asked.status_code in (200, 303), asked.text
        portal = _truth(portal_url)
        desk.post("/_sandbox/reset").raise_for_status()
    (request,) = portal["credit_memo_requests"]
    problems = compare_disputes({}, portal, None)
    assert problems == [
        f"claim D02 ({ids['D02']}, INV-2026-2002): new, expected received under a case",
        "claims D10 (INV-2026-2008, by mail): not registered on the claims desk, expected "
        "one claim under their case",
        "case CASE-A joins claims D01 and D04, which are different disputes",
        f"credit memo request {request['id']} (INV-2026-2001, 250.00): above the disputed "
        "amount 190.40"], problems
