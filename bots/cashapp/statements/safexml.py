"""XML parsing that never expands entities, loads a DTD or touches the network.

Statements come from outside; a document type declaration has no business in camt and is
how entity attacks (billion laughs, external entities reading local files) start. Any
document declaring one is refused before it is parsed, and the parser itself is configured
so that even a declaration that slipped through is not resolved.
"""

from __future__ import annotations

import codecs
import re

from lxml import etree

from bots.cashapp.statements.text import looks_utf16
from bots.runtime.errors import StatementParseError

_MARKERS = ("<!DOCTYPE", "<!ENTITY")
_DECLARED = re.compile(r"<\?xml[^>]*encoding=[\"']([A-Za-z0-9._-]+)")
_ENCODINGS = ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")


def hardened_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_pis=True,
    )


def _declaration_line(data: bytes) -> int | None:
    """Line of a DOCTYPE/ENTITY declaration, looked for in every encoding XML may use."""
    for encoding in _ENCODINGS:
        for marker in _MARKERS:
            needle = marker.encode(encoding)
            for variant in (needle, needle.lower()):
                pos = data.find(variant)
                if pos >= 0:
                    newline = "\n".encode(encoding)
                    return data.count(newline, 0, pos) + 1
    return None


def _check_utf16(data: bytes, file: str) -> None:
    """UTF-16 bytes must say so: refuse them under a UTF-8 (or missing) declaration."""
    if not looks_utf16(data):
        return
    big = data.startswith(codecs.BOM_UTF16_BE) or data[:1] == b"\x00"
    head = data[:400].decode("utf-16-be" if big else "utf-16-le", errors="replace")
    declared = _DECLARED.search(head)
    if not declared or not declared.group(1).lower().startswith("utf-16"):
        name = declared.group(1) if declared else "none (UTF-8 implied)"
        raise StatementParseError(f"file is UTF-16 encoded but declares encoding {name}",
                                  file=file, location="line 1")


def parse_xml(data: bytes, *, file: str) -> etree._Element:
    """The root element of ``data``; StatementParseError naming file and line on any problem."""
    _check_utf16(data, file)
    line = _declaration_line(data)
    if line is not None:
        raise StatementParseError(
            "document type / entity declarations are not allowed in a statement "
            "(refused: possible entity expansion or external entity attack)",
            file=file, location=f"line {line}")
    try:
        root = etree.fromstring(data, parser=hardened_parser())
    except etree.XMLSyntaxError as exc:
        message = re.sub(r",? line \d+, column \d+$", "", str(exc.msg or exc))
        raise StatementParseError(
            f"not well-formed XML: {message}", file=file,
            location=f"line {exc.lineno}" if exc.lineno else None) from exc
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise StatementParseError("document type declarations are not allowed",
                                  file=file, location="line 1")
    return root
