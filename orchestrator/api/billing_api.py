"""``/api/v1/billing``: the drafts the billing-validation bot checked and the newest
revenue-leakage report with its totals per customer and per cause."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from orchestrator.auth.principal import Principal
from orchestrator.roles import Permission
from orchestrator.services.billing_views import Total, draft_rows, leakage_view
from orchestrator.services.deps import get_store, require
from orchestrator.store import Store

__all__ = ["router"]

router = APIRouter()
StoreDep = Annotated[Store, Depends(get_store)]
Reader = Annotated[Principal, Depends(require(Permission.BILLING_READ))]


class DraftOut(BaseModel):
    draft: str
    customer_id: str
    contract: str
    outcome: str
    failed_rules: list[dict[str, Any]]
    gross_total: Decimal
    currency: str
    confirmation: str
    checked_at: dt.datetime
    case_id: int | None
    case_status: str


class TotalOut(BaseModel):
    name: str
    currency: str
    amount: Decimal
    items: int


class LeakageItemOut(BaseModel):
    key: str
    rank: int
    customer_id: str
    cause: str
    contract: str
    period_start: str
    period_end: str
    amount: Decimal
    currency: str
    owner: str
    detail: str
    case_id: int | None


class LeakageOut(BaseModel):
    as_of: str | None
    run_id: str | None
    computed_at: dt.datetime | None
    totals: list[TotalOut]
    by_customer: list[TotalOut]
    by_cause: list[TotalOut]
    items: list[LeakageItemOut]


def _totals(totals: list[Total]) -> list[TotalOut]:
    return [TotalOut(name=t.name, currency=t.currency, amount=t.amount, items=t.items)
            for t in totals]


@router.get("/billing/drafts", response_model=list[DraftOut], tags=["billing"],
            summary="Draft invoices the billing-validation bot checked, newest first")
def drafts_api(principal: Reader, store: StoreDep,
               outcome: Annotated[str | None, Query(max_length=40)] = None) -> list[DraftOut]:
    return [DraftOut(draft=r.draft, customer_id=r.customer_id, contract=r.contract,
                     outcome=r.outcome, failed_rules=r.failed_rules, gross_total=r.gross_total,
                     currency=r.currency, confirmation=r.confirmation, checked_at=r.written_at,
                     case_id=r.case_id, case_status=r.case_status)
            for r in draft_rows(store, outcome=outcome or None)]


@router.get("/billing/leakage", response_model=LeakageOut, tags=["billing"],
            summary="The newest revenue-leakage report: totals per customer and cause, items")
def leakage_api(principal: Reader, store: StoreDep) -> LeakageOut:
    view = leakage_view(store)
    run = view.run
    return LeakageOut(
        as_of=view.as_of or None, run_id=run.run_id if run else None,
        computed_at=run.written_at if run else None, totals=_totals(view.totals),
        by_customer=_totals(view.by_customer), by_cause=_totals(view.by_cause),
        items=[LeakageItemOut(key=i.key, rank=i.rank, customer_id=i.customer_id,
                              cause=i.cause, contract=i.contract,
                              period_start=i.period_start, period_end=i.period_end,
                              amount=i.amount, currency=i.currency, owner=i.owner,
                              detail=i.detail, case_id=i.case_id) for i in view.items])
