"""A bot keeps its own open cases up to date and closes them when settled (``ctx.cases``).

Only the bot that opened a case (``case.bot``) may change it, and only while no person's
decision is in flight: an open or in-progress case, never one awaiting approval or the
bot's posting. An update merges top-level keys into the case's data and may move its due
time (``sla_due_at``, what the inbox sorts and marks overdue by); a close resolves the case
as settled by its bot (e.g. the customer paid what was disputed). Each change writes a
case event with the bot as actor (``bot:<name>``) in the same transaction, then an audit
record (``case.bot_update``, ``case.bot_close``). Closing a case that is resolved or closed
already changes nothing, so a rerun closes nothing twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from bots.runtime.errors import IllegalTransitionError, PermissionDeniedError
from orchestrator.store.base import StoreBase
from orchestrator.store.case_events import ACTIVE, add_event, locked_case, resolve
from orchestrator.store.case_search import case_search_text
from orchestrator.store.models import ExceptionCase
from orchestrator.store.states import CaseStatus
from orchestrator.store.types import to_jsonable

__all__ = ["MAX_NOTE", "CaseBotUpdatesMixin"]

#: longest note or summary a bot writes into a case's history
MAX_NOTE = 2000
_DONE = frozenset({CaseStatus.RESOLVED, CaseStatus.CLOSED})


def _owned(case: ExceptionCase, bot: str) -> None:
    if case.bot != bot:
        raise PermissionDeniedError(f"case {case.id} is the {case.bot or 'unknown'} bot's: "
                                    f"the {bot} bot changes only its own cases")


def _text(value: str, what: str) -> str:
    text = (value or "").strip()
    if len(text) > MAX_NOTE:
        raise ValueError(f"{what}: at most {MAX_NOTE} characters, not {len(text)}")
    return text


class CaseBotUpdatesMixin(StoreBase):
    def bot_update_case(self, case_id: int, bot: str, *,
                        data: Mapping[str, Any] | None = None, note: str = "",
                        sla_due: dt.datetime | None = None) -> ExceptionCase:
        """Merge ``data``'s top-level keys into the open case's data and/or set its due time
        (timezone-aware); ``note`` is the history's line (else what changed)."""
        note = _text(note, "note")
        if sla_due is not None and sla_due.utcoffset() is None:
            raise ValueError(f"case {case_id}: sla_due must be timezone-aware")
        if not data and sla_due is None:
            raise ValueError(f"case {case_id}: nothing to update (give data or sla_due)")
        if any(not isinstance(k, str) or not k for k in (data or {})):
            raise ValueError(f"case {case_id}: data keys must be non-empty text")
        actor = f"bot:{bot}"
        with self._tx(write=True) as s:
            case = locked_case(s, case_id)
            _owned(case, bot)
            if case.status not in ACTIVE:
                raise IllegalTransitionError("exception case", case.status, "updated by its bot")
            details: dict[str, Any] = {}
            if data:
                case.data = {**(case.data or {}), **to_jsonable(dict(data))}
                case.search_text = case_search_text(case)
                details["keys"] = sorted(data)
            if sla_due is not None:
                details["sla_due_was"] = case.sla_due_at.isoformat()
                case.sla_due_at = sla_due.astimezone(dt.UTC)
                details["sla_due"] = case.sla_due_at.isoformat()
            s.add(case)
            said = note or "updated by the bot: " + "; ".join(
                ([f"{', '.join(details['keys'])}"] if data else [])
                + ([f"due {case.sla_due_at:%Y-%m-%d %H:%M} UTC"] if sla_due else []))
            add_event(s, case_id, actor, "updated", said, details)
        self.record_audit(actor, "case.bot_update", f"case:{case_id}",  # type: ignore[attr-defined]
                          details)
        return self.get_case(case_id)  # type: ignore[attr-defined,no-any-return]

    def bot_close_case(self, case_id: int, bot: str, *, summary: str,
                       outcome: str = "settled") -> ExceptionCase:
        """Resolve the open case as settled by its bot (``outcome`` names how, ``summary``
        says it in the case's history); a case resolved or closed already is left as is."""
        summary, outcome = _text(summary, "summary"), (outcome or "").strip()
        if not summary:
            raise ValueError(f"case {case_id}: a close needs its summary")
        if not outcome.replace("_", "").replace("-", "").isalnum() or len(outcome) > 60:
            raise ValueError(f"case {case_id}: outcome {outcome!r}: up to 60 letters, "
                             "digits, - and _")
        actor = f"bot:{bot}"
        with self._tx(write=True) as s:
            case = locked_case(s, case_id)
            _owned(case, bot)
            done_already = case.status in _DONE
            if not done_already and case.status not in ACTIVE:
                raise IllegalTransitionError("exception case", case.status, "closed by its bot")
            if not done_already:
                resolve(s, case, actor, {"name": outcome, "by": actor, "closed_by_bot": True,
                                         "summary": summary}, summary)
        if done_already:
            return self.get_case(case_id)  # type: ignore[attr-defined,no-any-return]
        self.record_audit(actor, "case.bot_close", f"case:{case_id}",  # type: ignore[attr-defined]
                          {"outcome": outcome, "summary": summary})
        return self.get_case(case_id)  # type: ignore[attr-defined,no-any-return]
