"""The collector's worklist: customers with overdue items, ordered by a score, from the
records the collections bot wrote (``ctx.records``); and the actions a person asks the bot
to carry out in the ERP and by mail.

Records read (kind: key, data):

- ``account_snapshot`` (written by the dunning run): customer id; name, collector,
  risk_class, overdue_total, oldest_days (of the oldest overdue item), buckets (aging),
  disputed and promised invoices, dunning_level, dunning_block, as_of;
- ``promise_to_pay``: see ``bots/collections/promises.py`` (status open, kept, partially
  kept, broken);
- ``customer_reply``: message id; kind, subject, sent_at, summary, file;
- ``collection_note``: note id; note_date, note_type, text, user.

The score's weights come from the collections bot's configuration document ``worklist``
(edited on the bot's configuration page, every change audited); without one the defaults
below apply, and the page says so::

    weights: {amount_per_1000: 1.0, days_overdue: 0.2, broken_promise: 10.0}
    risk_class: {A: 0, B: 5, C: 15, D: 30}
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml

from bots.runtime.errors import ConfigError, NotFoundError
from bots.runtime.records import Record
from orchestrator.store import Store

__all__ = ["ACTIONS", "ACTION_QUEUE", "AccountView", "ScoreWeights", "WorklistRow",
           "customer_view", "request_action", "score_weights", "worklist"]

BOT = "collections"
ACTION_QUEUE = "collections-actions"
ACCOUNT, PROMISE, REPLY, NOTE = ("account_snapshot", "promise_to_pay", "customer_reply",
                                 "collection_note")
#: what a person may ask the bot to do, and the fields each takes
ACTIONS: dict[str, tuple[str, ...]] = {
    "log_call": ("note",),
    "record_promise": ("promised_date", "amount", "invoices", "note"),
    "dunning_block": ("reason",),
    "send_statement": ("note",),
}
ACTION_TITLES = {"log_call": "Log a call", "record_promise": "Record a promise to pay",
                 "dunning_block": "Set a dunning block", "send_statement": "Send a statement"}
MAX_TEXT, MAX_INVOICES, MAX_ROWS = 500, 20, 2000
DEFAULT_WEIGHTS: dict[str, Any] = {
    "weights": {"amount_per_1000": 1.0, "days_overdue": 0.2, "broken_promise": 10.0},
    "risk_class": {"A": 0, "B": 5, "C": 15, "D": 30},
}


@dataclass(frozen=True)
class ScoreWeights:
    amount_per_1000: Decimal
    days_overdue: Decimal
    broken_promise: Decimal
    risk_class: dict[str, Decimal]
    origin: str  # "packaged default", "version 3", or "finbots defaults"

    def score(self, overdue: Decimal, days: int, broken: int, risk: str) -> Decimal:
        value = (self.amount_per_1000 * overdue / 1000 + self.days_overdue * days
                 + self.broken_promise * broken + self.risk_class.get(risk, Decimal(0)))
        return value.quantize(Decimal("0.1"))


@dataclass(frozen=True)
class WorklistRow:
    customer_id: str
    name: str
    collector: str
    risk_class: str
    overdue_amount: Decimal
    days_overdue: int
    broken_promises: int
    open_promises: int
    score: Decimal
    as_of: str
    read_at: dt.datetime


@dataclass(frozen=True)
class AccountView:
    """A customer's page: its account record, promises, replies, notes, each with when the
    bot last wrote it."""

    customer_id: str
    account: Record | None
    promises: list[Record] = field(default_factory=list)
    replies: list[Record] = field(default_factory=list)
    notes: list[Record] = field(default_factory=list)
    requests: list[Any] = field(default_factory=list)  # the work items asked for it

    @staticmethod
    def freshest(records: list[Record]) -> dt.datetime | None:
        return max((r.written_at for r in records), default=None)


def _decimal(value: Any, default: str = "0") -> Decimal:
    try:
        return Decimal(str(value if value is not None else default))
    except InvalidOperation:
        return Decimal(default)


def score_weights(store: Store) -> ScoreWeights:
    """The weights of the collections bot's ``worklist`` document (or the defaults)."""
    doc, origin = DEFAULT_WEIGHTS, "finbots defaults (the collections bot declares none)"
    try:
        from orchestrator.services.bot_config import config_view

        view = config_view(store, BOT, "worklist")
        loaded = yaml.safe_load(view.content) or {}
        if isinstance(loaded, dict):
            doc, origin = loaded, view.origin
    except (NotFoundError, ConfigError, yaml.YAMLError):
        pass
    weights = {**DEFAULT_WEIGHTS["weights"], **dict(doc.get("weights") or {})}
    risk = {**DEFAULT_WEIGHTS["risk_class"], **dict(doc.get("risk_class") or {})}
    return ScoreWeights(_decimal(weights["amount_per_1000"]),
                        _decimal(weights["days_overdue"]),
                        _decimal(weights["broken_promise"]),
                        {str(k): _decimal(v) for k, v in risk.items()}, origin)


