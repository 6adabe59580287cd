"""The service-desk sandbox over HTTP: sign-in, accounts and their finance fields, notes
with external references, tickets, the refusal knobs, and the ground truth."""

from __future__ import annotations

import re

import httpx
import pytest
from crmharness import Desk
from typer.testing import CliRunner

from sandbox.cli import app as sandbox_cli
from sandbox.crm.users import AGENT_PASSWORD, AGENT_USER


def _error(page: str) -> str:
    found = re.search(r'class="error"[^>]*>([^<]*)<', page)
    return found.group(1) if found else ""


def _finance_form(**changes: str) -> dict[str, str]:
    form = {"id": "C1006", "standing": "good", "open_balance": "3486.20",
            "last_payment_date": "", "last_payment_amount": "", "credit_hold": "no",
            "refund_pending": "", "finance_case": "", "finance_status": ""}
    return {**form, **changes}


@pytest.fixture(autouse=True)
def _fresh(desk: Desk) -> None:
    desk.reset()


def test_sign_in_is_required_and_a_wrong_password_refused(desk: Desk) -> None:
    anonymous = httpx.get(f"{desk.url}/crm/accounts", follow_redirects=True, timeout=30)
    assert "/crm/login" in str(anonymous.url) and "Please sign in." in anonymous.text
    wrong = desk.client(AGENT_USER, "guess")
    page = wrong.get("/crm/accounts")
    assert "/crm/login" in str(page.url)
    agent = desk.client(AGENT_USER, AGENT_PASSWORD)
    assert "Fjord Marine AS" in agent.get("/crm/accounts?q=fjord").text


def test_accounts_are_the_erp_customers_with_their_open_balance(desk: Desk) -> None:
    accounts = {a["customer_id"]: a for a in desk.truth()["accounts"]}
    assert {"C1001", "C1006", "C2005", "C3001"} <= set(accounts)
    fjord = accounts["C1006"]  # INV-2026-1010, -1011 and the older INV-2026-1113
    assert (fjord["name"], fjord["open_balance"], fjord["standing"]) == (
        "Fjord Marine AS", "5486.20", "overdue")
    assert accounts["C2005"]["standing"] == "in dispute"
    assert accounts["C2005"]["open_disputes"] == 1
    page = desk.client().get("/crm/accounts", params={"q": "Granite"}).text
    assert "C1007" in page and "C1006" not in page


def test_finance_fields_and_their_note_are_saved_together(desk: Desk) -> None:
    client = desk.client()
    saved = client.post("/crm/account/edit", data=_finance_form(
        last_payment_date="2026-11-20", last_payment_amount="2000.00",
        finance_status="paid", note="Payment of 2,000.00 applied <b>today</b>",
        note_ref="payment_applied:NWB1"))
    assert saved.status_code == 200 and "Finance fields saved" in saved.text
    assert "&lt;b&gt;today&lt;/b&gt;" in saved.text  # shown as text, not markup
    account = desk.account("C1006")
    assert (account["standing"], account["last_payment_amount"], account["finance_status"]) \
        == ("good", "2000.00", "paid")
    assert [n["external_ref"] for n in account["notes"]] == ["payment_applied:NWB1"]
    assert {e["field"] for e in account["log"]} >= {"standing", "open_balance",
                                                    "last_payment_amount"}
    again = client.post("/crm/account/edit", data=_finance_form(
        standing="overdue", note="again", note_ref="payment_applied:NWB1"))
    assert again.status_code == 409
    assert "external reference payment_applied:NWB1 exists already" in _error(again.text)
    assert desk.account("C1006")["standing"] == "good", "neither the fields nor the note"


@pytest.mark.parametrize(("field", "value", "said"), [
    ("open_balance", "12,5x", "Field open_balance"),
    ("last_payment_date", "20.11.2026", "Field last_payment_date"),
    ("standing", "excellent", "Field standing"),
    ("refund_pending", "1.005", "Field refund_pending"),
])
def test_a_wrong_field_is_refused_by_name(desk: Desk, field: str, value: str,
                                          said: str) -> None:
    answer = desk.client().post("/crm/account/edit", data=_finance_form(**{field: value}))
    assert answer.status_code == 409 and _error(answer.text).startswith(said)


