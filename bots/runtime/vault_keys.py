"""Where the vault and its master key live, and how the key is loaded or created.

The master key comes from ``FINBOTS_MASTER_KEY`` or the key file ``credentials/master.key``
(git-ignored; :func:`ensure_key` creates it). Files are written atomically, mode 0600.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from cryptography.fernet import Fernet

from bots.runtime.errors import VaultKeyError
from bots.runtime.paths import credentials_dir, private_folder

__all__ = ["default_key_path", "default_vault_path", "ensure_key", "key_from_env", "load_key",
           "write_private"]


def default_vault_path() -> Path:
    return Path(os.environ.get("FINBOTS_VAULT_PATH") or credentials_dir() / "vault.json.enc")


def default_key_path() -> Path:
    return Path(os.environ.get("FINBOTS_MASTER_KEY_FILE") or credentials_dir() / "master.key")


def key_from_env() -> bool:
    """True when the master key is given by ``FINBOTS_MASTER_KEY`` (not the key file)."""
    return bool(os.environ.get("FINBOTS_MASTER_KEY"))


def open_private(path: Path, flags: int = os.O_WRONLY | os.O_CREAT | os.O_APPEND) -> int:
    """A file descriptor on ``path``, created readable by the owner only."""
    private_folder(path.parent, tighten=False)
    return os.open(path, flags, 0o600)


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically, readable by the owner only."""
    private_folder(path.parent, tighten=False)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
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
    if key_from_env() or path.is_file():
        return load_key(path)
    key = Fernet.generate_key()
    write_private(path, key + b"\n")
    print(
        f"warning: generated a new master key at {path}; back it up - without it the "
        "vault cannot be opened",
        file=sys.stderr,
    )
    return key
