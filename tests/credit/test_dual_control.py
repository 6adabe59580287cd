"""Dual control in the store: a resolution that needs two approvers waits until two people
other than the requester approved, each once; one rejection ends it."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from bots.runtime.errors import IllegalTransitionError, SelfApprovalError
from orchestrator.store import Store

APPROVER = ["approver"]
QUEUE = "credit-review-SO-2026-5005"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(f"sqlite:///{tmp_path / 'finbots.db'}")
    s.approval_threshold = Decimal("100.00")
    try:
        yield s
    finally:
        s.close()


def held_order_case(store: Store, reference: str = "SO-2026-5005") -> int:
    """A credit case whose work item the bot failed, as the credit bot leaves it."""
    queue = f"credit-review-{reference}"  # a queue each: no other test's item is claimed
    store.ensure_queue(queue)
    run = store.start_run("credit", {}, "host", 1)
    item = store.add_item(queue, reference, {"order": reference})
    assert item is not None and store.claim_item(queue, "robot", run_id=run.id)
    store.fail_item(item.id, "business", "CREDIT_REVIEW_MANAGER", "over credit limit")
    case = store.open_case(run.id, item.id, reference, "CREDIT_REVIEW_MANAGER",
                           "over credit limit", amount=Decimal("240000.00"))
    assert case.id is not None
    return case.id


def ask_release(store: Store, case_id: int, actor: str = "ana", approvers: int = 2) -> int:
    outcome = store.request_resolution(
        case_id, actor, "release", values={"reason": "collateral received"},
        amount=Decimal("240000.00"), approval_kind="credit_release", approvers=approvers,
        summary="Release the order")
    assert outcome.approval is not None and outcome.work_item is None
    assert outcome.approval.approvals_needed == approvers
    assert outcome.case.status == "awaiting_approval"
    return int(outcome.approval.id or 0)


def test_the_requester_never_approves_and_nobody_approves_twice(store: Store) -> None:
    case_id = held_order_case(store)
    approval_id = ask_release(store, case_id)
    with pytest.raises(SelfApprovalError, match="ana requested"):
        store.decide_approval(approval_id, "ana", APPROVER, True)

    first = store.decide_approval(approval_id, "vera", APPROVER, True, "limit raise agreed")
    assert first.status == "pending" and [g["by"] for g in first.approvals] == ["vera"]
    assert store.get_case(case_id).status == "awaiting_approval"
    assert [i.state for i in store.list_items(QUEUE)] == ["failed"]  # nothing queued yet
    with pytest.raises(SelfApprovalError, match="vera already approved"):
        store.decide_approval(approval_id, "vera", APPROVER, True)

    second = store.decide_approval(approval_id, "max", APPROVER, True)
    assert second.status == "approved" and second.decided_by == "max"
    [clone] = [i for i in store.list_items(QUEUE) if i.state == "new"]
    assert clone.payload["resolution"]["approved_by"] == "vera, max"
    assert clone.payload["resolution"]["by"] == "ana"
    assert store.get_case(case_id).status == "awaiting_posting"
    texts = [e.text for e in store.case_events(case_id)]
    assert any("approval 1 of 2 given" in t for t in texts)
    with pytest.raises(IllegalTransitionError):
        store.decide_approval(approval_id, "olga", APPROVER, True)


def test_a_rejection_after_the_first_approval_reopens_the_case(store: Store) -> None:
    case_id = held_order_case(store)
    approval_id = ask_release(store, case_id)
    store.decide_approval(approval_id, "vera", APPROVER, True)
    rejected = store.decide_approval(approval_id, "max", APPROVER, False, "no collateral")
    assert rejected.status == "rejected"
    assert store.get_case(case_id).status == "open"
    assert [i.state for i in store.list_items(QUEUE)] == ["failed"]


def test_dual_control_is_never_less_than_the_threshold_asks(store: Store) -> None:
    case_id = held_order_case(store)
    approval_id = ask_release(store, case_id, approvers=1)  # above 100.00 anyway
    assert store.decide_approval(approval_id, "vera", APPROVER, True).status == "approved"
    other = held_order_case(store, "SO-2026-5004")
    outcome = store.request_resolution(other, "ana", "release", amount=Decimal("60000.00"),
                                       approval_kind="credit_release", approvers=0,
                                       summary="Release the order")
    assert outcome.approval is not None and outcome.approval.approvals_needed == 1
