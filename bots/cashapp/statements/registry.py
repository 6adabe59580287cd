"""Which statements were imported already: the interface, and a JSON-file implementation.

The orchestrator store implements ``StatementRegistry`` too; the JSON file serves the CLI.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from pathlib import Path
from typing import NamedTuple, Protocol

from bots.cashapp.model import Statement

#: formats whose key also holds the statement's period: German banks write ``:20:STARTUMS``
#: and a constant ``:28C:`` (``0``, ``00000/001``) every day, and statement numbers start
#: again each year, so id and number alone would take Tuesday for Monday
_DATED_KEYS = frozenset({"mt940", "mt942"})


class StatementKey(NamedTuple):
    """A statement is the same statement when account, id and sequence are the same.

    The pages of a paginated camt statement share id and sequence number; the parser
    adds the page to the sequence of those only (``334/2``, as MT940's 28C writes
    statement/page), so each page has a key of its own and a statement of one page keeps
    the key it always had. MT940 and MT942 keys add the statement's period to the
    sequence (``00321/001@2026-11-23..2026-11-23``).
    """

    account: str
    statement_id: str
    sequence: str | None

    @classmethod
    def of(cls, statement: Statement) -> StatementKey:
        sequence = statement.sequence
        if statement.format in _DATED_KEYS and statement.to_date is not None:
            sequence = f"{sequence or ''}@{statement.from_date or ''}..{statement.to_date}"
        return cls(statement.account_iban, statement.statement_id, sequence)


class StatementRegistry(Protocol):
    def seen(self, key: StatementKey) -> bool: ...

    def remember(self, key: StatementKey, source: str) -> None: ...


class JsonFileRegistry:
    """Imported statement keys in one JSON file, rewritten atomically on every change."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def _load(self) -> list[dict[str, str | None]]:
        if not self.path.exists():
            return []
        records: list[dict[str, str | None]] = json.loads(self.path.read_text("utf-8"))
        return records

    def seen(self, key: StatementKey) -> bool:
        return any(StatementKey(r["account"] or "", r["statement_id"] or "", r["sequence"]) == key
                   for r in self._load())

    def remember(self, key: StatementKey, source: str) -> None:
        records = self._load()
        records.append({**key._asdict(), "source": source,
                        "imported_at": dt.datetime.now(dt.UTC).isoformat()})
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=self.path.name, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(records, out, indent=2)
        os.replace(tmp, self.path)


class MemoryRegistry:
    """In-memory registry, for tests and one-off runs."""

    def __init__(self) -> None:
        self.sources: dict[StatementKey, str] = {}

    def seen(self, key: StatementKey) -> bool:
        return key in self.sources

    def remember(self, key: StatementKey, source: str) -> None:
        self.sources[key] = source
