"""``/api/v1/disputes``: the dispute cases (filters, totals, pages) and what people made of
the reason classifier's suggestions (read only, audited; money as decimal strings)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel

from orchestrator.auth.principal import Principal
from orchestrator.roles import Permission
from orchestrator.services.deps import get_store, require
from orchestrator.services.disputes import (
    MAX_LIMIT,
    DisputeFilters,
    ReasonAcceptance,
    acceptance_view,
    audit_read,
    dispute_page,
)
from orchestrator.services.paging import Offset
from orchestrator.store import Store

__all__ = ["router"]

router = APIRouter()
StoreDep = Annotated[Store, Depends(get_store)]
Reader = Annotated[Principal, Depends(require(Permission.DISPUTES_READ))]
Filter = Annotated[str, Query(max_length=40)]


class DisputeOut(BaseModel):
    case_id: int
    case_status: str
    case_ref: str
    customer_id: str
    customer_name: str
    invoice_number: str
    currency: str
    reason_code: str
    reason_label: str
    owner_team: str
    sla_due: dt.datetime | None
    overdue: bool
    status: str
    claims: int
    classified_by: str
    needs_person: bool
    disputed: str
    credited: str
    paid: str
    written_off: str


class TotalsOut(BaseModel):
    currency: str
    disputes: int
    disputed: str
    credited: str
    paid: str
    written_off: str


class DisputesOut(BaseModel):
    disputes: list[DisputeOut]
    total: int
    offset: int
    limit: int
    overdue: int
    totals: list[TotalsOut]


class ReasonOut(BaseModel):
    reason_code: str
    suggested: int
    by_model: int
    accepted: int
    changed: int
    acceptance_rate: str | None


class RejectedOut(BaseModel):
    case_id: int | None
    claim_ref: str
    suggested: str
    confidence: str
    chosen: str
    by: str
    at: dt.datetime | None


class ClassifierOut(BaseModel):
    reasons: list[ReasonOut]
    total: ReasonOut
    rejected: list[RejectedOut]


def _reason(r: ReasonAcceptance) -> ReasonOut:
    rate = r.acceptance_rate
    return ReasonOut(reason_code=r.reason_code, suggested=r.suggested, by_model=r.by_model,
                     accepted=r.accepted, changed=r.changed,
                     acceptance_rate=None if rate is None else str(rate))


@router.get("/disputes", response_model=DisputesOut, tags=["disputes"],
            summary="Dispute cases with reason, owner team, SLA and amounts; totals of all "
                    "the filters keep (audited read)")
def disputes_api(principal: Reader, store: StoreDep, owner_team: Filter = "",
                 reason: Filter = "", status: Filter = "", offset: Offset = 0,
                 limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50) -> DisputesOut:
    try:
        filters = DisputeFilters.of(owner_team, reason, status)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    page = dispute_page(store, filters, offset=offset, limit=limit)
    audit_read(store, principal.name, "list", "api",
               {"owner_team": filters.owner_team, "reason": filters.reason,
                "status": filters.status})
    return DisputesOut(
        disputes=[DisputeOut(
            case_id=r.case_id, case_status=r.case_status, case_ref=r.case_ref,
            customer_id=r.customer_id, customer_name=r.customer_name,
            invoice_number=r.invoice_number, currency=r.currency, reason_code=r.reason_code,
            reason_label=r.reason_label, owner_team=r.owner_team, sla_due=r.sla_due,
            overdue=r.overdue, status=r.status, claims=r.claims,
            classified_by=r.classified_by, needs_person=r.needs_person,
            disputed=f"{r.disputed:.2f}", credited=f"{r.credited:.2f}", paid=f"{r.paid:.2f}",
            written_off=f"{r.written_off:.2f}") for r in page.rows],
        total=page.total, offset=page.offset, limit=page.limit, overdue=page.overdue,
        totals=[TotalsOut(currency=t.currency, disputes=t.disputes,
                          disputed=f"{t.disputed:.2f}", credited=f"{t.credited:.2f}",
                          paid=f"{t.paid:.2f}", written_off=f"{t.written_off:.2f}")
                for t in page.totals])


@router.get("/disputes/classifier", response_model=ClassifierOut, tags=["disputes"],
            summary="Per suggested reason: suggestions decided, by the model alone, accepted "
                    "and changed by people, the acceptance rate; the changed ones (audited)")
def classifier_api(principal: Reader, store: StoreDep) -> ClassifierOut:
    view = acceptance_view(store)
    audit_read(store, principal.name, "classifier", "api")
    return ClassifierOut(reasons=[_reason(r) for r in view.reasons], total=_reason(view.total),
                         rejected=[RejectedOut(**asdict(r)) for r in view.rejected])
