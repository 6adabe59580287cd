"""Case work in the store: ownership, history, resolutions (the payment-posting bot's, as
its case types declare them), the hook that follows the bot's item, maker-checker."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from caseseed import add_person, candidate, post_item, seed_case

from bots.runtime.errors import (
    IllegalTransitionError,
    PermissionDeniedError,
    SelfApprovalError,
)
from orchestrator.services.resolutions import resolve_case
from orchestrator.store import Store
from orchestrator.store.case_ops import CaseOutcome


def kinds(store: Store, case_id: int) -> list[str]:
    return [e.kind for e in store.case_events(case_id)]


def apply(store: Store, case_id: int, actor: str, rows: list[dict[str, Any]],
          **values: Any) -> CaseOutcome:
    """The bot's ``apply`` resolution, as the case page and the API choose it."""
    return resolve_case(store, case_id, actor, "apply", {"allocations": rows, **values})


def resolve(store: Store, case_id: int, actor: str, name: str, **values: Any) -> CaseOutcome:
    return resolve_case(store, case_id, actor, name, values)


def test_claim_assign_release_comment_are_history_and_audit(store: Store) -> None:
    add_person(store, "bea", ["finance_reviewer"])
    add_person(store, "carl", ["support"])
    case = seed_case(store)
    assert case.bot == "payment-posting"

    store.claim_case(case.id, "ana")
    with pytest.raises(PermissionDeniedError, match="already claimed by ana"):
        store.claim_case(case.id, "bea")
    with pytest.raises(PermissionDeniedError, match="may not work cases"):
        store.assign_case(case.id, "ana", "carl")
    assigned = store.assign_case(case.id, "ana", "bea")
    store.comment_case(case.id, "bea", "called the customer")
    released = store.release_case(case.id, "bea")

    assert (assigned.owner, assigned.status) == ("bea", "in_progress")
    assert (released.owner, released.status) == (None, "open")
    events = store.case_events(case.id)
    assert [e.kind for e in events] == ["created", "claimed", "assigned", "comment", "released"]
    assert events[0].actor == "bot:payment-posting"
    assert [e.actor for e in events[1:]] == ["ana", "ana", "bea", "bea"]
    assert events[3].text == "called the customer"
    audit = {(r.actor, r.action) for r in store.list_audit()}
    assert {("ana", "case.claim"), ("ana", "case.assign"), ("bea", "case.comment"),
            ("bea", "case.release")} <= audit


def test_apply_creates_the_posting_clone_and_success_resolves_the_case(store: Store) -> None:
    store.approval_threshold = Decimal("5000.00")
    case = seed_case(store)
    outcome = apply(store, case.id, "ana",
                    [{"invoice_number": "INV-2026-1010", "amount": "2000.00"}], note="ok")

    clone = outcome.work_item
    assert clone is not None and outcome.approval is None
    assert outcome.case.status == "awaiting_posting"
    original = store.get_item(case.work_item_id)
    assert original.state == "retried" and clone.parent_id == original.id
    p = clone.payload
    assert p["decision"] == "post" and p["resolves_case"] == case.id
    assert p["allocations"] == [{"invoice_number": "INV-2026-1010", "amount": "2000.00",
                                 "write_off": "0.00", "discount": "0.00"}]
    assert p["rule"] == f"manual: applied by ana in case {case.id}"
    assert p["customer_id"] == "C1006" and p["partial"] is False
    assert p["entry"]["bank_reference"] == case.reference  # the bank line travels along
    assert p["resolution"] == {"name": "apply", "case_id": case.id, "by": "ana",
                               "approved_by": None, "values": {
                                   "allocations": [{"invoice_number": "INV-2026-1010",
                                                    "amount": "2000.00"}],
                                   "note": "ok"}}

    post_item(store, clone.id, confirmation="CR-777")

    done = store.get_case(case.id)
    assert done.status == "resolved" and done.resolved_by == "ana"
    assert done.resolution["confirmation"] == "CR-777"
    last = store.case_events(case.id)[-1]
    assert last.kind == "resolved"
    assert last.text == "resolved by the bot, confirmation CR-777"
    assert last.actor == "bot:payment-posting"


