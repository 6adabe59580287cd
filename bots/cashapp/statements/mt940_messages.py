"""An MT940/MT942 file cut into messages and fields, every field with its line.

A file holds one or several messages: bare (each starts at ``:20:``, ``-`` lines between
them or not, an optional ``BIC``/``940`` preamble before each) or SWIFT-enveloped
(``{1:..}{2:..}{4:`` .. ``-}``, one after the other). Every message is read, or the file is
refused: text outside an envelope and an envelope without its end are errors.

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
# A bank's preamble before each message (ABN AMRO style: "ABNANL2A", "940", "ABNANL2A").
_PREAMBLE = re.compile(r"^(?:[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?|9[45][02])$", re.ASCII)
_HEADER = re.compile(r"\{1:[^{}]*\}(?:\{2:[^{}]*\})?(?:\{3:(?:\{[^{}]*\})*\})?\{4:")
_TRAILER = re.compile(r"\{[5S]:(?:\{[^{}]*\}|[^{}])*\}")
_SEPARATOR = "-"


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
    """The lines of the messages: SWIFT envelopes taken off (each end becomes a ``-``)."""
    it = iter(lines)
    for no, line in it:
        if not line.strip():
            continue
        if not line.lstrip(" \t$").startswith("{"):
            yield no, line
            yield from it
            return
        yield from _unwrap((no, line), it, file)
        return


def _unwrap(first: tuple[int, str], rest: Iterator[tuple[int, str]],
            file: str) -> Iterator[tuple[int, str]]:
    inside, last = False, first[0]
    for no, line in itertools.chain([first], rest):
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
            trailer = _TRAILER.match(text)
            if trailer:
                text = text[trailer.end():]
                continue
            if not text:
                break
            header = _HEADER.match(text)
            if header is None:
                raise StatementParseError(f"text outside a SWIFT message: {text[:30]!r}",
                                          file=file, location=f"line {no}")
            inside, text = True, text[header.end():]
            if not text.strip():
                break
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
            if _PREAMBLE.match(stripped):
                continue
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
