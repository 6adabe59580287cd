"""What one vault entry holds: versions of its fields, the bots allowed to read it.

Inside the encrypted file (format 2)::

    {"format": 2, "entries": {"sandbox_bank/treasury": {
        "bots": ["payment-posting"],            # empty: any bot may read it
        "current": 3, "pending": 4,             # pending: a rotation not yet confirmed
        "versions": [{"version": 3, "fields": {...}, "created_at": "...", "by": "..."}, ...],
        "updated_at": "..."}}}

Format 1 (``{"version": 1, "entries": {name: {field: value}}}``) is read and upgraded on
the next write. Only the current version, a pending one and the one before the current
are kept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["EntryInfo", "clean_bots", "empty_entry", "fields_of", "info", "new_version", "prune",
           "upgrade", "version_numbers"]

Entry = dict[str, Any]
KEEP_PREVIOUS = 1


@dataclass(frozen=True, slots=True)
class EntryInfo:
    """An entry without its values: safe to list, log and show."""

    name: str
    fields: tuple[str, ...]
    bots: tuple[str, ...]
    version: int
    pending_version: int | None
    pending_fields: tuple[str, ...]
    updated_at: str | None


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def upgrade(data: Mapping[str, Any]) -> dict[str, Entry]:
    """The entries of a decrypted vault document, in format 2."""
    entries = dict(data.get("entries", {}))
    if data.get("format") == 2:
        return entries
    return {name: {"bots": [], "current": 1, "pending": None, "updated_at": None,
                   "versions": [{"version": 1, "fields": dict(fields), "created_at": None,
                                 "by": None}]}
            for name, fields in entries.items()}


def empty_entry() -> Entry:
    return {"bots": [], "current": 0, "pending": None, "versions": [], "updated_at": None}


def fields_of(entry: Entry, version: int | None) -> dict[str, str]:
    for v in entry["versions"]:
        if v["version"] == version:
            return dict(v["fields"])
    return {}


def version_numbers(entry: Entry) -> list[int]:
    return [v["version"] for v in entry["versions"]]


def new_version(entry: Entry, fields: Mapping[str, str], *, by: str | None,
                confirmed: bool) -> int:
    """Add a version holding ``fields``; confirmed ones become current at once."""
    number = max(version_numbers(entry), default=0) + 1
    entry["versions"].append({"version": number, "fields": dict(fields), "created_at": _now(),
                              "by": by})
    if confirmed:
        entry["current"] = number
    else:
        entry["pending"] = number
    entry["updated_at"] = _now()
    prune(entry)
    return number


def prune(entry: Entry) -> None:
    """Keep the current version, the pending one, and the one confirmed before the current."""
    older = sorted(n for n in version_numbers(entry) if n < entry["current"])[-KEEP_PREVIOUS:]
    keep = {entry["current"], entry["pending"], *older}
    entry["versions"] = [v for v in entry["versions"] if v["version"] in keep]


def info(name: str, entry: Entry) -> EntryInfo:
    pending = entry.get("pending")
    return EntryInfo(name, tuple(sorted(fields_of(entry, entry["current"]))),
                     tuple(entry.get("bots", ())), entry["current"], pending,
                     tuple(sorted(fields_of(entry, pending))) if pending else (),
                     entry.get("updated_at"))


def clean_bots(bots: Iterable[str]) -> list[str]:
    return sorted({b.strip() for b in bots if b.strip()})
