"""The SDK's backends over the orchestrator store: a bot's work queues, its exception
cases, its persistent state, its records and its audit records (``ctx.queue``, the cases
of failed items, ``ctx.state``, ``ctx.records``, ``ctx.audit``).

A failed item and its case are written in one transaction (``fail_item_with_case``), and
a bot may ask whether its trail already holds a record (``audit_exists``), e.g. of a
posting a rerun finds already done.

The runner gives one :class:`StoreBackend` to each run's context; bots never see the store.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from bots.runtime.bot_config import ConfigDocument
from bots.runtime.case_lookup import CaseView
from bots.runtime.learned import LearnedRule
from bots.runtime.queues import NewItem
from bots.runtime.records import Record
from orchestrator.store import Store
from orchestrator.store.models import (
    AuditRecord,
    BotConfigVersion,
    ExceptionCase,
    LearnedRuleRecord,
    WorkItem,
    WorkQueue,
)

__all__ = ["StoreBackend", "as_config", "as_rule", "as_view"]


class StoreBackend:
    """:class:`~bots.runtime.queues.BotBackend` for one bot, over ``store``."""

    def __init__(self, store: Store, bot: str, *,
                 before_claims: Callable[[], None] | None = None) -> None:
        """``before_claims``: called before every claim of a work item (the runner's
        recovery, which must have given abandoned items back first)."""
        self.store, self.bot, self._before_claims = store, bot, before_claims

    def __repr__(self) -> str:
        return f"StoreBackend({self.bot!r})"

    # -- queues ------------------------------------------------------------------------
    def ensure_queue(self, name: str, max_retries: int = 3) -> WorkQueue:
        return self.store.ensure_queue(name, max_retries=max_retries)

    def add_item(self, queue: str, reference: str, payload: Mapping[str, Any] | None = None,
                 priority: int = 0, deadline: dt.datetime | None = None,
                 not_before: dt.datetime | None = None) -> WorkItem | None:
        return self.store.add_item(queue, reference, payload, priority=priority,
                                   deadline=deadline, not_before=not_before)

    def add_items(self, queue: str, items: Sequence[NewItem]) -> list[int | None]:
        """Many items in one transaction (:class:`~bots.runtime.queues.BatchAdding`)."""
        return self.store.add_items(queue, items)

    def claim_item(self, queue: str, owner: str, lease_seconds: int | None = None,
                   run_id: Any = None) -> WorkItem | None:
        if self._before_claims is not None:
            self._before_claims()
        return self.store.claim_item(queue, owner, lease_seconds, run_id=run_id)

    def renew_lease(self, item_id: Any, owner: str,
                    lease_seconds: int | None = None) -> dt.datetime:
        return self.store.renew_lease(item_id, owner, lease_seconds)

    def complete_item(self, item_id: Any, output: Mapping[str, Any] | None = None,
                      owner: str | None = None) -> WorkItem:
        return self.store.complete_item(item_id, output, owner=owner)

    def fail_item(self, item_id: Any, kind: str, code: str, message: str = "",
                  owner: str | None = None) -> WorkItem | None:
        return self.store.fail_item(item_id, kind, code, message, owner=owner)

    def fail_item_with_case(self, item_id: Any, kind: str, code: str, message: str = "",
                            owner: str | None = None, *, case: Mapping[str, Any],
                            ) -> tuple[WorkItem | None, ExceptionCase | None]:
        """The failure and its case in one transaction (unless the queue retries the item)."""
        return self.store.fail_item_with_case(item_id, kind, code, message, owner=owner,
                                              case=case)

    def list_items(self, queue: str | None = None, state: str | None = None,
                   reference: str | None = None, run_id: Any = None,
                   limit: int | None = None) -> list[WorkItem]:
        return self.store.list_items(queue, state=state, reference=reference, run_id=run_id,
                                     limit=limit)

    # -- cases -------------------------------------------------------------------------
    def open_case(self, run_id: Any, item_id: Any, reference: str, reason_code: str,
                  summary: str, data: Mapping[str, Any] | None = None,
                  candidates: Sequence[Mapping[str, Any]] = (),
                  evidence: Sequence[str | PurePath] = (), rule: str | None = None,
                  amount: Decimal | None = None, customer_id: str | None = None,
                  sla_due: dt.datetime | None = None) -> ExceptionCase:
        """The case (its bot: the run's); the one already open for the reference and
        reason, or the case the item was carrying out, when there is one."""
        return self.store.open_case(run_id, item_id, reference, reason_code, summary,
                                    data=data, candidates=candidates, evidence=evidence,
                                    rule=rule, amount=amount, customer_id=customer_id,
                                    sla_due=sla_due)

    def find_cases(self, *, bot: str | None, statuses: tuple[str, ...],
                   customer_id: str | None, reason_code: str | None,
                   limit: int) -> list[CaseView]:
        """Any bot's cases, read-only (``ctx.cases``)."""
        return [as_view(c) for c in self.store.find_cases(
            bot=bot, statuses=statuses, customer_id=customer_id, reason_code=reason_code,
            limit=limit)]

    def update_case(self, case_id: int, *, bot: str, data: Mapping[str, Any] | None,
                    note: str, sla_due: dt.datetime | None) -> CaseView:
        """This run's bot's own case (``bot`` is the context's; the run's bot decides)."""
        return as_view(self.store.bot_update_case(case_id, self.bot, data=data, note=note,
                                                  sla_due=sla_due))

    def close_case(self, case_id: int, *, bot: str, summary: str, outcome: str) -> CaseView:
        """Resolve this run's bot's own case as settled by it."""
        return as_view(self.store.bot_close_case(case_id, self.bot, summary=summary,
                                                 outcome=outcome))

    # -- audit trail -------------------------------------------------------------------
    def record_audit(self, actor: str, action: str, target: str,
                     details: Mapping[str, Any] | None = None) -> AuditRecord:
        return self.store.record_audit(actor, action, target, details)

    def audit_exists(self, action: str, details: Mapping[str, Any]) -> bool:
        """Whether this bot's trail holds a record of ``action`` with these details."""
        found = self.store.find_audit(action, {k: str(v) for k, v in details.items()},
                                      actor=f"bot:{self.bot}")
        return found is not None

    # -- learned rules -----------------------------------------------------------------
    def learn_rule(self, bot: str, kind: str, key: str, value: Mapping[str, Any], *,
                   source_case: int | None, created_by: str,
                   evidence: Mapping[str, Any] | None = None) -> LearnedRule:
        return as_rule(self.store.learn_rule(bot, kind, key, value, source_case=source_case,
                                             created_by=created_by, evidence=evidence))

    def list_learned(self, bot: str | None = None, *, kind: str | None = None,
                     include_withdrawn: bool = False) -> list[LearnedRule]:
        return [as_rule(r) for r in self.store.list_learned(
            bot, kind=kind, include_withdrawn=include_withdrawn)]

    def get_learned(self, rule_id: int) -> LearnedRule | None:
        found = self.store.get_learned(rule_id)
        return None if found is None else as_rule(found)

    def withdraw_learned(self, rule_id: int, by: str) -> LearnedRule:
        return as_rule(self.store.withdraw_learned(rule_id, by))

    # -- records (ctx.records) ---------------------------------------------------------
    def put_record(self, bot: str, kind: str, key: str, data: Mapping[str, Any], *,
                   customer_id: str | None, run_id: str | None) -> Record:
        return self.store.put_record(bot, kind, key, data, customer_id=customer_id,
                                     run_id=run_id)

    def records_together(self) -> AbstractContextManager[object]:
        """``ctx.records.batch()``: the puts and gets inside in one store transaction."""
        return self.store.records_together()

    def get_record(self, kind: str, key: str) -> Record | None:
        return self.store.get_record(kind, key)

    def find_records(self, kind: str, *, customer_id: str | None = None,
                     where: Mapping[str, Any] | None = None,
                     limit: int | None = None) -> list[Record]:
        return self.store.find_records(kind, customer_id=customer_id, where=where,
                                       limit=limit)

    def record_history(self, kind: str, key: str) -> list[Record]:
        return self.store.record_history(kind, key)

    # -- state -------------------------------------------------------------------------
    def get_state(self, bot: str, namespace: str, key: str) -> Any | None:
        return self.store.get_bot_state(bot, namespace, key)

    def put_state(self, bot: str, namespace: str, key: str, value: Any) -> None:
        self.store.put_bot_state(bot, namespace, key, value)

    # -- configuration documents (ctx.config) -------------------------------------------
    def get_config(self, bot: str, name: str) -> ConfigDocument | None:
        row = self.store.latest_config(bot, name)
        return None if row is None else as_config(row)


def as_view(c: ExceptionCase) -> CaseView:
    """What a bot may read of a stored case (``ctx.cases``)."""
    return CaseView(c.id or 0, c.bot, c.reference, c.reason_code, c.status, c.customer_id,
                    c.amount, c.summary, c.created_at, dict(c.data), c.sla_due_at)


def as_config(row: BotConfigVersion) -> ConfigDocument:
    """The SDK's view of a saved configuration version."""
    return ConfigDocument(row.bot, row.name, row.version, row.content, row.sha256,
                          row.changed_by, row.changed_at, row.note)


def as_rule(row: LearnedRuleRecord) -> LearnedRule:
    """The SDK's view of a stored learned rule."""
    return LearnedRule(int(row.id or 0), row.bot, row.kind, row.key, dict(row.value or {}),
                       row.source_case, row.created_by, row.created_at,
                       dict(row.evidence or {}), row.withdrawn_at, row.withdrawn_by)
