"""A seeded finance history (runs, work items, exception cases with their history,
approvals, finance events, a revenue-leakage run) written into a store, and the figures
the dashboard should show for it, computed here in Python from the seed alone.

Times are relative to ``now`` and kept clear of the windows' edges (age buckets, SLA due
times), except for day boundaries, which the expected figures compute the same way the
definitions say: UTC days, "today" from midnight, "this month" from the 1st, "30 days" from
midnight 29 days ago.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from orchestrator.store import Store
from orchestrator.store.models import (
    Approval,
    CaseEvent,
    ExceptionCase,
    RunRecord,
    WorkItem,
    WorkQueue,
)

PROCESSES = ("payment-posting", "collections", "credit")
REASONS = ("UNMATCHED", "SHORT_PAYMENT", "DUPLICATE", "CREDIT_HOLD")
PEOPLE = ("anna", "ben", "finance_reviewer")
WAITING = ("open", "in_progress", "awaiting_approval", "awaiting_posting")
#: the approver's four approvals come from this person
REQUESTER = "finance_reviewer"
APPROVER = "approver"


@dataclass
class SeedItem:
    process: str
    state: str
    finished_at: dt.datetime
    has_case: bool


@dataclass
class SeedCase:
    process: str
    reason: str
    status: str
    amount: Decimal
    created_at: dt.datetime
    sla_due_at: dt.datetime
    resolved_at: dt.datetime | None
    touches: int  # entries by people
    reopened_at: list[dt.datetime] = field(default_factory=list)
    item_index: int | None = None
    owner: str | None = None
    routed_to: list[str] | None = None
    id: int = 0


@dataclass
class SeedApproval:
    requested_by: str
    requested_at: dt.datetime
    decided_at: dt.datetime | None
    amount: Decimal
    approvals_given: list[str] = field(default_factory=list)
    approvals_needed: int = 1
    case_index: int | None = None


@dataclass
class SeedEvent:
    type: str
    occurred_at: dt.datetime
    amount: Decimal
    currency: str


@dataclass
class History:
    now: dt.datetime
    items: list[SeedItem]
    cases: list[SeedCase]
    approvals: list[SeedApproval]
    events: list[SeedEvent]
    leakage: dict[str, Any]


def _midnight(now: dt.datetime) -> dt.datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def make_history(now: dt.datetime, seed: int = 7) -> History:
    rnd = random.Random(seed)
    today = _midnight(now)
    items = []
    for i in range(90):
        state = rnd.choice(("successful", "successful", "successful", "failed", "abandoned"))
        finished = now - dt.timedelta(days=rnd.uniform(0, 40))
        items.append(SeedItem(PROCESSES[i % 3], state, finished,
                              has_case=state == "failed" or (state == "successful"
                                                             and i % 11 == 0)))
    cases = []
    for i, item in enumerate(items):
        if item.has_case:
            cases.append(_case(rnd, now, item.process, i))
    for _ in range(30):
        cases.append(_case(rnd, now, rnd.choice(PROCESSES), None))
    for c in cases[:3]:  # assigned to the finance reviewer, open
        c.status, c.owner, c.resolved_at = "in_progress", REQUESTER, None
    approvals = []
    for k in range(4):  # waiting for the approver
        approvals.append(SeedApproval(REQUESTER, now - dt.timedelta(hours=5 + k), None,
                                      Decimal(f"{250 + k * 100}.00")))
    approvals.append(SeedApproval(APPROVER, now - dt.timedelta(hours=3), None,
                                  Decimal("900.00")))  # their own request: not for them
    approvals.append(SeedApproval(REQUESTER, now - dt.timedelta(hours=2), None,
                                  Decimal("5000.00"), approvals_given=[APPROVER],
                                  approvals_needed=2))  # they gave theirs: a second person's
    routed = _case(rnd, now, "credit", None)
    routed.status, routed.resolved_at, routed.routed_to = "awaiting_approval", None, \
        ["credit_manager"]
    cases.append(routed)
    approvals.append(SeedApproval(REQUESTER, now - dt.timedelta(hours=1), None,
                                  Decimal("7000.00"), case_index=len(cases) - 1))
    for _ in range(25):
        asked = now - dt.timedelta(days=rnd.uniform(0.5, 40))
        amount = Decimal(f"{rnd.randint(100, 9000)}.{rnd.randint(0, 99):02d}")
        approvals.append(SeedApproval(REQUESTER, asked,
                                      asked + dt.timedelta(minutes=rnd.randint(5, 3000)),
                                      amount))
    events = []
    for _ in range(120):
        kind = rnd.choice(("payment_applied", "payment_applied", "payment_applied",
                           "payment_on_account", "payment_received"))
        days = rnd.choice((0, 0, rnd.randint(0, 45)))
        at = today - dt.timedelta(days=days) + (now - today) * rnd.uniform(0.05, 0.95)
        events.append(SeedEvent(kind, at,
                                Decimal(f"{rnd.randint(1, 20000)}.{rnd.randint(0, 99):02d}"),
                                rnd.choice(("EUR", "EUR", "EUR", "USD"))))
    leakage = {"total": "1234.56", "currency": "EUR",
               "by_cause": {"price_below_contract": "1000.00", "missing_line": "234.56"}}
    return History(now, items, cases, approvals, events, leakage)


def _case(rnd: random.Random, now: dt.datetime, process: str,
          item_index: int | None) -> SeedCase:
    created = now - dt.timedelta(days=rnd.choice((0.2, 0.6, 2, 4, 6, 9, 15, 35)),
                                 minutes=rnd.randint(0, 120))
    status = rnd.choice((*WAITING, "resolved", "resolved", "resolved", "closed"))
    resolved = None
    if status in ("resolved", "closed"):
        resolved = created + dt.timedelta(hours=rnd.randint(1, 120))
        if resolved > now - dt.timedelta(minutes=5):
            resolved = now - dt.timedelta(minutes=10)
    sla = created + dt.timedelta(hours=rnd.choice((24, 48, 72))) + dt.timedelta(minutes=7)
    reopened = [now - dt.timedelta(days=rnd.uniform(0.1, 40))
                for _ in range(rnd.choice((0, 0, 0, 1, 2)))]
    return SeedCase(process, rnd.choice(REASONS), status,
                    Decimal(f"{rnd.randint(5, 9000)}.{rnd.randint(0, 99):02d}"), created, sla,
                    resolved, rnd.randint(0, 5), reopened, item_index)


def write_history(store: Store, h: History) -> None:
    """Writes the seeded history into ``store`` (direct rows: the store writes times
    live, history needs them in the past)."""
    with Session(store.engine) as s:
        runs = {}
        for p in PROCESSES:
            s.add(WorkQueue(name=f"dash-{p}"))
            run = RunRecord(bot=p, status="successful", started_at=h.now - dt.timedelta(days=41))
            s.add(run)
            s.flush()
            runs[p] = run.id
        item_ids = []
        for i, it in enumerate(h.items):
            row = WorkItem(queue=f"dash-{it.process}", reference=f"DASH-{i}", state=it.state,
                           run_id=runs[it.process], finished_at=it.finished_at,
                           started_at=it.finished_at - dt.timedelta(seconds=30),
                           created_at=it.finished_at - dt.timedelta(minutes=1))
            s.add(row)
            s.flush()
            item_ids.append(row.id)
        for i, c in enumerate(h.cases):
            row = ExceptionCase(
                run_id=runs[c.process], reference=f"DASH-CASE-{i}", reason_code=c.reason,
                status=c.status, amount=c.amount, bot=c.process, created_at=c.created_at,
                sla_due_at=c.sla_due_at, resolved_at=c.resolved_at, owner=c.owner,
                work_item_id=item_ids[c.item_index] if c.item_index is not None else None,
                data={"decided_by_roles": c.routed_to} if c.routed_to else {},
                resolved_by=PEOPLE[0] if c.resolved_at else None)
            s.add(row)
            s.flush()
            c.id = row.id or 0
            s.add(CaseEvent(case_id=c.id, actor=f"bot:{c.process}", kind="created",
                            at=c.created_at))
            s.add(CaseEvent(case_id=c.id, actor="system", kind="sla", at=c.created_at))
            for t in range(c.touches):
                s.add(CaseEvent(case_id=c.id, actor=PEOPLE[t % len(PEOPLE)],
                                kind="comment" if t % 2 else "claimed",
                                at=c.created_at + dt.timedelta(minutes=t + 1)))
            for at in c.reopened_at:
                s.add(CaseEvent(case_id=c.id, actor="anna", kind="reopened", at=at))
        for a in h.approvals:
            case_id = h.cases[a.case_index].id if a.case_index is not None else None
            s.add(Approval(
                kind="write_off", case_id=case_id, amount=a.amount, requested_by=a.requested_by,
                requested_at=a.requested_at, decided_at=a.decided_at,
                status="approved" if a.decided_at else "pending",
                decided_by=APPROVER if a.decided_at else None,
                approvals_needed=a.approvals_needed,
                approvals=[{"by": who, "at": a.requested_at.isoformat(), "note": ""}
                           for who in a.approvals_given]))
        s.commit()
    for i, e in enumerate(h.events):
        store.put_record("payment-posting", "finance_event", f"{e.type}:DASH-{i}", {
            "type": e.type, "occurred_at": e.occurred_at.isoformat(),
            "summary": f"{e.type} of {e.amount}", "amount": str(e.amount),
            "currency": e.currency, "document": None, "invoice_numbers": [],
            "case_id": None, "status_after": None}, customer_id=f"C{10000 + i % 7}")
    store.put_record("billing", "revenue_leakage_run", "run-1",
                     {"total": "99.00", "currency": "EUR", "by_cause": {"old": "99.00"}})
    store.put_record("billing", "revenue_leakage_run", "run-2", h.leakage)


# ---- the expected figures, from the seed alone ----

def _bucket(age: dt.timedelta) -> str:
    days = age.total_seconds() / 86400
    return "< 1 d" if days < 1 else "1–3 d" if days < 3 else "3–7 d" if days < 7 else "> 7 d"


@dataclass
class Expected:
    cash_today: dict[str, Decimal]
    cash_month: dict[str, Decimal]
    on_account_month: dict[str, Decimal]
    unapplied: Decimal
    stp: dict[str, tuple[int, int]]  # process -> (finished, straight through)
    exceptions: dict[tuple[str, str], tuple[int, Decimal]]  # (reason, bucket)
    past_sla: dict[str, int]
    touches: dict[str, tuple[int, int]]  # process -> (cases resolved, people's entries)
    reopened: dict[str, int]
    approval_median: float
    approval_p90: float
    approvals_decided: int
    approvals_pending: int
    approvals_for_approver: int


def expected(h: History) -> Expected:
    now = h.now
    today = _midnight(now)
    first = today - dt.timedelta(days=29)
    month = today.replace(day=1)

    def cash(kind: str, since: dt.datetime) -> dict[str, Decimal]:
        out: dict[str, Decimal] = defaultdict(Decimal)
        for e in h.events:
            if e.type == kind and e.occurred_at >= since:
                out[e.currency] += e.amount
        return dict(out)

    stp: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for it in h.items:
        if it.finished_at >= first:
            stp[it.process][0] += 1
            stp[it.process][1] += it.state == "successful" and not it.has_case
    exceptions: dict[tuple[str, str], list[Any]] = defaultdict(lambda: [0, Decimal(0)])
    past: dict[str, int] = defaultdict(int)
    touches: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    reopened: dict[str, set[int]] = defaultdict(set)
    unapplied = Decimal(0)
    for c in h.cases:
        if c.status in WAITING:
            cell = exceptions[(c.reason, _bucket(now - c.created_at))]
            cell[0] += 1
            cell[1] += c.amount
            past[c.process] += c.sla_due_at < now
            if c.process == "payment-posting":
                unapplied += c.amount
        if c.resolved_at is not None and c.resolved_at >= first:
            touches[c.process][0] += 1
            touches[c.process][1] += c.touches + len(c.reopened_at)
        if any(at >= first for at in c.reopened_at):
            reopened[c.process].add(c.id)
    spans = sorted((a.decided_at - a.requested_at).total_seconds() for a in h.approvals
                   if a.decided_at is not None and a.decided_at >= first)
    pending = [a for a in h.approvals if a.decided_at is None]
    mine = [a for a in pending if a.requested_by != APPROVER
            and APPROVER not in a.approvals_given
            and not (a.case_index is not None and h.cases[a.case_index].routed_to
                     and "approver" not in (h.cases[a.case_index].routed_to or []))]
    return Expected(
        cash_today=cash("payment_applied", today), cash_month=cash("payment_applied", month),
        on_account_month=cash("payment_on_account", month), unapplied=unapplied,
        stp={p: (v[0], v[1]) for p, v in stp.items()},
        exceptions={k: (v[0], v[1]) for k, v in exceptions.items()},
        past_sla=dict(past), touches={p: (v[0], v[1]) for p, v in touches.items()},
        reopened={p: len(v) for p, v in reopened.items()},
        approval_median=statistics.median(spans),
        approval_p90=spans[math.ceil(0.9 * len(spans)) - 1],
        approvals_decided=len(spans), approvals_pending=len(pending),
        approvals_for_approver=len(mine))
