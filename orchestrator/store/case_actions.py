"""Resolving exception cases: apply to invoices, leave on account, refund, write off, retry.

Maker-checker lives here, in the store: a refund, a write-off or a manual posting above the
approval threshold (``FINBOTS_APPROVAL_THRESHOLD``) does not execute; it creates a pending
:class:`Approval` and the case waits (``awaiting_approval``) for a second person
(:meth:`~orchestrator.store.approvals.ApprovalsMixin.decide_approval`), whatever the caller.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlmodel import Session, select

from bots.runtime.errors import IllegalTransitionError, NotFoundError
from orchestrator.cases.actions import NEEDS_APPROVAL, Action, fits
from orchestrator.cases.allocations import parse_amount
from orchestrator.store.base import StoreBase
from orchestrator.store.case_events import add_event, check_workable, locked_case, move
from orchestrator.store.case_ops import EXECUTORS, CaseOutcome, plan_for
from orchestrator.store.leases import retry_as_clone
from orchestrator.store.models import Approval, ExceptionCase, WorkItem
from orchestrator.store.states import CaseStatus, ItemState
from orchestrator.store.types import to_jsonable, utcnow

__all__ = ["CaseActionsMixin"]

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

    def apply_to_invoices(
        self, case_id: int, actor: str, allocations: Sequence[Mapping[str, Any]], *,
        customer_id: str | None = None, note: str = "",
    ) -> CaseOutcome:
        """Post the payment to the invoices the person chose (the bot posts it)."""
        case = self.get_case(case_id)  # type: ignore[attr-defined]
        plan = plan_for(case, allocations, customer_id)
        payload = {**plan.as_json(), "note": note.strip(),
                   "requested": [a.as_request() for a in plan.allocations]}
        amount = max(plan.applied, plan.written_off)
        return self._act(case_id, actor, Action.APPLY, amount, payload)

    def leave_on_account(self, case_id: int, actor: str, note: str = "") -> CaseOutcome:
        return self._act(case_id, actor, Action.ON_ACCOUNT, Decimal(0), {"note": note.strip()})

    def refund_case(self, case_id: int, actor: str, note: str = "",
                    amount: Decimal | str | None = None) -> CaseOutcome:
        """Flag the payment (default: all of it) to be paid back."""
        case = self.get_case(case_id)  # type: ignore[attr-defined]
        value = parse_amount(amount if amount not in (None, "") else case.amount, "refund")
        if case.amount is not None and value > case.amount:
            raise ValueError(f"the refund ({value}) is more than the payment ({case.amount})")
        return self._act(case_id, actor, Action.REFUND, value, self._money(case, value, note))

    def write_off_case(self, case_id: int, actor: str, amount: Decimal | str,
                       note: str = "") -> CaseOutcome:
        """Close a small difference (e.g. bank charges the customer deducted)."""
        case = self.get_case(case_id)  # type: ignore[attr-defined]
        value = parse_amount(amount, "write-off")
        if case.amount is not None and value > case.amount:
            raise ValueError(f"a write-off of {value} is more than the payment ({case.amount})")
        return self._act(case_id, actor, Action.WRITE_OFF, value,
                         self._money(case, value, note))

    def retry_case(self, case_id: int, actor: str) -> CaseOutcome:
        """A technical failure past the retry limit: the bot tries the same item again."""
        with self._tx(write=True) as s:
            case = locked_case(s, case_id)
            check_workable(case, actor)
            self._check_fits(case, Action.RETRY)
            item = self._failed_item(s, case)
            clone = retry_as_clone(s, item, utcnow(), manual=True)
            assert clone is not None
            clone.payload = {**item.payload, "resolves_case": case_id, "applied_by": actor}
            s.add(clone)
            s.flush()
            move(case, CaseStatus.AWAITING_POSTING)
            case.resolution_item_id = clone.id
            case.resolution = {"action": "retry", "work_item_id": clone.id}
            s.add(case)
            add_event(s, case_id, actor, "action", f"retry queued for the bot (work item "
                      f"{clone.id})", {"action": "retry", "work_item_id": clone.id})
        self.record_audit(actor, "case.retry", f"case:{case_id}",  # type: ignore[attr-defined]
                          {"work_item_id": clone.id})
        return CaseOutcome(self.get_case(case_id), None, clone)  # type: ignore[attr-defined]

    # -- helpers ---------------------------------------------------------------------------
    def _act(self, case_id: int, actor: str, action: Action, amount: Decimal,
             payload: dict[str, Any]) -> CaseOutcome:
        approval, item = None, None
        with self._tx(write=True) as s:
            case = locked_case(s, case_id)
            check_workable(case, actor)
            self._check_fits(case, action)
            kind = NEEDS_APPROVAL.get(action)
            if kind is not None and amount > self.approval_threshold:
                approval = Approval(kind=kind, case_id=case_id, amount=amount,
                                    payload=to_jsonable({"action": action.value, **payload}),
                                    requested_by=actor)
                s.add(approval)
                s.flush()
                move(case, CaseStatus.AWAITING_APPROVAL)
                s.add(case)
                what = "; ".join(f"{a['invoice_number']} {a['amount']}"
                                 for a in payload.get("allocations", ()))
                add_event(s, case_id, actor, "approval_requested",
                          f"{kind.replace('_', ' ')} of {amount:.2f}"
                          + (f" ({what})" if what else "")
                          + f" needs a second person's approval (above "
                          f"{self.approval_threshold:.2f})",
                          {"approval_id": approval.id, "kind": kind, "amount": amount})
            else:
                item = EXECUTORS[action](s, case, to_jsonable(payload), actor, None)
        details = {"amount": amount, "approval_id": approval.id if approval else None,
                   "work_item_id": item.id if isinstance(item, WorkItem) else None}
        self.record_audit(actor, f"case.{action.value}", f"case:{case_id}",  # type: ignore[attr-defined]
                          details)
        return CaseOutcome(self.get_case(case_id), approval,  # type: ignore[attr-defined]
                           item if isinstance(item, WorkItem) else None)

    @staticmethod
    def _money(case: ExceptionCase, amount: Decimal, note: str) -> dict[str, Any]:
        line = (case.data or {}).get("bank_line") or {}
        return {"amount": amount, "currency": line.get("currency") or "EUR",
                "payer": line.get("counterparty_name"), "iban": line.get("counterparty_iban"),
                "note": note.strip()}

    @staticmethod
    def _check_fits(case: ExceptionCase, action: Action) -> None:
        kind = (case.data or {}).get("failure_kind")
        if not fits(action, case.reason_code, kind, case.work_item_id is not None):
            raise ValueError(f"{action.value.replace('_', ' ')} does not fit a "
                             f"{case.reason_code} case")

    @staticmethod
    def _failed_item(s: Session, case: ExceptionCase) -> WorkItem:
        item_id = case.resolution_item_id or case.work_item_id
        item = s.exec(select(WorkItem).where(WorkItem.id == item_id).with_for_update()).first()
        if item is None:
            raise NotFoundError(f"case {case.id} has no work item")
        if item.state not in (ItemState.FAILED, ItemState.ABANDONED):
            raise IllegalTransitionError("work item", item.state, ItemState.RETRIED)
        return item
