"""The collector's worklist (``/collections``) and a customer's page, with the actions a
person asks the collections bot to carry out (CSRF-checked forms, role-checked, audited)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bots.runtime.errors import NotFoundError
from orchestrator.auth.principal import Principal
from orchestrator.roles import Permission
from orchestrator.services.collections_worklist import (
    ACTION_TITLES,
    ACTIONS,
    customer_view,
    request_action,
    worklist,
)
from orchestrator.services.deps import get_store, require
from orchestrator.store import Store
from orchestrator.web.templating import render

__all__ = ["router"]

router = APIRouter()
StoreDep = Annotated[Store, Depends(get_store)]
Reader = Annotated[Principal, Depends(require(Permission.COLLECTIONS_READ))]
Actor = Annotated[Principal, Depends(require(Permission.COLLECTIONS_ACT))]
CustomerId = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")]
MAX_FORM_FIELDS = 12


def _collector_of(store: Store, principal: Principal) -> str:
    """The collector name a person works under: their display name, else their user name."""
    user = store.find_user(principal.name)
    return (user.display_name or user.username) if user is not None else principal.name


@router.get("/collections", response_class=HTMLResponse)
def worklist_page(request: Request, principal: Reader, store: StoreDep,
                  collector: Annotated[str | None, Query(max_length=100)] = None,
                  mine: bool = False) -> HTMLResponse:
    who = _collector_of(store, principal) if mine else (collector or None)
    rows, weights = worklist(store, collector=who)
    collectors = sorted({r.collector for r in worklist(store)[0] if r.collector})
    return render(request, "collections_worklist.html", rows=rows, weights=weights,
                  collector=who, collectors=collectors, mine=mine)


def _customer_page(request: Request, store: Store, principal: Principal, customer_id: str,
                   *, error: str = "", values: dict[str, str] | None = None,
                   status_code: int = 200) -> HTMLResponse:
    try:
        view = customer_view(store, customer_id)
    except NotFoundError as exc:
        raise HTTPException(404, str(exc)) from None
    return render(request, "collections_customer.html", status_code=status_code, view=view,
                  account=view.account.data if view.account else {}, actions=ACTIONS,
                  titles=ACTION_TITLES, error=error, values=values or {},
                  can_act=principal.can(Permission.COLLECTIONS_ACT),
                  queued=request.query_params.get("queued", ""))


@router.get("/collections/{customer_id}", response_class=HTMLResponse)
def customer_page(customer_id: CustomerId, request: Request, principal: Reader,
                  store: StoreDep) -> HTMLResponse:
    return _customer_page(request, store, principal, customer_id)


@router.post("/collections/{customer_id}/actions")
async def customer_action(customer_id: CustomerId, request: Request, principal: Actor,
                          store: StoreDep) -> Response:
    form = await request.form()
    if len(form) > MAX_FORM_FIELDS:
        raise HTTPException(400, "too many form fields")
    values = {k: str(v) for k, v in form.items() if k != "csrf_token" and isinstance(v, str)}
    action = values.pop("action", "")
    try:
        item_id = request_action(store, principal.name, customer_id, action, values)
    except NotFoundError as exc:
        raise HTTPException(404, str(exc)) from None
    except ValueError as exc:
        return _customer_page(request, store, principal, customer_id, error=str(exc),
                              values={"action": action, **values}, status_code=400)
    return RedirectResponse(f"/collections/{customer_id}?queued={item_id}", 303)
