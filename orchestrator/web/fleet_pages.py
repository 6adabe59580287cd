"""Fleet pages: jobs (start, stop, kill), schedules (pause, resume), robots; queues and items
come from :mod:`orchestrator.web.queue_pages`.

Buttons are plain forms (they work without script, by keyboard); see
:mod:`orchestrator.web.page_actions`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, Response

from orchestrator.auth.principal import Principal
from orchestrator.registry import bot_names
from orchestrator.roles import Permission as P
from orchestrator.services.deps import get_store, require
from orchestrator.services.fleet_actions import set_schedule, start_job, stop_job
from orchestrator.services.fleet_models import robot_out
from orchestrator.services.fleet_views import node_rows, schedule_rows
from orchestrator.services.run_models import run_out
from orchestrator.store import RunStatus, Store, utcnow
from orchestrator.web import queue_pages
from orchestrator.web.page_actions import act, done_message
from orchestrator.web.templating import render

__all__ = ["parse_args", "router"]

router = APIRouter()
router.include_router(queue_pages.router)
StoreDep = Annotated[Store, Depends(get_store)]
JobId = Annotated[int, Path(ge=1, le=2**62)]
def parse_args(text: str) -> dict[str, str]:
    """``key=value`` lines (blank lines ignored) → a dict; a line without ``=`` is refused."""
    args: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise HTTPException(422, f"argument line {line.strip()!r} is not key=value")
        args[key.strip()] = value.strip()
    return args


@router.get("/jobs", response_class=HTMLResponse)
def jobs_page(request: Request, store: StoreDep,
              principal: Annotated[Principal, Depends(require(P.JOBS_READ))],
              status: str = "", bot: str = "") -> HTMLResponse:
    jobs = store.list_jobs(status=status or None, bot=bot or None, limit=100)
    counts = store.run_counts([j.id for j in jobs if j.id is not None])
    rows = [run_out(j, counts.get(j.id or 0)) for j in jobs]
    startable = bot_names()
    bots = sorted(set(startable) | set(store.run_facets()["bots"]))
    return render(request, "fleet_jobs.html", jobs=rows, status=status, bot=bot, bots=bots,
                  startable=startable,
                  statuses=[s.value for s in RunStatus], done=done_message(request))


@router.post("/jobs")
def jobs_start(request: Request, store: StoreDep,
               principal: Annotated[Principal, Depends(require(P.JOBS_START))],
               bot: Annotated[str, Form(max_length=100)],
               args: Annotated[str, Form(max_length=4000)] = "",
               time_limit: Annotated[str, Form(max_length=12)] = "") -> Response:
    def start() -> Any:
        limit = int(time_limit) if time_limit.strip().isdigit() else None
        return start_job(store, principal, bot, parse_args(args), limit)

    return act(request, "/jobs", "job.start", start)


@router.post("/jobs/{job_id}/{action}")
def jobs_control(request: Request, job_id: JobId, action: str, store: StoreDep,
                 principal: Annotated[Principal, Depends(require(P.JOBS_STOP))]) -> Response:
    if action not in ("stop", "kill"):
        raise HTTPException(404, "no such action")
    back = request.headers.get("referer", "")
    back = f"/runs/{job_id}" if f"/runs/{job_id}" in back else "/jobs"
    return act(request, back, f"job.{action}",
               lambda: stop_job(store, principal, job_id, kill=action == "kill"))


@router.get("/schedules", response_class=HTMLResponse)
def schedules_page(request: Request, store: StoreDep,
                   principal: Annotated[Principal, Depends(require(P.SCHEDULES_READ))]
                   ) -> HTMLResponse:
    return render(request, "fleet_schedules.html", schedules=schedule_rows(store),
                  done=done_message(request))


@router.post("/schedules/{name}/{action}")
def schedules_toggle(request: Request, name: Annotated[str, Path(max_length=100)],
                     action: str, store: StoreDep,
                     principal: Annotated[Principal, Depends(require(P.SCHEDULES_WRITE))]
                     ) -> Response:
    if action not in ("pause", "resume"):
        raise HTTPException(404, "no such action")
    return act(request, "/schedules", f"schedule.{action}",
               lambda: set_schedule(store, principal, name, action == "resume"))


@router.get("/robots", response_class=HTMLResponse)
def robots_page(request: Request, store: StoreDep,
                principal: Annotated[Principal, Depends(require(P.ROBOTS_READ))]
                ) -> HTMLResponse:
    now = utcnow()
    robots = [robot_out(r, now) for r in store.list_robots()]
    return render(request, "fleet_robots.html", robots=robots, nodes=node_rows(store))
