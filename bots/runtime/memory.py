"""Queues, cases and bot state in memory: for tests, and to run a bot with no orchestrator.

:class:`MemoryBackend` behaves like the orchestrator's store where a bot can tell:
a reference is unique among a queue's live items, claims follow deadline, priority and
age, a lease belongs to one owner, an application failure is retried as a clone up to the
queue's ``max_retries``, a release happens once, and one case stays open per reference and
reason.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from bots.runtime.case_lookup import CaseView
from bots.runtime.errors import (
    IllegalTransitionError,
    LeaseLostError,
    NotFoundError,
    PermissionDeniedError,
)
from bots.runtime.learned import LearnedRule
from bots.runtime.mail_memory import MemoryMailboxes
from bots.runtime.queues import CASE_STAYS_OPEN
from bots.runtime.records_memory import MemoryRecords

__all__ = ["MemoryBackend", "MemoryCase", "MemoryItem", "MemoryQueue"]

_FINISHED_FREE = ("retried", "deleted")  # states that free an item's reference


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class MemoryQueue:
    name: str
    max_retries: int = 3
    lease_seconds: int = 60


@dataclass
class MemoryItem:
    id: int
    queue: str
    reference: str
    payload: dict[str, Any]
    priority: int = 0
    deadline: dt.datetime | None = None
    not_before: dt.datetime | None = None
    retry_count: int = 0
    parent_id: int | None = None
    state: str = "new"
    output: dict[str, Any] | None = None
    lease_owner: str | None = None
    lease_expires_at: dt.datetime | None = None
    run_id: Any = None
    failure_kind: str | None = None
    failure_code: str | None = None
    failure_message: str | None = None


@dataclass
class MemoryCase:
    id: int
    run_id: Any
    work_item_id: Any
    reference: str
    reason_code: str
    summary: str
    data: dict[str, Any] = field(default_factory=dict)
    candidates: list[dict[str, Any]] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    rule: str | None = None
    amount: Decimal | None = None
    customer_id: str | None = None
    status: str = "open"
    resolution: dict[str, Any] | None = None
    resolution_item_id: int | None = None
    bot: str | None = None  # the bot whose run opened it (None: this backend's own bot)
    sla_due_at: dt.datetime | None = None  # None: no due time given (no default SLA here)
    history: list[dict[str, Any]] = field(default_factory=list)  # a bot's updates, closes


class MemoryBackend(MemoryRecords, MemoryMailboxes):
    """Implements the SDK's queue, case, state and audit backends in one process's memory."""

    def __init__(self) -> None:
        self.queues: dict[str, MemoryQueue] = {}
        self.items: dict[int, MemoryItem] = {}
        self.cases: list[MemoryCase] = []
        self.state: dict[tuple[str, str, str], Any] = {}
        self.audit: list[dict[str, Any]] = []
        self.learned: list[LearnedRule] = []
        self._ids = itertools.count(1)
        self._lock = threading.RLock()

    # -- queues ------------------------------------------------------------------------
    def ensure_queue(self, name: str, max_retries: int = 3,
                     lease_seconds: int = 60) -> MemoryQueue:
        with self._lock:
            return self.queues.setdefault(name, MemoryQueue(name, max_retries, lease_seconds))

    def _queue(self, name: str) -> MemoryQueue:
        if name not in self.queues:
            raise NotFoundError(f"no work queue {name!r}")
        return self.queues[name]

    def add_item(self, queue: str, reference: str, payload: Mapping[str, Any] | None = None,
                 priority: int = 0, deadline: dt.datetime | None = None,
                 not_before: dt.datetime | None = None) -> MemoryItem | None:
        with self._lock:
            self._queue(queue)
            if any(i.queue == queue and i.reference == reference
                   and i.state not in _FINISHED_FREE for i in self.items.values()):
                return None
            item = MemoryItem(next(self._ids), queue, reference, copy.deepcopy(dict(payload or {})),
                              priority, deadline, not_before)
            self.items[item.id] = item
            return copy.copy(item)

    def claim_item(self, queue: str, owner: str, lease_seconds: int | None = None,
                   run_id: Any = None) -> MemoryItem | None:
        now = _now()
        with self._lock:
            q = self._queue(queue)
            ready = [i for i in self.items.values() if i.queue == queue and i.state == "new"
                     and (i.not_before is None or i.not_before <= now)]
            if not ready:
                return None
            far = dt.datetime.max.replace(tzinfo=dt.UTC)
            item = min(ready, key=lambda i: (i.deadline is None, i.deadline or far,
                                             -i.priority, i.id))
            item.state, item.lease_owner, item.run_id = "in_progress", owner, run_id
            item.lease_expires_at = now + dt.timedelta(seconds=lease_seconds or q.lease_seconds)
            return copy.deepcopy(item)

    def _held(self, item_id: Any, owner: str | None) -> MemoryItem:
        item = self.items.get(int(item_id))
        if item is None:
            raise NotFoundError(f"no work item {item_id!r}")
        if owner is not None and (item.state != "in_progress" or item.lease_owner != owner):
            raise LeaseLostError(f"work item {item_id} is not leased to {owner!r}")
        if item.state != "in_progress":
            raise IllegalTransitionError("work item", item.state, "released")
        return item

    def renew_lease(self, item_id: Any, owner: str,
                    lease_seconds: int | None = None) -> dt.datetime:
        with self._lock:
            item = self._held(item_id, owner)
            seconds = lease_seconds or self.queues[item.queue].lease_seconds
            item.lease_expires_at = _now() + dt.timedelta(seconds=seconds)
            return item.lease_expires_at

    def complete_item(self, item_id: Any, output: Mapping[str, Any] | None = None,
                      owner: str | None = None) -> MemoryItem:
        with self._lock:
            item = self._held(item_id, owner)
            item.state, item.output = "successful", copy.deepcopy(dict(output or {}))
            item.lease_expires_at = None
            self._released(item, None)
            return copy.copy(item)

    def fail_item(self, item_id: Any, kind: str, code: str, message: str = "",
                  owner: str | None = None) -> MemoryItem | None:
        with self._lock:
            item = self._held(item_id, owner)
            item.state, item.lease_expires_at = "failed", None
            item.failure_kind, item.failure_code = kind, code
            item.failure_message = message or code
            clone = None
            if kind == "application" and (
                    item.retry_count < self.queues[item.queue].max_retries):
                clone = self._clone(item)
            self._released(item, clone)
            return copy.copy(clone) if clone is not None else None

    def _clone(self, item: MemoryItem, payload: Mapping[str, Any] | None = None) -> MemoryItem:
        item.state = "retried"
        clone = MemoryItem(next(self._ids), item.queue, item.reference,
                           copy.deepcopy(dict(payload or item.payload)), item.priority,
                           item.deadline, retry_count=item.retry_count + 1, parent_id=item.id)
        self.items[clone.id] = clone
        return clone

    def _released(self, item: MemoryItem, clone: MemoryItem | None) -> None:
        """An item carrying a person's decision settles its case (as the store does)."""
        case_id = item.payload.get("resolves_case")
        if case_id is None:
            return
        case = self.case(int(case_id))
        kept = (item.output or {}).get(CASE_STAYS_OPEN) if item.state == "successful" else None
        if isinstance(kept, Mapping):  # the decision is done, the case is not
            case.status, case.resolution_item_id = "open", item.id
            case.data = {**case.data, **copy.deepcopy(dict(kept.get("data") or {}))}
            if kept.get("sla_due"):
                case.sla_due_at = dt.datetime.fromisoformat(str(kept["sla_due"]))
            case.history.append({"actor": "bot", "kind": "action", "text": str(
                kept.get("note") or "") + " (carried out by the bot; the case stays open)"})
        elif item.state == "successful":
            case.status = "resolved"
        elif clone is not None:
            case.resolution_item_id = clone.id
        else:
            case.status = "open"

    def list_items(self, queue: str | None = None, state: str | None = None,
                   reference: str | None = None, run_id: Any = None,
                   limit: int | None = None) -> list[MemoryItem]:
        with self._lock:
            found = [copy.deepcopy(i) for i in sorted(self.items.values(), key=lambda i: i.id)
                     if (queue is None or i.queue == queue)
                     and (state is None or i.state == state)
                     and (reference is None or i.reference == reference)
                     and (run_id is None or i.run_id == run_id)]
        return found[:limit] if limit is not None else found

    # -- cases -------------------------------------------------------------------------
    def open_case(self, run_id: Any, item_id: Any, reference: str, reason_code: str,
                  summary: str, data: Mapping[str, Any] | None = None,
                  candidates: Sequence[Mapping[str, Any]] = (),
                  evidence: Sequence[str | PurePath] = (), rule: str | None = None,
                  amount: Decimal | None = None, customer_id: str | None = None,
                  sla_due: dt.datetime | None = None) -> MemoryCase:
        """A new case, or the one open for (reference, reason_code) already."""
        with self._lock:
            item = self.items.get(int(item_id)) if item_id is not None else None
            if item is not None and item.payload.get("resolves_case") is not None:
                resolving = self.case(int(item.payload["resolves_case"]))
                resolving.evidence.extend(str(e) for e in evidence
                                          if str(e) not in resolving.evidence)
                return resolving  # the failure belongs to the case the item carried out
            for case in self.cases:
                if (case.reference, case.reason_code, case.status) == (
                        reference, reason_code, "open"):
                    return case
            case = MemoryCase(len(self.cases) + 1, run_id, item_id, reference, reason_code,
                              summary, copy.deepcopy(dict(data or {})),
                              [dict(c) for c in candidates], [str(e) for e in evidence], rule,
                              amount, customer_id,
                              sla_due_at=None if sla_due is None else sla_due.astimezone(dt.UTC))
            self.cases.append(case)
            return case

    def find_cases(self, *, bot: str | None, statuses: tuple[str, ...],
                   customer_id: str | None, reason_code: str | None,
                   limit: int) -> list[CaseView]:
        """Cases as :class:`~bots.runtime.case_lookup.CaseFinder` lists them (a case without
        a bot matches any ``bot``)."""
        with self._lock:
            found = [c for c in self.cases
                     if (bot is None or c.bot in (None, bot))
                     and (not statuses or c.status in statuses)
                     and (customer_id is None or c.customer_id == customer_id)
                     and (reason_code is None or c.reason_code == reason_code)]
            return [self._view(c) for c in found[:limit]]

    @staticmethod
    def _view(c: MemoryCase) -> CaseView:
        return CaseView(c.id, c.bot, c.reference, c.reason_code, c.status, c.customer_id,
                        c.amount, c.summary, None, copy.deepcopy(c.data), c.sla_due_at)

    def _own_active(self, case_id: int, bot: str, doing: str) -> MemoryCase:
        """``bot``'s case (a case without a bot is this backend's own), open or in progress."""
        case = self.case(case_id)
        if case.bot not in (None, bot):
            raise PermissionDeniedError(f"case {case_id} is the {case.bot} bot's: the {bot} "
                                        "bot changes only its own cases")
        if case.status not in ("open", "in_progress", "resolved", "closed") or (
                doing == "updated by its bot" and case.status not in ("open", "in_progress")):
            raise IllegalTransitionError("exception case", case.status, doing)
        return case

    def update_case(self, case_id: int, *, bot: str, data: Mapping[str, Any] | None,
                    note: str, sla_due: dt.datetime | None) -> CaseView:
        """As the store's ``bot_update_case``: merge ``data``, move the due time."""
        if not data and sla_due is None:
            raise ValueError(f"case {case_id}: nothing to update (give data or sla_due)")
        with self._lock:
            case = self._own_active(case_id, bot, "updated by its bot")
            case.data = {**case.data, **copy.deepcopy(dict(data or {}))}
            if sla_due is not None:
                case.sla_due_at = sla_due.astimezone(dt.UTC)
            case.history.append({"actor": f"bot:{bot}", "kind": "updated", "text": note,
                                 "keys": sorted(data or {})})
            return self._view(case)

    def close_case(self, case_id: int, *, bot: str, summary: str, outcome: str) -> CaseView:
        """As the store's ``bot_close_case``: resolved as settled by its bot, once."""
        if not summary.strip():
            raise ValueError(f"case {case_id}: a close needs its summary")
        with self._lock:
            case = self._own_active(case_id, bot, "closed by its bot")
            if case.status in ("open", "in_progress"):
                case.status = "resolved"
                case.resolution = {"name": outcome, "by": f"bot:{bot}", "closed_by_bot": True,
                                   "summary": summary}
                case.history.append({"actor": f"bot:{bot}", "kind": "resolved",
                                     "text": summary})
            return self._view(case)

    def case(self, case_id: int) -> MemoryCase:
        for case in self.cases:
            if case.id == case_id:
                return case
        raise NotFoundError(f"no exception case {case_id!r}")

    def resolve_case(self, case_id: int, name: str, values: Mapping[str, Any] | None = None,
                     *, by: str = "person", approved_by: str | None = None,
                     payload: Mapping[str, Any] | None = None,
                     carried_out: bool = True) -> MemoryItem | None:
        """A person's resolution: with ``carried_out`` the case's item goes back to its
        queue carrying it (``item.resolution``) and the case waits for the bot; otherwise
        the case is resolved at once. ``payload`` is what the resolution's ``prepare`` made.
        """
        with self._lock:
            case = self.case(case_id)
            resolution = {"name": name, "values": dict(values or {}), "case_id": case_id,
                          "by": by, "approved_by": approved_by}
            case.resolution = resolution
            if not carried_out:
                case.status = "resolved"
                return None
            source = self.items[int(case.resolution_item_id or case.work_item_id)]
            wanted = {**source.payload, **dict(payload or {}), "resolution": resolution,
                      "resolves_case": case_id}
            if source.state == "successful":  # a decision that left the case open
                clone = MemoryItem(next(self._ids), source.queue,
                                   f"{source.reference.split('~')[0]}~{source.id}",
                                   copy.deepcopy(wanted), source.priority, source.deadline,
                                   parent_id=source.id)
                self.items[clone.id] = clone
            else:
                clone = self._clone(source, wanted)
            case.status, case.resolution_item_id = "awaiting_bot", clone.id
            return copy.copy(clone)

    # -- audit trail -------------------------------------------------------------------
    def record_audit(self, actor: str, action: str, target: str,
                     details: Mapping[str, Any] | None = None) -> dict[str, Any]:
        record = {"actor": actor, "action": action, "target": target,
                  "details": copy.deepcopy(dict(details or {}))}
        with self._lock:
            self.audit.append(record)
        return record

    def audit_exists(self, action: str, details: Mapping[str, Any]) -> bool:
        wanted = {k: str(v) for k, v in details.items()}
        with self._lock:
            return any(r["action"] == action
                       and all(str(r["details"].get(k)) == v for k, v in wanted.items())
                       for r in self.audit)

    # -- bot state ---------------------------------------------------------------------
    def get_state(self, bot: str, namespace: str, key: str) -> Any | None:
        with self._lock:
            return copy.deepcopy(self.state.get((bot, namespace, key)))

    def put_state(self, bot: str, namespace: str, key: str, value: Any) -> None:
        with self._lock:
            self.state[(bot, namespace, key)] = copy.deepcopy(value)

    # -- learned rules -----------------------------------------------------------------
    def learn_rule(self, bot: str, kind: str, key: str, value: Mapping[str, Any], *,
                   source_case: int | None, created_by: str,
                   evidence: Mapping[str, Any] | None = None) -> LearnedRule:
        with self._lock:
            for rule in self.learned:
                if rule.active and (rule.bot, rule.kind, rule.key, rule.value) == (
                        bot, kind, key, dict(value)):
                    return rule
            rule = LearnedRule(len(self.learned) + 1, bot, kind, key,
                               copy.deepcopy(dict(value)), source_case, created_by, _now(),
                               copy.deepcopy(dict(evidence or {})))
            self.learned.append(rule)
            return rule

    def list_learned(self, bot: str | None = None, *, kind: str | None = None,
                     include_withdrawn: bool = False) -> list[LearnedRule]:
        with self._lock:
            return [r for r in self.learned if (bot is None or r.bot == bot)
                    and (kind is None or r.kind == kind)
                    and (include_withdrawn or r.active)]

    def get_learned(self, rule_id: int) -> LearnedRule | None:
        with self._lock:
            return next((r for r in self.learned if r.id == rule_id), None)

    def withdraw_learned(self, rule_id: int, by: str) -> LearnedRule:
        with self._lock:
            at = next((n for n, r in enumerate(self.learned) if r.id == rule_id), None)
            if at is None:
                raise NotFoundError(f"no learned rule {rule_id!r}")
            if self.learned[at].active:
                self.learned[at] = replace(self.learned[at], withdrawn_at=_now(),
                                           withdrawn_by=by)
            return self.learned[at]
