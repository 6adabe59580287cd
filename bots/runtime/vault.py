"""The encrypted credentials vault: ``credentials/vault.json.enc`` (Fernet).

Entries map a name (``sandbox_bank/treasury``) to fields (``username``, ``password``,
``totp_seed``). Each entry may be scoped to the bots allowed to read it; a bot reading
outside its scope gets a :class:`~bots.runtime.errors.VaultError`. Changes make versions:
``rotate`` stores new values as *pending* and reads keep returning the confirmed ones
until ``confirm`` (see :mod:`.vault_entries`). Values never appear in a ``repr``, a
listing or an error message. Key handling lives in :mod:`.vault_keys`.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from bots.runtime import vault_entries as ve
from bots.runtime.credential import Credential
from bots.runtime.errors import CredentialNotFoundError, VaultError, VaultKeyError
from bots.runtime.vault_entries import EntryInfo
from bots.runtime.vault_keys import (
    default_key_path,
    default_vault_path,
    ensure_key,
    load_key,
    open_private,
    write_private,
)

__all__ = ["Credential", "EntryInfo", "Vault", "default_key_path", "default_vault_path",
           "ensure_key", "load_key"]


class Vault:
    """Read and change the encrypted vault file (writers serialise on a lock file)."""

    def __init__(self, path: Path | None = None, key: bytes | str | None = None) -> None:
        self.path = Path(path) if path else default_vault_path()
        raw = key.encode() if isinstance(key, str) else key
        self._fernet = _fernet(raw if raw is not None else load_key())

    def __repr__(self) -> str:
        return f"Vault({str(self.path)!r})"

    # -- file --------------------------------------------------------------------------
    def _load(self) -> dict[str, ve.Entry]:
        if not self.path.is_file():
            return {}
        try:
            plain = self._fernet.decrypt(self.path.read_bytes())
        except InvalidToken:
            raise VaultKeyError(f"the master key does not open {self.path}") from None
        return ve.upgrade(json.loads(plain))

    def _save(self, entries: dict[str, ve.Entry]) -> None:
        plain = json.dumps({"format": 2, "entries": entries}, sort_keys=True).encode()
        write_private(self.path, self._fernet.encrypt(plain))

    @contextmanager
    def _changing(self) -> Iterator[dict[str, ve.Entry]]:
        """Load, let the caller change, save — under an exclusive lock on ``<vault>.lock``."""
        lock_fd = open_private(self.path.with_name(self.path.name + ".lock"))
        with os.fdopen(lock_fd, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            entries = self._load()
            yield entries
            self._save(entries)

    def _entry(self, entries: dict[str, ve.Entry], name: str) -> ve.Entry:
        if name not in entries:
            raise CredentialNotFoundError(f"no credential {name!r} in {self.path}")
        return entries[name]

    # -- reading -----------------------------------------------------------------------
    def get(self, name: str, on_reveal: Callable[[str], None] | None = None, *,
            bot: str | None = None, pending: bool = False) -> Credential:
        """The confirmed version (``pending=True``: the rotation's new one).

        ``bot``: who reads; refused (VaultError) when the entry is scoped to other bots.
        """
        entry = self._entry(self._load(), name)
        allowed = entry.get("bots") or []
        if bot is not None and allowed and bot not in allowed:
            raise VaultError(f"bot {bot!r} may not read credential {name!r} "
                             f"(allowed: {', '.join(allowed)})")
        version = entry["pending"] if pending else entry["current"]
        if pending and version is None:
            raise CredentialNotFoundError(f"credential {name!r} has no rotation pending")
        return Credential(name, ve.fields_of(entry, version), on_reveal, version)

    def list(self) -> dict[str, list[str]]:
        """Entry names and their field names (never values)."""
        return {i.name: list(i.fields) for i in self.entries()}

    def entries(self) -> list[EntryInfo]:
        """Every entry's names, scope and versions (never values)."""
        return [ve.info(name, entry) for name, entry in sorted(self._load().items())]

    def info(self, name: str) -> EntryInfo:
        return ve.info(name, self._entry(self._load(), name))

    # -- changing ----------------------------------------------------------------------
    def set(self, name: str, fields: Mapping[str, str], *, bots: Iterable[str] | None = None,
            by: str | None = None) -> int:
        """Add or replace fields of ``name`` (others kept) as a new confirmed version.

        ``bots`` sets the entry's scope (``None`` keeps it). Returns the version.
        """
        with self._changing() as entries:
            entry = entries.setdefault(name, ve.empty_entry())
            if entry["pending"] is not None:
                raise VaultError(f"credential {name!r} has a rotation pending: "
                                 "confirm or cancel it first")
            merged = ve.fields_of(entry, entry["current"]) | _strings(fields)
            if bots is not None:
                entry["bots"] = ve.clean_bots(bots)
            return ve.new_version(entry, merged, by=by, confirmed=True)

    def set_scope(self, name: str, bots: Iterable[str]) -> list[str]:
        """The bots that may read ``name`` (empty: any bot)."""
        with self._changing() as entries:
            entry = self._entry(entries, name)
            entry["bots"] = ve.clean_bots(bots)
            return list(entry["bots"])

    def rotate(self, name: str, fields: Mapping[str, str], *, by: str | None = None) -> int:
        """Store new values as a pending version; reads keep the confirmed one."""
        with self._changing() as entries:
            entry = self._entry(entries, name)
            if entry["pending"] is not None:
                entry["versions"] = [v for v in entry["versions"]
                                     if v["version"] != entry["pending"]]
                entry["pending"] = None
            merged = ve.fields_of(entry, entry["current"]) | _strings(fields)
            return ve.new_version(entry, merged, by=by, confirmed=False)

    def confirm(self, name: str) -> int:
        """The pending version becomes the one reads get; returns its number."""
        with self._changing() as entries:
            entry = self._entry(entries, name)
            if entry["pending"] is None:
                raise VaultError(f"credential {name!r} has no rotation pending")
            entry["current"], entry["pending"] = entry["pending"], None
            ve.prune(entry)
            return int(entry["current"])

    def cancel_rotation(self, name: str) -> None:
        with self._changing() as entries:
            entry = self._entry(entries, name)
            if entry["pending"] is None:
                raise VaultError(f"credential {name!r} has no rotation pending")
            entry["pending"] = None
            ve.prune(entry)

    def delete(self, name: str, field: str | None = None) -> None:
        """Remove the entry, or one of its fields (a new version without it)."""
        with self._changing() as entries:
            entry = entries.get(name)
            current = ve.fields_of(entry, entry["current"]) if entry else {}
            if entry is None or (field is not None and field not in current):
                what = name if field is None else f"{name} {field}"
                raise CredentialNotFoundError(f"no credential {what!r} in {self.path}")
            if field is None:
                del entries[name]
            else:
                del current[field]
                ve.new_version(entry, current, by=None, confirmed=True)

    def rekey(self, new_key: bytes | str) -> int:
        """Re-encrypt everything under ``new_key`` (this vault must open with the old one)."""
        new = _fernet(new_key.encode() if isinstance(new_key, str) else new_key)
        with self._changing() as entries:
            self._fernet = new
            return len(entries)


def _fernet(key: bytes) -> Fernet:
    try:
        return Fernet(key)
    except ValueError as exc:
        raise VaultKeyError("the master key is malformed (expected a Fernet key)") from exc


def _strings(fields: Mapping[str, Any]) -> dict[str, str]:
    return {str(k): str(v) for k, v in fields.items()}
