"""The vault's access log: who read or changed which credential when (never values).

Each entry is also an audit record (``vault.read``, ``vault.write``, ...), written in the
same transaction, so the hash-chained trail covers credential use too.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from orchestrator.store.audit import append_audit
from orchestrator.store.base import StoreBase
from orchestrator.store.models import CredentialAccess

__all__ = ["CREDENTIAL_ACTIONS", "CredentialLogMixin"]

CREDENTIAL_ACTIONS = ("read", "refused", "write", "scope", "rotate", "confirm", "cancel",
                      "delete", "rekey")


def _run_id(value: Any) -> int | None:
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


class CredentialLogMixin(StoreBase):
    def log_credential_access(self, credential: str, action: str, actor: str, *,
                              version: int | None = None, run_id: Any = None,
                              details: dict[str, Any] | None = None) -> CredentialAccess:
        """Record one read or change of ``credential`` by ``actor`` (``bot:<name>``, a user)."""
        if action not in CREDENTIAL_ACTIONS:
            raise ValueError(f"unknown credential action {action!r}")
        entry = CredentialAccess(credential=credential[:200], version=version,
                                 action=action, actor=actor[:100], run_id=_run_id(run_id))
        with self._tx(write=True) as s:
            s.add(entry)
            s.flush()
            extra = {"version": version, "run_id": entry.run_id, **(details or {})}
            append_audit(s, actor, f"vault.{action}", f"credential:{credential}",
                         {k: v for k, v in extra.items() if v is not None})
            return entry

    def list_credential_access(self, credential: str | None = None, actor: str | None = None,
                               run_id: int | None = None, limit: int = 100,
                               offset: int = 0) -> list[CredentialAccess]:
        """Newest first, filtered by exact credential, actor or run."""
        query = select(CredentialAccess).order_by(col(CredentialAccess.id).desc())
        for column, value in ((CredentialAccess.credential, credential),
                              (CredentialAccess.actor, actor),
                              (CredentialAccess.run_id, run_id)):
            if value is not None:
                query = query.where(column == value)
        with self._tx() as s:
            return list(s.exec(query.offset(offset).limit(limit)))
