"""The collector's worklist and customer pages over the records the collections bot wrote:
ordered by the configured score, filtered by collector, the freshness of each part shown;
actions queued for the bot as audited work items; roles enforced on the API."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from orchestrator.store import Store

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "web"))
import webharness
from webharness import LiveServer

# the web harness's fixtures: the one live server of the test process, its users and clients
live_server, users, api = webharness.live_server, webharness.users, webharness.api

pytestmark = pytest.mark.web


SEEDED = ("C2001", "C2003", "C2007", "C2009")


def seed_accounts(store: Store) -> None:
    """Three customers as the collections bot writes them, and their promises."""
    accounts = {
        "C2003": ("Cobalt Mining plc", "James Okafor", "C", "7400.45", 75),
        "C2007": ("Glacier Sports Inc.", "James Okafor", "C", "2530.75", 50),
        "C2001": ("Aurora Textilwerke GmbH", "Maria Weber", "B", "1847.35", 25),
        "C2009": ("Iris Software Ltd", "James Okafor", "A", "0.00", 0),
    }
    for cid, (name, collector, risk, overdue, days) in accounts.items():
        store.put_record("collections", "account_snapshot", cid, {
            "customer_id": cid, "name": name, "collector": collector, "risk_class": risk,
            "overdue_total": overdue, "oldest_days": days, "as_of": "2026-11-20",
            "buckets": {"current": "0.00", "1-30": "0.00", "31-60": overdue, "61-90": "0.00",
                        "over 90": "0.00"},
            "disputed": [], "promised": [], "dunning_level": 2, "dunning_block": ""},
            customer_id=cid, run_id="1")
    store.put_record("collections", "promise_to_pay", "C2007/2026-11-19/INV-2026-1110", {
        "promised_date": "2026-11-19", "amount": "2530.75", "invoices": ["INV-2026-1110"],
        "source": "mail", "status": "broken", "paid": "0.00"}, customer_id="C2007",
        run_id="1")


@pytest.fixture(scope="module")
def seeded(live_server: LiveServer) -> LiveServer:
    seed_accounts(live_server.store)
    return live_server


def test_worklist_is_ordered_by_score_and_filtered(seeded: LiveServer,
                                                   api: Callable[[str], Any]) -> None:
    body = api("finance_reviewer").get("/api/v1/collections").json()
    # the live server is shared: other tests' customers may be listed too
    rows = [r for r in body["rows"] if r["customer_id"] in SEEDED]
    ids = [r["customer_id"] for r in rows]
    assert "C2009" not in ids  # nothing overdue
    # C2007: 2.5 + 10 days + one broken promise + risk C outranks C2003's larger amount
    assert ids[:3] == ["C2007", "C2003", "C2001"], rows
    assert [r["broken_promises"] for r in rows[:1]] == [1]
    assert body["weights_from"]
    mine = api("finance_reviewer").get("/api/v1/collections",
                                       params={"collector": "Maria Weber"}).json()["rows"]
    assert {r["collector"] for r in mine} == {"Maria Weber"}
    assert "C2001" in [r["customer_id"] for r in mine]
    customer = api("auditor").get("/api/v1/collections/C2007").json()
    assert customer["promises"][0]["data"]["status"] == "broken"
    assert api("support").get("/api/v1/collections").status_code == 403
    assert api("auditor").get("/api/v1/collections/NOPE").status_code == 404


def test_an_action_becomes_an_audited_work_item(seeded: LiveServer,
                                                api: Callable[[str], Any]) -> None:
    refused = api("auditor").post("/api/v1/collections/C2001/actions",
                                  json={"action": "log_call", "note": "x"})
    assert refused.status_code == 403
    bad = api("finance_reviewer").post("/api/v1/collections/C2001/actions", json={
        "action": "record_promise", "promised_date": "2026-12-01", "amount": "12,5x",
        "invoices": "INV-2026-1101"})
    assert bad.status_code == 422 and "field amount" in bad.json()["detail"]
    done = api("finance_reviewer").post("/api/v1/collections/C2001/actions", json={
        "action": "dunning_block", "reason": "customer in talks with sales"})
    assert done.status_code == 202, done.text
    item_id = done.json()["work_item"]
    items = [i for i in seeded.store.list_items("collections-actions") if i.id == item_id]
    assert items and items[0].payload["reason"] == "customer in talks with sales"
    assert items[0].payload["requested_by"].endswith("finance_reviewer")
    audit = [r for r in seeded.store.list_audit(action="collections.request")
             if r.details.get("work_item") == item_id]
    assert audit and audit[0].actor.endswith("finance_reviewer")


def test_the_score_follows_the_bots_worklist_configuration(
        seeded: LiveServer, api: Callable[[str], Any]) -> None:
    from orchestrator.services.bot_config import config_view, save_config

    store = seeded.store
    default = config_view(store, "collections", "worklist").content
    amount_only = ("weights: {amount_per_1000: 10, days_overdue: 0, broken_promise: 0}\n"
                   "risk_class: {A: 0, B: 0, C: 0, D: 0}\n")
    save_config(store, "developer", "collections", "worklist", amount_only,
                note="order by amount overdue alone")
    try:
        body = api("finance_reviewer").get("/api/v1/collections").json()
        rows = [r for r in body["rows"] if r["customer_id"] in SEEDED]
        assert [r["customer_id"] for r in rows] == ["C2003", "C2007", "C2001"]
        assert rows[0]["score"] == "74.0"  # 10 x 7,400.45 / 1,000
        assert body["weights_from"].startswith("version")
    finally:
        save_config(store, "developer", "collections", "worklist", default,
                    note="back to the shipped weights")
