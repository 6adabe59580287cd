"""A dispute's case kept as its record says: a person's classification on the case itself.

A classification is carried out like any decision (``carry_out``: the record says the new
reason, owner team and due time, and the case goes back open to its owner). The settlement
sweep then brings the open case up to date (:func:`keep_current`): the case's ``dispute``
data shows the new reason and owner team, and the case is due when the reason's SLA says
(the due time the inbox sorts and marks overdue by). Nothing changes when the case says it
already, so a rerun writes nothing twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from bots.disputes.outcome import DisputeOutcome
from bots.disputes.routing import reason_book
from bots.runtime import RunContext
from bots.runtime.case_lookup import CaseView

__all__ = ["due_time", "keep_current"]

_WORKABLE = ("open", "in_progress")


def due_time(text: str) -> dt.datetime | None:
    """An ISO time a dispute carries as a timezone-aware time (UTC when it names no zone)."""
    try:
        due = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return due if due.utcoffset() is not None else due.replace(tzinfo=dt.UTC)


def _label(ctx: RunContext, code: str, fallback: str) -> str:
    book = reason_book(ctx)
    try:
        return str(book.get(code).label) if book is not None else fallback
    except (KeyError, LookupError, ValueError):
        return fallback


def keep_current(ctx: RunContext, case: CaseView, dispute: Mapping[str, Any],
                 outcome: DisputeOutcome) -> bool:
    """Update the open ``case`` to the classification ``outcome`` records; whether it
    changed. A dispute no person classified yet (no reason recorded) is left as it is."""
    if case.status not in _WORKABLE or not outcome.reason_code:
        return False
    wanted = {"reason_code": outcome.reason_code, "owner_team": outcome.owner_team,
              "sla_due": outcome.sla_due}
    due = due_time(outcome.sla_due)
    on_case = all(str(dispute.get(k) or "") == v for k, v in wanted.items())
    if on_case and (due is None or case.sla_due_at in (None, due)):
        return False
    label = _label(ctx, outcome.reason_code, str(dispute.get("reason_label") or ""))
    classified_by = dispute.get("classified_by") or ""
    if not on_case and dispute.get("reason_code") != outcome.reason_code:
        classified_by = "person"
    updated = {**dispute, **wanted, "reason_label": label, "classified_by": classified_by,
               "needs_person": False}
    ctx.cases.update(case.id, data={"dispute": updated}, sla_due=due,
                     note=f"{outcome.case_ref}: {outcome.reason_code} ({label}), owner "
                          f"{outcome.owner_team or '-'}"
                          + (f", decide by {due:%Y-%m-%d %H:%M} UTC" if due else ""))
    return True
