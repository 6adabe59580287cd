"""The inbox API and pages on the real app (TestClient, bearer tokens, a temporary store)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from caseseed import candidate, post_item, seed_case
from fastapi.testclient import TestClient
from sqlalchemy import insert, update

from orchestrator.app import create_app
from orchestrator.auth import service as accounts
from orchestrator.store import Store
from orchestrator.store.case_query import CaseFilter
from orchestrator.store.models import ExceptionCase
from orchestrator.store.types import utcnow

PEOPLE = {"ana": ["finance_reviewer", "approver"], "bea": ["finance_reviewer"],
          "vera": ["approver"], "sam": ["support"]}


class Inbox:
    def __init__(self, tmp: Path) -> None:
        self.store = Store(f"sqlite:///{tmp / 'finbots.db'}")
        self.store.approval_threshold = Decimal("100.00")
        self.runs = tmp / "runs"
        self.app = create_app(self.store)
        self.app.state.runs_dir = self.runs
        self.clients: dict[str, TestClient] = {}
        for name, roles in PEOPLE.items():
            accounts.add_user(self.store, name, "Pw-for-tests-123!", roles)
            _, token = accounts.create_token(self.store, name, roles, owner=name)
            self.clients[name] = TestClient(
                self.app, headers={"Authorization": f"Bearer {token}"})

    def __call__(self, name: str) -> TestClient:
        return self.clients[name]


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Inbox]:
    box = Inbox(tmp_path_factory.mktemp("inbox"))
    yield box
    box.store.close()


def _age(store: Store, case_id: int, days: float, sla_days: float = 2) -> None:
    created = utcnow() - dt.timedelta(days=days)
    with store._tx(write=True) as s:
        s.exec(update(ExceptionCase).where(ExceptionCase.id == case_id).values(  # type: ignore[call-overload]
            created_at=created, sla_due_at=created + dt.timedelta(days=sla_days)))


def test_filters_aging_sorting_and_paging(inbox: Inbox) -> None:
    store, run = inbox.store, inbox.store.start_run("filters-bot", {}, "h", 1).id
    a = seed_case(store, reason="UNMATCHED", amount="50.00", run_id=run)
    b = seed_case(store, reason="UNMATCHED", amount="700.00", run_id=run)
    c = seed_case(store, reason="SHORT_PAYMENT", amount="4750.00", run_id=run)
    _age(store, a.id, 0.5, sla_days=3)
    _age(store, b.id, 3, sla_days=2)  # past SLA
    _age(store, c.id, 9, sla_days=10)
    inbox("bea").post(f"/api/v1/cases/{b.id}/claim").raise_for_status()
    ana = inbox("ana")

    def ids(**params: Any) -> list[int]:
        r = ana.get("/api/v1/cases", params={"bot": "filters-bot", **params})
        assert r.status_code == 200, r.text
        return [x["id"] for x in r.json()["cases"]]

    assert ids(reason="UNMATCHED") == [b.id, a.id]  # by SLA due date, soonest first
    assert ids(sort="-amount") == [c.id, b.id, a.id]
    assert ids(amount_min="100", amount_max="1000") == [b.id]
    assert ids(owner="unassigned", sort="id") == [a.id, c.id]
    assert inbox("bea").get("/api/v1/cases", params={"owner": "mine", "bot": "filters-bot"}
                            ).json()["total"] == 1
    assert ids(age="2-3") == [b.id] and ids(age="over-7") == [c.id]
    assert ids(breached="1") == [b.id]
    assert ids(q=a.reference.lower()) == [a.id]
    page = ana.get("/api/v1/cases", params={"bot": "filters-bot", "limit": 2, "offset": 2,
                                            "sort": "id", "facets": "true"}).json()
    assert [x["id"] for x in page["cases"]] == [c.id] and page["total"] == 3
    assert page["facets"]["reasons"] == {"SHORT_PAYMENT": 1, "UNMATCHED": 2}
    assert page["facets"]["aging"] == {"0-1": 1, "2-3": 1, "4-7": 0, "over-7": 1}
    assert page["facets"]["breached"] == 1
    got = ana.get(f"/api/v1/cases/{b.id}").json()
    assert got["sla_breached"] is True and got["age_days"] == 3 and got["owner"] == "bea"
    assert ana.get("/api/v1/cases", params={"age": "9-10"}).status_code == 422
    assert ana.get("/api/v1/cases", params={"sort": "password"}).status_code == 422
    assert ana.get("/api/v1/cases", params={"amount_min": "1e9"}).status_code == 422


def test_self_approval_is_refused_and_a_second_approver_executes(inbox: Inbox) -> None:
    case = seed_case(inbox.store, reason="SHORT_PAYMENT", amount="4750.00",
                     candidates=[candidate("INV-2026-1012", "5000.00", "C1008")])
    ana, vera = inbox("ana"), inbox("vera")
    r = ana.post(f"/api/v1/cases/{case.id}/resolutions/write_off",
                 json={"amount": "250.00", "reason": "DEDUCTION",
                       "dispute_reason": "damaged goods"})
    assert r.status_code == 200, r.text
    approval = r.json()["approval"]
    assert approval["kind"] == "write_off" and r.json()["case"]["status"] == "awaiting_approval"

    own = ana.post(f"/api/v1/approvals/{approval['id']}/decide", json={"approve": True})
    assert own.status_code == 403
    assert "cannot approve it" in own.json()["detail"]
    assert inbox("bea").post(f"/api/v1/approvals/{approval['id']}/decide",
                             json={"approve": True}).status_code == 403  # not an approver
    listed = vera.get("/api/v1/approvals").json()
    assert approval["id"] in [a["id"] for a in listed]

    ok = vera.post(f"/api/v1/approvals/{approval['id']}/decide",
                   json={"approve": True, "note": "agreed"})
    assert ok.status_code == 200 and ok.json()["status"] == "approved"
    detail = ana.get(f"/api/v1/cases/{case.id}").json()
    assert detail["status"] == "awaiting_posting"  # the bot books it in the ERP
    assert detail["resolution"]["approved_by"] == "vera"
    assert [e["kind"] for e in detail["events"]][-3:] == [
        "approval_requested", "approval_decided", "action"]


def test_apply_through_the_api_and_illegal_moves(inbox: Inbox) -> None:
    inbox.store.approval_threshold = Decimal("10000.00")
    try:
        case = seed_case(inbox.store)
        bea = inbox("bea")
        bad = bea.post(f"/api/v1/cases/{case.id}/resolutions/apply", json={"allocations": [
            {"invoice_number": "INV-2026-1010", "amount": "2500.00"}]})
        assert bad.status_code == 422 and "more than" in bad.json()["detail"]
        r = bea.post(f"/api/v1/cases/{case.id}/resolutions/apply", json={"allocations": [
            {"invoice_number": "INV-2026-1010", "amount": "2000.00"}]})
        assert r.status_code == 200, r.text
        assert r.json()["case"]["status"] == "awaiting_posting" and r.json()["work_item_id"]
        item = inbox.store.get_item(r.json()["work_item_id"])
        assert item.payload["allocations"][0]["amount"] == "2000.00"
        again = bea.post(f"/api/v1/cases/{case.id}/claim")
        assert again.status_code == 409 and "illegal transition" in again.json()["detail"]
        assert bea.post(f"/api/v1/cases/{case.id}/release").status_code == 409
        assert inbox("sam").post(f"/api/v1/cases/{case.id}/claim").status_code == 403
        assert inbox("sam").get(f"/api/v1/cases/{case.id}").status_code == 200
        assert bea.post("/api/v1/cases/999999/claim").status_code == 404
    finally:
        inbox.store.approval_threshold = Decimal("100.00")


def test_bulk_assign_and_release(inbox: Inbox) -> None:
    cases = [seed_case(inbox.store, reason="UNMATCHED") for _ in range(3)]
    ids = [c.id for c in cases]
    r = inbox("ana").post("/api/v1/cases/bulk",
                          json={"action": "assign", "case_ids": ids, "assignee": "bea"})
    assert r.json() == {"done": ids, "failed": {}}
    r = inbox("ana").post("/api/v1/cases/bulk",
                          json={"action": "assign", "case_ids": ids[:1], "assignee": "sam"})
    assert "may not work cases" in r.json()["failed"][str(ids[0])]
    r = inbox("bea").post("/api/v1/cases/bulk", json={"action": "release", "case_ids": ids})
    assert r.json()["done"] == ids
    assert {inbox.store.get_case(i).owner for i in ids} == {None}
    retry = inbox("bea").post("/api/v1/cases/bulk", json={"action": "retry", "case_ids": ids})
    assert retry.json()["done"] == [] and len(retry.json()["failed"]) == 3


def test_evidence_is_served_only_from_the_runs_folder(inbox: Inbox) -> None:
    case = seed_case(inbox.store)
    shot = inbox.runs / str(case.run_id) / "screenshots" / "0001-failed-transaction.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    shot.write_bytes(b"\x89PNG\r\n\x1a\n")
    outside = inbox.runs.parent / "secret.txt"
    outside.write_text("not for you")
    with inbox.store._tx(write=True) as s:
        s.exec(update(ExceptionCase).where(ExceptionCase.id == case.id).values(  # type: ignore[call-overload]
            evidence=[*case.evidence, "../../secret.txt", str(outside)]))
    sam = inbox("sam")
    assert sam.get(f"/cases/{case.id}/evidence/0").content.startswith(b"\x89PNG")
    assert sam.get(f"/cases/{case.id}/evidence/1").status_code == 404
    assert sam.get(f"/cases/{case.id}/evidence/2").status_code == 404
    assert sam.get(f"/cases/{case.id}/evidence/3").status_code == 404
    detail = sam.get(f"/api/v1/cases/{case.id}").json()
    assert detail["evidence"][0]["run_url"] == (
        f"/runs/{case.run_id}/artifacts/screenshots/0001-failed-transaction.png")
    assert [e["url"] for e in detail["evidence"][1:]] == [None, None]


def test_pages_render_filter_and_act(inbox: Inbox) -> None:
    case = seed_case(inbox.store, reason="OVERPAYMENT", amount="880.00",
                     payer="Borealis Foods Ltd", customer="C1002")
    bea = inbox("bea")
    page = bea.get("/inbox")
    assert page.status_code == 200 and "Exception inbox" in page.text
    rows = bea.get("/inbox/rows", params={"reason": "OVERPAYMENT"})
    assert f'data-case="{case.id}"' in rows.text and "Borealis Foods Ltd" in rows.text
    assert rows.headers["HX-Push-Url"] == "/inbox?reason=OVERPAYMENT"
    assert 'data-case=' not in bea.get("/inbox/rows", params={"reason": "NOPE"}).text
    assert int(bea.get("/inbox/count").text) >= 1
    detail = bea.get(f"/cases/{case.id}")
    assert "Borealis Foods Ltd" in detail.text and "Leave on account" in detail.text
    r = bea.post(f"/cases/{case.id}/resolve/on_account", data={"note": "customer keeps credit"},
                 follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/cases/{case.id}?done=approval"
    assert inbox.store.get_case(case.id).status == "awaiting_approval"  # 880.00 on account
    refused = bea.post(f"/cases/{case.id}/claim")
    assert refused.status_code == 409 and "not possible now" in refused.text
    bulk = bea.post("/inbox/bulk", data={"action": "claim", "case_id": [str(case.id)],
                                         "status": "all"})
    assert "1 refused" in bulk.text
    assert inbox("sam").get("/approvals").status_code == 200


def test_ten_thousand_cases_stay_fast(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'big.db'}")
    now = utcnow()
    reasons = ["UNMATCHED", "AMBIGUOUS", "SHORT_PAYMENT", "DUPLICATE", "OVERPAYMENT"]
    rows = [{"reference": f"BIG-{n:06d}", "reason_code": reasons[n % 5],
             "status": ["open", "in_progress", "resolved"][n % 3], "summary": f"case {n}",
             "data": {}, "candidates": [], "evidence": [], "amount": f"{n % 5000}.25",
             "customer_id": f"C{n % 300}", "owner": None if n % 4 else "ana",
             "bot": "payment-posting", "created_at": now - dt.timedelta(hours=n % 400),
             "sla_due_at": now + dt.timedelta(hours=48 - n % 400)} for n in range(10_000)]
    with store._tx(write=True) as s:
        s.execute(insert(ExceptionCase), rows)
    started = time.perf_counter()
    flt = CaseFilter(reason="UNMATCHED", amount_min=Decimal("100"), owner="unassigned")
    page = store.search_cases(flt, sort="-amount", offset=500, limit=50)
    facets = store.case_facets(flt)
    counts = store.inbox_counts("ana")
    elapsed = time.perf_counter() - started
    assert page.total == facets["total"] > 500 and len(page.cases) == 50
    assert [c.amount for c in page.cases] == sorted((c.amount for c in page.cases),
                                                    reverse=True)
    assert counts.pending == sum(1 for r in rows if r["status"] != "resolved")
    assert elapsed < 1.5, f"inbox queries took {elapsed:.2f}s on 10,000 cases"
    store.close()


def test_the_detail_carries_the_bots_case_type(inbox: Inbox) -> None:
    case = seed_case(inbox.store, reason="SHORT_PAYMENT", amount="4750.00")
    detail = inbox("bea").get(f"/api/v1/cases/{case.id}").json()
    assert detail["case_type"] == {
        "reason": "SHORT_PAYMENT", "declared": True, "title": "Paid less than the invoice",
        "description": "The customer paid less than the invoice is open for: a deduction, a "
        "discount taken after its date, or bank charges."}
    assert [g["title"] for g in detail["facts"]] == ["Bank line", "What the bot used"]
    line = {f["label"]: f["value"] for f in detail["facts"][0]["facts"]}
    assert line["Payer"] == "Fjord Marine AS" and line["Amount"] == "4750.00"
    assert detail["headline"] == "Fjord Marine AS" and detail["currency"] == "EUR"
    assert detail["actions"] == ["apply", "write_off", "on_account"]
    apply = detail["resolutions"][0]
    assert (apply["label"], apply["approval"], apply["carried_out"]) == (
        "Apply to invoices", "manual_posting", True)
    assert [(f["name"], f["kind"], f["default"]) for f in apply["fields"]] == [
        ("allocations", "allocations", ""), ("customer_id", "text", "C1006"),
        ("rest", "choice", ""), ("reason", "choice", ""), ("dispute_reason", "text", ""),
        ("payee_name", "text", "Fjord Marine AS"), ("payee_iban", "text", "NO9386011117947"),
        ("note", "text", "")]
    bea = inbox("bea")
    unknown = bea.post(f"/api/v1/cases/{case.id}/resolutions/write_off",
                       json={"amount": "5.00", "sneaky": "1"})
    assert unknown.status_code == 422 and "no field 'sneaky'" in unknown.json()["detail"]
    unfit = bea.post(f"/api/v1/cases/{case.id}/resolutions/refund", json={})
    assert unfit.status_code == 422 and "does not fit" in unfit.json()["detail"]
    assert bea.post(f"/api/v1/cases/{case.id}/resolutions/write_off",
                    json={"amount": "-1"}).status_code == 422
    assert inbox.store.get_case(case.id).status == "open"


def test_a_bot_of_another_domain_gets_its_own_form_and_its_bot_carries_it_out(
        inbox: Inbox) -> None:
    case = seed_case(inbox.store, reason="OVERPAID", amount="880.00", bot="ledgerbot:BOT")
    bea = inbox("bea")
    page = bea.get(f"/cases/{case.id}")
    assert page.status_code == 200
    assert "Bank line" not in page.text and "Apply to invoices" not in page.text
    assert "Refund the difference" in page.text and "Keep as credit" in page.text
    assert f'action="/cases/{case.id}/resolve/refund_difference"' in page.text
    assert '<option value="card"' in page.text and ">Ledger<" in page.text
    assert "This case's amount is above 100.00: a second person (approver) must approve" \
        in page.text

    refused = bea.post(f"/cases/{case.id}/resolve/refund_difference",
                       data={"amount": "80.00", "channel": "cheque"})
    assert refused.status_code == 422 and "Paid back by: choose one of" in refused.text
    r = bea.post(f"/cases/{case.id}/resolve/refund_difference",
                 data={"amount": "80.00", "channel": "card", "why": "paid twice"},
                 follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/cases/{case.id}?done=queued"
    done = inbox.store.get_case(case.id)
    assert done.status == "awaiting_posting"
    item = inbox.store.get_item(done.resolution_item_id)
    assert item.state == "new" and item.payload["resolves_case"] == case.id
    assert item.payload["resolution"] == {
        "name": "refund_difference", "case_id": case.id, "by": "bea", "approved_by": None,
        "values": {"amount": "80.00", "channel": "card", "why": "paid twice"}}
    assert item.payload["entry"]["amount"] == "880.00"  # the item's own payload travels along
    post_item(inbox.store, item.id, confirmation="LEDGER-42")
    assert inbox.store.get_case(case.id).status == "resolved"


def test_an_unloadable_bot_shows_its_data_and_offers_retry(inbox: Inbox) -> None:
    case = seed_case(inbox.store, reason="ERP_TIMEOUT", kind="application",
                     bot="no_such_module_anywhere:BOT")
    page = inbox("bea").get(f"/cases/{case.id}")
    assert page.status_code == 200 and "Case data" in page.text
    assert f'action="/cases/{case.id}/resolve/retry"' in page.text
    detail = inbox("bea").get(f"/api/v1/cases/{case.id}").json()
    assert detail["case_type"]["declared"] is False and detail["actions"] == ["retry"]
    r = inbox("bea").post(f"/api/v1/cases/{case.id}/resolutions/retry", json={})
    assert r.status_code == 200 and r.json()["case"]["status"] == "awaiting_posting"