def test_a_failed_posting_reopens_the_case_without_a_second_case(store: Store) -> None:
    store.approval_threshold = Decimal("5000.00")
    case = seed_case(store)
    clone = apply(store, case.id, "ana",
                  [{"invoice_number": "INV-2026-1011", "amount": "2000.00"}]).work_item
    assert clone is not None
    post_item(store, clone.id, fail="ERP_REJECTED")
    again = store.open_case(clone.run_id, clone.id, case.reference, "ERP_REJECTED",
                            "rejected", evidence=["screenshots/0009-failed.png"])

    assert again.id == case.id
    reopened = store.get_case(case.id)
    assert reopened.status == "open" and reopened.owner == "ana"
    assert "screenshots/0009-failed.png" in reopened.evidence
    assert kinds(store, case.id)[-1] == "reopened"
    assert "ERP_REJECTED" in store.case_events(case.id)[-1].text
    # the person can apply again: the failed clone is cloned once more
    retry = apply(store, case.id, "ana",
                  [{"invoice_number": "INV-2026-1010", "amount": "2000.00"}]).work_item
    assert retry is not None and retry.parent_id == clone.id


def test_refused_allocations_leave_the_case_alone(sqlite_store: Store) -> None:
    case = seed_case(sqlite_store)
    with pytest.raises(ValueError, match="more than the payment"):
        apply(sqlite_store, case.id, "ana", [
            {"invoice_number": "INV-2026-1010", "amount": "1500.00"},
            {"invoice_number": "INV-2026-1011", "amount": "600.00"}])
    assert sqlite_store.get_case(case.id).status == "open"
    assert sqlite_store.get_item(case.work_item_id).state == "failed"


def test_typed_open_items_and_partial_payments(sqlite_store: Store) -> None:
    sqlite_store.approval_threshold = Decimal("5000.00")
    case = seed_case(sqlite_store, reason="UNMATCHED", amount="1234.56", candidates=[],
                     customer="C1007", payer="GRANITE TOOLS INC")
    outcome = apply(sqlite_store, case.id, "ana", [
        {"invoice_number": "inv-2026-1020", "amount": "700.00", "typed": True},
        {"invoice_number": "INV-2026-1021", "amount": "534.56", "typed": True,
         "open_amount": "900.00"}])
    assert outcome.work_item is not None
    p = outcome.work_item.payload
    assert [a["invoice_number"] for a in p["allocations"]] == ["INV-2026-1020", "INV-2026-1021"]
    assert p["customer_id"] == "C1007" and p["partial"] is True


def test_write_off_above_the_threshold_needs_a_second_approver(store: Store) -> None:
    case = seed_case(store, reason="SHORT_PAYMENT", amount="4750.00",
                     candidates=[candidate("INV-2026-1012", "5000.00", "C1008")])
    with pytest.raises(ValueError, match="a deduction needs its dispute reason"):
        resolve(store, case.id, "ana", "write_off", amount="250.00", reason="DEDUCTION")
    outcome = resolve(store, case.id, "ana", "write_off", amount="250.00",
                      reason="DEDUCTION", dispute_reason="damaged goods",
                      note="agreed")
    approval = outcome.approval
    assert approval is not None and approval.kind == "write_off"
    assert outcome.case.status == "awaiting_approval"
    with pytest.raises(IllegalTransitionError):  # nothing else happens while it waits
        resolve(store, case.id, "ana", "on_account")

    with pytest.raises(SelfApprovalError):
        store.decide_approval(approval.id, "ana", ["finance_reviewer", "approver"], True)
    with pytest.raises(PermissionDeniedError, match="approver role"):
        store.decide_approval(approval.id, "bea", ["finance_reviewer"], True)
    decided = store.decide_approval(approval.id, "vera", ["approver"], True, "fine")

    assert decided.status == "approved" and decided.decided_by == "vera"
    waiting = store.get_case(case.id)
    assert waiting.status == "awaiting_posting"  # the bot books it in the ERP
    clone = store.get_item(waiting.resolution_item_id)
    assert clone.payload["settlement"]["rows"] == [
        {"invoice_number": "INV-2026-1012", "amount": "4750.00", "write_off": "250.00",
         "reason": "DEDUCTION"}]
    assert clone.payload["settlement"]["dispute"] == "damaged goods"
    post_item(store, clone.id, confirmation="CR-2026-000101, WO-2026-000101")
    done = store.get_case(case.id)
    assert done.status == "resolved" and done.resolved_by == "ana"
    assert done.resolution["action"] == "write_off" and done.resolution["amount"] == "250.00"
    assert done.resolution["approved_by"] == "vera"
    assert done.resolution["confirmation"] == "CR-2026-000101, WO-2026-000101"
    assert kinds(store, case.id)[-3:] == ["approval_decided", "action", "resolved"]
    with pytest.raises(IllegalTransitionError):  # decided once
        store.decide_approval(approval.id, "walt", ["approver"], False, "no")
    assert ("vera", "approval.approve") in {(r.actor, r.action) for r in store.list_audit()}


