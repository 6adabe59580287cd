"""The dispute pages: ``/disputes`` lists the dispute cases with their reason, owner team,
SLA and amounts (filters, totals, pages); ``/disputes/classifier`` shows what people made of
the reason classifier's suggestions. Read only; every read is an audit record
(``disputes.view``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from orchestrator.auth.principal import Principal
from orchestrator.roles import Permission
from orchestrator.services.deps import get_store, require
from orchestrator.services.disputes import (
    AMOUNT_COLUMNS,
    DISPUTE_STATUSES,
    MAX_LIMIT,
    OWNER_TEAMS,
    DisputeFilters,
    acceptance_view,
    audit_read,
    dispute_page,
)
from orchestrator.services.paging import Offset
from orchestrator.store import Store
from orchestrator.web.templating import render

__all__ = ["router"]

router = APIRouter()
StoreDep = Annotated[Store, Depends(get_store)]
Reader = Annotated[Principal, Depends(require(Permission.DISPUTES_READ))]
Filter = Annotated[str, Query(max_length=40)]


@router.get("/disputes", response_class=HTMLResponse)
def disputes_page(request: Request, principal: Reader, store: StoreDep,
                  owner_team: Filter = "", reason: Filter = "", status: Filter = "",
                  offset: Offset = 0,
                  limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50) -> HTMLResponse:
    try:
        filters = DisputeFilters.of(owner_team, reason, status)
    except ValueError as exc:
        return render(request, "disputes.html", page=None, error=str(exc),
                      filters=DisputeFilters(), teams=OWNER_TEAMS,
                      statuses=DISPUTE_STATUSES, columns=AMOUNT_COLUMNS, status_code=400)
    page = dispute_page(store, filters, offset=offset, limit=limit)
    audit_read(store, principal.name, "list", "page",
               {"owner_team": filters.owner_team, "reason": filters.reason,
                "status": filters.status})
    return render(request, "disputes.html", page=page, error="", filters=filters,
                  teams=OWNER_TEAMS, statuses=DISPUTE_STATUSES, columns=AMOUNT_COLUMNS,
                  can_cases=principal.can(Permission.CASES_READ))


@router.get("/disputes/classifier", response_class=HTMLResponse)
def classifier_page(request: Request, principal: Reader, store: StoreDep) -> HTMLResponse:
    view = acceptance_view(store)
    audit_read(store, principal.name, "classifier", "page")
    return render(request, "disputes_classifier.html", view=view,
                  can_cases=principal.can(Permission.CASES_READ))
