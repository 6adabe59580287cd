"""Statements delivered as a ZIP archive, as EBICS downloads (C53, C52, C54) and many
banking portals deliver a day's or a month's camt files.

Every member is a statement file of its own (any format finbots reads), read in the
archive's order; the archive is refused as a whole when one of them is, naming the archive
and the member. Nothing is extracted to disk. Limits: a member and all members together
are held to the statement size limit (``FINBOTS_STATEMENT_MAX_BYTES``) by the bytes
actually read, not by what the archive claims, so a small archive that inflates without
end is refused; at most :data:`MAX_MEMBERS` members; no archive inside an archive; no
encrypted member. Folders and the resource forks macOS adds (``__MACOSX/``) are left out.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

from bots.cashapp.statements.limits import ENV_VAR, check_size, max_statement_bytes
from bots.runtime.errors import StatementParseError

__all__ = ["MAX_MEMBERS", "is_archive", "members"]

MAX_MEMBERS = 1000
_LOCAL_HEADER = b"PK\x03\x04"
_EMPTY_ARCHIVE = b"PK\x05\x06"
_CHUNK = 1024 * 1024


def is_archive(data: bytes) -> bool:
    """Whether ``data`` is a ZIP archive (an empty one included)."""
    return data.startswith((_LOCAL_HEADER, _EMPTY_ARCHIVE))


def members(data: bytes, source: str) -> Iterator[tuple[str, bytes]]:
    """``(name, bytes)`` of each statement file in the archive ``data``, in archive order."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise StatementParseError(f"not a readable ZIP archive ({exc})", file=source) from None
    with archive:
        infos = [i for i in archive.infolist()
                 if not i.is_dir() and not i.filename.startswith("__MACOSX/")]
        if not infos:
            raise StatementParseError("the ZIP archive holds no file", file=source)
        if len(infos) > MAX_MEMBERS:
            raise StatementParseError(
                f"the ZIP archive holds {len(infos)} files, more than {MAX_MEMBERS}",
                file=source)
        budget = max_statement_bytes()
        for info in infos:
            where = f"{source}!{info.filename}"
            if info.flag_bits & 0x1:
                raise StatementParseError("encrypted member of a ZIP archive", file=where)
            content = _read(archive, info, budget, where)
            if is_archive(content):
                raise StatementParseError("a ZIP archive inside the ZIP archive", file=where)
            budget -= len(content)
            yield info.filename, content


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int, where: str) -> bytes:
    """The member's bytes, refused as soon as they pass the size limit or what is left of
    the archive's budget (whatever size its header claims)."""
    check_size(info.file_size, where)
    out = bytearray()
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                out += chunk
                check_size(len(out), where)
                if len(out) > budget:
                    raise StatementParseError(
                        "the ZIP archive's files together are larger than the statement size "
                        f"limit of {max_statement_bytes()} bytes (set {ENV_VAR} to allow more)",
                        file=where)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError,
            RuntimeError) as exc:
        raise StatementParseError(f"cannot read this member of the ZIP archive ({exc})",
                                  file=where) from None
    return bytes(out)
