"""What bots learned from people's decisions, for the page and the API: listed per bot,
withdrawn by a person (the store audits it; the bot stops using the rule at once, since it
reads its rules from the store on every run and checks them again before it posts).

Nothing here knows one bot's domain: a rule's ``evidence`` carries the words its bot chose
(``says``: "account IE29... pays for C1007") and the decision it came from.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel

from orchestrator.store import Store
from orchestrator.store.models import LearnedRuleRecord

__all__ = ["LearnedOut", "learned_out", "list_learned", "withdraw"]

MAX_LISTED = 1000


class LearnedOut(BaseModel):
    id: int
    bot: str
    kind: str
    key: str
    value: dict[str, Any]
    says: str  # the rule in words, as its bot put it
    source_case: int | None
    created_by: str
    created_at: dt.datetime
    evidence: dict[str, Any]
    active: bool
    withdrawn_at: dt.datetime | None
    withdrawn_by: str | None


def learned_out(row: LearnedRuleRecord) -> LearnedOut:
    evidence = dict(row.evidence or {})
    says = str(evidence.get("says") or f"{row.kind}: {row.key}")
    return LearnedOut(id=int(row.id or 0), bot=row.bot, kind=row.kind, key=row.key,
                      value=dict(row.value or {}), says=says, source_case=row.source_case,
                      created_by=row.created_by, created_at=row.created_at, evidence=evidence,
                      active=row.withdrawn_at is None, withdrawn_at=row.withdrawn_at,
                      withdrawn_by=row.withdrawn_by)


def list_learned(store: Store, bot: str | None = None, *,
                 include_withdrawn: bool = True) -> list[LearnedOut]:
    """Newest first (at most :data:`MAX_LISTED`)."""
    rows = store.list_learned(bot, include_withdrawn=include_withdrawn)
    return [learned_out(r) for r in reversed(rows[-MAX_LISTED:])]


def withdraw(store: Store, rule_id: int, actor: str) -> LearnedOut:
    """Withdraw the rule as ``actor`` (NotFoundError when there is none)."""
    return learned_out(store.withdraw_learned(rule_id, actor))
