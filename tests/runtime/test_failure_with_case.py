"""Through the SDK on the store: a failed item's case is written with its failure; a case
the store refuses still leaves the failure recorded, and recovery opens the case later."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from bots.runtime import Bot, BusinessFailure, QueueSpec, RunContext
from orchestrator.bot_backend import StoreBackend
from orchestrator.store import Store

BOT = Bot(name="ledger-check", version="0.1.0", queues=(QueueSpec("entries"),))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(f"sqlite:///{tmp_path / 'finbots.db'}")
    s.register_bot(BOT.name, BOT.version, "", ())
    yield s
    s.close()


def _fail_each(store: Store, tmp_path: Path, amount: Decimal) -> int:
    run = store.start_run(BOT.name, {}, "host", 1)
    with RunContext(run.id, tmp_path / str(run.id), bot=BOT, store=store,
                    backend=StoreBackend(store, BOT.name)) as ctx:
        q = ctx.queue("entries")
        q.add("A", {"ref": "A"})
        for item in q.items():
            with item:
                raise BusinessFailure("OVERPAID", "paid too much", amount=amount)
    assert run.id is not None
    return run.id


def test_the_case_comes_with_the_failure(store: Store, tmp_path: Path) -> None:
    _fail_each(store, tmp_path, Decimal("80.00"))
    [item] = store.list_items("entries")
    [case] = store.list_cases()
    assert item.state == "failed" and case.work_item_id == item.id
    assert case.amount == Decimal("80.00") and case.reason_code == "OVERPAID"
    assert store.open_missing_cases() == []


def test_a_case_the_store_refuses_is_opened_by_recovery(store: Store, tmp_path: Path) -> None:
    run_id = _fail_each(store, tmp_path, Decimal("Infinity"))  # no amount a case can hold
    [item] = store.list_items("entries")
    assert (item.state, item.failure_code) == ("failed", "OVERPAID")  # recorded all the same
    assert store.list_cases() == []
    log = (tmp_path / str(run_id) / "bot.log").read_text()
    assert "were not written together" in log

    [case_id] = store.open_missing_cases()  # what the next run does first

    case = store.get_case(case_id)
    assert (case.reference, case.reason_code, case.summary) == ("A", "OVERPAID",
                                                                 "paid too much")
    assert case.work_item_id == item.id and case.data["payload"] == {"ref": "A"}
