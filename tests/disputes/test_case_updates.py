"""A dispute's case on the store follows the dispute: it opens due when the reason's SLA
says, a person's classification moves its reason, owner team and due time onto the case,
and it resolves as settled by the bot when the customer pays the disputed amount."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bots.disputes import BOT
from bots.disputes.carry_out import Decisions
from bots.disputes.desk import ClaimState
from bots.disputes.intake import take_claim
from bots.disputes.model import DisputeClaim
from bots.disputes.outcome import load_outcome, save_outcome
from bots.disputes.routing import reason_book
from bots.disputes.settle import sweep
from bots.runtime import RunContext
from orchestrator.bot_backend import StoreBackend
from orchestrator.store import Store
from orchestrator.store.models import ExceptionCase

D = Decimal
INVOICE = "INV-2026-2001"
TEXT = "You billed 12.40 per unit above the contract price agreed for the pump motors."


@dataclass
class Targets:
    """The billing portal and the ERP as the intake and the sweep read them."""

    open: dict[str, Decimal] = field(default_factory=lambda: {INVOICE: D("1190.00")})
    closed: list[str] = field(default_factory=list)

    def invoice(self, number: str) -> None:
        return None  # not in the portal: the claim's own amount is what is disputed

    def order(self, number: str) -> None:
        return None

    def customer(self, customer_id: str) -> tuple[str, str]:
        return "Contoso Retail GmbH", "ap.c1001@customers.example"

    def statement(self, customer_id: str) -> tuple[list[Any], None]:
        return [], None

    def open_amounts(self) -> dict[str, Decimal]:
        return {k: v for k, v in self.open.items() if v > 0}

    def close_claim(self, claim_id: str, note: str) -> ClaimState:
        self.closed.append(claim_id)
        return ClaimState(claim_id, "closed", "", "")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(f"sqlite:///{tmp_path / 'finbots.db'}")
    s.register_bot(BOT.name, BOT.version, "", ())
    yield s
    s.close()


def _ctx(store: Store, tmp_path: Path) -> RunContext:
    run = store.start_run(BOT.name, {}, "host", 1)
    return RunContext(run.id, tmp_path / str(run.id), bot=BOT, store=store,
                      backend=StoreBackend(store, BOT.name))


def _take(store: Store, tmp_path: Path, targets: Targets) -> ExceptionCase:
    claim = DisputeClaim("portal", "DSP-0001", "C1001", INVOICE, D("190.40"), "EUR", TEXT,
                         dt.datetime(2026, 11, 19, tzinfo=dt.UTC))
    with _ctx(store, tmp_path) as ctx:
        queue = ctx.queue("dispute-claims")
        queue.add(claim.ref, claim.payload())
        systems = SimpleNamespace(desk=targets, erp=targets)
        for item in queue.items():
            with item:
                take_claim(ctx, systems, reason_book(ctx), item)  # type: ignore[arg-type]
    [case] = store.list_cases(reason_code="DISPUTE")
    return store.get_case(case.id or 0)


def _sweep(store: Store, tmp_path: Path, targets: Targets) -> dict[str, Any]:
    with _ctx(store, tmp_path) as ctx:
        decisions = Decisions(ctx)
        decisions._desk = targets  # type: ignore[assignment]
        return sweep(ctx, decisions)


def test_a_dispute_opens_due_when_its_reason_says(store: Store, tmp_path: Path) -> None:
    case = _take(store, tmp_path, Targets())
    dispute = case.data["dispute"]
    assert case.sla_due_at == dt.datetime.fromisoformat(dispute["sla_due"])
    hours = reason_book(None).get(dispute["reason_code"]).sla_hours
    assert case.sla_due_at - case.created_at == pytest.approx(dt.timedelta(hours=hours),
                                                             abs=dt.timedelta(seconds=30))
    assert hours != 48  # not the orchestrator's default


def test_a_classification_moves_onto_the_case_and_payment_settles_it(
        store: Store, tmp_path: Path) -> None:
    targets = Targets()
    case = _take(store, tmp_path, targets)
    case_ref = case.data["dispute"]["case_ref"]
    assert _sweep(store, tmp_path, targets) == {"settled": 0, "unsettled": 1}
    assert [e.kind for e in store.case_events(case.id or 0)] == ["created"]  # nothing new

    # a person classified it TAX (carry_out recorded it and the case is open again)
    due = dt.datetime(2026, 12, 9, 9, 0, tzinfo=dt.UTC)
    with _ctx(store, tmp_path) as ctx:
        outcome = load_outcome(ctx.records, case_ref)
        assert outcome is not None
        outcome.reason_code, outcome.owner_team = "TAX", "tax"
        outcome.sla_due = due.isoformat()
        save_outcome(ctx.records, outcome)
    _sweep(store, tmp_path, targets)
    _sweep(store, tmp_path, targets)  # a rerun: the case says it already
    got = store.get_case(case.id or 0)
    dispute = got.data["dispute"]
    assert (dispute["reason_code"], dispute["owner_team"], dispute["sla_due"]) == (
        "TAX", "tax", due.isoformat())
    assert dispute["reason_label"] == reason_book(None).get("TAX").label
    assert dispute["needs_person"] is False and got.sla_due_at == due
    assert got.status == "open"
    events = store.case_events(case.id or 0)
    assert [(e.actor, e.kind) for e in events] == [("bot:disputes", "created"),
                                                   ("bot:disputes", "updated")]
    assert "TAX" in events[1].text and "2026-12-09" in events[1].text

    targets.open[INVOICE] = D("0.00")  # the customer paid all, the disputed part too
    assert _sweep(store, tmp_path, targets) == {"settled": 1, "unsettled": 0}
    settled = store.get_case(case.id or 0)
    assert settled.status == "resolved" and settled.resolved_by == "bot:disputes"
    assert settled.resolution is not None and settled.resolution["name"] == "settled"
    assert "paid 190.40" in settled.resolution["summary"]
    assert targets.closed == ["DSP-0001"]
    assert _sweep(store, tmp_path, targets) == {"settled": 0, "unsettled": 0}
    assert [e.kind for e in store.case_events(case.id or 0)][-1] == "resolved"
