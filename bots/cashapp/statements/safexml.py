"""XML parsing that never expands entities, loads a DTD or touches the network.

Statements come from outside; a document type declaration has no business in camt and is
how entity attacks (billion laughs, external entities reading local files) start. Any
document declaring one is refused before it is parsed, and the parser itself is configured
so that even a declaration that slipped through is not resolved.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Callable, Iterator, Sequence

from lxml import etree

from bots.cashapp.statements.text import looks_utf16
from bots.runtime.errors import StatementParseError

_MARKERS = ("DOCTYPE", "ENTITY")
_DECLARED = re.compile(r"<\?xml[^>]*encoding=[\"']([A-Za-z0-9._-]+)")
_ENCODINGS = ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")


# The one set of parser options, for whole documents and for streaming alike: no entity
# substitution, no DTD, no network, libxml2's default limits on depth and text size.
_HARDENED = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
    "remove_pis": True,
}


def hardened_parser() -> etree.XMLParser:
    return etree.XMLParser(**_HARDENED)  # type: ignore[arg-type]


def _declaration_line(data: bytes) -> int | None:
    """Line of a DOCTYPE/ENTITY declaration, looked for in every encoding XML may use.

    One scan per encoding for ``<!``, which only comments, CDATA and declarations start
    with; each hit is then checked for a declaration keyword in any letter case.
    """
    for encoding in _ENCODINGS:
        opener = "<!".encode(encoding)
        width = len("<".encode(encoding))
        markers = [m.encode(encoding) for m in _MARKERS]
        pos = data.find(opener)
        while pos >= 0:
            start = pos + len(opener)
            word = data[start:start + 7 * width].upper()
            if any(word.startswith(m) for m in markers):
                return data.count("\n".encode(encoding), 0, pos) + 1
            pos = data.find(opener, start)
    return None


def _check_utf16(data: bytes, file: str) -> None:
    """UTF-16 bytes must say so, by a byte-order mark or a declaration: refuse them under a
    UTF-8 declaration, or with neither."""
    if not looks_utf16(data):
        return
    big = data.startswith(codecs.BOM_UTF16_BE) or data[:1] == b"\x00"
    head = data[:400].decode("utf-16-be" if big else "utf-16-le", errors="replace")
    declared = _DECLARED.search(head)
    if not declared and data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return  # the byte-order mark says it, as XML allows
    if not declared or not declared.group(1).lower().startswith("utf-16"):
        name = declared.group(1) if declared else "none (UTF-8 implied)"
        raise StatementParseError(f"file is UTF-16 encoded but declares encoding {name}",
                                  file=file, location="line 1")


def _refuse_declarations(data: bytes, file: str) -> None:
    _check_utf16(data, file)
    line = _declaration_line(data)
    if line is not None:
        raise StatementParseError(
            "document type / entity declarations are not allowed in a statement "
            "(refused: possible entity expansion or external entity attack)",
            file=file, location=f"line {line}")


def _not_well_formed(exc: etree.XMLSyntaxError, file: str) -> StatementParseError:
    """The first error libxml2 logged: a streaming parse may end on a later, vaguer one
    ("no element found") with no line."""
    message, line = str(exc.msg or exc), exc.lineno
    if not line:
        first = next((e for e in exc.error_log if e.level_name in ("ERROR", "FATAL")), None)
        if first is not None and first.line:
            message, line = first.message, first.line
    message = re.sub(r",? line \d+, column \d+$", "", message)
    return StatementParseError(f"not well-formed XML: {message}", file=file,
                               location=f"line {line}" if line else None)


def _refuse_doctype(root: etree._Element, file: str) -> None:
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise StatementParseError("document type declarations are not allowed",
                                  file=file, location="line 1")


def parse_xml(data: bytes, *, file: str) -> etree._Element:
    """The root element of ``data``; StatementParseError naming file and line on any problem."""
    _refuse_declarations(data, file)
    try:
        root = etree.fromstring(data, parser=hardened_parser())
    except etree.XMLSyntaxError as exc:
        raise _not_well_formed(exc, file) from exc
    _refuse_doctype(root, file)
    return root


class XmlStream:
    """The elements named ``tags`` of ``data``, each as soon as its end tag is read.

    The same refusals as ``parse_xml`` (declarations, UTF-16 under a UTF-8 label) happen
    before the first element; the same parser options hold throughout. Tags take the form
    ``{*}Ntry`` (any namespace). ``root`` is the document element once anything was read.
    """

    def __init__(self, data: bytes, *, file: str, tags: Sequence[str]) -> None:
        _refuse_declarations(data, file)
        self.file = file
        etree.clear_error_log()  # the log an error is told from holds this document only
        self._events = etree.iterparse(io.BytesIO(data), events=("end",), tag=tuple(tags),
                                       **_HARDENED)  # type: ignore[call-overload]
        self.root: etree._Element | None = None

    def __iter__(self) -> Iterator[etree._Element]:
        try:
            for _, element in self._events:
                if self.root is None:
                    self.root = element.getroottree().getroot()
                    _refuse_doctype(self.root, self.file)
                yield element
        except etree.XMLSyntaxError as exc:
            raise _not_well_formed(exc, self.file) from exc
        if self.root is None:
            self.root = self._events.root
            _refuse_doctype(self.root, self.file)

    def drain(self, clear: Callable[[etree._Element], bool]) -> None:
        """Read the rest (after an error, so its location can count the siblings that
        follow), emptying the elements ``clear`` says are not needed for that."""
        try:
            for _, element in self._events:
                if clear(element):
                    element.clear()
        except etree.XMLSyntaxError:
            pass
