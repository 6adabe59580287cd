"""The head checkpoint: the trail's newest record, anchored outside the database.

After each commit that wrote audit records, the newest record's id and hash are written to
``<home>/credentials/audit.head`` (another path: ``FINBOTS_AUDIT_HEAD_FILE``) with an HMAC
under the audit key, one entry per database. The file is written atomically, mode 0600,
under a lock, and only ever moves forward, so processes committing in any order leave the
highest record. Verification then catches records cut off the end, or a newest record
rewritten, without a head kept by hand: the database must still hold the checkpointed
record with the checkpointed hash.

The file keeps the :data:`MAX_DATABASES` databases written most recently. A database
replaced on purpose (restored from a backup, or a new one at the same place) starts a new
checkpoint only when someone holding the key says so (:func:`forget_checkpoint`); the
store cannot tell that from records cut off the end.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL

from bots.runtime.paths import credentials_dir, private_folder
from orchestrator.store.audit_chain import AuditProblem
from orchestrator.store.models import AuditRecord
from orchestrator.store.types import utcnow

__all__ = ["ENV_HEAD_FILE", "MAX_DATABASES", "Checkpoint", "advance_checkpoint",
           "checkpoint_path", "checkpoint_problems", "database_id", "forget_checkpoint",
           "read_checkpoint"]

ENV_HEAD_FILE = "FINBOTS_AUDIT_HEAD_FILE"
MAX_DATABASES = 100
_FORMAT = "finbots-audit-head/1"


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """The newest record known to have been written to one database."""

    id: int
    hash: str
    authentic: bool  # its MAC checks out under the audit key (False also when malformed)


def checkpoint_path() -> Path:
    return Path(os.environ.get(ENV_HEAD_FILE) or credentials_dir() / "audit.head")


def database_id(url: URL) -> str | None:
    """Which database ``url`` names, the same from every process; ``None``: in memory."""
    if url.get_backend_name() == "sqlite":
        name = url.database or ""
        if not name or name == ":memory:" or name.startswith("file:"):
            return None
        return f"sqlite:{Path(name).expanduser().resolve()}"
    return url.set(password=None).render_as_string(hide_password=False)


def _mac(key: bytes, db: str, rid: int, rhash: str) -> str:
    message = json.dumps([_FORMAT, db, rid, rhash], separators=(",", ":"))
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def _load(path: Path) -> dict[str, Any] | None:
    """The file's entries by database; ``None`` when it is unreadable or malformed."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        return None
    entries = data.get("databases") if isinstance(data, dict) else None
    return entries if isinstance(entries, dict) else None


def read_checkpoint(db: str, key: bytes | None) -> Checkpoint | None:
    """The checkpoint of database ``db``; ``None`` when it has none.

    Without ``key`` the MAC cannot be checked and the entry is taken as written (an
    attacker with database access only cannot change the file).
    """
    entries = _load(checkpoint_path())
    if entries is None:
        return Checkpoint(0, "", authentic=False)
    entry = entries.get(db)
    if entry is None:
        return None
    try:
        rid, rhash, mac = int(entry["id"]), str(entry["hash"]), str(entry["mac"])
    except (KeyError, TypeError, ValueError):
        return Checkpoint(0, "", authentic=False)
    ok = key is None or hmac.compare_digest(_mac(key, db, rid, rhash), mac)
    return Checkpoint(rid, rhash, authentic=ok)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    private_folder(path.parent, tighten=False)  # 0700 when finbots makes it
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def advance_checkpoint(db: str, key: bytes, rid: int, rhash: str) -> bool:
    """Record ``rid``/``rhash`` as ``db``'s head unless a later record is already there.

    Returns whether the file changed. An entry whose MAC does not check out stays, for
    verification to report, until :func:`forget_checkpoint`.
    """
    path = checkpoint_path()
    with _locked(path):
        current = read_checkpoint(db, key)
        if current is not None and (not current.authentic or current.id >= rid):
            return False
        entries = _load(path) or {}
        entries[db] = {"id": rid, "hash": rhash, "written_at": utcnow().isoformat(),
                       "mac": _mac(key, db, rid, rhash)}
        newest = sorted(entries.items(), key=_written_at, reverse=True)[:MAX_DATABASES]
        body = json.dumps({"format": _FORMAT, "databases": dict(newest)}, indent=1,
                          sort_keys=True)
        _write_atomic(path, body + "\n")
        return True


def forget_checkpoint(db: str, key: bytes | None) -> Checkpoint | None:
    """Remove ``db``'s checkpoint (the next record written starts a new one); the old one."""
    path = checkpoint_path()
    with _locked(path):
        old = read_checkpoint(db, key)
        entries = _load(path)
        if entries is not None and db not in entries:
            return old
        entries = {k: v for k, v in (entries or {}).items() if k != db}  # unreadable: all
        body = json.dumps({"format": _FORMAT, "databases": entries}, indent=1, sort_keys=True)
        _write_atomic(path, body + "\n")
        return old


def _written_at(item: tuple[str, Any]) -> str:
    entry = item[1]
    return str(entry.get("written_at", "")) if isinstance(entry, dict) else ""


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def missing_checkpoint(rows: Sequence[AuditRecord]) -> AuditProblem:
    """A keyed trail whose database has no head checkpoint: records written with the audit
    key advance one, so without it a trail rewritten from start to end (plain hashes, as
    records older than the key have) cannot be told from an intact one."""
    return AuditProblem(rows[-1].id or 0, "checkpoint",
                        f"no head checkpoint for this database in {checkpoint_path()}: the "
                        "trail cannot be checked against it (the file was removed, or this "
                        "is a copy of the database elsewhere: point FINBOTS_AUDIT_HEAD_FILE "
                        "at its checkpoint; after checking the trail another way, finbots "
                        "audit checkpoint --reset starts a new one)")


def checkpoint_problems(rows: Sequence[AuditRecord],
                        checkpoint: Checkpoint | None) -> list[AuditProblem]:
    """What the database's trail (``rows``, ascending id) lacks against its checkpoint."""
    if checkpoint is None:
        return []
    where = checkpoint_path()
    if not checkpoint.authentic:
        return [AuditProblem(checkpoint.id, "checkpoint",
                             f"the head checkpoint in {where} does not match its MAC: the "
                             "file was edited, or written with another audit key")]
    last = (rows[-1].id or 0) if rows else 0
    held = next((r for r in reversed(rows) if r.id == checkpoint.id), None)
    if held is None and last < checkpoint.id:
        ends = f"ends at record {last}" if rows else "is empty"
        return [AuditProblem(checkpoint.id, "cut",
                             f"the trail {ends}, but record {checkpoint.id} was written "
                             f"(head checkpoint {where}): records were cut off the end "
                             "(a database restored on purpose: finbots audit checkpoint "
                             "--reset)")]
    if held is None:
        return [AuditProblem(checkpoint.id, "removed",
                             f"the record the head checkpoint {where} names is gone: "
                             "records were cut off the end, and more written since")]
    if held.hash != checkpoint.hash:
        return [AuditProblem(checkpoint.id, "rewritten",
                             f"its hash is not the one the head checkpoint {where} holds: "
                             "the record was rewritten")]
    return []