def worklist(store: Store, *, collector: str | None = None) -> tuple[list[WorklistRow],
                                                                    ScoreWeights]:
    """Customers with something overdue, highest score first (of ``collector`` when given)."""
    weights = score_weights(store)
    promises: dict[str, list[Record]] = {}
    for p in store.find_records(PROMISE, limit=MAX_ROWS * 5):
        promises.setdefault(p.customer_id or "", []).append(p)
    rows: list[WorklistRow] = []
    for rec in store.find_records(ACCOUNT, limit=MAX_ROWS):
        data = rec.data
        if collector and str(data.get("collector", "")) != collector:
            continue
        overdue = _decimal(data.get("overdue_total"))
        if overdue <= 0:
            continue
        days = int(_decimal(data.get("oldest_days")))
        mine = promises.get(rec.key, [])
        broken = sum(p.data.get("status") in ("broken", "partially kept") for p in mine)
        open_ = sum(p.data.get("status") == "open" for p in mine)
        risk = str(data.get("risk_class", ""))
        rows.append(WorklistRow(rec.key, str(data.get("name", "")),
                                str(data.get("collector", "")), risk, overdue, days, broken,
                                open_, weights.score(overdue, days, broken, risk),
                                str(data.get("as_of", "")), rec.written_at))
    rows.sort(key=lambda r: (-r.score, r.customer_id))
    return rows, weights


def customer_view(store: Store, customer_id: str) -> AccountView:
    """Everything the bots wrote about one customer (NotFoundError: nothing at all)."""
    account = store.get_record(ACCOUNT, customer_id)
    promises = store.find_records(PROMISE, customer_id=customer_id, limit=200)
    replies = store.find_records(REPLY, customer_id=customer_id, limit=200)
    notes = store.find_records(NOTE, customer_id=customer_id, limit=200)
    if account is None and not (promises or replies or notes):
        raise NotFoundError(f"no collections records of customer {customer_id!r}")
    requests = [i for i in store.list_items(ACTION_QUEUE, limit=500)
                if (i.payload or {}).get("customer_id") == customer_id]
    return AccountView(customer_id, account, promises, replies, notes, requests[-20:])


def _clean(action: str, values: dict[str, str]) -> dict[str, Any]:
    """The action's fields checked; ValueError names the field."""
    out: dict[str, Any] = {}
    for name in ACTIONS[action]:
        text = str(values.get(name, "") or "").strip()
        if len(text) > MAX_TEXT:
            raise ValueError(f"field {name}: at most {MAX_TEXT} characters")
        out[name] = text
    if action == "record_promise":
        try:
            when = dt.date.fromisoformat(out["promised_date"])
        except ValueError:
            raise ValueError("field promised_date: a date as YYYY-MM-DD") from None
        amount = _decimal(out["amount"].replace(",", ""), "-1")
        if amount <= 0 or amount != amount.quantize(Decimal("0.01")) or amount > 10**12:
            raise ValueError("field amount: a positive amount such as 1250.00")
        invoices = [i.strip().upper() for i in out["invoices"].split(",") if i.strip()]
        if not 1 <= len(invoices) <= MAX_INVOICES or any(len(i) > 40 for i in invoices):
            raise ValueError(f"field invoices: 1 to {MAX_INVOICES} invoice numbers, "
                             "comma separated")
        out.update(promised_date=when.isoformat(), amount=f"{amount:.2f}", invoices=invoices)
    if action == "dunning_block" and not out["reason"]:
        raise ValueError("field reason: say why the customer must not be dunned")
    if action == "log_call" and not out["note"]:
        raise ValueError("field note: what was said on the call")
    return out


def request_action(store: Store, actor: str, customer_id: str, action: str,
                   values: dict[str, str]) -> int:
    """Queue ``action`` for the collections bot (a work item), audited as ``actor``; the
    item's id. ValueError: an unknown action or a bad field (named)."""
    if action not in ACTIONS:
        raise ValueError(f"field action: one of {', '.join(ACTIONS)}")
    if store.get_record(ACCOUNT, customer_id) is None:
        raise NotFoundError(f"no collections account of customer {customer_id!r}")
    payload = {"action": action, "customer_id": customer_id, "requested_by": actor,
               **_clean(action, values)}
    store.ensure_queue(ACTION_QUEUE, max_retries=2)
    reference = f"{action}/{customer_id}/{uuid.uuid4().hex[:12]}"
    item = store.add_item(ACTION_QUEUE, reference, payload, from_orchestrator=True)
    if item is None:  # a fresh reference is never live already
        raise ValueError("the request could not be queued")
    store.record_audit(actor, "collections.request", f"customer:{customer_id}",
                       {"action": action, "work_item": item.id, **payload})
    return int(item.id or 0)