def test_small_amounts_execute_at_once_and_rejection_reopens(sqlite_store: Store) -> None:
    small = seed_case(sqlite_store, reason="SHORT_PAYMENT", amount="4750.00",
                      candidates=[candidate("INV-2026-1012", "5000.00", "C1008")])
    small_off = resolve(sqlite_store, small.id, "ana", "write_off", amount="99.99",
                        reason="BANK_CHARGES")
    assert small_off.approval is None and small_off.work_item is not None
    assert small_off.case.status == "awaiting_posting"

    dup = seed_case(sqlite_store, reason="DUPLICATE", amount="2380.00")
    approval = resolve(sqlite_store, dup.id, "ana", "refund", note="paid twice").approval
    assert approval is not None and approval.amount == Decimal("2380.00")
    sqlite_store.decide_approval(approval.id, "vera", ["approver"], False,
                                 "call the customer first")
    back = sqlite_store.get_case(dup.id)
    assert back.status == "open"
    assert sqlite_store.case_events(dup.id)[-1].text.endswith("rejected: call the customer first")


def test_manual_posting_above_threshold_is_queued_only_when_approved(store: Store) -> None:
    case = seed_case(store)
    outcome = apply(store, case.id, "ana",
                    [{"invoice_number": "INV-2026-1010", "amount": "2000.00"}])
    assert outcome.approval is not None and outcome.approval.kind == "manual_posting"
    queue = store.get_item(case.work_item_id).queue
    assert store.list_items(queue, state="new") == []

    store.decide_approval(outcome.approval.id, "vera", ["approver"], True)

    queued = store.list_items(queue, state="new")
    assert len(queued) == 1 and queued[0].payload["resolution"]["approved_by"] == "vera"
    assert queued[0].payload["rule"] == f"manual: applied by ana in case {case.id}"
    assert store.get_case(case.id).status == "awaiting_posting"


def test_actions_must_fit_the_case(sqlite_store: Store) -> None:
    ambiguous = seed_case(sqlite_store)
    with pytest.raises(ValueError, match="refund does not fit"):
        resolve(sqlite_store, ambiguous.id, "ana", "refund")
    with pytest.raises(ValueError, match="retry does not fit"):
        sqlite_store.retry_case(ambiguous.id, "ana")
    technical = seed_case(sqlite_store, reason="ERP_TIMEOUT", kind="application")
    outcome = sqlite_store.retry_case(technical.id, "ana")
    assert outcome.work_item is not None
    assert outcome.work_item.payload["resolves_case"] == technical.id
    assert outcome.work_item.payload["resolution"]["name"] == "retry"
    post_item(sqlite_store, outcome.work_item.id)
    assert sqlite_store.get_case(technical.id).resolved_by == "ana"
    assert outcome.case.status == "awaiting_posting"


