"""Maker-checker approvals: requested by one person, decided by another approver.

The rules hold in the store, whoever calls: the requester can never decide their own
request (:class:`SelfApprovalError`), and only a holder of ``approvals.decide`` may decide.
Approved, the stored resolution request executes in the same transaction (recorded, or the
case's work item handed back to its bot); rejected, the case goes back to open with the note.
A ``reopen`` approval (a case whose resolution moved money) reopens the case when approved
and leaves it resolved when rejected.

Dual control: an approval may need several distinct approvers (``approvals_needed``, e.g.
a credit release above a second threshold). Each approval given is kept (who, when, note)
and the request stays pending until the last one; the requester never counts, nobody
approves twice, and one rejection ends it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session, col, func, select

from bots.runtime.errors import IllegalTransitionError, PermissionDeniedError, SelfApprovalError
from orchestrator.roles import Permission, permissions_of
from orchestrator.store.base import StoreBase
from orchestrator.store.case_events import add_event, locked_case, move
from orchestrator.store.case_ops import ResolutionRequest, execute
from orchestrator.store.models import Approval
from orchestrator.store.money_moved import reopen
from orchestrator.store.states import CaseStatus
from orchestrator.store.types import utcnow

__all__ = ["ApprovalsMixin"]

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"


class ApprovalsMixin(StoreBase):
    def get_approval(self, approval_id: int) -> Approval:
        with self._tx() as s:
            return self._need(s.get(Approval, approval_id), "approval", approval_id)

    def list_approvals(self, status: str | None = PENDING, case_id: int | None = None,
                       limit: int = 200) -> list[Approval]:
        """Pending ones oldest first (the longest wait leads); decided ones newest first."""
        order = col(Approval.id) if status == PENDING else col(Approval.id).desc()
        query = select(Approval).order_by(order).limit(limit)
        if status is not None:
            query = query.where(Approval.status == status)
        if case_id is not None:
            query = query.where(Approval.case_id == case_id)
        with self._tx() as s:
            return list(s.exec(query))

    def count_pending_approvals(self) -> int:
        with self._tx() as s:
            query = select(func.count()).select_from(Approval).where(Approval.status == PENDING)
            return int(s.exec(query).one())

    def decide_approval(self, approval_id: int, actor: str, actor_roles: Sequence[str],
                        approve: bool, note: str = "") -> Approval:
        """Approve (the action executes) or reject (the case reopens with ``note``)."""
        note = note.strip()
        if Permission.APPROVALS_DECIDE not in permissions_of(tuple(actor_roles)):
            raise PermissionDeniedError(f"{actor} does not hold the approver role")
        with self._tx(write=True) as s:
            approval = s.exec(select(Approval).where(Approval.id == approval_id)
                              .with_for_update()).first()
            approval = self._need(approval, "approval", approval_id)
            if approval.requested_by == actor:
                raise SelfApprovalError(f"{actor} requested this {approval.kind.replace('_', ' ')}"
                                        " and cannot approve it: a second approver must")
            if approval.status != PENDING:
                raise IllegalTransitionError("approval", approval.status,
                                             APPROVED if approve else REJECTED)
            given = list(approval.approvals or [])
            if approve and any(g.get("by") == actor for g in given):
                raise SelfApprovalError(f"{actor} already approved this "
                                        f"{approval.kind.replace('_', ' ')}: a different "
                                        "approver must give the next approval")
            if approve and len(given) + 1 < approval.approvals_needed:
                self._partial(s, approval, given, actor, note)
                partial = True
            else:
                if approve:
                    approval.approvals = [*given, _given(actor, note)]
                approval.status = APPROVED if approve else REJECTED
                approval.decided_by, approval.decided_at, approval.note = actor, utcnow(), note
                s.add(approval)
                partial = False
            if approval.case_id is not None and not partial:
                case = locked_case(s, approval.case_id)
                verdict = "approved" if approve else "rejected"
                add_event(s, approval.case_id, actor, "approval_decided",
                          f"{approval.kind.replace('_', ' ')} of {approval.amount:.2f} "
                          f"{verdict}" + (f": {note}" if note else ""),
                          {"approval_id": approval.id, "approved": approve})
                if (approval.payload or {}).get("reopen"):
                    if approve:
                        reopen(s, case, actor, f"reopened: asked by {approval.requested_by}, "
                               f"approved by {actor}")
                elif approve:
                    request = ResolutionRequest.from_json(approval.payload)
                    approvers = ", ".join(str(g["by"]) for g in approval.approvals) or actor
                    execute(s, case, request, approval.requested_by, approvers)
                else:
                    move(case, CaseStatus.OPEN)
                    s.add(case)
        self.record_audit(actor, "approval.approve" if approve else "approval.reject",  # type: ignore[attr-defined]
                          f"approval:{approval_id}",
                          {"case_id": approval.case_id, "kind": approval.kind,
                           "amount": approval.amount, "requested_by": approval.requested_by,
                           "note": note, "approvals_given": len(approval.approvals or []),
                           "approvals_needed": approval.approvals_needed})
        return approval

    @staticmethod
    def _partial(s: Session, approval: Approval, given: list[dict[str, Any]], actor: str,
                 note: str) -> None:
        """One approval of several: kept, the request stays pending for the next approver."""
        approval.approvals = [*given, _given(actor, note)]
        s.add(approval)
        if approval.case_id is not None:
            locked_case(s, approval.case_id)
            add_event(s, approval.case_id, actor, "approval_decided",
                      f"{approval.kind.replace('_', ' ')} of {approval.amount:.2f}: approval "
                      f"{len(approval.approvals)} of {approval.approvals_needed} given"
                      + (f": {note}" if note else "") + "; waiting for a different approver",
                      {"approval_id": approval.id, "approved": True,
                       "approvals_given": len(approval.approvals),
                       "approvals_needed": approval.approvals_needed})


def _given(actor: str, note: str) -> dict[str, Any]:
    return {"by": actor, "at": utcnow().isoformat(timespec="seconds"), "note": note}
