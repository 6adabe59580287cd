"""Exception cases: idempotent per (reference, reason), money exact, SLA set."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from bots.runtime.errors import IllegalTransitionError
from orchestrator.store import Store, utcnow


def _open(store: Store, run_id: int | None = None, **kw: object) -> object:
    args: dict[str, object] = dict(
        run_id=run_id, item_id=None, reference="BANK-0007", reason_code="SHORT_PAYMENT",
        summary="Paid 950.00 against INV-1001 (1000.00)",
        data={"amount": Decimal("950.00"), "value_date": dt.date(2024, 3, 1)},
        candidates=[{"invoice": "INV-1001", "score": Decimal("0.93")}],
        evidence=["runs/1/bank.png"], rule="exact-reference", amount=Decimal("950"),
        customer_id="C-001",
    )
    args.update(kw)
    return store.open_case(**args)  # type: ignore[arg-type]


def test_case_round_trip(store: Store) -> None:
    run = store.start_run("bot", {}, "h", 1)
    case = _open(store, run.id)
    got = store.get_case(case.id)  # type: ignore[attr-defined]
    assert got.status == "open" and got.owner is None
    assert got.amount == Decimal("950.00") and isinstance(got.amount, Decimal)
    assert str(got.amount) == "950.00"
    assert got.data == {"amount": "950.00", "value_date": "2024-03-01"}
    assert got.candidates == [{"invoice": "INV-1001", "score": "0.93"}]
    assert got.evidence == ["runs/1/bank.png"]
    assert got.created_at.tzinfo is dt.UTC
    assert got.sla_due_at - got.created_at == dt.timedelta(hours=48)


def test_large_amount_is_exact(store: Store) -> None:
    case = _open(store, amount=Decimal("1234567890123.45"))
    assert store.get_case(case.id).amount == Decimal("1234567890123.45")  # type: ignore[attr-defined]


def test_open_case_is_idempotent(store: Store) -> None:
    first = _open(store)
    again = _open(store, summary="rerun")
    assert again.id == first.id  # type: ignore[attr-defined]
    other = _open(store, reason_code="UNMATCHED")
    assert other.id != first.id  # type: ignore[attr-defined]
    assert len(store.list_cases()) == 2
    # once resolved, the same problem seen again is a new case
    store.set_case_status(first.id, "resolved", owner="ana")  # type: ignore[attr-defined]
    third = _open(store)
    assert third.id not in (first.id, other.id)  # type: ignore[attr-defined]


def test_case_filters_and_sla(store: Store) -> None:
    r1 = store.start_run("bot", {}, "h", 1)
    r2 = store.start_run("bot", {}, "h", 1)
    _open(store, r1.id, reference="A")
    _open(store, r2.id, reference="B", reason_code="UNMATCHED", sla_hours=4)
    assert [c.reference for c in store.list_cases(reason_code="UNMATCHED")] == ["B"]
    assert [c.reference for c in store.list_cases(run_id=r1.id)] == ["A"]
    assert [c.reference for c in store.list_cases(status="open")] == ["A", "B"]
    b = store.list_cases(reference="B")[0]
    assert b.sla_due_at - utcnow() < dt.timedelta(hours=4, seconds=1)


def test_case_status_is_guarded(store: Store) -> None:
    case = _open(store)
    store.set_case_status(case.id, "closed")  # type: ignore[attr-defined]
    with pytest.raises(IllegalTransitionError):
        store.set_case_status(case.id, "open")  # type: ignore[attr-defined]
