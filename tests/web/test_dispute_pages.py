"""The dispute pages and API on the store the disputes bot writes to: dispute cases with
reason, owner team, SLA (overdue marked), status and amounts (filters, exact totals, pages,
paging bounds); the classifier's acceptance per reason and the suggestions people changed;
disputes.read needed; every read audited."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from orchestrator.app import create_app
from orchestrator.auth import service as accounts
from orchestrator.store import Store

PEOPLE = {"fiona": ["finance_reviewer"], "cs-sam": ["customer_service"],
          "otto": ["operator"], "dev-dana": ["developer"]}
NOW = dt.datetime.now(dt.UTC)


def _dispute(ref: str, customer: str, invoice: str, reason: str, label: str, owner: str,
             sla_due: dt.datetime, disputed: str, *, status: str = "open",
             currency: str = "EUR", needs_person: bool = False) -> dict[str, Any]:
    return {"case_ref": ref, "customer_id": customer, "customer_name": f"{customer} GmbH",
            "invoice_number": invoice, "currency": currency,
            "claims": [{"ref": f"portal:{ref}", "channel": "portal",
                        "received_at": NOW.isoformat(), "amount": disputed, "text": "...",
                        "attachment": ""}],
            "reason_code": reason, "reason_label": label, "owner_team": owner,
            "sla_due": sla_due.isoformat(),
            "suggestion": {"code": reason, "confidence": "0.91", "words": ["price"],
                           "needs_person": needs_person},
            "classified_by": "model",
            "amounts": {"invoice": "5000.00", "disputed": disputed, "credited": "0.00",
                        "paid": "0.00", "written_off": "0.00", "rejected": "0.00"},
            "status": status, "portal_claim_ids": [], "credit_memos": [], "evidence": {}}


# (case ref, customer, invoice, reason, label, owner, SLA due, disputed, extra)
SEEDS = [
    ("DSP-1", "C1001", "INV-2026-2001", "PRICING", "Pricing discrepancy", "sales",
     NOW + dt.timedelta(hours=30), "190.40", {}),
    ("DSP-2", "C1004", "INV-2026-2002", "QUANTITY", "Quantity or short shipment",
     "operations", NOW - dt.timedelta(hours=5), "1249.98", {}),  # overdue
    ("DSP-3", "C1002", "INV-2026-2004", "DUPLICATE_BILLING", "Duplicate billing", "finance",
     NOW - dt.timedelta(hours=50), "510.00", {}),  # past due but decided (outcome: credited)
    ("DSP-4", "C1005", "INV-2026-2007", "OTHER", "Other or unclear", "finance",
     NOW + dt.timedelta(hours=100), "535.50", {"needs_person": True}),
    ("DSP-5", "C1009", "INV-2026-2010", "TAX", "Tax charged in error", "finance",
     NOW + dt.timedelta(hours=40), "100.10", {"currency": "USD"}),
]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, dict[str, Any],
                                                                      dict[str, int]]]:
    tmp: Path = tmp_path_factory.mktemp("disputes")
    store = Store(f"sqlite:///{tmp / 'finbots.db'}")
    ids: dict[str, int] = {}
    for ref, customer, invoice, reason, label, owner, due, disputed, extra in SEEDS:
        dispute = _dispute(ref, customer, invoice, reason, label, owner, due, disputed,
                           **extra)
        case = store.open_case(None, None, ref, "DISPUTE", f"{customer} disputes {invoice}",
                               data={"dispute": dispute, "case_ref": ref},
                               amount=Decimal(disputed), customer_id=customer,
                               sla_hours=(due - NOW).total_seconds() / 3600)
        ids[ref] = case.id or 0
    store.open_case(None, None, "OTHER-1", "UNMATCHED", "not a dispute", data={},
                    amount=Decimal("99.00"))
    # DSP-3 decided since: a credit memo of 510.00 issued, the customer paid the rest
    store.put_record("disputes", "dispute_outcome", "DSP-3", {
        "case_id": ids["DSP-3"], "case_ref": "DSP-3", "customer_id": "C1002",
        "invoice_number": "INV-2026-2004", "currency": "EUR", "reason_code":
        "DUPLICATE_BILLING", "owner_team": "finance", "sla_due": SEEDS[2][6].isoformat(),
        "status": "credited",
        # the portal claim it opened with, and a mail that joined it later
        "claims": [{"ref": "portal:DSP-3", "address": "ap@c1002.example"},
                   {"ref": "mail:<dsp-3-again@c1002.example>", "address": "ap@c1002.example"}],
        "amounts": {"invoice": "510.00", "disputed": "510.00",
                                          "credited": "510.00", "paid": "0.00",
                                          "written_off": "0.00", "rejected": "0.00"}},
        customer_id="C1002")
    # DSP-1 partly written off and partly paid
    store.put_record("disputes", "dispute_outcome", "DSP-1", {
        "case_id": ids["DSP-1"], "case_ref": "DSP-1", "status": "written_off",
        "amounts": {"disputed": "190.40", "credited": "0.00", "paid": "4809.60",
                    "written_off": "190.40"}}, customer_id="C1001")
    classifications = [
        ("DSP-1/1", ids["DSP-1"], "PRICING", "0.91", "PRICING", True, "model"),
        ("DSP-2/2", ids["DSP-2"], "QUANTITY", "0.62", "QUANTITY", True, "fiona"),
        ("DSP-3/3", ids["DSP-3"], "PRICING", "0.48", "DUPLICATE_BILLING", False, "fiona"),
        ("DSP-4/4", ids["DSP-4"], "OTHER", "0.32", "OTHER", True, "marta"),
        ("DSP-5/5", ids["DSP-5"], "PRICING", "0.51", "TAX", False, "marta"),
        ("DSP-6/6", ids["DSP-1"], "PRICING", "0.53", "PRICING", True, "fiona"),
    ]
    for key, case_id, suggested, confidence, chosen, accepted, by in classifications:
        store.put_record("disputes", "dispute_classification", key, {
            "case_id": case_id, "claim_ref": f"portal:{key}", "suggested": suggested,
            "confidence": confidence, "chosen": chosen, "accepted": accepted, "by": by,
            "at": NOW.isoformat()})
    app = create_app(store)
    clients = {}
    for name, roles in PEOPLE.items():
        accounts.add_user(store, name, "Pw-for-dispute-tests-1!", roles)
        _, token = accounts.create_token(store, name, roles, owner=name)
        clients[name] = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    yield store, clients, ids
    store.close()


def _page_rows(text: str) -> list[str]:
    return [part.split('"', 1)[0] for part in text.split('data-case="')[1:]]


def test_api_lists_disputes_with_outcome_amounts_sla_and_exact_totals(world: Any) -> None:
    _, people, ids = world
    body = people["fiona"].get("/api/v1/disputes").json()
    assert body["total"] == 5 and body["overdue"] == 1
    by_ref = {d["case_ref"]: d for d in body["disputes"]}
    assert set(by_ref) == {"DSP-1", "DSP-2", "DSP-3", "DSP-4", "DSP-5"}  # DISPUTE cases only
    assert by_ref["DSP-2"]["overdue"] is True and by_ref["DSP-2"]["owner_team"] == "operations"
    assert by_ref["DSP-3"]["overdue"] is False  # past its SLA but decided
    assert by_ref["DSP-3"]["status"] == "credited" and by_ref["DSP-3"]["credited"] == "510.00"
    assert by_ref["DSP-1"]["written_off"] == "190.40" and by_ref["DSP-1"]["paid"] == "4809.60"
    assert by_ref["DSP-4"]["needs_person"] is True
    assert by_ref["DSP-3"]["claims"] == 2 and by_ref["DSP-2"]["claims"] == 1  # joined counted
    assert by_ref["DSP-1"]["case_id"] == ids["DSP-1"]
    assert by_ref["DSP-1"]["customer_name"] == "C1001 GmbH"
    # undecided first, the one due first leading
    assert [d["case_ref"] for d in body["disputes"]][:3] == ["DSP-2", "DSP-5", "DSP-4"]
    totals = {t["currency"]: t for t in body["totals"]}
    eur = [s for s in SEEDS if s[8].get("currency", "EUR") == "EUR"]
    assert Decimal(totals["EUR"]["disputed"]) == sum(Decimal(s[7]) for s in eur)
    assert totals["EUR"]["disputed"] == "2485.88" and totals["EUR"]["disputes"] == 4
    assert totals["EUR"]["credited"] == "510.00" and totals["EUR"]["paid"] == "4809.60"
    assert totals["USD"] == {"currency": "USD", "disputes": 1, "disputed": "100.10",
                             "credited": "0.00", "paid": "0.00", "written_off": "0.00"}


def test_filters_by_owner_team_reason_and_status(world: Any) -> None:
    _, people, _ = world
    api = people["fiona"]

    def refs(**params: str) -> list[str]:
        return sorted(d["case_ref"] for d in api.get("/api/v1/disputes",
                                                     params=params).json()["disputes"])

    assert refs(owner_team="finance") == ["DSP-3", "DSP-4", "DSP-5"]
    assert refs(reason="QUANTITY") == ["DSP-2"]
    assert refs(status="credited") == ["DSP-3"]
    assert refs(owner_team="finance", status="open") == ["DSP-4", "DSP-5"]
    finance = api.get("/api/v1/disputes", params={"owner_team": "finance"}).json()
    assert {t["currency"]: t["disputed"] for t in finance["totals"]} == {"EUR": "1045.50",
                                                                        "USD": "100.10"}
    wrong = api.get("/api/v1/disputes", params={"owner_team": "legal"})
    assert wrong.status_code == 422 and "owner_team must be one of" in wrong.text
    assert api.get("/disputes", params={"status": "lost"}).status_code == 400


def test_page_marks_overdue_and_shows_totals(world: Any) -> None:
    _, people, ids = world
    page = people["fiona"].get("/disputes")
    assert page.status_code == 200
    text = page.text
    assert f'data-case="{ids["DSP-2"]}"' in text
    row = text.split(f'data-case="{ids["DSP-2"]}"')[1].split("</tr>")[0]
    assert "overdue" in row and "1,249.98 EUR" in row and "operations" in row
    row3 = text.split(f'data-case="{ids["DSP-3"]}"')[1].split("</tr>")[0]
    assert "overdue" not in row3 and "credited" in row3
    footer = text.split("<tfoot>")[1]
    assert "2,485.88 EUR" in footer and "4,809.60 EUR" in footer and "100.10 USD" in footer
    assert f'href="/cases/{ids["DSP-2"]}"' in text  # a finance reviewer opens cases
    assert "1 past the SLA undecided" in html.unescape(text)
    nav = people["fiona"].get("/runs").text.split('aria-label="Main"')[1].split("</nav>")[0]
    assert 'href="/disputes"' in nav


def test_pages_of_the_list_and_paging_bounds(world: Any) -> None:
    _, people, _ = world
    api = people["fiona"]
    first = api.get("/api/v1/disputes", params={"limit": 2}).json()
    second = api.get("/api/v1/disputes", params={"limit": 2, "offset": 2}).json()
    last = api.get("/api/v1/disputes", params={"limit": 2, "offset": 4}).json()
    seen = [d["case_ref"] for p in (first, second, last) for d in p["disputes"]]
    assert len(seen) == 5 and len(set(seen)) == 5
    assert first["totals"] == last["totals"]  # totals of every page, on each page
    assert api.get("/api/v1/disputes", params={"offset": 10**9}).json()["disputes"] == []
    page = api.get("/disputes", params={"limit": 2, "offset": 2})
    assert page.status_code == 200 and len(_page_rows(page.text.split("<tfoot>")[0])) == 2
    assert 'rel="next"' in page.text and 'rel="prev"' in page.text
    for url in ("/api/v1/disputes", "/disputes"):
        for name in ("offset", "limit"):
            for value in ("9223372036854775808", "-1", "abc"):
                response = api.get(url, params={name: value})
                assert response.status_code == 422, (url, name, value)
                assert name in response.text


def test_classifier_acceptance_per_reason_and_the_changed_suggestions(world: Any) -> None:
    _, people, ids = world
    body = people["fiona"].get("/api/v1/disputes/classifier").json()
    reasons = {r["reason_code"]: r for r in body["reasons"]}
    assert reasons["PRICING"] == {"reason_code": "PRICING", "suggested": 4, "by_model": 1,
                                  "accepted": 1, "changed": 2, "acceptance_rate": "0.333"}
    assert reasons["QUANTITY"]["acceptance_rate"] == "1.000"
    assert reasons["OTHER"]["accepted"] == 1
    assert body["total"]["suggested"] == 6 and body["total"]["acceptance_rate"] == "0.600"
    changed = {(r["suggested"], r["chosen"], r["by"], r["case_id"]) for r in body["rejected"]}
    assert changed == {("PRICING", "DUPLICATE_BILLING", "fiona", ids["DSP-3"]),
                       ("PRICING", "TAX", "marta", ids["DSP-5"])}
    page = people["fiona"].get("/disputes/classifier")
    assert page.status_code == 200
    row = page.text.split('data-reason="PRICING"')[1].split("</tr>")[0]
    assert "33.3 %" in row
    rejected = page.text.split('id="rejected"')[1]
    assert f'href="/cases/{ids["DSP-3"]}"' in rejected and "duplicate billing" in rejected
    assert "0.48" in rejected and "marta" in rejected


def test_customer_service_reads_without_case_links_others_are_refused(world: Any) -> None:
    store, people, ids = world
    sam = people["cs-sam"]
    page = sam.get("/disputes")
    assert page.status_code == 200 and f'href="/cases/{ids["DSP-2"]}"' not in page.text
    assert sam.get("/api/v1/disputes/classifier").status_code == 200
    for who in ("otto", "dev-dana"):
        for url in ("/disputes", "/disputes/classifier", "/api/v1/disputes",
                    "/api/v1/disputes/classifier"):
            assert people[who].get(url).status_code == 403, (who, url)
    views = store.list_audit(action="disputes.view")
    assert {v.actor for v in views} >= {"fiona", "cs-sam"}
    assert {v.details["via"] for v in views} == {"page", "api"}
    assert not [v for v in views if v.actor in ("otto", "dev-dana")]
