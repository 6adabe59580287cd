"""``/api/v1/collections``: the collector's worklist, a customer's collections records, and
asking the collections bot to act (a work item on ``collections-actions``, audited)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query
from pydantic import BaseModel, Field

from bots.runtime.errors import NotFoundError
from bots.runtime.records import Record
from orchestrator.auth.principal import Principal
from orchestrator.roles import Permission
from orchestrator.services.collections_worklist import customer_view, request_action, worklist
from orchestrator.services.deps import get_store, require
from orchestrator.store import Store

__all__ = ["router"]

router = APIRouter()
StoreDep = Annotated[Store, Depends(get_store)]
Reader = Annotated[Principal, Depends(require(Permission.COLLECTIONS_READ))]
Actor = Annotated[Principal, Depends(require(Permission.COLLECTIONS_ACT))]
CustomerId = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")]


class WorklistRowOut(BaseModel):
    customer_id: str
    name: str
    collector: str
    risk_class: str
    overdue_amount: Decimal
    days_overdue: int
    broken_promises: int
    open_promises: int
    score: Decimal
    as_of: str
    read_at: dt.datetime


class WorklistOut(BaseModel):
    weights_from: str
    rows: list[WorklistRowOut]


class RecordOut(BaseModel):
    kind: str
    key: str
    version: int
    written_at: dt.datetime
    written_by: str
    run_id: str | None
    data: dict[str, Any]


class CustomerOut(BaseModel):
    customer_id: str
    account: RecordOut | None
    promises: list[RecordOut]
    replies: list[RecordOut]
    notes: list[RecordOut]


class ActionIn(BaseModel):
    action: str = Field(max_length=40)
    promised_date: str = Field("", max_length=10)
    amount: str = Field("", max_length=20)
    invoices: str = Field("", max_length=900)
    note: str = Field("", max_length=500)
    reason: str = Field("", max_length=500)


class ActionOut(BaseModel):
    work_item: int
    queue: str = "collections-actions"


def _out(r: Record) -> RecordOut:
    return RecordOut(kind=r.kind, key=r.key, version=r.version, written_at=r.written_at,
                     written_by=r.bot, run_id=r.run_id, data=r.data)


@router.get("/collections", response_model=WorklistOut, tags=["collections"],
            summary="Customers with overdue items, highest score first")
def worklist_api(principal: Reader, store: StoreDep,
                 collector: Annotated[str | None, Query(max_length=100)] = None,
                 ) -> WorklistOut:
    rows, weights = worklist(store, collector=collector or None)
    return WorklistOut(weights_from=weights.origin,
                       rows=[WorklistRowOut(**asdict(r)) for r in rows])


@router.get("/collections/{customer_id}", response_model=CustomerOut, tags=["collections"],
            summary="A customer's collections records: account, promises, replies, notes")
def customer_api(customer_id: CustomerId, principal: Reader, store: StoreDep) -> CustomerOut:
    try:
        view = customer_view(store, customer_id)
    except NotFoundError as exc:
        raise HTTPException(404, str(exc)) from None
    return CustomerOut(customer_id=customer_id,
                       account=_out(view.account) if view.account else None,
                       promises=[_out(r) for r in view.promises],
                       replies=[_out(r) for r in view.replies],
                       notes=[_out(r) for r in view.notes])


@router.post("/collections/{customer_id}/actions", response_model=ActionOut, status_code=202,
             tags=["collections"],
             summary="Ask the collections bot to log a call, record a promise, set a dunning "
                     "block or send a statement (audited)")
def action_api(customer_id: CustomerId, principal: Actor, store: StoreDep,
               body: Annotated[ActionIn, Body()]) -> ActionOut:
    try:
        item = request_action(store, principal.name, customer_id, body.action,
                              body.model_dump(exclude={"action"}))
    except NotFoundError as exc:
        raise HTTPException(404, str(exc)) from None
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    return ActionOut(work_item=item)
