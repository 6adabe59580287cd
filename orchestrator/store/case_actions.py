"""Resolving exception cases: a person's resolution, maker-checker, and the generic retry.

Maker-checker lives here, in the store: a resolution that names an approval kind and an
amount which, added to what the payment's cases moved before (:mod:`.money_moved`), is
above the approval threshold (``FINBOTS_APPROVAL_THRESHOLD``) does not execute; it
creates a pending :class:`Approval` holding the request, and the case waits
(``awaiting_approval``) for a second person
(:meth:`~orchestrator.store.approvals.ApprovalsMixin.decide_approval`), whatever the caller.
Which resolutions fit a case, and what they mean, is the bot's declaration (its case
types), checked in the service layer before the request reaches the store.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from orchestrator.store.base import StoreBase
from orchestrator.store.case_events import add_event, check_workable, locked_case, move
from orchestrator.store.case_ops import CaseOutcome, ResolutionRequest, execute, hand_back
from orchestrator.store.models import Approval, ExceptionCase
from orchestrator.store.money_moved import lock_payment_cases, moved_before
from orchestrator.store.states import CaseStatus
from orchestrator.store.types import CENT, to_jsonable

__all__ = ["MAX_APPROVERS", "CaseActionsMixin"]

#: the most distinct approvers one resolution can ask for
MAX_APPROVERS = 5


class CaseActionsMixin(StoreBase):
    _approval_threshold: Decimal | None = None

    @property
    def approval_threshold(self) -> Decimal:
        """Amounts above this need a second person (default: ``FINBOTS_APPROVAL_THRESHOLD``)."""
        if self._approval_threshold is None:
            from orchestrator.config import get_settings

            self._approval_threshold = get_settings().approval_threshold
        return self._approval_threshold

    @approval_threshold.setter
    def approval_threshold(self, value: Decimal) -> None:
        self._approval_threshold = Decimal(value)

    def needs_approval(self, approval_kind: str | None, amount: Decimal | None,
                       case_id: int | None = None) -> bool:
        """Whether a resolution of ``approval_kind`` over ``amount`` waits for a second person
        (on ``case_id``: together with what the payment's cases moved before)."""
        if case_id is None:
            return self._over(approval_kind, amount, Decimal("0"))
        with self._tx() as s:
            _case, related = lock_payment_cases(s, case_id, lock=False)
            return self._over(approval_kind, amount, moved_before(s, related))

    def _over(self, approval_kind: str | None, amount: Decimal | None,
              before: Decimal) -> bool:
        if approval_kind is None or amount is None or Decimal(amount) <= 0:
            return False
        return before + Decimal(amount) > self.approval_threshold

    def request_resolution(
        self, case_id: int, actor: str, name: str, *,
        payload: Mapping[str, Any] | None = None, values: Mapping[str, Any] | None = None,
        amount: Decimal | None = None, approval_kind: str | None = None,
        carried_out: bool = True, summary: str = "", limit: Decimal | None = None,
        approvers: int | None = None,
    ) -> CaseOutcome:
        """A person resolves the case with the resolution ``name``.

        Above the threshold (``approval_kind`` given and ``amount``, added to what the
        payment's cases moved before, over it) a pending approval keeps the request and the
        case waits; otherwise it executes at once:
        ``carried_out`` clones the case's failed work item back into its queue with
        ``{**item.payload, **payload, "resolution": {...}, "resolves_case": case_id}`` and
        the case waits for the bot; else the case is resolved with ``summary``.

        ``limit``: the most resolutions of ``approval_kind`` may move on this payment in
        all; a request that would pass it raises ValueError and changes nothing.

        ``approvers``: dual control, how many distinct people (never ``actor``) must approve
        whatever the threshold says (e.g. 2 for a credit release above a second
        threshold); it needs ``approval_kind`` and ``amount``. It can only add approvals,
        never waive the threshold's.
        """
        needed = max(0, min(int(approvers or 0), MAX_APPROVERS))
        if needed and (approval_kind is None or amount is None):
            raise ValueError("a resolution needing approvers names its approval kind and "
                             "amount")
        request = ResolutionRequest(
            name=name, values=dict(values or {}), payload=dict(payload or {}),
            carried_out=carried_out, summary=summary.strip(),
            amount=None if amount is None else Decimal(amount).quantize(CENT),
            approval_kind=approval_kind)
        approval, item = None, None
        with self._tx(write=True) as s:
            case, related = lock_payment_cases(s, case_id)
            check_workable(case, actor)
            before = moved_before(s, related)
            if limit is not None and approval_kind is not None and request.amount:
                _check_limit(approval_kind, request.amount, Decimal(limit),
                             moved_before(s, related, kind=approval_kind))
            if self._over(approval_kind, request.amount, before):
                needed = max(needed, 1)
            if needed:
                assert approval_kind is not None and request.amount is not None
                approval = self._ask_approval(s, case, actor, approval_kind, request, before,
                                              needed)
            else:
                item = execute(s, case, request, actor)
        details = {"amount": request.amount, "approval_id": approval.id if approval else None,
                   "work_item_id": item.id if item else None, "summary": request.summary}
        self.record_audit(actor, f"case.{name}", f"case:{case_id}", details)  # type: ignore[attr-defined]
        return CaseOutcome(self.get_case(case_id), approval, item)  # type: ignore[attr-defined]

    def retry_case(self, case_id: int, actor: str) -> CaseOutcome:
        """A technical failure past the retry limit: the bot tries the same item again."""
        with self._tx(write=True) as s:
            case = locked_case(s, case_id)
            check_workable(case, actor)
            if (case.data or {}).get("failure_kind") != "application":
                raise ValueError(f"retry does not fit a {case.reason_code} case: only a "
                                 "technical failure is retried as it was")
            clone = hand_back(s, case, {"resolution": {
                "name": "retry", "values": {}, "case_id": case_id, "by": actor,
                "approved_by": None}})
            case.resolution = {"action": "retry", "requested_by": actor,
                               "work_item_id": clone.id}
            s.add(case)
            add_event(s, case_id, actor, "action", f"retry queued for the bot (work item "
                      f"{clone.id})", {"action": "retry", "work_item_id": clone.id})
        self.record_audit(actor, "case.retry", f"case:{case_id}",  # type: ignore[attr-defined]
                          {"work_item_id": clone.id})
        return CaseOutcome(self.get_case(case_id), None, clone)  # type: ignore[attr-defined]

    # -- helpers ---------------------------------------------------------------------------
    def _ask_approval(self, s: Session, case: ExceptionCase, actor: str, kind: str,
                      request: ResolutionRequest, before: Decimal,
                      needed: int = 1) -> Approval:
        amount = request.amount
        assert amount is not None
        approval = Approval(kind=kind, case_id=case.id, amount=amount,
                            payload=to_jsonable({**request.as_json(), "moved_before": before}),
                            requested_by=actor, approvals_needed=needed)
        s.add(approval)
        s.flush()
        move(case, CaseStatus.AWAITING_APPROVAL)
        s.add(case)
        what = request.summary or request.name.replace("_", " ")
        why = (f"above {self.approval_threshold:.2f}" if not before else
               f"{before:.2f} moved on this payment before, {before + amount:.2f} in all: "
               f"above {self.approval_threshold:.2f}")
        who = ("a second person's approval" if needed == 1 else
               f"the approval of {needed} people other than {actor}")
        if needed > 1:
            why = "dual control"
        add_event(s, case.id or 0, actor, "approval_requested",
                  f"{what}: {kind.replace('_', ' ')} of {amount:.2f} needs {who} ({why})",
                  {"approval_id": approval.id, "kind": kind, "amount": amount,
                   "approvals_needed": needed,
                   "moved_before": before, "resolution": request.name})
        return approval


def _check_limit(kind: str, amount: Decimal, limit: Decimal, already: Decimal) -> None:
    """Refuse a request that would take what ``kind`` moved on one payment past ``limit``."""
    if already + amount > limit:
        what = kind.replace("_", " ")
        raise ValueError(
            f"{what} of {amount:.2f} refused: this payment's cases have already moved "
            f"{already:.2f} as {what} (done or waiting for approval), and {already + amount:.2f} "
            f"in all would be more than {limit:.2f}")