def test_tickets_open_take_comments_and_close(desk: Desk) -> None:
    client = desk.client(AGENT_USER, AGENT_PASSWORD)
    opened = client.post("/crm/ticket/open", data={
        "id": "C1003", "category": "dispute", "subject": "Dispute INV-2026-1004",
        "comment": "Customer says 50 units short", "external_ref": "dispute:D-1"})
    number = re.search(r'id="ticketNumber">(\d+)<', opened.text)
    assert number is not None and "Ticket" in opened.text
    ticket_id = number.group(1)
    twice = client.post("/crm/ticket/open", data={
        "id": "C1003", "category": "dispute", "subject": "again", "external_ref": "dispute:D-1"})
    assert "exists already" in _error(twice.text)
    client.post("/crm/ticket/comment", data={"id": ticket_id, "text": "Credit note asked"})
    closed = client.post("/crm/ticket/comment", data={"id": ticket_id, "text": "Settled",
                                                      "action": "close"})
    assert f"Ticket {ticket_id} closed." in closed.text
    [ticket] = [t for t in desk.truth()["tickets"] if str(t["id"]) == ticket_id]
    assert ticket["status"] == "closed" and ticket["closed_by"] == AGENT_USER
    assert [c["text"] for c in ticket["comments"]] == [
        "Customer says 50 units short", "Credit note asked", "Settled"]
    listed = client.get("/crm/tickets", params={"status": "closed"}).text
    assert "Dispute INV-2026-1004" in listed


def test_a_locked_account_refuses_every_change(desk: Desk) -> None:
    assert desk.faults(locked_accounts="c1006")["locked_accounts"] == ["C1006"]
    client = desk.client()
    page = client.get("/crm/account", params={"id": "C1006"}).text
    assert 'id="lockBanner"' in page
    for answer in (
        client.post("/crm/account/edit", data=_finance_form(note="x", note_ref="r:1")),
        client.post("/crm/account/note", data={"id": "C1006", "text": "hello"}),
        client.post("/crm/ticket/open", data={"id": "C1006", "category": "billing",
                                              "subject": "copies"}),
    ):
        assert answer.status_code == 409
        assert _error(answer.text).startswith("Account is locked by another user")
    assert desk.account("C1006")["notes"] == []
    other = client.post("/crm/account/note", data={"id": "C1001", "text": "fine"})
    assert other.status_code == 200 and desk.account("C1001")["notes"][0]["text"] == "fine"
    desk.faults(clear=True)
    assert client.post("/crm/account/note", data={"id": "C1006", "text": "ok"}).status_code \
        == 200


def test_the_note_limit_knob_refuses_longer_notes_naming_the_limit(desk: Desk) -> None:
    desk.faults(max_note_chars=20)
    answer = desk.client().post("/crm/account/note", data={"id": "C1002",
                                                           "text": "x" * 21})
    assert "at most 20 characters (this one has 21)" in _error(answer.text)
    bad = httpx.post(f"{desk.url}/_sandbox/faults", json={"locked_accounts": ["1006"]},
                     timeout=30)
    assert bad.status_code == 400 and "locked_accounts" in bad.json()["error"]


def test_the_sandbox_cli_sets_the_desk_knobs(desk: Desk) -> None:
    result = CliRunner().invoke(sandbox_cli, ["faults", "--app", "crm", "--crm-locked",
                                              "C2001,C2002", "--crm-note-limit", "50"],
                                env={"FINBOTS_SERVICE_DESK_URL": desk.url})
    assert result.exit_code == 0, result.output
    knobs = desk.faults()
    assert knobs["locked_accounts"] == ["C2001", "C2002"] and knobs["max_note_chars"] == 50
