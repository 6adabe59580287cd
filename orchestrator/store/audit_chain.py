"""The audit trail's hash chain: how a record is hashed and how a broken chain is read.

Each record's ``hash`` is HMAC-SHA256, keyed with the audit key (:mod:`.audit_key`, kept
outside the database), over its ``prev_hash`` (the hash of the record before it,
:data:`GENESIS` for the first) followed by the canonical JSON of its ``id``, ``at``,
``actor``, ``action``, ``target`` and ``details`` (and ``via_token``, the API token acted
through, when there is one; records without it hash as they always did). Editing a
record changes its hash; removing one leaves the next pointing at a hash that no longer
exists; moving one makes it point at a record that now comes after it; and without the
key nobody can compute a hash that verifies, so a record edited, inserted or appended
with database access alone is found too.

Records written before the hashes were keyed carry a plain SHA-256 over the same input
(:func:`chain_hash`). They still verify, but only as the unbroken start of the trail: the
first keyed record pins them through its ``prev_hash``, and a plain hash after it is a
forgery.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from orchestrator.store.models import AuditRecord

__all__ = ["GENESIS", "AuditProblem", "canonical", "chain_hash", "find_problems",
           "keyed_hash", "scheme"]

GENESIS = "0" * 64
ProblemKind = Literal["edited", "removed", "reordered", "inserted", "unchained", "forged",
                      "unverifiable", "cut", "rewritten", "checkpoint"]
Scheme = Literal["keyed", "plain"]


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
    via_token = getattr(record, "via_token", None)
    if via_token is not None:
        body["via_token"] = via_token
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)


def chain_hash(prev_hash: str, record: AuditRecord) -> str:
    """The plain SHA-256 of records written before the hashes were keyed."""
    return hashlib.sha256((prev_hash + canonical(record)).encode()).hexdigest()


def keyed_hash(key: bytes, prev_hash: str, record: AuditRecord) -> str:
    """The hash every record is written with: HMAC-SHA256 under the audit key."""
    return hmac.new(key, (prev_hash + canonical(record)).encode(), hashlib.sha256).hexdigest()


def scheme(record: AuditRecord, key: bytes | None) -> Scheme | None:
    """How ``record``'s hash was made, or ``None`` when it matches neither (edited)."""
    if record.hash is None or record.prev_hash is None:
        return None
    if key is not None and hmac.compare_digest(
            keyed_hash(key, record.prev_hash, record), record.hash):
        return "keyed"
    if hmac.compare_digest(chain_hash(record.prev_hash, record), record.hash):
        return "plain"
    return None


def find_problems(records: Iterable[AuditRecord], key: bytes | None = None,
                  key_where: str = "the audit key") -> list[AuditProblem]:
    """Every break of the chain in ``records`` (ascending ``id``), one problem per record.

    ``key`` is the audit key (``None`` when there is none: keyed records cannot be
    checked, which is said once); ``key_where`` names where it is looked for.
    """
    rows = list(records)
    position = {r.hash: i for i, r in enumerate(rows) if r.hash}
    problems: list[AuditProblem] = []
    expected = GENESIS
    keyed_seen = no_key_said = False
    for i, r in enumerate(rows):
        rid = r.id or 0
        if r.hash is None or r.prev_hash is None:
            problems.append(AuditProblem(
                rid, "unchained", "the record has no hash: it was written outside finbots"))
            continue
        made = scheme(r, key)
        if r.prev_hash != expected:
            problems.append(_link_problem(rid, i, r.prev_hash, rows, position))
        elif made == "plain" and keyed_seen:
            problems.append(AuditProblem(
                rid, "forged", "its hash is a plain SHA-256, not keyed with the audit key, "
                "after keyed records: it was written or rewritten outside finbots"))
        elif made is None and key is None:
            if not no_key_said:
                problems.append(AuditProblem(
                    rid, "unverifiable", f"no audit key ({key_where}) to check it and the "
                    "records after it with"))
            no_key_said = True
        elif made is None:
            problems.append(AuditProblem(
                rid, "edited", "its content no longer matches its hash (changed after "
                "writing, or hashed without the audit key)"))
        keyed_seen = keyed_seen or made == "keyed" or (made is None and key is None)
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
