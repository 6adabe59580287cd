"""Response models of the runs API (also what the run pages render)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from bots.runtime.evidence import safe_relative
from orchestrator.services.formatting import duration
from orchestrator.services.run_files import is_image
from orchestrator.store import RunRecord, StepRecord

__all__ = ["LogLineOut", "LogPageOut", "RunDetailOut", "RunOut", "RunPageOut", "StepOut",
           "run_out", "step_out"]

ACTIVE_RUN_STATES = frozenset({"pending", "running", "stopping"})


class RunOut(BaseModel):
    """A run (a job once claimed): who asked for it, where it ran, how it went."""

    id: int
    bot: str
    bot_version: str | None = None
    status: str
    trigger: str = "manual"
    requested_by: str | None = None
    robot: str | None = None
    schedule_id: int | None = None
    host: str = ""
    pid: int | None = None
    args: dict[str, Any] = Field(default_factory=dict)
    created_at: dt.datetime | None = None
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    duration_seconds: float | None = None
    stop_requested_at: dt.datetime | None = None
    kill_requested_at: dt.datetime | None = None
    summary: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None
    items_ok: int = 0
    items_failed: int = 0
    exceptions: int = 0
    active: bool = False


class RunPageOut(BaseModel):
    total: int
    offset: int
    limit: int
    runs: list[RunOut]


class RunDetailOut(RunOut):
    steps: int = 0
    failed_steps: int = 0
    first_failed_step: int | None = None
    screenshots: list[str] = Field(default_factory=list, description="URLs of the images")
    log_url: str | None = None
    log_bytes: int = 0
    trace_url: str | None = None


class StepOut(BaseModel):
    """One recorded action: where, on what, with which data and rule, and how it went."""

    seq: int
    started_at: dt.datetime
    app: str | None = None
    selector: str | None = None
    locator: str | None = None
    action: str
    data: dict[str, Any] = Field(default_factory=dict, description="secrets already redacted")
    rule: str | None = None
    outcome: str
    duration_ms: int | None = None
    message: str | None = None
    evidence: str | None = None
    evidence_url: str | None = None
    evidence_is_image: bool = False


class LogLineOut(BaseModel):
    number: int | None = None
    level: str | None = None
    text: str


class LogPageOut(BaseModel):
    """Lines of ``bot.log`` from byte ``offset``; ask again from ``next_offset`` for more."""

    offset: int
    next_offset: int | None = None
    next_line: int | None = None
    size: int
    lines: list[LogLineOut]


def run_out(run: RunRecord, counts: dict[str, int] | None = None,
            model: type[RunOut] = RunOut, **extra: Any) -> Any:
    n = counts or {}
    summary = run.summary or {}
    return model(
        id=run.id or 0, bot=run.bot, bot_version=run.bot_version, status=run.status,
        trigger=run.trigger, requested_by=run.requested_by, robot=run.robot,
        schedule_id=run.schedule_id, host=run.host, pid=run.pid, args=run.args or {},
        created_at=run.created_at, started_at=run.started_at, finished_at=run.finished_at,
        duration_seconds=None if run.status == "pending" else duration(run.started_at,
                                                                       run.finished_at),
        stop_requested_at=run.stop_requested_at, kill_requested_at=run.kill_requested_at,
        summary=summary, error=run.error,
        items_ok=n.get("ok") or _int(summary.get("items_ok")),
        items_failed=n.get("failed") or _int(summary.get("items_failed")),
        exceptions=n.get("exceptions") or _int(summary.get("exceptions")),
        active=run.status in ACTIVE_RUN_STATES, **extra,
    )


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def step_out(step: StepRecord) -> StepOut:
    evidence = step.evidence
    served = safe_relative(evidence) if evidence else None  # a file of the run's folder only
    return StepOut(
        seq=step.seq, started_at=step.started_at, app=step.app, selector=step.selector,
        locator=step.locator, action=step.action, data=step.data or {}, rule=step.rule,
        outcome=step.outcome, duration_ms=step.duration_ms, message=step.message,
        evidence=evidence,
        evidence_url=f"/runs/{step.run_id}/artifacts/{served}" if served else None,
        evidence_is_image=is_image(served),
    )
