"""Many work items in one call: ``finbots queues add-many`` and
``POST /api/v1/queues/{queue}/items`` read the same text, check every item, and add them in
one transaction (:meth:`~orchestrator.store.Store.add_items`: one statement on PostgreSQL).

The text is JSON Lines (one item object per line; blank lines and lines starting with ``#``
are skipped) or one JSON list of item objects. An item is
``{"reference": "...", "payload": {...}, "priority": 0, "deadline": "...",
"not_before": "..."}``; only the reference is required, times are ISO 8601 (no offset
means UTC). Every bad item is reported, by line (JSON Lines) or position (a list, from 1),
and nothing is added while one is bad. An item whose reference a live item of the queue
(or an earlier item of the batch) holds is skipped and named in the result. One audit
record is written per batch.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bots.runtime.queues import NewItem
from orchestrator.store import Store

__all__ = ["MAX_BYTES", "MAX_ITEMS", "BatchAdded", "ItemBatchError", "add_batch", "read_items"]

#: At most this many items in one call.
MAX_ITEMS = 50_000
#: At most this much text in one call (a file, a request body).
MAX_BYTES = 32 * 1024 * 1024
_REFERENCE_MAX = 200  # the column's length
_PRIORITY = range(-1000, 1001)
_FIELDS = ("reference", "payload", "priority", "deadline", "not_before")
_SHOWN = 50  # problems listed in the error's message


class ItemBatchError(ValueError):
    """The batch is refused; ``problems`` names each bad line or item."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        shown = "; ".join(self.problems[:_SHOWN])
        more = f" (and {len(self.problems) - _SHOWN} more)" if len(problems) > _SHOWN else ""
        super().__init__(f"nothing added: {shown}{more}")


@dataclass(frozen=True)
class Parsed:
    items: list[NewItem]
    labels: list[str]  # "line 7" / "item 3", per item


@dataclass(frozen=True)
class BatchAdded:
    queue: str
    ids: list[int]
    skipped: list[tuple[str, str]]  # (label, reference) of items whose reference is live


def read_items(data: bytes, source: str = "input") -> Parsed:
    """The items of ``data`` (JSON Lines or a JSON list); ``ItemBatchError`` names every
    bad line or item, prefixed with ``source`` (a file name, "request body")."""
    if len(data) > MAX_BYTES:
        raise ItemBatchError([f"{source} has {len(data):,} bytes, more than {MAX_BYTES:,}"])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ItemBatchError([f"{source} is not UTF-8 (byte {exc.start:,})"]) from None
    if text.lstrip().startswith("["):
        return _from_list(text, source)
    return _from_lines(text, source)


def _from_list(text: str, source: str) -> Parsed:
    try:
        values = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ItemBatchError([f"{source} line {exc.lineno} column {exc.colno}: not JSON "
                              f"({exc.msg})"]) from None
    except RecursionError:
        raise ItemBatchError([f"{source}: JSON nested too deeply"]) from None
    if not isinstance(values, list):
        raise ItemBatchError([f"{source}: a JSON list of items was expected"])
    return _checked([(f"item {n}", v) for n, v in enumerate(values, 1)], source)


def _from_lines(text: str, source: str) -> Parsed:
    found: list[tuple[str, Any]] = []
    problems: list[str] = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            found.append((f"line {n}", json.loads(line)))
        except json.JSONDecodeError as exc:
            problems.append(f"{source} line {n}: not JSON ({exc.msg}, column {exc.colno})")
        except RecursionError:
            problems.append(f"{source} line {n}: JSON nested too deeply")
    parsed = _checked(found, source, problems)
    return parsed


def _checked(found: list[tuple[str, Any]], source: str,
             problems: list[str] | None = None) -> Parsed:
    problems = list(problems or [])
    if len(found) > MAX_ITEMS:
        raise ItemBatchError([f"{source} has {len(found):,} items, more than {MAX_ITEMS:,} "
                              "in one call"])
    items, labels = [], []
    for label, value in found:
        try:
            items.append(to_item(value))
            labels.append(label)
        except ValueError as exc:
            problems.append(f"{source} {label}: {exc}")
    if problems:
        raise ItemBatchError(problems)
    if not items:
        raise ItemBatchError([f"{source} has no items"])
    return Parsed(items, labels)


def to_item(value: Any) -> NewItem:
    """One item object, checked; ``ValueError`` names the field."""
    if not isinstance(value, dict):
        raise ValueError("an item must be a JSON object")
    unknown = sorted(set(value) - set(_FIELDS))
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(unknown)} (known: {', '.join(_FIELDS)})")
    reference = value.get("reference")
    if not isinstance(reference, str) or not reference.strip():
        raise ValueError("reference: a non-empty string is required")
    if len(reference) > _REFERENCE_MAX:
        raise ValueError(f"reference: longer than {_REFERENCE_MAX} characters")
    if "\x00" in reference:  # PostgreSQL stores no NUL in text
        raise ValueError("reference: contains a NUL character")
    payload = value.get("payload", {})
    if not isinstance(payload, dict):
        raise ValueError("payload: must be a JSON object")
    priority = value.get("priority", 0)
    if isinstance(priority, bool) or not isinstance(priority, int) or priority not in _PRIORITY:
        raise ValueError(f"priority: a whole number from {_PRIORITY[0]} to {_PRIORITY[-1]}")
    return NewItem(reference, payload, priority, _time(value, "deadline"),
                   _time(value, "not_before"))


def _time(value: dict[str, Any], name: str) -> dt.datetime | None:
    raw = value.get(name)
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise ValueError(f"{name}: an ISO 8601 time as a string")
    try:
        when = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"{name}: {raw[:40]!r} is not an ISO 8601 time") from None
    return when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when


def add_batch(store: Store, actor: str, queue: str, parsed: Parsed,
              source: str) -> BatchAdded:
    """Add the items in one transaction and record one audit entry for the batch.

    Raises ``NotFoundError`` for an unknown queue (nothing added).
    """
    ids = store.add_items(queue, parsed.items)
    added = [i for i in ids if i is not None]
    skipped = [(label, item.reference)
               for label, item, i in zip(parsed.labels, parsed.items, ids, strict=True)
               if i is None]
    store.record_audit(actor, "items.add", queue, {
        "source": source, "added": len(added), "skipped": len(skipped),
        "first_id": min(added, default=None), "last_id": max(added, default=None),
    })
    return BatchAdded(queue, added, skipped)
