"""Which statement format a file holds, told from its content (never its name)."""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from pathlib import Path

from bots.cashapp.model import Statement
from bots.cashapp.statements.archive import is_archive, members
from bots.cashapp.statements.bai2_format import parse_bai2_statements
from bots.cashapp.statements.camt import parse_camt_statements
from bots.cashapp.statements.csv_format import parse_csv_statements
from bots.cashapp.statements.csv_mapping import detect_mapping
from bots.cashapp.statements.limits import check_size
from bots.cashapp.statements.mt940_format import parse_mt940_statements
from bots.runtime.errors import StatementParseError, UnknownFormatError

# :20: and :25: at line starts, or on one line with HBCI's "@@" for line ends
_MT940 = re.compile(rb"^:20:.*$[\s\S]*^:25:|^:20:[^\r\n@]*@@:25:", re.M)
_BAI2 = re.compile(rb"^01,")
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# whitespace, and SOH/STX that open a message in SWIFT Alliance (DOS-PCC) files
_LEADING = b" \t\r\n\x0b\x0c\x01\x02"
Parser = Callable[..., list[Statement]]


def _head(data: bytes) -> bytes:
    """The start of the content, byte-order marks, UTF-16 NULs and leading framing bytes
    dropped (for sniffing only)."""
    head = data[:4096]
    for bom in _BOMS:
        head = head.removeprefix(bom)
    return head.replace(b"\x00", b"").lstrip(_LEADING)


def detect_format(data: bytes) -> str:
    """``xml`` (camt), ``mt940``, ``bai2``, ``csv``; UnknownFormatError when none fits."""
    head = _head(data)
    if head.startswith(b"<"):
        return "xml"
    if _BAI2.match(head):
        return "bai2"
    if _MT940.search(head) or head.startswith(b"{1:"):
        return "mt940"
    if detect_mapping(data) is not None:
        return "csv"
    raise UnknownFormatError("content is not camt.053/054, MT940, BAI2 or a known bank CSV",
                             location="line 1")


_PARSERS: dict[str, Parser] = {
    "xml": parse_camt_statements, "mt940": parse_mt940_statements,
    "bai2": parse_bai2_statements, "csv": parse_csv_statements,
}


def parse_statements(data: bytes, *, source: str = "") -> list[Statement]:
    """Every statement in ``data`` (a file may hold several: accounts, days, messages), in
    file order, or an error: nothing is ever half imported."""
    if is_archive(data):  # an EBICS or portal download: each member a statement file
        return [statement for name, content in members(data, source or "archive")
                for statement in _parse_one(content, f"{source or 'archive'}!{name}")]
    return _parse_one(data, source)


def _parse_one(data: bytes, source: str) -> list[Statement]:
    if not data or data.isspace():  # not data.strip(): no copy of a large file
        raise StatementParseError("file is empty", file=source or None, location="line 1")
    try:
        kind = detect_format(data)
    except UnknownFormatError as exc:
        raise UnknownFormatError(exc.reason, file=source or None, location=exc.location) from None
    return _PARSERS[kind](data, source=source)


def parse_statement(data: bytes, *, source: str = "") -> Statement:
    """The one statement in ``data``; a file of several is refused (see ``parse_statements``)."""
    statements = parse_statements(data, source=source)
    if len(statements) != 1:
        raise StatementParseError(
            f"file holds {len(statements)} statements where one was expected",
            file=source or None, location=f"statement {statements[1].statement_id}"
            if len(statements) > 1 else "line 1")
    return statements[0]


def read_statement_file(path: str | Path) -> bytes:
    """The bytes of ``path``, or a StatementParseError naming it (a file over the size limit
    is refused before it is read)."""
    path = Path(path)
    try:
        check_size(path.stat().st_size, str(path))
        return path.read_bytes()
    except OSError as exc:
        raise StatementParseError(f"cannot read file: {exc.strerror}", file=str(path)) from exc


def parse_file(path: str | Path) -> Statement:
    """The one statement in the file at ``path``."""
    return parse_statement(read_statement_file(path), source=str(path))


def parse_file_statements(path: str | Path) -> list[Statement]:
    """Every statement in the file at ``path``."""
    return parse_statements(read_statement_file(path), source=str(path))
