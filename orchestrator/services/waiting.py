"""What waits for the signed-in person first: the home page's block, the approvals badge
and ``/api/v1/home`` draw it from here.

- cases assigned to them (open or in progress), soonest SLA first;
- approvals they may decide (see :mod:`orchestrator.store.waiting`: never their own
  request, never one they already approved, the case's routing respected);
- their collections worklist, when they are a collector (the collector name the
  collections bot writes is the person's display name, else their user name);
- for people who work cases: cases nobody has taken yet.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, Field

from orchestrator.auth.principal import Principal
from orchestrator.roles import Permission
from orchestrator.services.collections_worklist import worklist
from orchestrator.store import Store

__all__ = ["WaitingOut", "waiting_for"]

SHOWN = 5


class WaitingCase(BaseModel):
    id: int
    reference: str
    reason_code: str
    amount: Decimal | None
    sla_due_at: dt.datetime
    status: str


class WaitingApproval(BaseModel):
    id: int
    kind: str
    amount: Decimal
    currency: str
    case_id: int | None
    requested_by: str
    requested_at: dt.datetime


class WaitingCustomer(BaseModel):
    customer_id: str
    name: str
    overdue_amount: Decimal
    days_overdue: int
    score: Decimal


class WaitingOut(BaseModel):
    cases_assigned: int
    cases: list[WaitingCase]
    approvals_waiting: int
    approvals: list[WaitingApproval]
    worklist_customers: int
    worklist: list[WaitingCustomer]
    collector: str | None = Field(description="the collector name the worklist is of")
    cases_unassigned: int = Field(description="open cases nobody has taken (case workers)")

    @property
    def total(self) -> int:
        return (self.cases_assigned + self.approvals_waiting + self.worklist_customers
                + self.cases_unassigned)


def collector_name(store: Store, principal: Principal) -> str:
    user = store.find_user(principal.name)
    return (user.display_name or user.username) if user is not None else principal.name


def approvals_waiting_count(store: Store, principal: Principal) -> int:
    return store.approvals_waiting_for(principal.name, principal.roles, limit=0).count


def waiting_for(store: Store, principal: Principal) -> WaitingOut:
    n_cases, cases = ((0, []) if not principal.can(Permission.CASES_READ)
                      else store.cases_assigned(principal.name, SHOWN))
    approvals = store.approvals_waiting_for(principal.name, principal.roles, SHOWN)
    rows, collector = [], None
    if principal.can(Permission.COLLECTIONS_READ) and principal.kind == "user":
        collector = collector_name(store, principal)
        rows, _weights = worklist(store, collector=collector)
    unassigned = store.cases_unassigned() if principal.can(Permission.CASES_WORK) else 0
    return WaitingOut(
        cases_assigned=n_cases,
        cases=[WaitingCase(id=c.id or 0, reference=c.reference, reason_code=c.reason_code,
                           amount=c.amount, sla_due_at=c.sla_due_at, status=c.status)
               for c in cases],
        approvals_waiting=approvals.count,
        approvals=[WaitingApproval(id=a.id or 0, kind=a.kind, amount=a.amount,
                                   currency=a.currency, case_id=a.case_id,
                                   requested_by=a.requested_by, requested_at=a.requested_at)
                   for a in approvals.oldest],
        worklist_customers=len(rows),
        worklist=[WaitingCustomer(customer_id=r.customer_id, name=r.name,
                                  overdue_amount=r.overdue_amount, days_overdue=r.days_overdue,
                                  score=r.score) for r in rows[:SHOWN]],
        collector=collector if rows else None,
        cases_unassigned=unassigned,
    )
