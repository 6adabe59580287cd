"""What waits for one person: cases assigned to them, cases nobody has taken, and the
approvals they may decide.

An approval waits for a person when they hold ``approvals.decide``, did not ask for it
(maker-checker), have not already given one of its approvals (dual control), and, when the
bot routed its case to roles (``decided_by_roles`` in the case's data), hold one of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlmodel import col, func, select

from orchestrator.roles import Permission, permissions_of
from orchestrator.store.base import StoreBase
from orchestrator.store.models import Approval, ExceptionCase

__all__ = ["ACTIVE_CASE", "WaitingApprovals", "WaitingMixin", "approval_waits_for"]

ACTIVE_CASE = ("open", "in_progress")
#: pending approvals looked at per call (the oldest first; more never wait at once)
MAX_PENDING = 2000


@dataclass(frozen=True, slots=True)
class WaitingApprovals:
    count: int
    oldest: list[Approval] = field(default_factory=list)


def approval_waits_for(approval: Approval, routed_to: object, name: str,
                       roles: Sequence[str]) -> bool:
    """Whether ``name`` (holding ``roles``) may decide ``approval`` now."""
    if Permission.APPROVALS_DECIDE not in permissions_of(tuple(roles)):
        return False
    if approval.status != "pending" or approval.requested_by == name:
        return False
    if any(g.get("by") == name for g in approval.approvals or []):
        return False
    if isinstance(routed_to, list) and routed_to:
        return bool({str(r) for r in routed_to} & set(roles))
    return True


class WaitingMixin(StoreBase):
    def cases_assigned(self, owner: str, limit: int = 10) -> tuple[int, list[ExceptionCase]]:
        """Active cases assigned to ``owner``: how many, and the first by SLA due date."""
        c = ExceptionCase
        where = (col(c.owner) == owner, col(c.status).in_(ACTIVE_CASE))
        with self._tx() as s:
            n = int(s.exec(select(func.count()).select_from(c).where(*where)).one())
            rows = list(s.exec(select(c).where(*where)
                               .order_by(col(c.sla_due_at), col(c.id)).limit(limit)))
        return n, rows

    def cases_unassigned(self) -> int:
        """Open cases nobody has taken yet."""
        c = ExceptionCase
        with self._tx() as s:
            return int(s.exec(select(func.count()).select_from(c).where(
                col(c.owner).is_(None), col(c.status) == "open")).one())

    def approvals_waiting_for(self, name: str, roles: Sequence[str],
                              limit: int = 10) -> WaitingApprovals:
        """Pending approvals ``name`` may decide: how many, and the longest waiting."""
        if Permission.APPROVALS_DECIDE not in permissions_of(tuple(roles)):
            return WaitingApprovals(0)
        query = (select(Approval, ExceptionCase.data)
                 .join(ExceptionCase, col(ExceptionCase.id) == col(Approval.case_id),
                       isouter=True)
                 .where(col(Approval.status) == "pending",
                        col(Approval.requested_by) != name)
                 .order_by(col(Approval.requested_at), col(Approval.id)).limit(MAX_PENDING))
        with self._tx() as s:
            mine = [a for a, data in s.exec(query)
                    if approval_waits_for(a, (data or {}).get("decided_by_roles"), name,
                                          roles)]
        return WaitingApprovals(len(mine), mine[:limit])
