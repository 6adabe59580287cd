"""Approvals: what waits for a second person, and the decisions taken (maker-checker).

The approve button is never shown to the person who asked; the store refuses it anyway.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from orchestrator.auth.principal import Principal
from orchestrator.roles import Permission
from orchestrator.services.bot_config import pending_changes
from orchestrator.services.case_views import case_out, store_errors
from orchestrator.services.deps import get_store, require
from orchestrator.store import Store
from orchestrator.web.inbox_router import router
from orchestrator.web.templating import render

__all__ = ["router"]

Reader = Annotated[Principal, Depends(require(Permission.CASES_READ))]
Approver = Annotated[Principal, Depends(require(Permission.APPROVALS_DECIDE))]
StoreDep = Annotated[Store, Depends(get_store)]


def show_approvals(request: Request, store: Store, principal: Principal, *, error: str = "",
                   status_code: int = 200) -> HTMLResponse:
    pending = store.list_approvals("pending")
    cases = {a.case_id: case_out(store.get_case(a.case_id)) for a in pending if a.case_id}
    return render(request, "approvals.html", status_code=status_code, pending=pending,
                  config_changes=pending_changes(store),
                  decided=[a for a in store.list_approvals(None, limit=80)
                           if a.status != "pending"][:40],
                  cases=cases, error=error, can_decide=principal.can(Permission.APPROVALS_DECIDE),
                  done=request.query_params.get("done") == "1")


@router.get("/approvals", response_class=HTMLResponse)
def approvals_page(request: Request, principal: Reader, store: StoreDep) -> HTMLResponse:
    return show_approvals(request, store, principal)


@router.post("/approvals/{approval_id}/{verdict}")
async def decide(approval_id: Annotated[int, Path(ge=1, le=2**62)], verdict: str,
                 request: Request, principal: Approver, store: StoreDep) -> Response:
    if verdict not in ("approve", "reject"):
        raise HTTPException(404, "approve or reject")
    form = await request.form()
    back = str(form.get("back") or "")
    try:
        with store_errors():
            approval = store.decide_approval(approval_id, principal.name, principal.roles,
                                             verdict == "approve", str(form.get("note") or ""))
    except HTTPException as exc:
        return show_approvals(request, store, principal, error=str(exc.detail),
                              status_code=exc.status_code)
    if back == "case" and approval.case_id:
        return RedirectResponse(f"/cases/{approval.case_id}?done=decided", 303)
    return RedirectResponse("/approvals?done=1", 303)
