"""The approval threshold cannot be split: what one payment's cases moved adds up, and a
case whose resolution moved money is reopened only with a second person's approval."""

from __future__ import annotations

from decimal import Decimal

import pytest
from caseseed import candidate, post_item, seed_case

from bots.runtime.errors import IllegalTransitionError, SelfApprovalError
from orchestrator.services.resolutions import check_resolution, resolve_case
from orchestrator.store import Store
from orchestrator.store.case_ops import CaseOutcome

APPROVER = ["approver"]


def _recorded(store: Store, case_id: int, actor: str, kind: str,
              amount: str) -> CaseOutcome:
    """A resolution that moves ``amount`` and is recorded at once (the store's part of it:
    what the threshold counts does not depend on who books it)."""
    return store.request_resolution(case_id, actor, kind, values={"amount": amount},
                                    amount=Decimal(amount), approval_kind=kind,
                                    carried_out=False, summary=f"{kind} of {amount}")


def refund(store: Store, case_id: int, actor: str, amount: str) -> CaseOutcome:
    return _recorded(store, case_id, actor, "refund", amount)


def write_off(store: Store, case_id: int, actor: str, amount: str) -> CaseOutcome:
    return _recorded(store, case_id, actor, "write_off", amount)


def reopen_approved(store: Store, case_id: int, actor: str, approver: str) -> None:
    """Ask to reopen; the approver approves; the case is open again."""
    assert store.reopen_case(case_id, actor, "customer disputes").status == "resolved"
    pending = store.list_approvals("pending", case_id=case_id)
    assert [a.kind for a in pending] == ["reopen"]
    with pytest.raises(SelfApprovalError):
        store.decide_approval(pending[0].id, actor, APPROVER, True)
    store.decide_approval(pending[0].id, approver, APPROVER, True)
    assert store.get_case(case_id).status == "open"


def test_six_refunds_of_one_payment_with_reopens_need_approval_from_the_second(
        store: Store) -> None:
    case = seed_case(store, reason="OVERPAYMENT", amount="500.00")
    first = refund(store, case.id, "ana", "100.00")
    assert first.approval is None and first.case.status == "resolved"
    for n in range(2, 7):
        reopen_approved(store, case.id, "ana", "vera")
        outcome = refund(store, case.id, "ana", "100.00")
        assert outcome.approval is not None, f"refund {n} went through alone"
        assert outcome.case.status == "awaiting_approval"
        assert outcome.approval.amount == Decimal("100.00")
        with pytest.raises(SelfApprovalError):
            store.decide_approval(outcome.approval.id, "ana", APPROVER, True)
        store.decide_approval(outcome.approval.id, "vera", APPROVER, True)
        assert store.get_case(case.id).status == "resolved"
    asked = [e.text for e in store.case_events(case.id) if e.kind == "approval_requested"
             and e.details.get("kind") == "refund"]
    assert "100.00 moved on this payment before, 200.00 in all" in asked[0]
    assert "500.00 moved on this payment before, 600.00 in all" in asked[-1]


def test_three_write_offs_on_cases_of_one_payment_need_approval_from_the_second(
        store: Store) -> None:
    reference = "NWB-SPLIT-000001"
    short = seed_case(store, reason="SHORT_PAYMENT", amount="4750.00", reference=reference)
    rejected = seed_case(store, reason="ERP_REJECTED", amount="4750.00", reference=reference)
    too_many = seed_case(store, reason="TOO_MANY_INVOICES", amount="4750.00",
                         reference=reference)
    other = seed_case(store, reason="SHORT_PAYMENT", amount="4750.00")

    assert write_off(store, short.id, "ana", "100.00").approval is None
    second = write_off(store, rejected.id, "ana", "100.00")
    assert second.approval is not None and second.case.status == "awaiting_approval"
    third = write_off(store, too_many.id, "bea", "100.00")
    assert third.approval is not None  # the pending one counts too
    # another payment's case is not affected
    assert write_off(store, other.id, "ana", "100.00").approval is None


def test_three_write_offs_on_one_case_with_reopens(sqlite_store: Store) -> None:
    store = sqlite_store
    case = seed_case(store, reason="SHORT_PAYMENT", amount="4750.00",
                     candidates=[candidate("INV-2026-1012", "5000.00", "C1008")])
    assert write_off(store, case.id, "ana", "100.00").approval is None
    reopen_approved(store, case.id, "ana", "vera")
    check = check_resolution(store, store.get_case(case.id), "write_off",
                             {"amount": "100.00", "reason": "BANK_CHARGES"}, "ana")
    assert check.problem == "" and check.needs_approval
    second = write_off(store, case.id, "ana", "100.00")
    assert second.approval is not None


