"""A bot keeps its own open case up to date and closes it when settled: the due time given
at opening, data merged, the due time moved, a history line and an audit record for each;
another bot's case, a case waiting for a decision and naive times refused."""

from __future__ import annotations

import datetime as dt

import pytest

from bots.runtime.errors import IllegalTransitionError, PermissionDeniedError
from orchestrator.store import Store, utcnow
from orchestrator.store.models import ExceptionCase

DUE = dt.datetime(2030, 5, 6, 14, 30, tzinfo=dt.UTC)


def _dispute(store: Store, bot: str = "disputes", **kw: object) -> ExceptionCase:
    run = store.start_run(bot, {}, "h", 1)
    return store.open_case(run.id, None, "DSP-0001", "DISPUTE", "C1006 disputes 120.00",
                           data={"dispute": {"owner_team": "billing"}, "case_ref": "DSP-0001"},
                           **kw)  # type: ignore[arg-type]


def test_a_case_opens_with_the_due_time_its_failure_gives(store: Store, queue: str) -> None:
    opened = _dispute(store, sla_due=DUE.astimezone(dt.timezone(dt.timedelta(hours=2))))
    assert store.get_case(opened.id or 0).sla_due_at == DUE  # kept in UTC
    default = store.open_case(None, None, "DSP-0002", "DISPUTE", "no due time given")
    assert default.sla_due_at - default.created_at == dt.timedelta(hours=48)
    with pytest.raises(ValueError, match="timezone-aware"):
        store.open_case(None, None, "DSP-0003", "DISPUTE", "x", sla_due=dt.datetime(2030, 1, 1))
    # through a failed item (the item and its case in one transaction)
    item = store.add_item(queue, "P-1", {})
    store.claim_item(queue, "w1")
    retry, case = store.fail_item_with_case(
        item.id, "business", "DISPUTE", "due", owner="w1",  # type: ignore[union-attr]
        case={"run_id": None, "reference": "P-1", "reason_code": "DISPUTE",
              "summary": "due", "sla_due": DUE})
    assert retry is None and case is not None and case.sla_due_at == DUE


def test_its_bot_updates_and_closes_its_case(store: Store) -> None:
    case_id = _dispute(store).id or 0
    updated = store.bot_update_case(
        case_id, "disputes", data={"dispute": {"owner_team": "pricing"}, "reason": "PRICING"},
        note="classified PRICING; owner pricing", sla_due=DUE)
    assert updated.sla_due_at == DUE and updated.status == "open"
    assert updated.data == {"dispute": {"owner_team": "pricing"}, "case_ref": "DSP-0001",
                            "reason": "PRICING"}  # top-level keys merged, others kept
    with pytest.raises(ValueError, match="nothing to update"):
        store.bot_update_case(case_id, "disputes")
    with pytest.raises(ValueError, match="timezone-aware"):
        store.bot_update_case(case_id, "disputes", sla_due=dt.datetime(2030, 1, 1))

    closed = store.bot_close_case(case_id, "disputes", summary="DSP-0001 settled: paid 120.00")
    assert closed.status == "resolved" and closed.resolved_by == "bot:disputes"
    assert closed.resolution == {"name": "settled", "by": "bot:disputes",
                                 "closed_by_bot": True,
                                 "summary": "DSP-0001 settled: paid 120.00"}
    assert closed.resolved_at is not None and closed.resolved_at <= utcnow()
    again = store.bot_close_case(case_id, "disputes", summary="settled again")  # a rerun
    assert again.resolution == closed.resolution
    with pytest.raises(IllegalTransitionError):
        store.bot_update_case(case_id, "disputes", data={"late": True})

    events = [(e.actor, e.kind, e.text) for e in store.case_events(case_id)]
    assert events[1:] == [
        ("bot:disputes", "updated", "classified PRICING; owner pricing"),
        ("bot:disputes", "resolved", "DSP-0001 settled: paid 120.00")]
    audit = store.list_audit(actor="bot:disputes", target=f"case:{case_id}")
    assert [a.action for a in audit] == ["case.bot_close", "case.bot_update"]
    assert audit[1].details["sla_due"] == DUE.isoformat()


