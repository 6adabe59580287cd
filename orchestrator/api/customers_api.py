"""``/api/v1/customers``: find a customer, read its finance status and its timeline of
finance events (read only; every read of a customer is an audit record)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from pydantic import BaseModel

from bots.runtime.errors import NotFoundError
from orchestrator.auth.principal import Principal
from orchestrator.roles import Permission
from orchestrator.services.customers import (
    MAX_LIMIT,
    audit_read,
    customer_view,
    search_customers,
    timeline,
)
from orchestrator.services.deps import get_store, require
from orchestrator.store import Store

__all__ = ["router"]

router = APIRouter()
StoreDep = Annotated[Store, Depends(get_store)]
Reader = Annotated[Principal, Depends(require(Permission.CUSTOMERS_READ))]
CustomerId = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")]


class HitOut(BaseModel):
    customer_id: str
    name: str | None
    found_by: str
    found_text: str


class InvoiceOut(BaseModel):
    number: str
    amount: Decimal | None
    amount_open: Decimal | None
    currency: str | None
    due_date: str | None
    status: str
    read_at: dt.datetime


class PaymentOut(BaseModel):
    reference: str
    received_at: str
    amount: Decimal | None
    currency: str | None
    status: str
    how: str
    document: str | None
    case_id: int | None
    run_id: str | None


class CaseOut(BaseModel):
    id: int
    reason_code: str
    status: str
    owner: str | None
    created_at: dt.datetime
    age_days: int
    summary: str
    amount: Decimal | None
    resolved_by: str | None


class EventOut(BaseModel):
    type: str
    occurred_at: str
    summary: str
    amount: Decimal | None
    currency: str | None
    document: str | None
    invoice_numbers: list[str]
    case_id: int | None
    status_after: str | None
    bot: str
    run_id: str | None


class TimelineOut(BaseModel):
    events: list[EventOut]
    total: int
    offset: int
    limit: int


class FreshnessOut(BaseModel):
    written_at: dt.datetime | None
    bot: str | None
    run_id: str | None
    described: str


class CustomerOut(BaseModel):
    customer_id: str
    name: str | None
    ibans: list[str]
    invoices: list[InvoiceOut]
    payments: list[PaymentOut]
    cases: list[CaseOut]
    promises: list[dict[str, Any]]
    credit: dict[str, Any] | None
    refunds: list[dict[str, Any]]
    timeline: TimelineOut
    freshness: dict[str, FreshnessOut]


def _timeline(page: Any) -> TimelineOut:
    return TimelineOut(events=[EventOut(**asdict(e)) for e in page.events], total=page.total,
                       offset=page.offset, limit=page.limit)


@router.get("/customers", response_model=list[HitOut], tags=["customers"],
            summary="Find customers by name, number, invoice number, IBAN or bank reference")
def find_api(principal: Reader, store: StoreDep,
             q: Annotated[str, Query(min_length=1, max_length=100)],
             limit: Annotated[int, Query(ge=1, le=100)] = 20) -> list[HitOut]:
    try:
        hits = search_customers(store, q, limit=limit)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    return [HitOut(**asdict(h)) for h in hits]


@router.get("/customers/{customer_id}", response_model=CustomerOut, tags=["customers"],
            summary="A customer's invoices, payments, cases, promises, credit, refunds and "
                    "newest finance events, with how fresh each part is (audited read)")
def customer_api(customer_id: CustomerId, principal: Reader, store: StoreDep,
                 limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50) -> CustomerOut:
    try:
        view = customer_view(store, customer_id, limit=limit)
    except NotFoundError as exc:
        raise HTTPException(404, str(exc)) from None
    audit_read(store, principal.name, customer_id, "api")
    return CustomerOut(
        customer_id=view.customer_id, name=view.name, ibans=view.ibans,
        invoices=[InvoiceOut(**asdict(i)) for i in view.invoices],
        payments=[PaymentOut(**asdict(p)) for p in view.payments],
        cases=[CaseOut(**asdict(c)) for c in view.cases],
        promises=view.promises, credit=view.credit, refunds=view.refunds,
        timeline=_timeline(view.timeline),
        freshness={k: FreshnessOut(written_at=f.written_at, bot=f.bot, run_id=f.run_id,
                                   described=f.describe())
                   for k, f in view.freshness.items()})


@router.get("/customers/{customer_id}/timeline", response_model=TimelineOut,
            tags=["customers"], summary="A page of the customer's finance events, newest "
                                        "first (audited read)")
def timeline_api(customer_id: CustomerId, principal: Reader, store: StoreDep,
                 offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
                 limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50) -> TimelineOut:
    page = timeline(store, customer_id, offset=offset, limit=limit)
    if page.total == 0 and store.get_record("customer", customer_id) is None:
        raise HTTPException(404, f"no customer {customer_id!r}: no bot has recorded it")
    audit_read(store, principal.name, customer_id, "api")
    return _timeline(page)
