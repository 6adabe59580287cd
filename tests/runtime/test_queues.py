"""Work queues, items and cases through the SDK, on the in-memory backend."""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from bots.runtime import (
    ApplicationFailure,
    Bot,
    BusinessFailure,
    MemoryBackend,
    NewItem,
    QueueSpec,
    RunContext,
)

BOT = Bot(name="ledger-check", version="0.1.0", queues=(QueueSpec("entries", max_retries=1),))


class Page:
    """A stand-in for an app session: its screenshots say which page they show."""

    def __init__(self, app: str) -> None:
        self.app, self.showing = app, ""

    def capture(self, path: Path) -> None:
        path.write_text(f"{self.app}: {self.showing}")


@pytest.fixture
def backend() -> MemoryBackend:
    return MemoryBackend()


@pytest.fixture
def ctx(tmp_path: Path, backend: MemoryBackend) -> Iterator[RunContext]:
    with RunContext("run-1", tmp_path / "run", bot=BOT, backend=backend) as context:
        yield context


def test_add_is_unique_per_live_reference(ctx: RunContext, backend: MemoryBackend) -> None:
    q = ctx.queue("entries")
    assert q.add("REF-1", {"amount": "12.00"}) is True
    assert q.add("REF-1", {"amount": "13.00"}) is False
    assert q.max_retries == 1  # declared by the bot's QueueSpec
    assert [i.payload for i in backend.list_items("entries")] == [{"amount": "12.00"}]


def test_each_item_released_once_and_a_business_failure_opens_a_case(
        ctx: RunContext, backend: MemoryBackend) -> None:
    q = ctx.queue("entries")
    for ref in ("A", "B", "C"):
        q.add(ref, {"ref": ref})
    seen = []
    for item in q.items():
        seen.append(item.reference)
        with item:
            if item.reference == "B":
                raise BusinessFailure("OVERPAID", "paid 880.00 for 800.00",
                                      data={"invoice": "INV-1"}, amount=Decimal("80.00"),
                                      customer="C-1", rule="amount > open",
                                      candidates=[{"invoice": "INV-1"}])
            item.output["ok"] = item.reference
    assert seen == ["A", "B", "C"]
    states = {i.reference: (i.state, i.output) for i in backend.list_items("entries")}
    assert states == {"A": ("successful", {"ok": "A"}), "B": ("failed", None),
                      "C": ("successful", {"ok": "C"})}
    [case] = backend.cases
    assert (case.reference, case.reason_code, case.summary) == (
        "B", "OVERPAID", "paid 880.00 for 800.00")
    assert case.data == {"payload": {"ref": "B"}, "invoice": "INV-1",
                         "failure_kind": "business"}
    assert (case.amount, case.customer_id, case.rule) == (Decimal("80.00"), "C-1",
                                                           "amount > open")
    assert case.candidates == [{"invoice": "INV-1"}]
    assert ctx.summary()["business"] == 1 and ctx.summary()["successful"] == 2


def test_application_failures_are_retried_then_a_case(
        ctx: RunContext, backend: MemoryBackend) -> None:
    q = ctx.queue("entries")
    q.add("X", {"n": 1})
    attempts = 0
    for item in q.items():
        with item:
            attempts += 1
            item.describe(data={"line": "X"}, amount=Decimal("5.00"))
            raise ApplicationFailure("ERP_DOWN", "the ERP did not answer")
    assert attempts == 2  # max_retries=1: the first try and one retry
    assert [i.state for i in backend.list_items("entries")] == ["retried", "failed"]
    [case] = backend.cases
    assert case.reason_code == "ERP_DOWN" and case.amount == Decimal("5.00")
    assert case.data["line"] == "X" and case.data["failure_kind"] == "application"


def test_an_item_not_released_is_completed_at_the_next_iteration(
        ctx: RunContext, backend: MemoryBackend) -> None:
    q = ctx.queue("entries")
    q.add("A")
    q.add("B")
    for item in q.items():
        item.output["n"] = item.reference
    assert [(i.state, i.output) for i in backend.list_items("entries")] == [
        ("successful", {"n": "A"}), ("successful", {"n": "B"})]


def test_done_and_fail_release_at_once(ctx: RunContext, backend: MemoryBackend) -> None:
    q = ctx.queue("entries")
    q.add("A")
    q.add("B")
    for item in q.items():
        with item:
            if item.reference == "A":
                item.done()
            else:
                item.fail("business", "NO_MATCH", "nothing fits", data={"why": "none"})
            raise RuntimeError("after the release: ignored")
    assert [i.state for i in backend.list_items("entries")] == ["successful", "failed"]
    assert [c.data["why"] for c in backend.cases] == ["none"]


