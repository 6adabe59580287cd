"""A run stops after N application failures in a row of a queue's items (the target is down),
leaving the items it did not start for the next run."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bots.runtime import (
    ApplicationFailure,
    Bot,
    BusinessFailure,
    MemoryBackend,
    QueueSpec,
    RunContext,
)
from bots.runtime.errors import ConfigError, ConsecutiveFailuresError
from orchestrator.runner import run_bot
from orchestrator.store import Store

#: a bot whose target always fails (a stand-in for a service desk that does not answer)
BOT = Bot(name="desk-sync", version="0.1.0", stop_after_failures=3,
          queues=(QueueSpec("updates", max_retries=0),))


@BOT.task
def sync(ctx: RunContext) -> dict[str, Any]:
    q = ctx.queue("updates")
    for ref in (f"EV-{n}" for n in range(1, 9)):
        q.add(ref, {})
    for item in q.items():
        with item:
            raise ApplicationFailure("DESK_UNAVAILABLE", "service_desk: net::ERR_CONNECTION_"
                                     "REFUSED at https://desk.example/crm/login\nCall log: ...")
    return {}


Outcome = str  # "ok", "business" or "application"


def work(ctx: RunContext, outcomes: Callable[[str], Outcome], refs: list[str] | None = None,
         **queue: Any) -> list[str]:
    """Work queue ``updates`` (adding ``refs`` first); the references tried, in order."""
    q = ctx.queue("updates", **queue)
    for ref in refs or ():
        q.add(ref, {})
    tried: list[str] = []
    for item in q.items():
        tried.append(item.reference)
        with item:
            outcome = outcomes(item.reference)
            if outcome == "application":
                raise ApplicationFailure("DESK_UNAVAILABLE", f"{item.reference}: no answer "
                                         "with password hunter2-secret")
            if outcome == "business":
                raise BusinessFailure("NO_ACCOUNT", f"{item.reference}: no such account")
    return tried


def states(backend: MemoryBackend) -> dict[str, str]:
    return {i.reference: i.state for i in backend.list_items("updates")}


@pytest.fixture
def backend() -> MemoryBackend:
    return MemoryBackend()


@pytest.fixture
def ctx(tmp_path: Path, backend: MemoryBackend) -> Iterator[RunContext]:
    with RunContext("run-1", tmp_path / "run-1", bot=BOT, backend=backend) as context:
        context.secrets.add("hunter2-secret")
        yield context


REFS = [f"EV-{n}" for n in range(1, 9)]


def test_the_run_stops_after_n_failures_in_a_row_and_the_rest_waits_for_the_next_run(
        ctx: RunContext, backend: MemoryBackend, tmp_path: Path) -> None:
    with pytest.raises(ConsecutiveFailuresError) as stopped:
        work(ctx, lambda ref: "application", REFS)
    assert str(stopped.value) == ("stopped after 3 consecutive application failures (queue "
                                  "updates): DESK_UNAVAILABLE: EV-3: no answer with password "
                                  "***")
    assert states(backend) == {"EV-1": "failed", "EV-2": "failed", "EV-3": "failed",
                               **{ref: "new" for ref in REFS[3:]}}
    # the failed items were handled as ever: past the queue's retries, each has its case
    assert [c.reference for c in backend.cases] == ["EV-1", "EV-2", "EV-3"]
    [step] = [s for s in ctx.recorder.steps if s.action == "failure_limit"]
    assert (step.outcome, step.data["failures"], step.data["last_code"]) == (
        "failed", 3, "DESK_UNAVAILABLE")
    assert "stopped after 3 consecutive application failures" in (step.message or "")
    ctx.close()
    log = (ctx.run_dir / "bot.log").read_text()
    assert "stopped after 3 consecutive application failures" in log
    assert "hunter2-secret" not in log

    with RunContext("run-2", tmp_path / "run-2", bot=BOT, backend=backend) as again:
        assert work(again, lambda ref: "ok") == REFS[3:]  # the next run takes the rest
    assert states(backend) == {**{ref: "failed" for ref in REFS[:3]},
                               **{ref: "successful" for ref in REFS[3:]}}


def test_a_retried_item_counts_once_per_attempt_and_keeps_its_retry(
        tmp_path: Path, backend: MemoryBackend) -> None:
    backend.ensure_queue("updates", max_retries=2)
    with RunContext("run-1", tmp_path / "run", bot=BOT, backend=backend) as ctx, \
            pytest.raises(ConsecutiveFailuresError):
        work(ctx, lambda ref: "application", REFS[:2], stop_after_failures=2)
    items = backend.list_items("updates")
    assert [(i.reference, i.state, i.retry_count) for i in items] == [
        ("EV-1", "retried", 0), ("EV-2", "retried", 0), ("EV-1", "new", 1), ("EV-2", "new", 1)]


def test_business_failures_and_a_success_between_do_not_trip_it(ctx: RunContext,
                                                                backend: MemoryBackend) -> None:
    pattern = ["application", "application", "business", "business", "ok", "application",
               "application", "ok", "business", "business", "business", "business"]
    refs = [f"R{n:02d}" for n in range(len(pattern))]
    outcome = dict(zip(refs, pattern, strict=True))
    assert work(ctx, outcome.__getitem__, refs) == refs  # every item worked, no stop
    assert "new" not in states(backend).values()
    assert not [s for s in ctx.recorder.steps if s.action == "failure_limit"]


def test_a_business_failure_does_not_start_the_count_again(ctx: RunContext,
                                                          backend: MemoryBackend) -> None:
    """Bad data says nothing of the target: failures on both sides of it are in a row."""
    outcome = {"A": "application", "B": "application", "C": "business", "D": "application",
               "E": "ok"}
    with pytest.raises(ConsecutiveFailuresError):
        work(ctx, outcome.__getitem__, list(outcome))
    assert states(backend)["E"] == "new"


def test_the_runs_argument_overrides_the_bot_and_zero_never_stops(
        tmp_path: Path, backend: MemoryBackend) -> None:
    with RunContext("run-0", tmp_path / "r0", bot=BOT, backend=backend,
                    args={"stop_after_failures": "0"}) as ctx:
        assert len(work(ctx, lambda ref: "application", REFS)) == len(REFS)
    with RunContext("run-1", tmp_path / "r1", bot=BOT, backend=MemoryBackend(),
                    args={"stop_after_failures": 5}) as ctx, \
            pytest.raises(ConsecutiveFailuresError, match="after 5 consecutive"):
        work(ctx, lambda ref: "application", REFS)
    with RunContext("run-2", tmp_path / "r2", backend=MemoryBackend()) as ctx, \
            pytest.raises(ConsecutiveFailuresError, match="after 2 consecutive"):
        work(ctx, lambda ref: "application", REFS, stop_after_failures=2)  # per queue


def test_every_bot_accepts_the_argument_and_its_task_does_not_see_it() -> None:
    seen: dict[str, Any] = {}
    bot = Bot(name="args-bot", version="1")

    @bot.task
    def task(ctx: Any, day: str = "", **more: Any) -> None:
        seen.update(day=day, **more)

    assert bot.validate_args({"stop_after_failures": "7"}) == {"stop_after_failures": 7}
    for bad in ("-1", "many"):
        with pytest.raises(ConfigError, match="stop_after_failures"):
            bot.validate_args({"stop_after_failures": bad})
    with pytest.raises(ConfigError, match="stop_after_failures"):
        Bot(name="x", version="1", stop_after_failures=-2)

    ctx = SimpleNamespace(args={"stop_after_failures": "0", "day": "2026-12-01", "extra": "x"})
    bot.run(ctx)  # type: ignore[arg-type]
    assert seen == {"day": "2026-12-01", "extra": "x"}


def test_the_recorded_run_ends_failed_with_the_count_and_the_last_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINBOTS_HOME", str(tmp_path))
    monkeypatch.setenv("FINBOTS_RUNS_DIR", str(tmp_path / "runs"))
    store = Store(f"sqlite:///{tmp_path / 'finbots.db'}")
    try:
        outcome = run_bot(f"{__name__}:BOT", store=store)
        assert outcome.status == "failed"
        assert outcome.error == (
            "ConsecutiveFailuresError: stopped after 3 consecutive application failures "
            "(queue updates): DESK_UNAVAILABLE: service_desk: net::ERR_CONNECTION_REFUSED at "
            "https://desk.example/crm/login")
        run = store.get_run(outcome.run_id)
        assert (run.status, run.error) == ("failed", outcome.error)
        assert outcome.summary["application"] == 3
        assert outcome.summary["stopped_after_failures"] == {"queue": "updates", "failures": 3}
        assert [i.state for i in store.list_items("updates")].count("new") == 5
        assert "failure_limit" in [s.action for s in store.list_steps(outcome.run_id)]
    finally:
        store.close()
