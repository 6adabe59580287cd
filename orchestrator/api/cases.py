"""``/api/v1/cases`` and ``/api/v1/approvals``: the exception inbox, everything its pages do.

Read with ``cases.read``; claim, assign, release, comment and resolve with ``cases.work``;
decide approvals with ``approvals.decide``. Store refusals keep their message: 404 unknown,
403 not yours / your own request (maker-checker), 409 not possible in the case's state,
422 bad input (e.g. allocations over the payment).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query, Request

from orchestrator.auth.principal import Principal
from orchestrator.roles import Permission
from orchestrator.services.case_bulk import run_bulk
from orchestrator.services.case_models import (
    ApprovalOut,
    AssignIn,
    BulkIn,
    BulkOut,
    CaseDetailOut,
    CasePageOut,
    CommentIn,
    CountsOut,
    DecideIn,
    EventOut,
    NoteIn,
    OutcomeOut,
)
from orchestrator.services.case_views import (
    approval_out,
    case_detail,
    case_out,
    outcome_message,
    parse_query,
    store_errors,
)
from orchestrator.services.deps import get_store, require
from orchestrator.services.resolutions import resolve_case
from orchestrator.store import Store
from orchestrator.store.case_ops import CaseOutcome

__all__ = ["router"]

router = APIRouter(tags=["cases"])
Reader = Annotated[Principal, Depends(require(Permission.CASES_READ))]
Worker = Annotated[Principal, Depends(require(Permission.CASES_WORK))]
Approver = Annotated[Principal, Depends(require(Permission.APPROVALS_DECIDE))]
StoreDep = Annotated[Store, Depends(get_store)]
CaseId = Annotated[int, Path(ge=1, le=2**62)]


def _query(
    reason: Annotated[str | None, Query(max_length=60, description="reason code")] = None,
    bot: Annotated[str | None, Query(max_length=100)] = None,
    customer: Annotated[str | None, Query(max_length=100, description="customer id")] = None,
    amount_min: Annotated[str | None, Query(max_length=20, examples=["100.00"])] = None,
    amount_max: Annotated[str | None, Query(max_length=20, examples=["5000"])] = None,
    owner: Annotated[str | None, Query(max_length=100,
                                       description="a user, `mine` or `unassigned`")] = None,
    status: Annotated[str | None, Query(max_length=24, description="`pending` (default: "
                                        "not resolved), `all`, or a case status")] = None,
    age: Annotated[str | None, Query(description="days open: `0-1`, `2-3`, `4-7`, `over-7`",
                                     max_length=10)] = None,
    breached: Annotated[bool, Query(description="only cases past their SLA")] = False,
    q: Annotated[str | None, Query(max_length=200, description="text in reference, "
                                   "summary or customer")] = None,
    sort: Annotated[str, Query(max_length=20, description="sla, age, amount, reason, "
                               "customer, owner, status, reference, bot, id; `-` descends")]
    = "sla",
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, str]:
    values = dict(locals())
    values["breached"] = "1" if breached else ""
    return {k: str(v) for k, v in values.items() if v is not None}


@router.get("/cases", response_model=CasePageOut, summary="Search the inbox")
def list_cases(principal: Reader, store: StoreDep,
               params: Annotated[dict[str, str], Depends(_query)],
               facets: Annotated[bool, Query(description="add counts per reason and age "
                                             "bucket")] = False) -> CasePageOut:
    with store_errors():
        flt, sort, offset, limit = parse_query(params, principal.name)
        page = store.search_cases(flt, sort=sort, offset=offset, limit=limit)
        counts = store.case_facets(flt) if facets else None
    return CasePageOut(total=page.total, offset=offset, limit=limit, sort=sort,
                       cases=[case_out(c) for c in page.cases], facets=counts)


@router.get("/cases/counts", response_model=CountsOut, summary="Inbox counts for the caller")
def counts(principal: Reader, store: StoreDep) -> CountsOut:
    c = store.inbox_counts(principal.name)
    return CountsOut(pending=c.pending, mine=c.mine, unassigned=c.unassigned,
                     breached=c.breached, awaiting_approval=c.awaiting_approval)


@router.get("/cases/{case_id}", response_model=CaseDetailOut, summary="One case, all evidence")
def get_case(case_id: CaseId, principal: Reader, store: StoreDep,
             request: Request) -> CaseDetailOut:
    with store_errors():
        return case_detail(request, store, store.get_case(case_id))


@router.get("/cases/{case_id}/events", response_model=list[EventOut], summary="Case history")
def events(case_id: CaseId, principal: Reader, store: StoreDep) -> list[EventOut]:
    with store_errors():
        return [EventOut.model_validate(e, from_attributes=True)
                for e in store.case_events(case_id)]


def _outcome(store: Store, outcome: CaseOutcome) -> OutcomeOut:
    return OutcomeOut(
        case=case_out(outcome.case), message=outcome_message(outcome),
        approval=approval_out(outcome.approval) if outcome.approval else None,
        work_item_id=outcome.work_item.id if outcome.work_item else None)


@router.post("/cases/{case_id}/claim", response_model=OutcomeOut, summary="Claim a case")
def claim(case_id: CaseId, principal: Worker, store: StoreDep) -> OutcomeOut:
    with store_errors():
        case = store.claim_case(case_id, principal.name)
    return OutcomeOut(case=case_out(case), message=f"Claimed by {principal.name}.")


@router.post("/cases/{case_id}/assign", response_model=OutcomeOut, summary="Assign a case")
def assign(case_id: CaseId, body: AssignIn, principal: Worker, store: StoreDep) -> OutcomeOut:
    with store_errors():
        case = store.assign_case(case_id, principal.name, body.assignee)
    return OutcomeOut(case=case_out(case), message=f"Assigned to {body.assignee}.")


@router.post("/cases/{case_id}/release", response_model=OutcomeOut, summary="Release a case")
def release(case_id: CaseId, principal: Worker, store: StoreDep) -> OutcomeOut:
    with store_errors():
        case = store.release_case(case_id, principal.name)
    return OutcomeOut(case=case_out(case), message="Released to the team.")


@router.post("/cases/{case_id}/comments", response_model=EventOut, status_code=201,
             summary="Comment on a case")
def comment(case_id: CaseId, body: CommentIn, principal: Worker, store: StoreDep) -> EventOut:
    with store_errors():
        event = store.comment_case(case_id, principal.name, body.text)
    return EventOut.model_validate(event, from_attributes=True)


@router.post("/cases/{case_id}/reopen", response_model=OutcomeOut, summary="Reopen a case")
def reopen(case_id: CaseId, body: NoteIn, principal: Worker, store: StoreDep) -> OutcomeOut:
    with store_errors():
        case = store.reopen_case(case_id, principal.name, body.note)
    if case.status != "open":  # its resolution moved money: a second person approves
        return OutcomeOut(case=case_out(case), message="Its resolution moved money: an "
                          "approver other than you must approve the reopening.")
    return OutcomeOut(case=case_out(case), message="Reopened.")


@router.post("/cases/{case_id}/resolutions/{name}", response_model=OutcomeOut,
             summary="Resolve with one of the resolutions its bot declares")
def resolve(case_id: CaseId, name: Annotated[str, Path(max_length=60,
                                                       pattern=r"^[A-Za-z0-9_-]+$")],
            principal: Worker, store: StoreDep,
            values: Annotated[dict[str, Any], Body(
                description="the resolution's fields by name (see the case's `resolutions`)",
                examples=[{"allocations": [{"invoice_number": "INV-1", "amount": "100.00"}],
                           "note": "customer confirmed"}])] = {}) -> OutcomeOut:  # noqa: B006
    """The bot carries it out (the case waits for it), or it is recorded and the case
    resolves; above the approval threshold a second person approves first."""
    if len(values) > 50:
        raise HTTPException(422, "at most 50 fields")
    with store_errors():
        return _outcome(store, resolve_case(store, case_id, principal.name, name, values,
                                            strict=True, actor_roles=principal.roles))


@router.post("/cases/bulk", response_model=BulkOut, summary="Claim, assign, release or retry "
             "many cases; each case succeeds or fails on its own")
def bulk(body: BulkIn, principal: Worker, store: StoreDep) -> BulkOut:
    return run_bulk(store, principal, body)


@router.get("/approvals", response_model=list[ApprovalOut], summary="Approvals")
def approvals(principal: Reader, store: StoreDep,
              status: Annotated[str | None, Query(max_length=16, description="pending "
                                                  "(default), approved, rejected; empty: all")]
              = "pending",
              case_id: Annotated[int | None, Query(ge=1, le=2**62)] = None) -> list[ApprovalOut]:
    return [approval_out(a) for a in store.list_approvals(status or None, case_id=case_id)]


@router.post("/approvals/{approval_id}/decide", response_model=ApprovalOut,
             summary="Approve or reject (never your own request)")
def decide(approval_id: Annotated[int, Path(ge=1, le=2**62)], body: DecideIn,
           principal: Approver, store: StoreDep) -> ApprovalOut:
    with store_errors():
        approval = store.decide_approval(approval_id, principal.name, principal.roles,
                                         body.approve, body.note)
    return approval_out(approval)
