"""Run pages: the list with filters, one run (header, step timeline, screenshots, log, trace),
its live part for HTMX polling, the log page by page, and the run's files."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from orchestrator.auth.principal import Principal
from orchestrator.roles import Permission
from orchestrator.services.deps import get_store, require
from orchestrator.services.paging import ByteOffset, LineNumber, Offset
from orchestrator.services.run_files import (
    LEVELS,
    LOG_NAME,
    TRACE_NAME,
    artifact_path,
    run_dir,
    served_file,
    tail_offset,
)
from orchestrator.services.run_views import (
    LOG_PAGE_LINES,
    get_run_or_404,
    log_page,
    parse_day,
    run_detail,
    run_page,
    run_steps,
)
from orchestrator.store import RunStatus, Store
from orchestrator.web.templating import render

__all__ = ["router"]

router = APIRouter()
Reader = Annotated[Principal, Depends(require(Permission.RUNS_READ))]
StoreDep = Annotated[Store, Depends(get_store)]
RunId = Annotated[int, Path(ge=1, le=2**62)]
PAGE_SIZE = 50
#: Shown inline by the browser; anything else is downloaded (a bot may save HTML pages).
INLINE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
                ".webp": "image/webp", ".gif": "image/gif", ".log": "text/plain; charset=utf-8",
                ".txt": "text/plain; charset=utf-8", ".jsonl": "text/plain; charset=utf-8"}


@router.get("/runs", response_class=HTMLResponse)
def runs_list(
    request: Request, principal: Reader, store: StoreDep,
    bot: str = "", status: str = "", robot: str = "", since: str = "", until: str = "",
    offset: Offset = 0,
) -> HTMLResponse:
    page, runs = run_page(store, bot=bot, status=status, robot=robot, since=parse_day(since),
                          until=parse_day(until), limit=PAGE_SIZE, offset=offset)
    filters = {"bot": bot, "status": status, "robot": robot, "since": since, "until": until}
    return render(request, "runs.html", page=page, runs=runs, filters=filters,
                  facets=store.run_facets(), statuses=[s.value for s in RunStatus])


def _shot_id(url: str) -> str:
    return "shot-" + re.sub(r"[^A-Za-z0-9_-]+", "-", url.rsplit("/", 1)[-1])


def _run_context(request: Request, store: Store, run_id: int) -> dict[str, Any]:
    run = get_run_or_404(store, run_id)
    steps = run_steps(store, run_id)
    detail = run_detail(request, store, run, steps)
    shots = {url: _shot_id(url) for url in detail.screenshots}
    return {"run": detail, "steps": steps, "shots": shots}


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run_page_view(run_id: RunId, request: Request, principal: Reader,
                  store: StoreDep) -> HTMLResponse:
    context = _run_context(request, store, run_id)
    log = log_page(run_dir(request, run_id), 0, LOG_PAGE_LINES, None, None, None)
    return render(request, "runs_detail.html", log=log, levels=LEVELS, level="", q="",
                  **context)


@router.get("/runs/{run_id}/live", response_class=HTMLResponse)
def run_live(run_id: RunId, request: Request, principal: Reader, store: StoreDep,
             seen: str = "") -> HTMLResponse:
    """The header and timeline alone: polled while the run is active. A status change
    since ``seen`` (what the page showed) is also announced to screen readers."""
    context = _run_context(request, store, run_id)
    announce = bool(seen) and seen != context["run"].status
    return render(request, "runs_live.html", announce=announce, **context)


@router.get("/runs/{run_id}/log", response_class=HTMLResponse)
def run_log(
    run_id: RunId, request: Request, principal: Reader, store: StoreDep,
    offset: ByteOffset = 0, level: str = "", q: str = "", line: LineNumber = None,
    tail: bool = False,
) -> HTMLResponse:
    """A page of the log: lines only for HTMX ("load more"), else a page of its own."""
    run = get_run_or_404(store, run_id)
    folder = run_dir(request, run_id)
    log = artifact_path(folder, LOG_NAME)
    if tail and log is not None:
        offset, line = tail_offset(log, LOG_PAGE_LINES)
    page = log_page(folder, offset, LOG_PAGE_LINES, level, q[:200], line)
    name = "runs_log_lines.html" if request.headers.get("HX-Request") else "runs_log.html"
    return render(request, name, run=run, log=page, levels=LEVELS, level=level, q=q)


@router.get("/runs/{run_id}/artifacts/{path:path}")
def run_artifact(run_id: RunId, path: str, request: Request, principal: Reader,
                 store: StoreDep) -> Response:
    """A file of the run's folder; nothing outside it (``..``, absolute paths, links)."""
    get_run_or_404(store, run_id)
    found = served_file(request, run_dir(request, run_id), path)
    if found is None:
        raise HTTPException(404, "no such file in this run")
    media = INLINE_TYPES.get(found.suffix.lower())
    headers = {"Content-Security-Policy": "sandbox"}  # nosniff: the middleware adds it
    if media is None:
        return FileResponse(found, media_type="application/octet-stream", filename=found.name,
                            headers=headers)
    return FileResponse(found, media_type=media, headers=headers)


@router.get("/runs/{run_id}/trace.zip")
def run_trace(run_id: RunId, request: Request, principal: Reader, store: StoreDep) -> Response:
    """The Playwright trace (kept when a run failed): ``playwright show-trace trace.zip``."""
    get_run_or_404(store, run_id)
    found = served_file(request, run_dir(request, run_id), TRACE_NAME)
    if found is None:
        raise HTTPException(404, "this run kept no trace")
    return FileResponse(found, media_type="application/zip",
                        filename=f"run-{run_id}-trace.zip")
