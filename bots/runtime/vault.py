"""The encrypted credentials vault: ``credentials/vault.json.enc`` (Fernet).

The master key comes from ``FINBOTS_MASTER_KEY`` or the key file
``credentials/master.key`` (git-ignored; :func:`ensure_key` creates it). Entries map a
name (``sandbox_bank/treasury``) to fields (``username``, ``password``, ``totp_seed``).
Values never appear in a ``repr``, a listing or an error message.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import pyotp
from cryptography.fernet import Fernet, InvalidToken

from bots.runtime.paths import credentials_dir
from orchestrator.errors import CredentialNotFoundError, VaultKeyError

__all__ = ["Credential", "Vault", "default_key_path", "default_vault_path", "ensure_key"]


def default_vault_path() -> Path:
    return Path(os.environ.get("FINBOTS_VAULT_PATH") or credentials_dir() / "vault.json.enc")


def default_key_path() -> Path:
    return Path(os.environ.get("FINBOTS_MASTER_KEY_FILE") or credentials_dir() / "master.key")


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def load_key(key_path: Path | None = None) -> bytes:
    """The master key from the environment or the key file; VaultKeyError when missing."""
    env = os.environ.get("FINBOTS_MASTER_KEY")
    if env:
        return env.strip().encode()
    path = key_path or default_key_path()
    if not path.is_file():
        raise VaultKeyError(
            f"no master key: set FINBOTS_MASTER_KEY or create {path} (`finbots vault set`)"
        )
    return path.read_bytes().strip()


def ensure_key(key_path: Path | None = None) -> bytes:
    """Like :func:`load_key`, but generates the key file (warning on stderr) when missing."""
    path = key_path or default_key_path()
    if os.environ.get("FINBOTS_MASTER_KEY") or path.is_file():
        return load_key(path)
    key = Fernet.generate_key()
    _write_private(path, key + b"\n")
    print(
        f"warning: generated a new master key at {path}; back it up - without it the "
        "vault cannot be opened",
        file=sys.stderr,
    )
    return key


class Credential:
    """Named fields of one vault entry; ``repr`` shows field names only."""

    __slots__ = ("_fields", "_on_reveal", "name")

    def __init__(
        self, name: str, fields: Mapping[str, str],
        on_reveal: Callable[[str], None] | None = None,
    ) -> None:
        self.name = name
        self._fields = dict(fields)
        self._on_reveal = on_reveal

    def __repr__(self) -> str:
        return f"Credential({self.name!r}, fields={sorted(self._fields)})"

    __str__ = __repr__

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(sorted(self._fields))

    def __contains__(self, field: object) -> bool:
        return field in self._fields

    def __getitem__(self, field: str) -> str:
        try:
            return self._fields[field]
        except KeyError:
            raise CredentialNotFoundError(
                f"credential {self.name!r} has no field {field!r}"
            ) from None

    def get(self, field: str, default: str | None = None) -> str | None:
        return self._fields.get(field, default)

    @property
    def username(self) -> str:
        return self["username"]

    @property
    def password(self) -> str:
        return self["password"]

    def totp(self) -> str:
        """The current one-time code from the ``totp_seed`` field (registered as secret)."""
        code = pyotp.TOTP(self["totp_seed"].replace(" ", "")).now()
        if self._on_reveal is not None:
            self._on_reveal(code)
        return code


class Vault:
    """Read and change the encrypted vault file."""

    def __init__(self, path: Path | None = None, key: bytes | str | None = None) -> None:
        self.path = Path(path) if path else default_vault_path()
        raw = key.encode() if isinstance(key, str) else key
        try:
            self._fernet = Fernet(raw if raw is not None else load_key())
        except ValueError as exc:
            raise VaultKeyError("the master key is malformed (expected a Fernet key)") from exc

    def __repr__(self) -> str:
        return f"Vault({str(self.path)!r})"

    def _load(self) -> dict[str, dict[str, str]]:
        if not self.path.is_file():
            return {}
        try:
            plain = self._fernet.decrypt(self.path.read_bytes())
        except InvalidToken:
            raise VaultKeyError(f"the master key does not open {self.path}") from None
        return json.loads(plain)["entries"]

    def _save(self, entries: dict[str, dict[str, str]]) -> None:
        plain = json.dumps({"version": 1, "entries": entries}, sort_keys=True).encode()
        _write_private(self.path, self._fernet.encrypt(plain))

    def get(self, name: str, on_reveal: Callable[[str], None] | None = None) -> Credential:
        entries = self._load()
        if name not in entries:
            raise CredentialNotFoundError(f"no credential {name!r} in {self.path}")
        return Credential(name, entries[name], on_reveal)

    def set(self, name: str, fields: Mapping[str, str]) -> None:
        """Add or replace fields of ``name`` (other fields are kept)."""
        entries = self._load()
        entries.setdefault(name, {}).update({str(k): str(v) for k, v in fields.items()})
        self._save(entries)

    def delete(self, name: str, field: str | None = None) -> None:
        """Remove the entry, or one of its fields."""
        entries = self._load()
        if name not in entries or (field is not None and field not in entries[name]):
            what = name if field is None else f"{name} {field}"
            raise CredentialNotFoundError(f"no credential {what!r} in {self.path}")
        if field is None:
            del entries[name]
        else:
            del entries[name][field]
        self._save(entries)

    def list(self) -> dict[str, list[str]]:
        """Entry names and their field names (never values)."""
        return {name: sorted(fields) for name, fields in sorted(self._load().items())}
