"""A bot's configuration documents on the web: the version in use, its history with who
changed what and why, a diff against the version before, and an edit form for those who
may change it (checked as the bot reads it; saved as the next version, audited)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bots.runtime.bot_config import MAX_CONFIG_BYTES
from bots.runtime.errors import (
    ConfigError,
    DuplicateError,
    IllegalTransitionError,
    NotFoundError,
    SelfApprovalError,
)
from orchestrator.auth.principal import Principal
from orchestrator.roles import Permission
from orchestrator.services.bot_config import (
    config_diff,
    config_history,
    config_view,
    decide_config,
    pending_change,
    save_config,
)
from orchestrator.services.deps import get_store, require
from orchestrator.store import Store
from orchestrator.web.approval_pages import show_approvals
from orchestrator.web.templating import render

__all__ = ["router"]

router = APIRouter()
StoreDep = Annotated[Store, Depends(get_store)]
Reader = Annotated[Principal, Depends(require(Permission.JOBS_READ))]
Editor = Annotated[Principal, Depends(require(Permission.BOTS_CONFIGURE))]
Approver = Annotated[Principal, Depends(require(Permission.APPROVALS_DECIDE))]
BotName = Annotated[str, Path(min_length=1, max_length=100)]
DocName = Annotated[str, Path(min_length=1, max_length=100)]


def _page(request: Request, store: Store, principal: Principal, bot: str, name: str, *,
          version: int | None = None, draft: str | None = None, note: str = "",
          error: str = "", status_code: int = 200) -> HTMLResponse:
    try:
        current = config_view(store, bot, name)
        shown = current if version is None else config_view(store, bot, name, version)
        history = config_history(store, bot, name)
        change = pending_change(store, bot, name)
    except NotFoundError as exc:
        raise HTTPException(404, str(exc)) from None
    diff = ""
    if shown.version > 0:
        older = [h.version for h in history if h.version < shown.version]
        diff = config_diff(store, bot, name, older[0] if older else 0, shown.version)
    return render(request, "bot_config.html", status_code=status_code, bot=bot, doc=name,
                  current=current, shown=shown, history=history, diff=diff,
                  draft=current.content if draft is None else draft, note=note, error=error,
                  can_edit=principal.can(Permission.BOTS_CONFIGURE), change=change,
                  can_decide=principal.can(Permission.APPROVALS_DECIDE)
                  and change is not None and change.pending.changed_by != principal.name,
                  saved=request.query_params.get("saved"))


@router.get("/bots/{bot}/config/{name}", response_class=HTMLResponse)
def config_page(request: Request, bot: BotName, name: DocName, principal: Reader,
                store: StoreDep,
                version: Annotated[int | None, Query(ge=0, le=2**31)] = None) -> HTMLResponse:
    return _page(request, store, principal, bot, name, version=version)


@router.post("/bots/{bot}/config/{name}")
async def config_save(request: Request, bot: BotName, name: DocName, principal: Editor,
                      store: StoreDep) -> Response:
    form = await request.form()
    content, note = str(form.get("content") or ""), str(form.get("note") or "")
    previous = str(form.get("previous_sha256") or "") or None
    try:
        if len(content.encode("utf-8")) > MAX_CONFIG_BYTES:
            raise ConfigError(f"larger than {MAX_CONFIG_BYTES // 1024} KiB")
        save_config(store, principal.name, bot, name, content, note=note[:500],
                    previous_sha256=previous)
    except NotFoundError as exc:
        raise HTTPException(404, str(exc)) from None
    except (ConfigError, DuplicateError) as exc:
        code = 409 if isinstance(exc, DuplicateError) else 422
        return _page(request, store, principal, bot, name, draft=content, note=note,
                     error=str(exc), status_code=code)
    return RedirectResponse(f"/bots/{bot}/config/{name}?saved=1", status_code=303)


@router.post("/bots/{bot}/config/{name}/versions/{version}/decide")
async def config_decide(request: Request, bot: BotName, name: DocName,
                        version: Annotated[int, Path(ge=1, le=2**31)], principal: Approver,
                        store: StoreDep) -> Response:
    form = await request.form()
    approve = str(form.get("decision") or "") == "approve"
    from_approvals = str(form.get("back") or "") == "approvals"
    try:
        decide_config(store, principal.name, bot, name, version, approve=approve,
                      note=str(form.get("note") or "")[:500])
    except NotFoundError as exc:
        raise HTTPException(404, str(exc)) from None
    except (SelfApprovalError, IllegalTransitionError) as exc:
        code = 403 if isinstance(exc, SelfApprovalError) else 409
        if from_approvals or not principal.can(Permission.JOBS_READ):
            return show_approvals(request, store, principal, error=str(exc),
                                  status_code=code)
        return _page(request, store, principal, bot, name, error=str(exc), status_code=code)
    if from_approvals:
        return RedirectResponse("/approvals?done=1", status_code=303)
    done = "approved" if approve else "rejected"
    return RedirectResponse(f"/bots/{bot}/config/{name}?saved={done}", status_code=303)
