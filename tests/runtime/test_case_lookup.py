"""``ctx.cases``: another bot's unsettled cases found by customer and data field, read-only,
on the store and in memory; each lookup a step."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from bots.runtime import Bot, BusinessFailure, MemoryBackend, QueueSpec, RunContext
from orchestrator.bot_backend import StoreBackend
from orchestrator.store import Store

POSTER = Bot(name="payment-posting", version="1.0", queues=(QueueSpec("payments"),))
DUNNER = Bot(name="collections", version="1.0")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(f"sqlite:///{tmp_path / 'finbots.db'}")
    for bot in (POSTER, DUNNER):
        s.register_bot(bot.name, bot.version, "", ())
    yield s
    s.close()


def _post_two_payments(store: Store, tmp_path: Path) -> None:
    run = store.start_run(POSTER.name, {}, "host", 1)
    with RunContext(run.id, tmp_path / str(run.id), bot=POSTER, store=store,
                    backend=StoreBackend(store, POSTER.name)) as ctx:
        q = ctx.queue("payments")
        q.add("P07", {"customer_id": "C1006", "amount": "2000.00"})
        q.add("P08", {"customer_id": "C1008", "amount": "4750.00"})
        for item in q.items():
            with item:
                raise BusinessFailure("AMBIGUOUS", "two invoices fit", amount=Decimal(
                    item.payload["amount"]), customer=item.payload["customer_id"])


def test_find_another_bots_open_cases(store: Store, tmp_path: Path) -> None:
    _post_two_payments(store, tmp_path)
    run = store.start_run(DUNNER.name, {}, "host", 1)
    with RunContext(run.id, tmp_path / "d", bot=DUNNER, store=store,
                    backend=StoreBackend(store, DUNNER.name)) as ctx:
        [case] = ctx.cases.find(bot="payment-posting", customer_id="C1006")
        assert case.reason_code == "AMBIGUOUS" and case.amount == Decimal("2000.00")
        assert case.bot == "payment-posting" and case.status == "open"
        by_data = ctx.cases.find(bot="payment-posting", where={"payload.customer_id": "C1008"})
        assert [c.customer_id for c in by_data] == ["C1008"]
        assert ctx.cases.find(bot="collections") == []
        case.data["payload"]["customer_id"] = "changed"  # a copy: nothing stored changes
        store.set_case_status(case.id, "resolved")
        assert ctx.cases.find(bot="payment-posting", customer_id="C1006") == []
        assert len(ctx.cases.find(bot="payment-posting", status="resolved")) == 1
    assert store.get_case(case.id).data["payload"]["customer_id"] == "C1006"
    steps = [s for s in store.list_steps(run.id) if s.action == "find cases"]
    assert len(steps) == 5 and steps[0].data["found"] == [case.id]


def test_find_in_memory(tmp_path: Path) -> None:
    backend = MemoryBackend()
    backend.open_case(None, None, "P07", "AMBIGUOUS", "two invoices fit",
                      data={"payload": {"customer_id": "C1006"}}, customer_id="C1006")
    with RunContext("r1", tmp_path, bot=DUNNER, backend=backend) as ctx:
        assert [c.reference for c in ctx.cases.find(bot="payment-posting",
                                                    customer_id="C1006")] == ["P07"]
        assert ctx.cases.find(customer_id="C2001") == []
        with pytest.raises(ValueError, match="limit"):
            ctx.cases.find(limit=0)
