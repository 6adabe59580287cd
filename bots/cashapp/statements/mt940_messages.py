"""An MT940/MT942 file cut into messages and fields, every field with its line.

A file holds one or several messages: bare (each starts at ``:20:``, ``-`` lines between
them or not, an optional bank header before each: see ``_PREAMBLE``) or SWIFT-enveloped
(``{1:..}{2:..}{4:`` .. ``-}``, one after the other; the header blocks on one line or
several). Every message is read, or the file is refused: text outside an envelope and an
envelope without its end are errors.

Transmission framing is no content: SOH/STX/ETX around each message (SWIFT Alliance
DOS-PCC files) and DOS's end-of-file byte (0x1A) end a line wherever they stand. Old HBCI
files write ``@@`` for each line end; a file whose first line is ``:20:..@@..`` is read so.

A line that starts like a tag is a field only where that field may stand (``:25:`` only
after ``:20:``/``:21:``, ...). Inside the free text of ``:86:`` or ``:NS:`` such a line is
text; anywhere else it is refused (unknown tag, or a known one out of place). Lines that
are no tag continue the field before them (a wrapped ``:28C:``, ``:61:`` or ``:86:``).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from bots.runtime.errors import StatementParseError

#: The largest field accepted. SWIFT allows ``:86:`` 6 x 65 characters; banks send more,
#: but never kilobytes of narrative for one payment. 64 KiB refuses a runaway field
#: before it costs memory, long before any real one.
MAX_FIELD_CHARS = 64 * 1024

KNOWN_TAGS = frozenset({"13", "13D", "20", "21", "25", "25P", "28", "28C", "34F", "60",
                        "60F", "60M", "61", "62", "62F", "62M", "64", "65", "86", "90C",
                        "90D", "NS"})
_TAG = re.compile(r"^:([0-9]{2}[A-Z]?|NS):", re.ASCII)
_ANY_TAG = re.compile(r"^:([^:\s]{1,4}):")
_GROUP = {"60F": "60", "60M": "60", "62F": "62", "62M": "62", "25P": "25", "28": "28C",
          "13": "13D"}
# Which field may follow which ("86s": the statement's own :86: after the balances).
_NEXT: dict[str | None, frozenset[str]] = {k: frozenset(v) for k, v in {
    None: {"20"},
    "20": {"21", "25"},
    "21": {"25"},
    "25": {"28C"},
    "28C": {"60", "34F"},
    "34F": {"34F", "13D"},
    "13D": {"61", "90D", "90C", "NS", "20"},
    "60": {"61", "62", "NS"},
    "61": {"61", "86", "62", "NS", "90D", "90C", "20"},
    "86": {"61", "62", "NS", "90D", "90C", "20"},
    "NS": {"61", "86", "62", "NS", "90D", "90C", "20"},
    "62": {"64", "65", "86", "90D", "90C", "20"},
    "64": {"65", "86", "20"},
    "65": {"65", "86", "20"},
    "90D": {"90C", "86", "20"},
    "90C": {"86", "20"},
    "86s": {"20"},
}.items()}
_FREE_TEXT = {"86", "86s", "NS"}
# The header lines banks write before a message, and nothing else:
_PREAMBLE = re.compile(
    r"^(?:[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?"  # ABN AMRO: "ABNANL2A", "940", "ABNANL2A"
    r"|9[45][02](?: [0-9]{2})?"  # "940"; ING's older files: "940 00"
    r"|:9[45][02]:"  # Rabobank: ":940:" on the first line
    r"|0000 [0-9]{2}[A-Z]{6}[A-Z0-9]{6}[0-9]{5}"  # ING's older "0000 01INGBNL2AXXXX00001"
    r")$", re.ASCII)
# Blocks 1-3 of a SWIFT header ({3:} holds blocks of its own), then where block 4 opens.
_HEADER_BLOCKS = r"\{1:[^{}]*\}(?:\{2:[^{}]*\})?(?:\{3:(?:\{[^{}]*\})*\})?"
_HEADER = re.compile(_HEADER_BLOCKS + r"\{4:")
_HEADER_START = re.compile(_HEADER_BLOCKS)  # a header continued on the next line
_TRAILER = re.compile(r"\{[5S]:(?:\{[^{}]*\}|[^{}])*\}")
_SEPARATOR = "-"
# SOH, STX, ETX (message framing) and SUB (DOS end of file): each ends a line.
_FRAMING = re.compile("[\x01\x02\x03\x1a]")
_HBCI_LINE_END = "@@"
_HBCI_START = re.compile(r"^:20:[^@]*@@")


@dataclass
class Field:
    tag: str  # as written: "60F", "61", "NS"
    line: int
    lines: list[str]  # the text after the tag, then each continuation line
    group: str = field(init=False)  # the tag without its variant: "60F" and "60M" are "60"

    def __post_init__(self) -> None:
        self.group = _GROUP.get(self.tag, self.tag)

    @property
    def text(self) -> str:
        """The value, lines joined with newlines (free text, statement lines)."""
        return "\n".join(self.lines).strip()

    @property
    def joined(self) -> str:
        """The value with wrapped lines joined directly (references, numbers)."""
        return "".join(part.strip() for part in self.lines)


@dataclass
class Message:
    fields: list[Field] = field(default_factory=list)
    last_line: int = 0

    @property
    def kind(self) -> str:
        """``mt942`` for an interim report (floor limits, no balances), else ``mt940``."""
        return "mt942" if any(f.group == "34F" for f in self.fields) else "mt940"

    def all(self, group: str) -> list[Field]:
        return [f for f in self.fields if f.group == group]

    def first(self, group: str) -> Field | None:
        return next((f for f in self.fields if f.group == group), None)


def body_lines(lines: Iterable[tuple[int, str]], file: str) -> Iterator[tuple[int, str]]:
    """The lines of the messages: framing bytes and SWIFT envelopes taken off (each
    envelope's end becomes a ``-``), HBCI ``@@`` line ends made lines."""
    it = _framed_lines(lines)
    for no, line in it:
        if not line.strip():
            continue
        rest = itertools.chain([(no, line)], it)
        if _HBCI_START.match(line):
            yield from _hbci_lines(rest)
        elif line.lstrip(" \t$").startswith("{"):
            yield from _unwrap(rest, file)
        else:
            yield from rest
        return


def _framed_lines(lines: Iterable[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    """``lines`` cut at SOH/STX/ETX/SUB bytes (the parts keep their line number)."""
    for no, line in lines:
        if _FRAMING.search(line) is None:
            yield no, line
        else:
            for part in _FRAMING.split(line):
                yield no, part


def _hbci_lines(lines: Iterable[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    """Lines of a file that writes ``@@`` for each line end."""
    for no, line in lines:
        for part in line.split(_HBCI_LINE_END):
            yield no, part


def _unwrap(lines: Iterable[tuple[int, str]], file: str) -> Iterator[tuple[int, str]]:
    inside, last = False, 0
    header = ""  # blocks 1-3 of a header continued over lines, until its {4:
    for no, line in lines:
        last, text = no, line
        while True:
            if inside:
                if text.startswith("-}"):
                    inside, text = False, text[2:]
                    yield no, _SEPARATOR
                    continue
                yield no, text
                break
            text = text.strip(" \t\r$")
            trailer = None if header else _TRAILER.match(text)
            if trailer:
                text = text[trailer.end():]
                continue
            if not text:
                break
            text, header = header + text, ""
            opening = _HEADER.match(text)
            if opening is None:
                if _HEADER_START.fullmatch(text):
                    header = text
                    break
                raise StatementParseError(f"text outside a SWIFT message: {text[:30]!r}",
                                          file=file, location=f"line {no}")
            inside, text = True, text[opening.end():]
            if not text.strip():
                break
    if header:
        raise StatementParseError("SWIFT header has no text block ({4:): file truncated?",
                                  file=file, location=f"line {last}")
    if inside:
        raise StatementParseError("SWIFT message has no end of text (-}): file truncated?",
                                  file=file, location=f"line {last}")


def messages(lines: Iterable[tuple[int, str]], file: str) -> Iterator[Message]:
    """Every message of the file, in order, as fields with their lines."""
    current: Message | None = None
    state: str | None = None
    size = 0
    for no, line in lines:
        stripped = line.strip()
        if not stripped:
            continue
        if stripped == _SEPARATOR:
            if current is not None:
                yield current
            current, state = None, None
            continue
        if current is None and _PREAMBLE.match(stripped):
            continue
        tag = _tag_here(line, state, file, no)
        if tag is not None:
            group = _GROUP.get(tag, tag)
            if group == "20":
                if current is not None:
                    yield current
                current = Message()
            assert current is not None
            state = "86s" if group == "86" and state in ("62", "64", "65", "90D", "90C") \
                else group
            current.fields.append(Field(tag, no, [line[len(tag) + 2:]]))
            current.last_line, size = no, len(line)
            continue
        if current is None:
            raise StatementParseError(f"expected a statement to start with :20:, found "
                                      f"{stripped[:30]!r}", file=file, location=f"line {no}")
        last = current.fields[-1]
        size += len(line) + 1
        if size > MAX_FIELD_CHARS:
            raise StatementParseError(
                f"field :{last.tag}: is longer than the {MAX_FIELD_CHARS // 1024} KiB a "
                "field may have", file=file, location=f"line {last.line}")
        last.lines.append(line)
        current.last_line = no
    if current is not None:
        yield current


def _tag_here(line: str, state: str | None, file: str, no: int) -> str | None:
    """The tag that starts a field on ``line``, or None when the line continues a field."""
    match = _TAG.match(line)
    if match and _GROUP.get(match.group(1), match.group(1)) in _NEXT[state] \
            and match.group(1) in KNOWN_TAGS:
        return match.group(1)
    if state in _FREE_TEXT:
        return None
    written = _ANY_TAG.match(line)
    if written is None:
        if state is None and line.strip().startswith(":"):
            raise StatementParseError(f"expected :20:, found {line.strip()[:30]!r}",
                                      file=file, location=f"line {no}")
        return None
    if written.group(1) not in KNOWN_TAGS:
        raise StatementParseError(f"unknown field tag :{written.group(1)}:", file=file,
                                  location=f"line {no}")
    after = f"after :{state}:" if state else "at the start of a statement"
    raise StatementParseError(f"field :{written.group(1)}: cannot stand {after}", file=file,
                              location=f"line {no}")
