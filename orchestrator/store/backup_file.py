"""The backup file: a tar archive (gzip) of a manifest and the database's copy.

``manifest.json`` says what the copy holds: the format, the backend, the schema revision,
the rows of every table, the audit trail's newest record and the head checkpoint at the
moment of the copy, with an HMAC under the audit key when one exists (an edited manifest,
or a copy whose trail was cut, is then refused at restore). The audit key itself is never
in a backup: it is kept, and backed up, apart from the database.

``store.sqlite`` (SQLite's online backup) or ``store.pgdump`` (``pg_dump -Fc``) is the copy.
Reading takes those two members by name only, as regular files, never extracting a path
the archive chose; the manifest is at most 1 MiB.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import secrets
import tarfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from bots.runtime.errors import StoreError

__all__ = ["FORMAT", "Manifest", "data_member", "file_sha256", "read_data", "read_manifest",
           "write_backup"]

FORMAT = "finbots-backup/1"
MANIFEST = "manifest.json"
MAX_MANIFEST = 1 << 20
MEMBERS = {"sqlite": "store.sqlite", "postgresql": "store.pgdump"}


@dataclass(slots=True)
class Manifest:
    """What a backup holds (written beside the copy, checked at restore)."""

    backend: str
    revision: str | None
    taken_at: str
    rows: dict[str, int]
    audit_head: dict[str, Any] | None = None  # {"id": ..., "hash": ...} of the newest record
    checkpoint: dict[str, Any] | None = None  # the head checkpoint then: {"id", "hash"}
    sha256: str = ""  # of the database copy: a copy swapped or damaged is refused
    format: str = FORMAT
    mac: str | None = field(default=None)

    def signed(self, key: bytes | None) -> Manifest:
        self.mac = self._mac(key) if key else None
        return self

    def check(self, key: bytes | None, where: Path) -> None:
        """Refuse a manifest whose MAC does not hold under ``key`` (when both exist)."""
        if key is None or self.mac is None:
            return
        if not hmac.compare_digest(self._mac(key), self.mac):
            msg = (f"{where}: the backup's manifest does not match its MAC: it was edited, "
                   "or written with another audit key")
            raise StoreError(msg)

    def _mac(self, key: bytes) -> str:
        body = {k: v for k, v in asdict(self).items() if k != "mac"}
        text = json.dumps(body, sort_keys=True, separators=(",", ":"))
        return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def data_member(backend: str) -> str:
    try:
        return MEMBERS[backend]
    except KeyError:
        raise StoreError(f"no backup for a {backend} store") from None


def write_backup(path: Path, manifest: Manifest, copy: Path, *, force: bool) -> None:
    """Write the archive to ``path`` (mode 0600) atomically; an existing file only with
    ``force``."""
    if path.exists() and not force:
        raise StoreError(f"{path} exists: choose another name, or --force to replace it")
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz",
                                                      compresslevel=1) as tar:
            body = json.dumps(asdict(manifest), indent=1, sort_keys=True).encode()
            _add(tar, MANIFEST, len(body), io.BytesIO(body))
            with copy.open("rb") as fh:
                _add(tar, data_member(manifest.backend), copy.stat().st_size, fh)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _add(tar: tarfile.TarFile, name: str, size: int, fh: Any) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode = size, 0o600
    tar.addfile(info, fh)


def _member(tar: tarfile.TarFile, name: str, path: Path) -> tuple[tarfile.TarInfo, IO[bytes]]:
    """The member ``name``, found by reading forward (a gzip stream never seeks back)."""
    for info in tar:
        if info.name != name:
            continue
        handle = tar.extractfile(info) if info.isreg() else None
        if handle is None:
            raise StoreError(f"{path}: {name} is not a regular file")
        return info, handle
    raise StoreError(f"{path}: not a finbots backup (no {name})")


def _open(path: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(path, mode="r:gz")
    except FileNotFoundError:
        raise StoreError(f"{path}: no such file") from None
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise StoreError(f"{path}: not a finbots backup ({exc})") from None


def read_manifest(path: Path) -> Manifest:
    """The backup's manifest, checked for shape (not yet for its MAC)."""
    with _open(path) as tar:
        info, handle = _member(tar, MANIFEST, path)
        if info.size > MAX_MANIFEST:
            raise StoreError(f"{path}: {MANIFEST} is larger than {MAX_MANIFEST} bytes")
        raw = handle.read(MAX_MANIFEST + 1)
    try:
        data = json.loads(raw)
        if data.get("format") != FORMAT:
            raise StoreError(f"{path}: format {data.get('format')!r}, expected {FORMAT!r}")
        return Manifest(
            backend=str(data["backend"]), revision=data.get("revision"),
            taken_at=str(data["taken_at"]),
            rows={str(k): int(v) for k, v in dict(data["rows"]).items()},
            audit_head=data.get("audit_head"), checkpoint=data.get("checkpoint"),
            sha256=str(data.get("sha256", "")), mac=data.get("mac"))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise StoreError(f"{path}: {MANIFEST}: malformed ({exc})") from None


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def read_data(path: Path, manifest: Manifest, into: Path) -> None:
    """Copy the backup's database copy to ``into`` (mode 0600); refuse one whose SHA-256 is
    not the manifest's."""
    name = data_member(manifest.backend)
    digest = hashlib.sha256()
    with _open(path) as tar:
        _info, handle = _member(tar, name, path)
        fd = os.open(into, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
                out.write(chunk)
    if manifest.sha256 and not hmac.compare_digest(digest.hexdigest(), manifest.sha256):
        msg = (f"{path}: the database copy is not the one its manifest names (SHA-256 "
               "differs): the file was damaged or its copy replaced")
        raise StoreError(msg)