def test_another_bots_case_and_a_case_waiting_for_a_decision_are_refused(
        store: Store) -> None:
    case_id = _dispute(store).id or 0
    with pytest.raises(PermissionDeniedError, match="disputes bot's"):
        store.bot_update_case(case_id, "collections", data={"x": 1})
    with pytest.raises(PermissionDeniedError):
        store.bot_close_case(case_id, "collections", summary="not mine")
    store.set_case_status(case_id, "awaiting_posting")
    with pytest.raises(IllegalTransitionError):
        store.bot_update_case(case_id, "disputes", sla_due=DUE)
    with pytest.raises(IllegalTransitionError):
        store.bot_close_case(case_id, "disputes", summary="paid while a decision is posted")
    got = store.get_case(case_id)
    assert got.status == "awaiting_posting" and got.data["dispute"] == {"owner_team": "billing"}
    assert [e.kind for e in store.case_events(case_id)] == ["created"]
    assert store.list_audit(target=f"case:{case_id}") == []


def test_a_decision_that_moves_the_case_on_leaves_it_open_for_the_next(store: Store,
                                                                     queue: str) -> None:
    run = store.start_run("disputes", {}, "h", 1)
    item = store.add_item(queue, "portal:DSP-0001", {"ref": "portal:DSP-0001"})
    store.claim_item(queue, "w1", run_id=run.id)
    _, case = store.fail_item_with_case(
        item.id, "business", "DISPUTE", "to classify", owner="w1",  # type: ignore[union-attr]
        case={"run_id": run.id, "reference": "portal:DSP-0001", "reason_code": "DISPUTE",
              "summary": "to classify", "data": {"dispute": {"owner_team": "finance"}}})
    assert case is not None
    case_id = case.id or 0
    store.set_case_status(case_id, "in_progress", owner="sam")  # sam took it
    store.request_resolution(case_id, "sam", "classify", payload={"reason": "PRICING"})
    decision = store.claim_item(queue, "w1", run_id=run.id)
    assert decision is not None and decision.payload["resolves_case"] == case_id
    store.complete_item(decision.id or 0, {  # what Item.keep_case_open says
        "summary": "classified", "case_stays_open": {
            "note": "classified PRICING by sam; owner sales", "sla_due": DUE.isoformat(),
            "data": {"dispute": {"owner_team": "sales"}}, "unassign": True}}, owner="w1")
    got = store.get_case(case_id)
    assert (got.status, got.resolved_at, got.sla_due_at) == ("open", None, DUE)
    assert got.owner is None  # off sam's desk, for the sales team to take
    assert got.data["dispute"] == {"owner_team": "sales"}
    events = store.case_events(case_id)
    assert events[-1].text == ("classified PRICING by sam; owner sales (carried out by the "
                               "bot; the case stays open; taken off sam)")
    assert events[-1].details["owner_was"] == "sam"
    texts = [e.text for e in events]
    assert not any("failed" in t for t in texts)
    assert store.get_item(decision.id or 0).state == "successful"

    # the next decision is handed to the bot as usual, and resolves the case
    handed = store.request_resolution(case_id, "sam", "reject", payload={"message": "no"})
    assert handed.work_item is not None
    assert handed.work_item.reference == f"portal:DSP-0001~{decision.id}"
    assert store.get_case(case_id).status == "awaiting_posting"
    again = store.claim_item(queue, "w1", run_id=run.id)
    assert again is not None and again.payload["resolution"]["name"] == "reject"
    assert again.payload["ref"] == "portal:DSP-0001"
    store.complete_item(again.id or 0, {"summary": "rejected"}, owner="w1")
    assert store.get_case(case_id).status == "resolved"