def test_an_error_escaping_the_task_releases_the_open_item_by_its_kind(
        tmp_path: Path, backend: MemoryBackend) -> None:
    with pytest.raises(BusinessFailure):  # noqa: SIM117 - the boundary is the context
        with RunContext("run-2", tmp_path / "run", bot=BOT, backend=backend) as ctx:
            q = ctx.queue("entries")
            q.add("A", {"a": 1})
            for _item in q.items():
                raise BusinessFailure("BAD_DATA", "the entry has no date")
    [item] = backend.list_items("entries")
    assert (item.state, item.failure_code) == ("failed", "BAD_DATA")
    assert [c.reason_code for c in backend.cases] == ["BAD_DATA"]


def test_the_lease_is_renewed_while_an_item_is_worked(
        ctx: RunContext, backend: MemoryBackend) -> None:
    backend.ensure_queue("slow", lease_seconds=1)
    q = ctx.queue("slow")
    q.add("A")
    for item in q.items():
        with item:
            first = backend.items[item.id].lease_expires_at
            time.sleep(0.8)
            assert backend.items[item.id].lease_expires_at > first
            assert not item.lease_lost
    assert backend.list_items("slow")[0].state == "successful"


def test_a_person_decision_comes_back_as_the_item_resolution(
        tmp_path: Path, backend: MemoryBackend) -> None:
    def run(name: str) -> list[dict | None]:
        seen = []
        with RunContext(name, tmp_path / name, bot=BOT, backend=backend) as ctx:
            q = ctx.queue("entries")
            q.add("A", {"amount": "10.00"})
            for item in q.items():
                with item:
                    seen.append(item.resolution)
                    if item.resolution is None:
                        raise BusinessFailure("UNMATCHED", "no invoice")
                    item.output["refunded"] = item.resolution["values"]["amount"]
        return seen

    assert run("first") == [None]
    [case] = backend.cases
    backend.resolve_case(case.id, "refund", {"amount": "10.00"}, by="controller")
    [resolution] = run("second")
    assert resolution == {"name": "refund", "values": {"amount": "10.00"}, "case_id": case.id,
                          "by": "controller", "approved_by": None}
    assert backend.case(case.id).status == "resolved"
    assert backend.list_items("entries", state="successful")[0].output == {
        "refunded": "10.00"}


def test_state_remembers_between_runs(tmp_path: Path, backend: MemoryBackend) -> None:
    with RunContext("s1", tmp_path / "s1", bot=BOT, backend=backend) as ctx:
        statements = ctx.state("statements")
        assert not statements.seen("ST-1") and statements.get("ST-1", "no") == "no"
        statements.put("ST-1", {"file": "a.xml"})
    with RunContext("s2", tmp_path / "s2", bot=BOT, backend=backend) as ctx:
        assert ctx.state("statements").seen("ST-1")
        assert ctx.state("statements").get("ST-1") == {"file": "a.xml"}
        assert not ctx.state("other").seen("ST-1")


def test_failure_evidence_is_a_page_this_item_used(
        ctx: RunContext, backend: MemoryBackend) -> None:
    portal, erp = Page("billing_portal"), Page("legacy_erp")
    q = ctx.queue("entries")
    for ref in ("A", "B", "C"):
        q.add(ref)
    for item in q.items():
        with item:
            if item.reference == "A":  # leaves the portal showing A
                portal.showing = "A"
                with ctx.recorder.step("set_status", app="billing_portal", target=portal):
                    pass
            elif item.reference == "B":  # decided from data: no page of B
                raise BusinessFailure("UNMATCHED", "no invoice for B")
            else:
                erp.showing = "C"
                with ctx.recorder.step("lookup", app="legacy_erp", target=erp):
                    pass
                raise BusinessFailure("UNMATCHED", "no invoice for C")
    by_ref = {c.reference: c for c in backend.cases}
    assert by_ref["B"].evidence == []  # never the portal page item A left open
    [shot] = by_ref["C"].evidence
    assert (ctx.run_dir / shot).read_text() == "legacy_erp: C"
    tx_steps = [s for s in ctx.recorder.steps if s.action == "transaction"]
    assert [s.data.get("evidence_app") for s in tx_steps] == [None, None, "legacy_erp"]


def test_add_many_says_per_item_whether_it_was_added(ctx: RunContext,
                                                     backend: MemoryBackend) -> None:
    q = ctx.queue("entries")
    q.add("REF-1", {})
    added = q.add_many([("REF-1", {"n": 1}), ("REF-2", {"n": 2}),
                        NewItem("REF-3", {"n": 3}, priority=5)])
    assert added == [False, True, True]
    assert [i.reference for i in q.items()] == ["REF-3", "REF-1", "REF-2"]  # priority first
