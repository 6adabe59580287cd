"""What the run pages and the runs API both need: a run with its counts, files and steps."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fastapi import HTTPException, Request

from bots.runtime.errors import NotFoundError
from orchestrator.services.run_files import (
    LOG_NAME,
    TRACE_NAME,
    artifact_path,
    file_size,
    read_log,
    run_dir,
    screenshots,
)
from orchestrator.services.run_models import (
    LogLineOut,
    LogPageOut,
    RunDetailOut,
    RunOut,
    StepOut,
    run_out,
    step_out,
)
from orchestrator.store import RunRecord, Store
from orchestrator.store.browse import Page

__all__ = ["get_run_or_404", "log_page", "parse_day", "run_detail", "run_page", "run_steps"]

LOG_PAGE_LINES = 500


def get_run_or_404(store: Store, run_id: int) -> RunRecord:
    try:
        return store.get_run(run_id)
    except NotFoundError:
        raise HTTPException(404, f"no run {run_id}") from None


def parse_day(text: str | None) -> dt.date | None:
    """``YYYY-MM-DD`` or ``None`` (blank or malformed: no filter)."""
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


def day_start(day: dt.date | None, plus_days: int = 0) -> dt.datetime | None:
    if day is None:
        return None
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC) + dt.timedelta(days=plus_days)


def run_page(
    store: Store, *, bot: str | None, status: str | None, robot: str | None,
    since: dt.date | None, until: dt.date | None, limit: int, offset: int,
) -> tuple[Page[RunRecord], list[RunOut]]:
    """One page of runs with their item and exception counts (``until`` inclusive)."""
    page = store.find_runs(bot=bot or None, status=status or None, robot=robot or None,
                           since=day_start(since), until=day_start(until, 1),
                           limit=limit, offset=offset)
    counts = store.run_counts([r.id for r in page.records if r.id is not None])
    return page, [run_out(r, counts.get(r.id or 0)) for r in page.records]


def run_steps(store: Store, run_id: int) -> list[StepOut]:
    return [step_out(s) for s in store.list_steps(run_id)]


def run_detail(request: Request, store: Store, run: RunRecord,
               steps: list[StepOut]) -> RunDetailOut:
    """The run with its counts, its step figures and where its files are."""
    run_id = run.id or 0
    folder = run_dir(request, run_id)
    counts = store.run_counts([run_id]).get(run_id)
    failed = [s.seq for s in steps if s.outcome == "failed"]
    log_bytes = file_size(folder / LOG_NAME)
    base = f"/runs/{run_id}"
    detail: RunDetailOut = run_out(
        run, counts, RunDetailOut, steps=len(steps), failed_steps=len(failed),
        first_failed_step=failed[0] if failed else None,
        screenshots=[f"{base}/artifacts/{p}" for p in screenshots(folder)],
        log_url=f"{base}/artifacts/{LOG_NAME}" if log_bytes else None, log_bytes=log_bytes,
        trace_url=f"{base}/{TRACE_NAME}" if (folder / TRACE_NAME).is_file() else None,
    )
    return detail


def log_page(folder: Path, offset: int, limit: int, level: str | None, text: str | None,
             line: int | None) -> LogPageOut:
    log = artifact_path(folder, LOG_NAME)  # a link leading out of the folder reads as none
    if log is None:
        return LogPageOut(offset=0, size=0, lines=[])
    page = read_log(log, offset, limit, level=level or None, text=text or None,
                    first_line=line)
    return LogPageOut(
        offset=page.offset, next_offset=page.next_offset, next_line=page.next_line,
        size=page.size,
        lines=[LogLineOut(number=ln.number, level=ln.level, text=ln.text) for ln in page.lines],
    )
