"""Carrying decisions out, step by step and idempotent, on the SDK's memory backend with a
claims desk and ERP that keep their documents by reference as the real ones do (the
browser against the sandbox is tests/e2e/test_dispute_resolutions.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bots.disputes.carry_out import CLASSIFICATION, QUEUE, Decisions, carry_out_item
from bots.disputes.desk import Adjustment, ClaimState, CreditMemoRequest
from bots.disputes.outcome import load_outcome
from bots.disputes.resolutions import (
    prepare_classify,
    prepare_credit_memo,
    prepare_reject,
    prepare_write_off,
)
from bots.disputes.settle import sweep
from bots.runtime import Bot, BusinessFailure, RunContext
from bots.runtime.memory import MemoryBackend

D = Decimal
ADDRESS = "ap.c1004@customers.example"
CASE_ID = 1  # the memory backend's first case


@dataclass
class Targets:
    """The claims desk and the ERP as the bot sees them: documents kept by reference."""

    open: dict[str, Decimal] = field(default_factory=lambda: {"INV-2026-2002": D("6249.88")})
    requests: dict[str, CreditMemoRequest] = field(default_factory=dict)
    adjustments: dict[str, Adjustment] = field(default_factory=dict)
    claims: dict[str, str] = field(default_factory=lambda: {"DSP-0002": "received"})
    messages: dict[str, str] = field(default_factory=dict)

    def request_credit_memo(self, *, invoice: str, claim_id: str, amount: Decimal,
                            reason: str, reference: str) -> CreditMemoRequest:
        if reference not in self.requests:
            self.requests[reference] = CreditMemoRequest(
                f"CMR-{len(self.requests) + 1:04d}", "blocked", "", "")
        return self.requests[reference]

    def release_credit_memo(self, request_id: str, approvers: str) -> CreditMemoRequest:
        ref, found = next((k, r) for k, r in self.requests.items() if r.request_id == request_id)
        if found.status == "blocked":
            found = CreditMemoRequest(request_id, "released",
                                      f"CM-2026-{1000 + len(self.requests)}", approvers)
            self.requests[ref] = found
        return found

    def post_adjustment(self, *, kind: str, invoice: str, amount: Decimal, reference: str,
                        reason: str) -> Adjustment:
        if reference not in self.adjustments:
            applied = min(amount, self.open[invoice])
            self.open[invoice] -= applied
            prefix = "CM-ERP" if kind == "credit_memo" else "WO-ERP"
            self.adjustments[reference] = Adjustment(
                f"{prefix}-{len(self.adjustments) + 1:06d}", applied, amount - applied)
        return self.adjustments[reference]

    def reject_claim(self, claim_id: str, message: str) -> ClaimState:
        if self.claims[claim_id] not in ("rejected", "closed"):
            self.claims[claim_id], self.messages[claim_id] = "rejected", message
        return ClaimState(claim_id, self.claims[claim_id], "", message)

    def close_claim(self, claim_id: str, note: str) -> ClaimState:
        self.claims[claim_id] = "closed"
        return ClaimState(claim_id, "closed", "", "")

    def open_amounts(self) -> dict[str, Decimal]:
        return {k: v for k, v in self.open.items() if v > 0}


def _case(disputed: str = "1249.98") -> dict[str, Any]:
    return {"id": CASE_ID, "reference": "portal:DSP-0002", "amount": disputed, "data": {"dispute": {
        "case_ref": "DISP-INV-2026-2002", "customer_id": "C1004",
        "invoice_number": "INV-2026-2002", "currency": "EUR", "reason_code": "QUANTITY",
        "claims": [{"ref": "portal:DSP-0002", "received_at": "2026-11-17T14:05:00+00:00",
                    "claimant_address": ADDRESS}],
        "suggestion": {"code": "QUANTITY", "confidence": "0.91"},
        "amounts": {"invoice": "6249.88", "disputed": disputed}}}}


@dataclass
class World:
    backend: MemoryBackend
    targets: Targets
    tmp: Path
    runs: int = 0

    def carry_out(self, name: str, payload: dict[str, Any], by: str = "fiona",
                  approved_by: str = "") -> tuple[str | None, BaseException | None]:
        """One decision as the orchestrator hands it over: an item with the decision."""
        self.runs += 1
        self.backend.ensure_queue(QUEUE)
        self.backend.add_item(QUEUE, f"decision-{self.runs}", {
            **payload, "resolves_case": CASE_ID, "resolution": {
                "name": name, "values": {}, "case_id": CASE_ID, "by": by,
                "approved_by": approved_by}})
        with self.ctx() as ctx:
            decisions = Decisions(ctx)
            decisions._desk = self.targets  # type: ignore[assignment]
            for item in ctx.queue(QUEUE).items():
                summary = None
                with item:  # a business failure fails the item (the case reopens)
                    summary = carry_out_item(ctx, decisions, item)
                return summary, item.failure
        return None, None

    def sweep(self) -> dict[str, Any]:
        with self.ctx() as ctx:
            decisions = Decisions(ctx)
            decisions._desk = self.targets  # type: ignore[assignment]
            return sweep(ctx, decisions)

    def ctx(self) -> RunContext:
        return RunContext(self.runs, self.tmp / str(self.runs),
                          bot=Bot(name="disputes", version="1"), backend=self.backend)

    def outcome(self) -> Any:
        with self.ctx() as ctx:
            return load_outcome(ctx.records, "DISP-INV-2026-2002")


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    backend = MemoryBackend()
    backend.add_mailbox("mail/finance", "finance@northwind.example")
    case = backend.open_case(1, None, "portal:DSP-0002", "DISPUTE", "10 pallets short",
                             data=_case()["data"], amount=D("1249.98"), customer_id="C1004")
    assert case.id == CASE_ID
    yield World(backend, Targets(), tmp_path)


def _sent(world: World) -> list[Any]:
    box = world.backend.mailbox("mail/finance")
    assert box is not None
    return [m for m in box.messages("Sent")]


def test_a_credit_memo_is_requested_released_posted_and_told_once(world: World) -> None:
    payload = prepare_credit_memo(_case(), {"amount": "1249.98"}).payload
    summary, failure = world.carry_out("credit_memo", payload, approved_by="anna, max")
    assert failure is None and summary is not None
    [request] = world.targets.requests.values()
    assert (request.status, request.approved_by) == ("released", "anna, max")
    [document] = world.targets.adjustments.values()
    assert (document.applied, document.credit_balance) == (D("1249.98"), D("0.00"))
    assert request.number in summary and document.document in summary
    assert "approved by anna, max" in summary
    assert world.backend.case(CASE_ID).status == "resolved"
    outcome = world.outcome()
    assert outcome.status == "credited" and outcome.amounts.credited == D("1249.98")
    assert [m.to for m in _sent(world)] == [(ADDRESS,)]

    # the same decision again (a rerun after a crash): nothing issued twice
    world.carry_out("credit_memo", payload, approved_by="anna, max")
    assert len(world.targets.requests) == 1 and len(world.targets.adjustments) == 1
    assert world.outcome().amounts.credited == D("1249.98")
    assert len(_sent(world)) == 1

    assert world.sweep() == {"settled": 1, "unsettled": 0}
    assert world.targets.claims["DSP-0002"] == "closed"
    assert world.outcome().status == "settled"
    assert world.sweep() == {"settled": 0, "unsettled": 0}


def test_a_part_credited_dispute_settles_when_the_customer_pays_the_rest(world: World) -> None:
    payload = prepare_credit_memo(_case(), {"amount": "600.00"}).payload
    world.carry_out("credit_memo", payload)
    assert world.sweep() == {"settled": 0, "unsettled": 1}
    world.targets.open["INV-2026-2002"] -= D("4999.90")  # the undisputed part paid
    assert world.sweep() == {"settled": 0, "unsettled": 1}
    assert world.outcome().amounts.paid == D("0.00")
    world.targets.open["INV-2026-2002"] = D("0.00")  # and the rest of the disputed part
    assert world.sweep() == {"settled": 1, "unsettled": 0}
    amounts = world.outcome().amounts
    assert (amounts.credited, amounts.paid, amounts.settled) == (D("600.00"), D("649.98"),
                                                                  True)


def test_a_credit_memo_beyond_what_is_left_is_refused_before_anything_is_issued(
        world: World) -> None:
    world.carry_out("credit_memo", prepare_credit_memo(_case(), {"amount": "1000.00"}).payload)
    again = prepare_credit_memo(_case(), {"amount": "300.00"}).payload  # case data is old
    _, failure = world.carry_out("credit_memo", again)
    assert isinstance(failure, BusinessFailure) and "249.98" in failure.message
    assert len(world.targets.requests) == 1


def test_a_rejection_tells_the_customer_and_a_classification_keeps_the_case_open(
        world: World) -> None:
    world.backend.case(CASE_ID).status = "awaiting_bot"  # as a person's decision leaves it
    summary, failure = world.carry_out("classify", prepare_classify(
        _case(), {"reason_code": "PRICING"}).payload, by="sam")
    assert failure is None and summary is not None  # carried out, not failed
    assert "classified PRICING" in summary and "by sam" in summary
    case = world.backend.case(CASE_ID)
    assert case.status == "open"  # back to its (new) owner, with the new reason and due
    dispute = case.data["dispute"]
    assert (dispute["reason_code"], dispute["owner_team"], dispute["classified_by"],
            dispute["needs_person"]) == ("PRICING", "sales", "person", False)
    assert case.sla_due_at is not None
    assert case.sla_due_at.isoformat() == dispute["sla_due"]
    assert "classified PRICING" in case.history[-1]["text"]
    assert "failed" not in case.history[-1]["text"]
    with world.ctx() as ctx:
        [record] = ctx.records.find(CLASSIFICATION)
    assert (record.data["suggested"], record.data["chosen"], record.data["accepted"],
            record.data["by"]) == ("QUANTITY", "PRICING", False, "sam")
    assert world.outcome().owner_team == "sales"

    message = "The delivery note is signed for 50 pallets."
    payload = prepare_reject(_case(), {"message": message}).payload
    world.carry_out("reject", payload)
    world.carry_out("reject", payload)
    assert world.targets.messages == {"DSP-0002": message}
    assert world.outcome().status == "rejected"
    assert world.outcome().amounts.rejected == D("1249.98")
    mails = _sent(world)
    assert len(mails) == 1 and message in mails[0].text


def test_a_write_off_is_posted_once_recorded_for_the_customer_and_told(world: World) -> None:
    payload = prepare_write_off(_case(), {"amount": "49.98", "reason": "GOODWILL"}).payload
    summary, failure = world.carry_out("write_off", payload, approved_by="anna")
    assert failure is None and summary is not None and "WO-ERP-000001" in summary
    world.carry_out("write_off", payload, approved_by="anna")  # a rerun
    assert list(world.targets.adjustments.values()) == [
        Adjustment("WO-ERP-000001", D("49.98"), D("0.00"))]
    assert world.targets.open["INV-2026-2002"] == D("6199.90")
    outcome = world.outcome()
    assert (outcome.status, outcome.amounts.written_off) == ("written_off", D("49.98"))
    with world.ctx() as ctx:
        events = [r.data for r in ctx.records.find("finance_event")
                  if r.data["type"] == "writeoff_booked"]
    assert len(events) == 1 and events[0]["document"] == "WO-ERP-000001"
    assert events[0]["amount"] == "49.98"
    mails = _sent(world)
    assert len(mails) == 1 and "49.98 EUR" in mails[0].text


def test_a_credit_memo_on_a_paid_invoice_becomes_a_credit_balance(world: World) -> None:
    world.targets.open["INV-2026-2002"] = D("0.00")  # paid before the claim
    summary, failure = world.carry_out("credit_memo", prepare_credit_memo(
        _case(), {"amount": "1249.98"}).payload, approved_by="anna, max")
    assert failure is None and summary is not None
    assert "1249.98 EUR became a credit balance" in summary
    [document] = world.targets.adjustments.values()
    assert (document.applied, document.credit_balance) == (D("0.00"), D("1249.98"))
    assert world.sweep() == {"settled": 1, "unsettled": 0}  # credited in full


def test_a_credit_memo_below_the_threshold_names_no_approver(world: World) -> None:
    """Nobody approved a memo under the threshold: its history says the requester decided
    it, never that the requester approved it."""
    payload = prepare_credit_memo(_case(), {"amount": "99.00"}).payload
    summary, failure = world.carry_out("credit_memo", payload, by="fiona", approved_by="")
    assert failure is None and summary is not None
    assert "approved by" not in summary and "decided by fiona, no approval needed" in summary