def test_someone_elses_case_and_illegal_transitions_are_refused(sqlite_store: Store) -> None:
    case = seed_case(sqlite_store)
    sqlite_store.claim_case(case.id, "bea")
    with pytest.raises(PermissionDeniedError, match="assigned to bea"):
        resolve(sqlite_store, case.id, "ana", "on_account")
    resolve(sqlite_store, case.id, "bea", "on_account", note="customer asked")
    with pytest.raises(IllegalTransitionError):
        sqlite_store.claim_case(case.id, "bea")  # resolved: nothing to claim
    sqlite_store.reopen_case(case.id, "bea", "customer disputes")
    assert sqlite_store.get_case(case.id).status == "open"
    sqlite_store.set_case_status(case.id, "closed")
    with pytest.raises(IllegalTransitionError):
        sqlite_store.reopen_case(case.id, "bea")


def test_bulk_reports_each_case(sqlite_store: Store) -> None:
    add_person(sqlite_store, "bea", ["finance_reviewer"])
    a, b = seed_case(sqlite_store), seed_case(sqlite_store)
    sqlite_store.claim_case(b.id, "carl")
    results = sqlite_store.bulk_cases([a.id, b.id, 999],
                                      lambda i: sqlite_store.claim_case(i, "bea"))
    assert results[a.id] is None
    assert "already claimed by carl" in (results[b.id] or "")
    assert "no exception case" in (results[999] or "")


def test_candidates_of_another_customer_are_refused(sqlite_store: Store) -> None:
    case = seed_case(sqlite_store, candidates=[candidate("INV-1", "1000.00", "C1"),
                                        candidate("INV-2", "1000.00", "C2")])
    with pytest.raises(ValueError, match="different customers"):
        apply(sqlite_store, case.id, "ana", [
            {"invoice_number": "INV-1", "amount": "1000.00"},
            {"invoice_number": "INV-2", "amount": "1000.00"}])


def test_a_posting_abandoned_by_a_dead_robot_is_retried_then_reopens_the_case(
        sqlite_store: Store) -> None:
    import datetime as dt

    store = sqlite_store
    store.approval_threshold = Decimal("5000.00")
    case = seed_case(store)
    clone = apply(store, case.id, "ana",
                  [{"invoice_number": "INV-2026-1010", "amount": "2000.00"}]).work_item
    assert clone is not None
    later, abandoned = dt.datetime.now(dt.UTC), 0
    while store.claim_item(clone.queue, "robot-that-dies") is not None:  # until retries end
        later += dt.timedelta(hours=1)
        abandoned += len(store.recover_expired_leases(now=later))
    assert abandoned >= 2

    events = store.case_events(case.id)
    assert "and retries it" in events[-2].text
    assert store.get_case(case.id).status == "open" and events[-1].kind == "reopened"
    assert "ABANDONED" in events[-1].text


def test_a_generic_resolution_request_hands_the_item_back_or_is_recorded(
        sqlite_store: Store) -> None:
    store = sqlite_store
    case = seed_case(store, reason="OVERPAID", bot="ledger-check")
    outcome = store.request_resolution(
        case.id, "ana", "refund_difference", payload={"refund": "80.00"},
        values={"amount": Decimal("80.00")}, amount=Decimal("80.00"),
        approval_kind="refund", summary="refund 80.00")
    clone = outcome.work_item
    assert clone is not None and outcome.case.status == "awaiting_posting"
    original = store.get_item(case.work_item_id)
    assert clone.payload == {**original.payload, "refund": "80.00", "resolves_case": case.id,
                             "resolution": {"name": "refund_difference", "case_id": case.id,
                                            "values": {"amount": "80.00"}, "by": "ana",
                                            "approved_by": None}}
    assert ("ana", "case.refund_difference") in {(r.actor, r.action)
                                                 for r in store.list_audit()}

    other = seed_case(store, reason="OVERPAID", bot="ledger-check")
    asked = store.request_resolution(
        other.id, "ana", "keep", values={"note": "customer keeps it"}, amount=Decimal("500"),
        approval_kind="credit", carried_out=False, summary="kept as credit")
    assert asked.approval is not None and asked.case.status == "awaiting_approval"
    store.decide_approval(asked.approval.id, "vera", ["approver"], True)
    done = store.get_case(other.id)
    assert done.status == "resolved" and done.resolved_by == "ana"
    assert done.resolution["action"] == "keep" and done.resolution["approved_by"] == "vera"
    assert store.case_events(other.id)[-1].text == "kept as credit"
