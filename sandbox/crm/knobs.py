"""The service desk's fault knobs: the common ones of :mod:`sandbox.faults` plus two ways
the desk refuses a change, set through ``POST /_sandbox/faults``:

- ``locked_accounts``: customer numbers (a list, or text separated by commas) whose
  account is locked for editing by another user: every change to them (finance fields,
  notes, tickets) is refused with "Account is locked by another user (...)";
- ``max_note_chars``: the longest note (and ticket comment) the desk takes; a longer one is
  refused naming the limit (``0``/``null``: the desk's own limit, :data:`NOTE_LIMIT`).

``{"clear": true}`` lifts both.
"""

from __future__ import annotations

import re
from typing import Any

from sandbox.faults import Faults

__all__ = ["LOCKED_BY", "NOTE_LIMIT", "CrmFaults"]

NOTE_LIMIT = 2000
#: who holds the lock of a locked account
LOCKED_BY = "Marta Keller"
_CUSTOMER = re.compile(r"^C\d{1,6}$")


class CrmFaults(Faults):
    def __init__(self) -> None:
        super().__init__()
        self.locked_accounts: set[str] = set()
        self.max_note_chars = NOTE_LIMIT

    def update(self, changes: dict[str, Any]) -> None:
        locked = _locked(changes["locked_accounts"]) if "locked_accounts" in changes else None
        limit = _limit(changes["max_note_chars"]) if "max_note_chars" in changes else None
        super().update(changes)
        if changes.get("clear"):
            self.locked_accounts, self.max_note_chars = set(), NOTE_LIMIT
        if locked is not None:
            self.locked_accounts = locked
        if limit is not None:
            self.max_note_chars = limit

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "locked_accounts": sorted(self.locked_accounts),
                "max_note_chars": self.max_note_chars}


def _locked(value: Any) -> set[str]:
    items = value.split(",") if isinstance(value, str) else list(value or [])
    found = {str(v).strip().upper() for v in items if str(v).strip()}
    bad = sorted(v for v in found if not _CUSTOMER.match(v))
    if bad:
        raise ValueError(f"locked_accounts: customer numbers like C1006 expected, not {bad[0]!r}")
    return found


def _limit(value: Any) -> int:
    try:
        limit = int(value or 0)
    except (TypeError, ValueError):
        raise ValueError(f"max_note_chars: a number of characters expected, not {value!r}") \
            from None
    if limit < 0:
        raise ValueError(f"max_note_chars: a number of characters expected, not {limit}")
    return min(limit, NOTE_LIMIT) if limit else NOTE_LIMIT
