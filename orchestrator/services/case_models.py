"""The JSON shapes of ``/api/v1/cases`` and ``/api/v1/approvals`` (money as strings)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, Field

__all__ = [
    "ApprovalOut", "AssignIn", "BulkIn", "BulkOut", "CaseDetailOut", "CaseOut", "CasePageOut",
    "CaseTypeOut", "CommentIn", "CountsOut", "DecideIn", "EventOut", "EvidenceOut", "FactGroupOut",
    "FactOut", "FieldOut", "NoteIn", "OutcomeOut", "RefreshOut", "ResolutionOut",
]


class CaseOut(BaseModel):
    id: int
    reference: str
    reason_code: str
    status: str
    summary: str
    amount: Decimal | None
    currency: str | None = Field(description="from the evidence its bot declares, if any")
    customer_id: str | None
    headline: str | None = Field(description="the first text evidence its bot declares "
                                 "(e.g. the payer)")
    owner: str | None
    bot: str | None
    run_id: int | None
    work_item_id: int | None
    created_at: dt.datetime
    sla_due_at: dt.datetime
    age_days: int
    sla_breached: bool
    resolution: dict[str, Any] | None
    resolution_item_id: int | None
    resolved_by: str | None
    resolved_at: dt.datetime | None


class CasePageOut(BaseModel):
    total: int
    offset: int
    limit: int
    sort: str
    cases: list[CaseOut]
    facets: dict[str, Any] | None = None


class EventOut(BaseModel):
    id: int
    at: dt.datetime
    actor: str
    kind: str
    text: str
    details: dict[str, Any]


class ApprovalOut(BaseModel):
    id: int
    kind: str
    case_id: int | None
    amount: Decimal
    currency: str
    payload: dict[str, Any]
    status: str
    requested_by: str
    requested_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    note: str
    approvals_needed: int = Field(1, description="distinct approvers needed (dual control: 2)")
    approvals: list[dict[str, Any]] = Field(
        default_factory=list, description="approvals given so far: by, at, note")


class EvidenceOut(BaseModel):
    path: str
    url: str | None = Field(description="the file through the case (cases.read)")
    run_url: str | None = Field(description="the file among its run's artifacts (runs.read)")
    image: bool


class FactOut(BaseModel):
    label: str
    path: str
    kind: str
    value: Any
    url: str | None = Field(default=None, description="kind item: the work item it names")


class RefreshOut(BaseModel):
    """Evidence the bot reads again when the case is opened (its case type declares it)."""

    label: str
    requested_at: dt.datetime | None = Field(description="when it was last asked for")
    read_at: dt.datetime | None = Field(description="when the bot last read it")
    waiting: bool = Field(description="asked for and not read yet")
    changes: list[str] = Field(description="what changed since the case opened")
    candidates: list[dict[str, Any]] = Field(description="the candidates as read then")


class FactGroupOut(BaseModel):
    title: str
    facts: list[FactOut]


class FieldOut(BaseModel):
    name: str
    label: str
    kind: str
    required: bool
    choices: list[tuple[str, str]]
    default: str = Field(description="what the form shows first (from the case's data)")
    help: str


class ResolutionOut(BaseModel):
    name: str
    label: str
    help: str
    fields: list[FieldOut]
    approval: str | None = Field(description="the approval kind needed above the threshold")
    carried_out: bool = Field(description="true: the bot carries it out; false: recorded")
    approval_note: str = Field(default="", description="when an approval is needed, if the "
                               "bot decides it rather than the approval threshold")


class CaseTypeOut(BaseModel):
    reason: str
    title: str
    description: str
    declared: bool = Field(description="false: its bot does not declare this reason (or "
                           "could not be loaded)")


class CaseDetailOut(CaseOut):
    rule: str | None
    explanation: str | None
    data: dict[str, Any]
    candidates: list[dict[str, Any]]
    evidence: list[EvidenceOut]
    run_step_url: str | None
    case_type: CaseTypeOut
    facts: list[FactGroupOut] = Field(description="the evidence its bot declares, by group")
    refresh: RefreshOut | None = Field(default=None, description="evidence read again on "
                                       "opening, when its case type declares it")
    resolutions: list[ResolutionOut] = Field(description="what a person may choose, most "
                                             "useful first")
    approval_threshold: Decimal
    actions: list[str] = Field(description="the names of the resolutions")
    events: list[EventOut]
    approvals: list[ApprovalOut]


class CountsOut(BaseModel):
    pending: int
    mine: int
    unassigned: int
    breached: int
    awaiting_approval: int


class NoteIn(BaseModel):
    note: str = Field(default="", max_length=2000)


class AssignIn(BaseModel):
    assignee: str = Field(min_length=1, max_length=100)


class CommentIn(BaseModel):
    text: str = Field(min_length=1, max_length=4000)


class BulkIn(BaseModel):
    action: str = Field(pattern="^(assign|release|retry|claim)$")
    case_ids: list[Annotated[int, Field(ge=1, le=2**62)]] = Field(min_length=1, max_length=500)
    assignee: str | None = Field(default=None, max_length=100)


class BulkOut(BaseModel):
    done: list[int]
    failed: dict[int, str]


class DecideIn(BaseModel):
    approve: bool
    note: str = Field(default="", max_length=2000)


class OutcomeOut(BaseModel):
    case: CaseOut
    approval: ApprovalOut | None = None
    work_item_id: int | None = None
    message: str
