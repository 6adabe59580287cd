"""The audit trail's hash chain: how a record is hashed and how a broken chain is read.

Each record's ``hash`` is SHA-256 over its ``prev_hash`` (the hash of the record before
it, :data:`GENESIS` for the first) followed by the canonical JSON of its ``id``, ``at``,
``actor``, ``action``, ``target`` and ``details``. Editing a record changes its hash;
removing one leaves the next pointing at a hash that no longer exists; moving one makes
it point at a record that now comes after it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from orchestrator.store.models import AuditRecord

__all__ = ["GENESIS", "AuditProblem", "canonical", "chain_hash", "find_problems"]

GENESIS = "0" * 64
ProblemKind = Literal["edited", "removed", "reordered", "inserted", "unchained"]


@dataclass(frozen=True, slots=True)
class AuditProblem:
    """One thing wrong with the chain, at record ``id``."""

    id: int
    kind: ProblemKind
    message: str

    def __str__(self) -> str:
        return f"record {self.id}: {self.kind}: {self.message}"


def _when(at: dt.datetime) -> str:
    aware = at if at.tzinfo else at.replace(tzinfo=dt.UTC)
    return aware.astimezone(dt.UTC).isoformat(timespec="microseconds")


def canonical(record: AuditRecord) -> str:
    """The record's content as compact JSON with sorted keys (what the hash covers)."""
    body: dict[str, Any] = {
        "id": record.id, "at": _when(record.at), "actor": record.actor,
        "action": record.action, "target": record.target, "details": record.details or {},
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)


def chain_hash(prev_hash: str, record: AuditRecord) -> str:
    return hashlib.sha256((prev_hash + canonical(record)).encode()).hexdigest()


def find_problems(records: Iterable[AuditRecord]) -> list[AuditProblem]:
    """Every break of the chain in ``records`` (ascending ``id``), one problem per record."""
    rows = list(records)
    position = {r.hash: i for i, r in enumerate(rows) if r.hash}
    problems: list[AuditProblem] = []
    expected = GENESIS
    for i, r in enumerate(rows):
        rid = r.id or 0
        if r.hash is None or r.prev_hash is None:
            problems.append(AuditProblem(rid, "unchained", "the record has no hash"))
            continue
        if r.prev_hash != expected:
            problems.append(_link_problem(rid, i, r.prev_hash, rows, position))
        elif chain_hash(r.prev_hash, r) != r.hash:
            problems.append(AuditProblem(
                rid, "edited", "its content no longer matches its hash (changed after writing)"))
        expected = r.hash
    return problems


def _link_problem(rid: int, i: int, prev_hash: str, rows: list[AuditRecord],
                  position: dict[str | None, int]) -> AuditProblem:
    """Why record ``rid`` (at index ``i``) does not follow the record before it."""
    at = position.get(prev_hash)
    if at is not None and at > i:
        return AuditProblem(rid, "reordered",
                            f"it was written after record {rows[at].id} but now comes before it")
    if at is not None:
        return AuditProblem(rid, "inserted",
                            f"it follows record {rows[at].id}; the records between were added "
                            "outside the chain")
    if prev_hash == GENESIS:
        return AuditProblem(rid, "reordered", "it was the first record of the trail")
    return AuditProblem(rid, "removed",
                        "the record written before it is missing (removed, or rewritten "
                        "with a new hash)")
