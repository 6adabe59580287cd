"""The home page ``/``: what waits for the signed-in person first (their cases, the
approvals they may decide, their collections worklist), then the operations dashboard for
those who may read it; and ``/approvals/count``, the navigation's approvals badge."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from orchestrator.auth.principal import Principal
from orchestrator.roles import Permission
from orchestrator.services.dashboard import dashboard_figures
from orchestrator.services.deps import get_store, require
from orchestrator.services.shared_figures import shared
from orchestrator.services.waiting import approvals_waiting_count, waiting_for
from orchestrator.store import Store, utcnow
from orchestrator.web.dashboard_charts import AGE_CLASSES, ops_charts
from orchestrator.web.templating import render

__all__ = ["router"]

router = APIRouter()
StoreDep = Annotated[Store, Depends(get_store)]


@router.get("/", response_class=HTMLResponse, response_model=None)
def home_page(request: Request,
              principal: Annotated[Principal, Depends(require(Permission.SELF_READ))],
              store: StoreDep) -> Response:
    if not (principal.can(Permission.DASHBOARD_READ) or principal.can(Permission.CASES_READ)) \
            and principal.can(Permission.CUSTOMERS_READ):
        return RedirectResponse("/customers", status_code=303)  # customer service's start
    waiting = waiting_for(store, principal)
    fig = (shared(store, "operations", lambda: dashboard_figures(store))
           if principal.can(Permission.DASHBOARD_READ) else None)
    return render(request, "dashboard.html", waiting=waiting, fig=fig,
                  charts=ops_charts(fig) if fig else {}, age_classes=AGE_CLASSES, now=utcnow())


@router.get("/approvals/count", response_class=HTMLResponse)
def approvals_count(principal: Annotated[Principal, Depends(require(Permission.SELF_READ))],
                    store: StoreDep) -> HTMLResponse:
    """Approvals the caller may decide now (empty when none), for the navigation."""
    n = approvals_waiting_count(store, principal)
    return HTMLResponse(str(n) if n else "", headers={"Cache-Control": "no-store"})
