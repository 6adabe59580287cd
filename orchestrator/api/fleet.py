"""``/api/v1``: jobs (list, start, stop, kill), schedules (list, pause, resume), robots,
orchestrator nodes (which one leads the scheduler);
queues and work items come from :mod:`orchestrator.api.queue_routes`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from orchestrator.api import queue_routes
from orchestrator.auth.principal import Principal
from orchestrator.roles import Permission as P
from orchestrator.services.deps import get_store, require
from orchestrator.services.fleet_actions import set_schedule, start_job, stop_job
from orchestrator.services.fleet_models import (
    JobStartIn,
    NodeOut,
    RobotOut,
    ScheduleOut,
    robot_out,
    schedule_out,
)
from orchestrator.services.fleet_views import node_rows, schedule_rows
from orchestrator.services.run_models import RunOut, run_out
from orchestrator.store import RunStatus, Store, utcnow

__all__ = ["router"]

router = APIRouter()
router.include_router(queue_routes.router)
StoreDep = Annotated[Store, Depends(get_store)]
JobId = Annotated[int, Path(ge=1, le=2**62)]
ScheduleName = Annotated[str, Path(min_length=1, max_length=100)]


@router.get("/jobs", response_model=list[RunOut], tags=["jobs"], summary="Jobs, newest first")
def list_jobs(
    principal: Annotated[Principal, Depends(require(P.JOBS_READ))], store: StoreDep,
    status: RunStatus | None = None, bot: str | None = None, robot: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[RunOut]:
    jobs = store.list_jobs(status=status, bot=bot, robot=robot, limit=limit)
    counts = store.run_counts([j.id for j in jobs if j.id is not None])
    return [run_out(j, counts.get(j.id or 0)) for j in jobs]


@router.post("/jobs", response_model=RunOut, status_code=201, tags=["jobs"],
             summary="Start a job (pending until a robot takes it)")
def create_job(body: JobStartIn, store: StoreDep,
               principal: Annotated[Principal, Depends(require(P.JOBS_START))]) -> RunOut:
    job = start_job(store, principal, body.bot, body.args, body.time_limit_seconds)
    return run_out(job)


@router.post("/jobs/{job_id}/stop", response_model=RunOut, tags=["jobs"],
             summary="Ask a job to stop (between items)")
def stop(job_id: JobId, store: StoreDep,
         principal: Annotated[Principal, Depends(require(P.JOBS_STOP))]) -> RunOut:
    return run_out(stop_job(store, principal, job_id))


@router.post("/jobs/{job_id}/kill", response_model=RunOut, tags=["jobs"],
             summary="Kill a job's process")
def kill(job_id: JobId, store: StoreDep,
         principal: Annotated[Principal, Depends(require(P.JOBS_STOP))]) -> RunOut:
    return run_out(stop_job(store, principal, job_id, kill=True))


@router.get("/schedules", response_model=list[ScheduleOut], tags=["schedules"],
            summary="Schedules with their next fire times")
def list_schedules(principal: Annotated[Principal, Depends(require(P.SCHEDULES_READ))],
                   store: StoreDep) -> list[ScheduleOut]:
    return schedule_rows(store)


@router.post("/schedules/{name}/pause", response_model=ScheduleOut, tags=["schedules"])
def pause(name: ScheduleName, store: StoreDep,
          principal: Annotated[Principal, Depends(require(P.SCHEDULES_WRITE))]) -> ScheduleOut:
    return schedule_out(set_schedule(store, principal, name, False), [])


@router.post("/schedules/{name}/resume", response_model=ScheduleOut, tags=["schedules"])
def resume(name: ScheduleName, store: StoreDep,
           principal: Annotated[Principal, Depends(require(P.SCHEDULES_WRITE))]) -> ScheduleOut:
    return schedule_out(set_schedule(store, principal, name, True), [])


@router.get("/robots", response_model=list[RobotOut], tags=["robots"],
            summary="Robots with their state and the age of their last heartbeat")
def list_robots(principal: Annotated[Principal, Depends(require(P.ROBOTS_READ))],
                store: StoreDep) -> list[RobotOut]:
    now = utcnow()
    return [robot_out(r, now) for r in store.list_robots()]


@router.get("/nodes", response_model=list[NodeOut], tags=["robots"],
            summary="Orchestrator nodes, the one leading the scheduler first")
def list_nodes(principal: Annotated[Principal, Depends(require(P.ROBOTS_READ))],
               store: StoreDep) -> list[NodeOut]:
    return node_rows(store)
