from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from bots.runtime import ApplicationFailure, BusinessFailure, MemorySink, RunContext, Transaction


@dataclass
class Item:
    id: int
    reference: str


@pytest.fixture
def run(tmp_path: Path) -> RunContext:
    sink = MemorySink()
    ctx = RunContext("tx", tmp_path / "run", store=sink)
    ctx.secrets.add("topsecret")
    yield ctx
    ctx.close()


def test_success_business_application_each_released_once(run: RunContext) -> None:
    sink: MemorySink = run.store  # type: ignore[assignment]
    cases: list[tuple[str, str]] = []

    def open_case(tx: Transaction) -> None:
        assert tx.failure is not None
        cases.append((tx.item.reference, tx.failure.code))

    with run.transaction(Item(1, "P01")) as tx:
        tx.output["confirmation"] = "C-1"
    with run.transaction(Item(2, "P02"), on_failure=open_case):
        raise BusinessFailure("UNMATCHED", "no open invoice for topsecret")
    with run.transaction(Item(3, "P03"), on_failure=open_case):
        raise ApplicationFailure("ERP_TIMEOUT", "the ERP did not answer")
    with run.transaction(Item(4, "P04")) as tx4:
        {}["missing"]  # any exception is an application failure
    assert sink.completed == [(1, {"confirmation": "C-1"})]
    assert sink.failed == [
        (2, "business", "UNMATCHED", "no open invoice for ***"),
        (3, "application", "ERP_TIMEOUT", "the ERP did not answer"),
        (4, "application", "UNEXPECTED_ERROR", "KeyError: 'missing'"),
    ]
    assert all(sink.releases(i) == 1 for i in (1, 2, 3, 4))
    assert cases == [("P02", "UNMATCHED"), ("P03", "ERP_TIMEOUT")]
    assert tx4.result == "application" and tx4.failure and tx4.failure.code == "UNEXPECTED_ERROR"
    assert run.summary() == {"successful": 1, "business": 1, "application": 2, "items": 4,
                             "steps": 4}
    steps = [s for s in sink.steps if s["action"] == "transaction"]
    assert [s["outcome"] for s in steps] == ["ok", "failed", "failed", "failed"]
    assert steps[1]["data"]["code"] == "UNMATCHED" and "topsecret" not in str(steps)


def test_guard_and_interrupt(run: RunContext) -> None:
    sink: MemorySink = run.store  # type: ignore[assignment]
    tx = run.transaction(Item(5, "P05"))
    with tx:
        pass
    tx.__exit__(None, None, None)  # a second release is refused
    assert sink.releases(5) == 1
    with pytest.raises(KeyboardInterrupt), run.transaction(Item(6, "P06")):
        raise KeyboardInterrupt
    assert sink.failed[-1][:3] == (6, "application", "INTERRUPTED")
    assert sink.releases(6) == 1


def test_failing_handler_does_not_escape(run: RunContext) -> None:
    def broken(tx: Transaction) -> None:
        raise RuntimeError("case store down")

    with run.transaction({"id": 9, "reference": "P09"}, on_failure=broken):
        raise BusinessFailure("SHORT_PAYMENT")
    log = (run.run_dir / "bot.log").read_text()
    assert "failure handler for item 9 failed" in log
