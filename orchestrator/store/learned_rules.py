"""Rules bots learned from people's decisions (``ctx.learned``): stored, listed, withdrawn.

Learning and withdrawing are audited in the transaction that makes the change
(``learned.create`` by the bot, ``learned.withdraw`` by the person). A rule is never
deleted: a withdrawn one stays listed with who withdrew it and when.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import col, select

from bots.runtime.errors import NotFoundError
from orchestrator.store.audit import append_audit
from orchestrator.store.base import StoreBase
from orchestrator.store.models import LearnedRuleRecord
from orchestrator.store.types import to_jsonable, utcnow

__all__ = ["LearnedRulesMixin"]


class LearnedRulesMixin(StoreBase):
    def learn_rule(self, bot: str, kind: str, key: str, value: Mapping[str, Any], *,
                   source_case: int | None, created_by: str,
                   evidence: Mapping[str, Any] | None = None) -> LearnedRuleRecord:
        """Store a rule (audited as the bot); the active rule with the same bot, kind, key
        and value comes back unchanged when there is one."""
        plain = to_jsonable(dict(value))
        with self._tx(write=True) as s:
            for row in s.exec(select(LearnedRuleRecord).where(
                    LearnedRuleRecord.bot == bot, LearnedRuleRecord.kind == kind,
                    LearnedRuleRecord.key == key,
                    col(LearnedRuleRecord.withdrawn_at).is_(None))):
                if row.value == plain:
                    return row
            row = LearnedRuleRecord(bot=bot[:100], kind=kind[:200], key=key[:200], value=plain,
                                    evidence=to_jsonable(dict(evidence or {})),
                                    source_case=source_case, created_by=created_by[:100])
            s.add(row)
            s.flush()
            append_audit(s, f"bot:{bot}", "learned.create", f"learned:{row.id}",
                         {"kind": kind, "key": key, "value": plain,
                          "source_case": source_case, "decided_by": created_by})
            return row

    def list_learned(self, bot: str | None = None, *, kind: str | None = None,
                     include_withdrawn: bool = False,
                     limit: int | None = None) -> list[LearnedRuleRecord]:
        """Oldest first; active rules only unless ``include_withdrawn``."""
        query = select(LearnedRuleRecord).order_by(col(LearnedRuleRecord.id))
        if bot is not None:
            query = query.where(LearnedRuleRecord.bot == bot)
        if kind is not None:
            query = query.where(LearnedRuleRecord.kind == kind)
        if not include_withdrawn:
            query = query.where(col(LearnedRuleRecord.withdrawn_at).is_(None))
        if limit is not None:
            query = query.limit(limit)
        with self._tx() as s:
            return list(s.exec(query))

    def get_learned(self, rule_id: int) -> LearnedRuleRecord | None:
        with self._tx() as s:
            return s.get(LearnedRuleRecord, rule_id)

    def withdraw_learned(self, rule_id: int, by: str) -> LearnedRuleRecord:
        """Withdraw the rule at once (audited as ``by``); a second withdrawal changes
        nothing and keeps the first one's name and time."""
        with self._tx(write=True) as s:
            row = s.exec(select(LearnedRuleRecord).where(LearnedRuleRecord.id == rule_id)
                         .with_for_update()).first()
            if row is None:
                raise NotFoundError(f"no learned rule {rule_id}")
            if row.withdrawn_at is None:
                row.withdrawn_at, row.withdrawn_by = utcnow(), by[:100]
                s.add(row)
                append_audit(s, by, "learned.withdraw", f"learned:{row.id}",
                             {"bot": row.bot, "kind": row.kind, "key": row.key,
                              "value": row.value, "source_case": row.source_case})
            return row
