"""Working exception cases: claim, assign, release, comment, reopen; the case history.

Every change writes a :class:`CaseEvent` (the case's own history) in the same transaction,
then an audit record (``case.claim``, ``case.assign``, ...) naming the person.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from bots.runtime.errors import (
    FinbotsError,
    IllegalTransitionError,
    NotFoundError,
    PermissionDeniedError,
)
from orchestrator.roles import Permission, permissions_of
from orchestrator.store.case_actions import CaseActionsMixin
from orchestrator.store.case_events import ACTIVE, add_event, locked_case, move
from orchestrator.store.case_query import CaseQueryMixin
from orchestrator.store.models import Approval, CaseEvent, ExceptionCase, User
from orchestrator.store.money_moved import REOPEN, moved_by, reopen
from orchestrator.store.states import CaseStatus

__all__ = ["CaseWorkMixin"]


class CaseWorkMixin(CaseQueryMixin, CaseActionsMixin):
    def case_events(self, case_id: int) -> list[CaseEvent]:
        """The case's history, oldest first."""
        with self._tx() as s:
            self._need(s.get(ExceptionCase, case_id), "exception case", case_id)
            query = (select(CaseEvent).where(CaseEvent.case_id == case_id)
                     .order_by(col(CaseEvent.at), col(CaseEvent.id)))
            return list(s.exec(query))

    def claim_case(self, case_id: int, actor: str) -> ExceptionCase:
        """Take an unassigned case (or one already yours) into your work."""
        def work(s: Session, case: ExceptionCase) -> str:
            if case.owner not in (None, actor):
                raise PermissionDeniedError(f"case {case_id} is already claimed by "
                                            f"{case.owner}; ask them or a lead to reassign it")
            self._own(case, actor)
            add_event(s, case_id, actor, "claimed", f"claimed by {actor}")
            return "case.claim"
        return self._work(case_id, actor, work, {})

    def assign_case(self, case_id: int, actor: str, assignee: str) -> ExceptionCase:
        """Give the case to ``assignee`` (a user who may work cases)."""
        if not assignee.strip():
            raise ValueError("choose the person who gets the case")
        def work(s: Session, case: ExceptionCase) -> str:
            self._check_assignee(s, assignee)
            previous = case.owner
            self._own(case, assignee)
            add_event(s, case_id, actor, "assigned", f"assigned to {assignee}",
                      {"from": previous, "to": assignee})
            return "case.assign"
        return self._work(case_id, actor, work, {"assignee": assignee})

    def release_case(self, case_id: int, actor: str) -> ExceptionCase:
        """Give the case back to the team: nobody's, open."""
        def work(s: Session, case: ExceptionCase) -> str:
            previous, case.owner = case.owner, None
            if case.status != CaseStatus.OPEN:
                move(case, CaseStatus.OPEN)
            add_event(s, case_id, actor, "released", f"released by {actor}",
                      {"from": previous})
            return "case.release"
        return self._work(case_id, actor, work, {})

    def comment_case(self, case_id: int, actor: str, text: str) -> CaseEvent:
        text = text.strip()
        if not text:
            raise ValueError("write a comment first")
        with self._tx(write=True) as s:
            locked_case(s, case_id)
            event = add_event(s, case_id, actor, "comment", text[:4000])
            s.flush()
        self.record_audit(actor, "case.comment", f"case:{case_id}", {"event_id": event.id})
        return event

    def reopen_case(self, case_id: int, actor: str, note: str = "") -> ExceptionCase:
        """A resolved case needs work again (e.g. the customer disputes the resolution).

        When its resolution moved money (an allocation, a refund, a write-off), reopening
        it waits for a second person: a pending ``reopen`` approval is created and the case
        stays resolved until an approver other than ``actor`` approves it.
        """
        note = note.strip()
        approval = None
        with self._tx(write=True) as s:
            case = locked_case(s, case_id)
            moved = moved_by(case.resolution) if case.status == CaseStatus.RESOLVED else None
            if moved is None:
                reopen(s, case, actor, note or f"reopened by {actor}")
            else:
                approval = self._ask_reopen(s, case, actor, note, moved)
        self.record_audit(actor, "case.reopen", f"case:{case_id}",
                          {"note": note, "approval_id": approval.id if approval else None})
        return self.get_case(case_id)

    def bulk_cases(
        self, case_ids: Sequence[int], action: Callable[[int], Any]
    ) -> dict[int, str | None]:
        """Run ``action(case_id)`` for each case; ``{id: None}`` when done, else the reason."""
        results: dict[int, str | None] = {}
        for case_id in dict.fromkeys(case_ids):
            try:
                action(case_id)
                results[case_id] = None
            except (FinbotsError, ValueError) as exc:
                results[case_id] = str(exc)
        return results

    # -- helpers ---------------------------------------------------------------------------
    def _work(self, case_id: int, actor: str, work: Callable[[Session, ExceptionCase], str],
              details: dict[str, Any]) -> ExceptionCase:
        with self._tx(write=True) as s:
            case = locked_case(s, case_id)
            if case.status not in ACTIVE:
                raise IllegalTransitionError("exception case", case.status, "reassigned")
            action = work(s, case)
            s.add(case)
        self.record_audit(actor, action, f"case:{case_id}", details)
        return self.get_case(case_id)

    def _ask_reopen(self, s: Session, case: ExceptionCase, actor: str, note: str,
                    moved: tuple[str, Decimal]) -> Approval:
        waiting = s.exec(select(Approval.id).where(Approval.case_id == case.id)
                         .where(Approval.status == "pending")).first()
        if waiting is not None:
            raise IllegalTransitionError("exception case", "awaiting approval "
                                         f"{waiting}", "reopened")
        kind, amount = moved
        action = str((case.resolution or {}).get("action") or kind).replace("_", " ")
        summary = f"reopen the case resolved with {action} of {amount:.2f}" \
            + (f": {note}" if note else "")
        approval = Approval(kind=REOPEN, case_id=case.id, amount=amount, requested_by=actor,
                            payload={"reopen": True, "resolution_kind": kind,
                                     "summary": summary, "values": {"note": note}})
        s.add(approval)
        s.flush()
        add_event(s, case.id or 0, actor, "approval_requested",
                  f"{summary}; its resolution moved {amount:.2f}, so a second person "
                  "approves the reopening", {"approval_id": approval.id, "kind": REOPEN,
                                             "amount": amount})
        return approval

    @staticmethod
    def _own(case: ExceptionCase, owner: str) -> None:
        case.owner = owner
        if case.status != CaseStatus.IN_PROGRESS:
            move(case, CaseStatus.IN_PROGRESS)

    @staticmethod
    def _check_assignee(s: Session, username: str) -> None:
        user = s.exec(select(User).where(User.username == username)).first()
        if user is None or user.disabled:
            raise NotFoundError(f"no active user {username!r}")
        if Permission.CASES_WORK not in permissions_of(tuple(user.roles)):
            raise PermissionDeniedError(f"{username} may not work cases (roles: "
                                        f"{', '.join(user.roles) or 'none'})")
