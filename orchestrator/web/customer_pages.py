"""Customer pages for customer-facing teams: ``/customers`` finds a customer by name,
number, invoice number, IBAN or bank reference; ``/customers/{id}`` shows its finance
status, read only. Every customer page read is an audit record (``customer.view``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse

from bots.runtime.errors import NotFoundError
from orchestrator.auth.principal import Principal
from orchestrator.roles import Permission
from orchestrator.services.customers import (
    MAX_LIMIT,
    audit_read,
    customer_view,
    search_customers,
)
from orchestrator.services.deps import get_store, require
from orchestrator.store import Store
from orchestrator.web.templating import render

__all__ = ["router"]

router = APIRouter()
StoreDep = Annotated[Store, Depends(get_store)]
Reader = Annotated[Principal, Depends(require(Permission.CUSTOMERS_READ))]
CustomerId = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")]


@router.get("/customers", response_class=HTMLResponse)
def customers_page(request: Request, principal: Reader, store: StoreDep,
                   q: Annotated[str, Query(max_length=100)] = "") -> HTMLResponse:
    hits, error = [], ""
    if q.strip():
        try:
            hits = search_customers(store, q)
        except ValueError as exc:
            error = str(exc)
    return render(request, "customers.html", q=q, hits=hits, error=error,
                  status_code=400 if error else 200)


@router.get("/customers/{customer_id}", response_class=HTMLResponse)
def customer_page(customer_id: CustomerId, request: Request, principal: Reader,
                  store: StoreDep,
                  offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
                  limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50) -> HTMLResponse:
    try:
        view = customer_view(store, customer_id, limit=limit, offset=offset)
    except NotFoundError as exc:
        raise HTTPException(404, str(exc)) from None
    audit_read(store, principal.name, customer_id, "page")
    return render(request, "customers_detail.html", view=view,
                  can_cases=principal.can(Permission.CASES_READ),
                  can_runs=principal.can(Permission.RUNS_READ))