def test_reopening_a_case_that_moved_money_needs_an_approver(store: Store) -> None:
    case = seed_case(store, reason="SHORT_PAYMENT", amount="4750.00")
    write_off(store, case.id, "ana", "50.00")
    still = store.reopen_case(case.id, "ana", "wrong invoice")
    assert still.status == "resolved"
    [approval] = store.list_approvals("pending", case_id=case.id)
    assert approval.kind == "reopen" and approval.amount == Decimal("50.00")
    assert approval.requested_by == "ana"
    with pytest.raises(IllegalTransitionError):  # one request at a time
        store.reopen_case(case.id, "bea")
    with pytest.raises(SelfApprovalError):
        store.decide_approval(approval.id, "ana", APPROVER, True)
    store.decide_approval(approval.id, "vera", APPROVER, False, "the write-off stands")
    assert store.get_case(case.id).status == "resolved"

    store.reopen_case(case.id, "ana", "customer disputes")
    [again] = store.list_approvals("pending", case_id=case.id)
    store.decide_approval(again.id, "vera", APPROVER, True)
    reopened = store.get_case(case.id)
    assert reopened.status == "open" and reopened.resolved_by is None
    assert store.case_events(case.id)[-1].text == "reopened: asked by ana, approved by vera"


def test_a_resolution_that_moved_no_money_reopens_at_once(sqlite_store: Store) -> None:
    case = seed_case(sqlite_store, reason="SHORT_PAYMENT", amount="4750.00")
    sqlite_store.request_resolution(case.id, "ana", "keep", values={"note": "customer asked"},
                                    carried_out=False, summary="kept")
    assert sqlite_store.reopen_case(case.id, "ana").status == "open"
    assert sqlite_store.list_approvals("pending", case_id=case.id) == []


def test_rejected_requests_and_postings_the_bot_failed_moved_nothing(store: Store) -> None:
    dup = seed_case(store, reason="DUPLICATE", amount="500.00")
    asked = refund(store, dup.id, "ana", "500.00").approval
    assert asked is not None
    store.decide_approval(asked.id, "vera", APPROVER, False, "call the customer first")
    assert refund(store, dup.id, "ana", "100.00").approval is None

    case = seed_case(store, reason="UNMATCHED", amount="80.00", candidates=[])
    rows = [{"invoice_number": "INV-2026-1010", "amount": "80.00", "typed": True}]
    clone = resolve_case(store, case.id, "ana", "apply", {"allocations": rows}).work_item
    assert clone is not None
    post_item(store, clone.id, fail="ERP_REJECTED")
    assert store.get_case(case.id).status == "open"
    again = resolve_case(store, case.id, "ana", "apply", {"allocations": rows})
    assert again.approval is None and again.work_item is not None


def test_the_item_of_a_case_awaiting_approval_is_not_retried_round_it(store: Store) -> None:
    """A retry of the failed item would have the bot decide the payment again, beside the
    request a second person has not approved yet (and under whatever limits hold now)."""
    case = seed_case(store, reason="OVERPAYMENT", amount="900.00")
    asked = refund(store, case.id, "ana", "900.00")
    assert asked.approval is not None and asked.case.status == "awaiting_approval"
    with pytest.raises(ValueError, match=f"case {case.id} \\(awaiting approval\\)"):
        store.retry_item(case.work_item_id)
    store.decide_approval(asked.approval.id, "vera", APPROVER, False)  # rejected: open again
    assert store.get_case(case.id).status == "open"
    clone = store.retry_item(case.work_item_id)  # a person may try the bot again now
    assert clone.parent_id == case.work_item_id


def test_a_failed_decision_is_not_retried_from_its_queue(store: Store) -> None:
    """The case may be decided again, or closed, after its decision failed: the old
    decision is tried again only from the case, never by retrying its item."""
    case = seed_case(store, reason="OVERPAYMENT", amount="80.00")
    decided = store.request_resolution(case.id, "ana", "refund", values={"amount": "80.00"},
                                       amount=Decimal("80.00"), approval_kind="refund")
    clone = decided.work_item
    assert clone is not None and clone.payload["resolves_case"] == case.id
    claimed = store.claim_item(clone.queue, "robot", run_id=store.start_run(
        "payment-posting", {}, "host", 1).id)
    assert claimed is not None and claimed.id == clone.id
    store.fail_item(clone.id, "business", "ERP_REJECTED", "the ERP refused the refund")
    assert store.get_case(case.id).status == "open"  # back to a person
    with pytest.raises(ValueError, match=f"carries a person's decision on case {case.id}"):
        store.retry_item(clone.id)
