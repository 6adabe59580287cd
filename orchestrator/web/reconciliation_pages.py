"""``/statements``: every imported bank statement reconciled, and one statement's entries
explained item by item (links to the cases and runs that account for the money)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.responses import HTMLResponse

from bots.runtime.errors import NotFoundError
from orchestrator.auth.principal import Principal
from orchestrator.roles import Permission
from orchestrator.services.deps import get_store, require
from orchestrator.services.reconciliation import KINDS, list_statements, reconcile_statement
from orchestrator.store import Store
from orchestrator.web.templating import render

__all__ = ["router"]

router = APIRouter()
StoreDep = Annotated[Store, Depends(get_store)]
Reader = Annotated[Principal, Depends(require(Permission.STATEMENTS_READ))]


@router.get("/statements", response_class=HTMLResponse)
def statements_page(request: Request, principal: Reader, store: StoreDep,
                    flagged: bool = False) -> HTMLResponse:
    rows = list_statements(store, limit=200, flagged_only=flagged)
    return render(request, "statements.html", rows=rows, flagged=flagged)


@router.get("/statements/{statement_id}", response_class=HTMLResponse)
def statement_page(statement_id: Annotated[int, Path(ge=1, le=2**62)], request: Request,
                   principal: Reader, store: StoreDep) -> HTMLResponse:
    try:
        rec = reconcile_statement(store, statement_id)
    except NotFoundError as exc:
        raise HTTPException(404, str(exc)) from None
    return render(request, "statements_detail.html", rec=rec, kinds=KINDS,
                  can_cases=principal.can(Permission.CASES_READ),
                  can_runs=principal.can(Permission.RUNS_READ))
