"""``ctx.cases.update`` / ``close``: a bot's failure opens its case due when it says; the
bot later moves the due time, merges data and closes the case as settled, each a step and a
line of the case's history; another bot's case is refused. On the store and in memory."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from bots.runtime import Bot, BusinessFailure, MemoryBackend, QueueSpec, RunContext
from bots.runtime.errors import IllegalTransitionError, PermissionDeniedError
from orchestrator.bot_backend import StoreBackend
from orchestrator.store import Store

DISPUTES = Bot(name="disputes", version="1.0", queues=(QueueSpec("claims"),))
DUNNER = Bot(name="collections", version="1.0")
DUE = dt.datetime(2030, 5, 6, 14, 30, tzinfo=dt.UTC)
LATER = DUE + dt.timedelta(hours=72)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(f"sqlite:///{tmp_path / 'finbots.db'}")
    for bot in (DISPUTES, DUNNER):
        s.register_bot(bot.name, bot.version, "", ())
    yield s
    s.close()


def _open_dispute(ctx: RunContext) -> None:
    q = ctx.queue("claims")
    q.add("CLM-1", {"customer_id": "C1006"})
    for item in q.items():
        with item:
            raise BusinessFailure("DISPUTE", "C1006 disputes 120.00", amount=Decimal("120.00"),
                                  customer="C1006", data={"dispute": {"team": "billing"}},
                                  sla_due=DUE)


def _keep_and_settle(ctx: RunContext) -> int:
    [case] = ctx.cases.find(bot="disputes", reason_code="DISPUTE")
    assert case.sla_due_at == DUE  # opened due when the failure said
    moved = ctx.cases.update(case.id, data={"dispute": {"team": "pricing"}}, sla_due=LATER,
                             note="classified PRICING; owner pricing")
    assert moved.sla_due_at == LATER and moved.data["dispute"] == {"team": "pricing"}
    assert moved.data["payload"] == {"customer_id": "C1006"}  # other keys kept
    closed = ctx.cases.close(case.id, summary="settled: paid 120.00")
    assert closed.status == "resolved"
    assert ctx.cases.close(case.id, summary="again").status == "resolved"  # a rerun
    assert ctx.cases.find(bot="disputes") == []  # settled: no longer open
    return case.id


def test_a_bot_keeps_its_case_on_the_store(store: Store, tmp_path: Path) -> None:
    run = store.start_run(DISPUTES.name, {}, "host", 1)
    with RunContext(run.id, tmp_path / "1", bot=DISPUTES, store=store,
                    backend=StoreBackend(store, DISPUTES.name)) as ctx:
        _open_dispute(ctx)
    run2 = store.start_run(DUNNER.name, {}, "host", 1)
    with RunContext(run2.id, tmp_path / "2", bot=DUNNER, store=store,
                    backend=StoreBackend(store, DUNNER.name)) as ctx:
        [case] = ctx.cases.find(bot="disputes")
        with pytest.raises(PermissionDeniedError):
            ctx.cases.update(case.id, sla_due=LATER)
        with pytest.raises(PermissionDeniedError):
            ctx.cases.close(case.id, summary="not mine")
    assert store.get_case(case.id).sla_due_at == DUE
    run3 = store.start_run(DISPUTES.name, {}, "host", 1)
    with RunContext(run3.id, tmp_path / "3", bot=DISPUTES, store=store,
                    backend=StoreBackend(store, DISPUTES.name)) as ctx:
        case_id = _keep_and_settle(ctx)
        with pytest.raises(IllegalTransitionError):
            ctx.cases.update(case_id, data={"late": True})
    stored = store.get_case(case_id)
    assert stored.status == "resolved" and stored.sla_due_at == LATER
    assert [(e.actor, e.kind) for e in store.case_events(case_id)] == [
        ("bot:disputes", "created"), ("bot:disputes", "updated"),
        ("bot:disputes", "resolved")]
    steps = [s.action for s in store.list_steps(run3.id) if s.action.endswith(" case")]
    assert steps == ["update case", "close case", "close case", "update case"]
    refused = [s for s in store.list_steps(run2.id) if s.action.endswith(" case")]
    assert [s.outcome for s in refused] == ["failed", "failed"]


def test_a_bot_keeps_its_case_in_memory(tmp_path: Path) -> None:
    backend = MemoryBackend()
    with RunContext("r1", tmp_path / "1", bot=DISPUTES, backend=backend) as ctx:
        _open_dispute(ctx)
        _keep_and_settle(ctx)
    assert [h["kind"] for h in backend.cases[0].history] == ["updated", "resolved"]
    other = backend.open_case(None, None, "P07", "AMBIGUOUS", "two invoices fit")
    other.bot = "payment-posting"
    with (RunContext("r2", tmp_path / "2", bot=DISPUTES, backend=backend) as ctx,
          pytest.raises(PermissionDeniedError)):
        ctx.cases.close(other.id, summary="not mine")
    assert other.status == "open"
