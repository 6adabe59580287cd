"""``/api/v1/runs``: runs with filters and paging, one run, its steps, its log page by page.

Screenshots, the log file and the Playwright trace are served by the run pages
(``/runs/{id}/artifacts/{path}``, ``/runs/{id}/trace.zip``), which take the same bearer
token; :class:`RunDetailOut` gives their URLs.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from orchestrator.auth.principal import Principal
from orchestrator.roles import Permission
from orchestrator.services.deps import get_store, require
from orchestrator.services.run_files import LEVELS, run_dir
from orchestrator.services.run_models import LogPageOut, RunDetailOut, RunPageOut, StepOut
from orchestrator.services.run_views import (
    get_run_or_404,
    log_page,
    run_detail,
    run_page,
    run_steps,
)
from orchestrator.store import Store

__all__ = ["router"]

router = APIRouter(tags=["runs"])
Reader = Annotated[Principal, Depends(require(Permission.RUNS_READ))]
StoreDep = Annotated[Store, Depends(get_store)]
RunId = Annotated[int, Path(ge=1, le=2**62)]


@router.get("/runs", response_model=RunPageOut, summary="List runs, newest first")
def list_runs(
    principal: Reader,
    store: StoreDep,
    bot: str | None = None,
    status: str | None = None,
    robot: str | None = None,
    since: Annotated[dt.date | None, Query(description="started on or after (UTC day)")] = None,
    until: Annotated[dt.date | None, Query(description="started on or before (UTC day)")]
    = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> RunPageOut:
    page, runs = run_page(store, bot=bot, status=status, robot=robot, since=since,
                          until=until, limit=limit, offset=offset)
    return RunPageOut(total=page.total, offset=offset, limit=limit, runs=runs)


@router.get("/runs/{run_id}", response_model=RunDetailOut, summary="One run")
def get_run(run_id: RunId, principal: Reader, store: StoreDep, request: Request) -> RunDetailOut:
    run = get_run_or_404(store, run_id)
    return run_detail(request, store, run, run_steps(store, run_id))


@router.get("/runs/{run_id}/steps", response_model=list[StepOut], summary="A run's steps")
def get_steps(run_id: RunId, principal: Reader, store: StoreDep) -> list[StepOut]:
    get_run_or_404(store, run_id)
    return run_steps(store, run_id)


@router.get("/runs/{run_id}/log", response_model=LogPageOut, summary="A page of a run's log")
def get_log(
    run_id: RunId,
    principal: Reader,
    store: StoreDep,
    request: Request,
    offset: Annotated[int, Query(ge=0, le=2**62, description="byte offset")] = 0,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    level: Annotated[str | None, Query(description=f"at least: {', '.join(LEVELS)}")] = None,
    q: Annotated[str | None, Query(max_length=200, description="text to look for")] = None,
    line: Annotated[int | None, Query(ge=1, le=2**62,
                                      description="number of the line at offset")] = None,
) -> LogPageOut:
    get_run_or_404(store, run_id)
    return log_page(run_dir(request, run_id), offset, limit, level, q, line)
