"""The resolutions a person can choose for an exception case, and which fit which reason.

* ``apply``      post the payment to invoices the person picks (a bot posts it)
* ``on_account`` leave the payment unapplied on the customer's account (recorded only)
* ``refund``     a duplicate or overpayment to pay back (flagged for the treasury)
* ``write_off``  close a small difference (recorded)
* ``retry``      a technical failure: let the bot try the same item again

Refunds, write-offs and manual postings above the approval threshold need a second
person (maker-checker); the store enforces that, not only the pages.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ACTION_LABELS", "NEEDS_APPROVAL", "Action", "actions_for", "fits"]


class Action(StrEnum):
    APPLY = "apply"
    ON_ACCOUNT = "on_account"
    REFUND = "refund"
    WRITE_OFF = "write_off"
    RETRY = "retry"


ACTION_LABELS: dict[Action, str] = {
    Action.APPLY: "Apply to invoices",
    Action.ON_ACCOUNT: "Leave on account",
    Action.REFUND: "Refund",
    Action.WRITE_OFF: "Write off difference",
    Action.RETRY: "Retry the bot",
}

#: The approval kind each action needs above the threshold (``Approval.kind``).
NEEDS_APPROVAL: dict[Action, str] = {
    Action.APPLY: "manual_posting",
    Action.REFUND: "refund",
    Action.WRITE_OFF: "write_off",
}

_A = Action
# most useful first: the page offers them in this order
_BY_REASON: dict[str, tuple[Action, ...]] = {
    "UNMATCHED": (_A.APPLY, _A.ON_ACCOUNT, _A.REFUND, _A.WRITE_OFF),
    "AMBIGUOUS": (_A.APPLY, _A.ON_ACCOUNT),
    "SHORT_PAYMENT": (_A.APPLY, _A.WRITE_OFF, _A.ON_ACCOUNT),
    "OVERPAYMENT": (_A.APPLY, _A.REFUND, _A.WRITE_OFF, _A.ON_ACCOUNT),
    "DUPLICATE": (_A.REFUND, _A.ON_ACCOUNT, _A.APPLY),
    "UNKNOWN_PAYER": (_A.APPLY, _A.REFUND, _A.ON_ACCOUNT),
    "LOW_CONFIDENCE": (_A.APPLY, _A.ON_ACCOUNT),
    "CURRENCY_MISMATCH": (_A.APPLY, _A.REFUND, _A.ON_ACCOUNT),
}
_OTHER_BUSINESS = (_A.APPLY, _A.ON_ACCOUNT, _A.WRITE_OFF)  # e.g. ERP_REJECTED
_APPLICATION = (_A.RETRY, _A.APPLY, _A.ON_ACCOUNT)  # technical, past the retry limit


def actions_for(reason_code: str, failure_kind: str | None, has_item: bool) -> list[Action]:
    """The resolutions that fit a case, most useful first.

    ``apply`` and ``retry`` hand the case's work item back to a bot, so they need one.
    """
    if failure_kind == "application":
        actions = _APPLICATION
    else:
        actions = _BY_REASON.get(reason_code, _OTHER_BUSINESS)
    return [a for a in actions if has_item or a not in (_A.APPLY, _A.RETRY)]


def fits(action: Action, reason_code: str, failure_kind: str | None, has_item: bool) -> bool:
    return action in actions_for(reason_code, failure_kind, has_item)
