"""The audit key: the secret, kept outside the database, that every record's hash is keyed with.

The key comes from ``FINBOTS_AUDIT_KEY`` (the key itself, at least 32 characters) or the
key file ``<home>/credentials/audit.key`` (another path: ``FINBOTS_AUDIT_KEY_FILE``). The
file is created on first use (logged), mode 0600, exclusively: when several processes start at once,
one key wins and all of them use it. Every process that writes to the same database needs
the same key, like the vault's master key.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from bots.runtime.errors import ConfigError
from bots.runtime.paths import credentials_dir, private_folder

__all__ = ["ENV_KEY", "ENV_KEY_FILE", "MIN_KEY_CHARS", "audit_key_path", "create_audit_key",
           "key_source", "load_audit_key"]

ENV_KEY = "FINBOTS_AUDIT_KEY"
ENV_KEY_FILE = "FINBOTS_AUDIT_KEY_FILE"
MIN_KEY_CHARS = 32
_log = logging.getLogger(__name__)


def audit_key_path() -> Path:
    """Where the key file is: ``FINBOTS_AUDIT_KEY_FILE`` or ``<home>/credentials/audit.key``."""
    return Path(os.environ.get(ENV_KEY_FILE) or credentials_dir() / "audit.key")


def key_source() -> str:
    """Where the key is looked for, in words (for error messages; never the key)."""
    if os.environ.get(ENV_KEY, "").strip():
        return ENV_KEY
    return f"{audit_key_path()} (or {ENV_KEY})"


def load_audit_key() -> bytes | None:
    """The key from ``FINBOTS_AUDIT_KEY`` or the key file; ``None`` when there is neither."""
    env = os.environ.get(ENV_KEY, "").strip()
    if env:
        return _checked(env, ENV_KEY)
    path = audit_key_path()
    try:
        raw = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the audit key file {path}: {exc}") from None
    return _checked(raw, str(path))


def create_audit_key() -> bytes:
    """Create the key file when missing and return the key in force (whoever created it)."""
    path = audit_key_path()
    private_folder(path.parent, tighten=False)  # 0700 when finbots makes it
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(secrets.token_hex(32) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)  # fails when another process created the key first
        except FileExistsError:
            pass
        else:  # logged, not printed: the first record may be written by a --json command
            _log.info("generated a new audit key at %s; back it up and give every process "
                      "that writes to this database the same key", path)
    finally:
        tmp.unlink(missing_ok=True)
    key = load_audit_key()
    if key is None:  # pragma: no cover - the file was removed between link and read
        raise ConfigError(f"the audit key file {path} vanished while it was created")
    return key


def _checked(raw: str, where: str) -> bytes:
    if len(raw) < MIN_KEY_CHARS:
        raise ConfigError(f"the audit key in {where} is too short: it needs at least "
                          f"{MIN_KEY_CHARS} characters")
    return raw.encode("utf-8")
