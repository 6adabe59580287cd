"""The billing pages: the drafts the billing-validation bot checked (``/billing/drafts``)
and the revenue-leakage report (``/billing/leakage``, ``/billing/leakage.csv``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from orchestrator.auth.principal import Principal
from orchestrator.roles import Permission
from orchestrator.services.billing_views import draft_rows, leakage_csv, leakage_view
from orchestrator.services.deps import get_store, require
from orchestrator.store import Store
from orchestrator.web.templating import render

__all__ = ["router"]

router = APIRouter()
StoreDep = Annotated[Store, Depends(get_store)]
Reader = Annotated[Principal, Depends(require(Permission.BILLING_READ))]
OUTCOMES = ("released", "failed", "held", "cancelled", "already released")


@router.get("/billing")
def billing_home(principal: Reader) -> RedirectResponse:
    return RedirectResponse("/billing/drafts", 303)


@router.get("/billing/drafts", response_class=HTMLResponse)
def drafts_page(request: Request, principal: Reader, store: StoreDep,
                outcome: Annotated[str | None, Query(max_length=40)] = None) -> HTMLResponse:
    chosen = outcome if outcome in OUTCOMES else None
    rows = draft_rows(store, outcome=chosen)
    return render(request, "billing_drafts.html", rows=rows, outcome=chosen,
                  outcomes=OUTCOMES, can_see_cases=principal.can(Permission.CASES_READ))


@router.get("/billing/leakage", response_class=HTMLResponse)
def leakage_page(request: Request, principal: Reader, store: StoreDep) -> HTMLResponse:
    return render(request, "billing_leakage.html", view=leakage_view(store),
                  can_see_cases=principal.can(Permission.CASES_READ),
                  can_see_runs=principal.can(Permission.RUNS_READ))


@router.get("/billing/leakage.csv")
def leakage_csv_file(principal: Reader, store: StoreDep) -> Response:
    view = leakage_view(store)
    name = f"revenue-leakage-{view.as_of or 'none'}.csv"
    return Response(leakage_csv(view), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
