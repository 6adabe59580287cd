"""A failed item and its exception case: written together, and a missing case is opened by
recovery, so a payment is never failed without being in anyone's inbox."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import sys
from pathlib import Path

import pytest

from orchestrator.store import Store
from orchestrator.store.models import WorkItem
from orchestrator.store.types import utcnow

# Spawned children re-import the worker by module name, with this process's sys.path.
sys.path.insert(0, str(Path(__file__).parent))
from failure_worker import fail_and_die

CASE = {"reason_code": "AMBIGUOUS", "summary": "two invoices fit",
        "data": {"explanation": "INV-1 and INV-2 both fit"}}


def _claim(store: Store, queue: str, owner: str = "robot-1",
           lease_seconds: int = 30) -> WorkItem:
    item = store.claim_item(queue, owner, lease_seconds)
    assert item is not None and item.id is not None
    return item


def test_a_business_failure_opens_its_case_in_the_same_write(store: Store, queue: str) -> None:
    store.add_item(queue, "NWB-1", {"amount": "2000.00"})
    item = _claim(store, queue)

    clone, case = store.fail_item_with_case(
        item.id, "business", "AMBIGUOUS", "two invoices fit", owner="robot-1",
        case={**CASE, "run_id": None, "reference": "NWB-1"})

    assert clone is None and case is not None
    failed = store.get_item(item.id)
    assert (failed.state, failed.failure_kind, failed.failure_code) == (
        "failed", "business", "AMBIGUOUS")
    [listed] = store.list_cases()
    assert listed.id == case.id and listed.work_item_id == item.id
    assert listed.data["explanation"] == "INV-1 and INV-2 both fit"


def test_a_technical_failure_with_retries_left_opens_no_case(store: Store, queue: str) -> None:
    store.add_item(queue, "NWB-2", {})
    item = _claim(store, queue)
    clone, case = store.fail_item_with_case(
        item.id, "application", "ERP_DOWN", "503", owner="robot-1",
        case={**CASE, "reason_code": "ERP_DOWN", "run_id": None, "reference": "NWB-2"})
    assert clone is not None and case is None and store.list_cases() == []
    # past the limit (2 retries): the last failure opens the case
    for _ in range(2):
        again = _claim(store, queue)
        clone, case = store.fail_item_with_case(
            again.id, "application", "ERP_DOWN", "503", owner="robot-1",
            case={**CASE, "reason_code": "ERP_DOWN", "run_id": None, "reference": "NWB-2"})
    assert clone is None and case is not None and case.work_item_id == again.id


def test_a_lost_lease_writes_neither(store: Store, queue: str) -> None:
    from bots.runtime.errors import LeaseLostError

    store.add_item(queue, "NWB-3", {})
    item = _claim(store, queue, owner="robot-1")
    with pytest.raises(LeaseLostError):
        store.fail_item_with_case(item.id, "business", "AMBIGUOUS", "", owner="robot-2",
                                  case={**CASE, "run_id": None, "reference": "NWB-3"})
    assert store.get_item(item.id).state == "in_progress" and store.list_cases() == []


def _crash(url: str, queue: str, together: bool) -> None:
    ctx = multiprocessing.get_context("spawn")
    proc = ctx.Process(target=fail_and_die, args=(url, queue, together))
    proc.start()
    proc.join(60)
    assert proc.exitcode == -9  # SIGKILL, in the middle


def test_killed_while_writing_the_case_the_failure_is_not_written_either(
    store: Store, queue: str, db_url: str
) -> None:
    store.add_item(queue, "NWB-4", {"amount": "2000.00"})
    _crash(db_url, queue, together=True)

    [item] = store.list_items(queue)
    assert item.state == "in_progress" and store.list_cases() == []
    # the robot's death is noticed: the item goes back to the queue for the next run
    assert store.mark_dead_runs_abandoned("crash-host") == [item.run_id]
    assert [i.state for i in store.list_items(queue)] == ["retried", "new"]


def test_recovery_opens_the_case_a_crash_between_two_writes_left_out(
    store: Store, queue: str, db_url: str
) -> None:
    store.add_item(queue, "NWB-5", {"amount": "2000.00", "customer_id": "C1010"})
    _crash(db_url, queue, together=False)
    [item] = store.list_items(queue)
    assert item.state == "failed" and store.list_cases() == []  # in nobody's inbox

    opened = store.open_missing_cases()

    [case] = store.list_cases()
    assert opened == [case.id]
    assert (case.reference, case.reason_code, case.status) == ("NWB-5", "AMBIGUOUS", "open")
    assert case.work_item_id == item.id and case.run_id == item.run_id
    assert case.bot == "payment-posting" and case.summary == "two invoices fit"
    assert case.data["payload"] == {"amount": "2000.00", "customer_id": "C1010"}
    assert case.data["failure_kind"] == "business"
    assert store.open_missing_cases() == [] and len(store.list_cases()) == 1  # once


def test_recovery_leaves_alone_what_has_its_case(store: Store, queue: str) -> None:
    # a failure that joined the case already open for its reference and reason
    store.add_item(queue, "NWB-6", {})
    first = _claim(store, queue)
    store.fail_item_with_case(first.id, "business", "AMBIGUOUS", "", owner="robot-1",
                              case={**CASE, "run_id": None, "reference": "NWB-6"})
    store.retry_item(first.id)  # a person tries again; it fails the same way
    second = _claim(store, queue)
    _, joined = store.fail_item_with_case(
        second.id, "business", "AMBIGUOUS", "", owner="robot-1",
        case={**CASE, "run_id": None, "reference": "NWB-6"})
    assert joined is not None and joined.work_item_id == first.id
    # a technical failure the queue retried, and an item still being worked
    store.add_item(queue, "NWB-7", {})
    store.fail_item(_claim(store, queue).id, "application", "ERP_DOWN", "503")
    store.add_item(queue, "NWB-8", {})
    _claim(store, queue)

    assert store.open_missing_cases() == []
    assert [c.reference for c in store.list_cases()] == ["NWB-6"]


def test_recovery_opens_a_case_for_work_abandoned_past_its_retry_limit(store: Store) -> None:
    store.ensure_queue("once", max_retries=0)
    store.add_item("once", "NWB-9", {"amount": "10.00"})
    item = _claim(store, "once", lease_seconds=1)
    store.recover_expired_leases(now=utcnow() + dt.timedelta(seconds=5))
    assert store.get_item(item.id).state == "abandoned"

    [case_id] = store.open_missing_cases()

    case = store.get_case(case_id)
    assert (case.reference, case.reason_code, case.work_item_id) == (
        "NWB-9", "ABANDONED", item.id)
    assert store.open_missing_cases() == []
