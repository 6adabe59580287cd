"""Work queues, items, cases and bot state through the SDK, on the orchestrator store."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from bots.runtime import (
    ApplicationFailure,
    Bot,
    BotBackend,
    BusinessFailure,
    QueueSpec,
    RunContext,
)
from orchestrator.bot_backend import StoreBackend
from orchestrator.store import Store

BOT = Bot(name="ledger-check", version="0.1.0", queues=(QueueSpec("entries", max_retries=1),))


class Page:
    def __init__(self, app: str) -> None:
        self.app = app

    def capture(self, path: Path) -> None:
        path.write_text(self.app)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(f"sqlite:///{tmp_path / 'finbots.db'}")
    s.register_bot(BOT.name, BOT.version, "", ())
    yield s
    s.close()


def _ctx(store: Store, tmp_path: Path, name: str) -> RunContext:
    run = store.start_run(BOT.name, {}, "host", 1)
    return RunContext(run.id, tmp_path / name, bot=BOT, store=store,
                      backend=StoreBackend(store, BOT.name))


def test_the_store_backend_is_a_bot_backend(store: Store) -> None:
    assert isinstance(StoreBackend(store, BOT.name), BotBackend)


def test_items_cases_and_retries_on_the_store(store: Store, tmp_path: Path) -> None:
    page = Page("legacy_erp")
    with _ctx(store, tmp_path, "one") as ctx:
        q = ctx.queue("entries")
        assert [q.add(r, {"ref": r}) for r in ("A", "B", "C", "A")] == [True, True, True,
                                                                         False]
        for item in q.items():
            with item:
                if item.reference == "B":
                    with ctx.recorder.step("lookup", app="legacy_erp", target=page):
                        pass
                    raise BusinessFailure("OVERPAID", "paid too much", data={"invoice": "I-1"},
                                          amount=Decimal("80.00"), customer="C-1",
                                          candidates=[{"invoice_number": "I-1"}])
                if item.reference == "C":
                    raise ApplicationFailure("ERP_DOWN", "no answer")
                item.output["done"] = True
        run_id = ctx.run_id
    assert store.get_queue("entries").max_retries == 1
    states = [(i.reference, i.state) for i in store.list_items("entries")]
    assert states == [("A", "successful"), ("B", "failed"), ("C", "retried"), ("C", "failed")]
    cases = {c.reason_code: c for c in store.list_cases(run_id=run_id)}
    assert set(cases) == {"OVERPAID", "ERP_DOWN"}  # the application one past its retries
    overpaid = cases["OVERPAID"]
    assert overpaid.bot == BOT.name and overpaid.reference == "B"
    assert overpaid.data == {"payload": {"ref": "B"}, "invoice": "I-1",
                             "failure_kind": "business"}
    assert overpaid.amount == Decimal("80.00") and overpaid.customer_id == "C-1"
    assert overpaid.candidates == [{"invoice_number": "I-1"}]
    [shot] = overpaid.evidence
    assert (tmp_path / "one" / shot).read_text() == "legacy_erp"
    assert cases["ERP_DOWN"].evidence == []  # it used no page: no stale screenshot


def test_an_item_lost_to_another_owner_is_not_released_twice(
        store: Store, tmp_path: Path) -> None:
    with _ctx(store, tmp_path, "lost") as ctx:
        q = ctx.queue("entries")
        q.add("A")
        for item in q.items():
            with item:
                store.recover_expired_leases()  # nothing expired yet: still ours
                store.fail_item(item.id, "application", "KILLED", "recovered elsewhere")
        assert item.lost
    assert store.list_cases() == []


def test_state_is_kept_per_bot_and_namespace(store: Store, tmp_path: Path) -> None:
    with _ctx(store, tmp_path, "s1") as ctx:
        ctx.state("statements").put("DE89/ST-1/1", {"file": "a.xml"})
    with _ctx(store, tmp_path, "s2") as ctx:
        assert ctx.state("statements").seen("DE89/ST-1/1")
        assert ctx.state("statements").get("DE89/ST-1/1") == {"file": "a.xml"}
        assert not ctx.state("other").seen("DE89/ST-1/1")
    assert store.get_bot_state("other-bot", "statements", "DE89/ST-1/1") is None


def test_add_many_writes_one_batch_on_the_store(store: Store, tmp_path: Path) -> None:
    with _ctx(store, tmp_path, "batch") as ctx:
        q = ctx.queue("entries")
        assert q.add("E00000", {}) is True
        added = q.add_many((f"E{n:05d}", {"n": n}) for n in range(10_000))
        assert added.count(True) == 9_999 and added[0] is False
        with pytest.raises(ValueError, match="item 1"):
            q.add_many([("OK-1", {}), ("", {})])
    assert store.queue_counts()["entries"] == {"new": 10_000}
    assert store.find_item("entries", "OK-1") is None  # the refused batch wrote nothing
