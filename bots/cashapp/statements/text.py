"""Decoding statement bytes strictly, and small helpers on remittance text."""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Iterator, Sequence

from bots.cashapp.identifiers import compact, is_valid_iban, is_valid_rf
from bots.runtime.errors import StatementParseError

#: The longest line a text statement may have. SWIFT lines are 65 characters, BAI2
#: records 80, bank CSV rows a few hundred: 64 KiB is far above any real line and keeps
#: a runaway line (a file that is one huge field) from being read into memory several times.
MAX_LINE_BYTES = 64 * 1024

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# compact (RF18INV20261001) or printed in groups of four (RF18 INV2 0261 001)
_RF_CANDIDATE = re.compile(
    r"(?<![A-Z0-9])RF\d{2}[A-Z0-9]*(?: [A-Z0-9]{4})*(?: [A-Z0-9]{1,4})?(?![A-Z0-9])",
    re.IGNORECASE)


def looks_utf16(data: bytes) -> bool:
    """A UTF-16 file: byte-order mark, or NUL bytes between ASCII characters."""
    head = data[:200]
    return head.startswith(_UTF16_BOMS) or (len(head) > 3 and head.count(b"\x00") > len(head) // 4)


def decode(data: bytes, encoding: str, *, file: str) -> str:
    """``data`` decoded with ``encoding``, refusing bytes that do not belong to it.

    A UTF-8 byte-order mark is dropped. The error names the line of the first bad byte.
    """
    if looks_utf16(data) and not encoding.lower().startswith("utf-16"):
        raise StatementParseError(
            f"file is UTF-16 encoded, expected {encoding}", file=file, location="line 1")
    if encoding.lower().replace("_", "-") in ("utf-8", "utf8"):
        encoding = "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise StatementParseError(
            f"byte 0x{data[exc.start]:02x} is not valid {encoding.removesuffix('-sig')} "
            "(wrong encoding?)", file=file, location=f"line {line}") from exc
    except LookupError as exc:
        raise StatementParseError(f"unknown encoding {encoding!r}", file=file) from exc


def check_no_nul(data: bytes, *, file: str) -> None:
    """Refuse NUL bytes (a binary file, or text cut and padded), naming the line."""
    at = data.find(b"\x00")
    if at >= 0:
        line = data.count(b"\n", 0, at) + 1
        raise StatementParseError("NUL byte in a text statement (binary file?)", file=file,
                                  location=f"line {line}")


def check_line_lengths(data: bytes, *, file: str, max_line: int = MAX_LINE_BYTES) -> None:
    """Refuse a line over ``max_line`` bytes, naming it, without copying the data."""
    start, no = 0, 1
    while start < len(data):
        end = data.find(b"\n", start)
        end = len(data) if end < 0 else end
        if end - start > max_line:
            raise StatementParseError(
                f"line is {(end - start) // 1024} KiB long, more than the "
                f"{max_line // 1024} KiB a line may have", file=file, location=f"line {no}")
        start, no = end + 1, no + 1


class LineReader:
    """The lines of a text statement, decoded one at a time: a stream, not a copy.

    Each line is read as UTF-8, or as Windows-1252 (a superset of Latin-1 for text) where
    its bytes are not valid UTF-8, as 8-bit bank systems write. ``encoding`` says which
    were needed once the lines are read. NUL bytes, UTF-16 and lines over ``max_line``
    bytes are refused naming the line.
    """

    FALLBACK = "cp1252"

    def __init__(self, data: bytes, *, file: str, max_line: int = MAX_LINE_BYTES) -> None:
        if looks_utf16(data):
            raise StatementParseError("file is UTF-16 encoded, expected UTF-8 or Windows-1252",
                                      file=file, location="line 1")
        check_no_nul(data, file=file)
        self.data, self.file, self.max_line = data, file, max_line
        self._used: set[str] = set()

    @property
    def encoding(self) -> str:
        """``utf-8``, ``cp1252``, or ``utf-8+cp1252`` when lines differ."""
        if self.FALLBACK not in self._used:
            return "utf-8"
        return "utf-8+cp1252" if "utf-8" in self._used else self.FALLBACK

    def __iter__(self) -> Iterator[tuple[int, str]]:
        data, start = self.data, 3 if self.data.startswith(codecs.BOM_UTF8) else 0
        no = 0
        while start < len(data):
            end = data.find(b"\n", start)
            end = len(data) if end < 0 else end
            no += 1
            if end - start > self.max_line:
                raise StatementParseError(
                    f"line is {(end - start) // 1024} KiB long, more than the "
                    f"{self.max_line // 1024} KiB a line may have", file=self.file,
                    location=f"line {no}")
            yield no, self._decode(data[start:end].removesuffix(b"\r"), no)
            start = end + 1

    def _decode(self, raw: bytes, no: int) -> str:
        if raw.isascii():
            return raw.decode("ascii")
        try:
            text = raw.decode("utf-8")
            self._used.add("utf-8")
            return text
        except UnicodeDecodeError:
            pass
        try:
            text = raw.decode(self.FALLBACK)
        except UnicodeDecodeError as exc:
            raise StatementParseError(
                f"byte 0x{raw[exc.start]:02x} is neither utf-8 nor {self.FALLBACK}",
                file=self.file, location=f"line {no}") from exc
        self._used.add(self.FALLBACK)
        return text


def find_rf(text: str) -> str | None:
    """The first valid ISO 11649 creditor reference written in ``text``.

    A reference printed in groups may be followed by a short word that looks like one more
    group ("RF18 INV2 0261 0010 PAID"), so the match without its last group is tried too.
    Nothing shorter is tried: a random prefix passes the check digits one time in 97.
    """
    for match in _RF_CANDIDATE.finditer(text or ""):
        parts = match.group(0).split(" ")
        candidates = ["".join(parts)] + (["".join(parts[:-1])] if len(parts) > 1 else [])
        for candidate in candidates:
            if is_valid_rf(candidate):
                return compact(candidate)
    return None


def valid_rf(value: str | None) -> str | None:
    """``value`` compacted when it is a valid RF reference, else None."""
    if value and is_valid_rf(value):
        return compact(value)
    return None


def clean_iban(value: str | None) -> str | None:
    """An IBAN compacted; other account identifiers kept as written."""
    if not value or not value.strip():
        return None
    return compact(value) if is_valid_iban(value) else value.strip()


def squash(text: str | None) -> str:
    """Whitespace runs collapsed to one space."""
    return " ".join((text or "").split())


def join_parts(parts: list[str]) -> str:
    return squash(" ".join(p for p in parts if p and p.strip()))


def join_cut(pieces: Sequence[str], cut_inside: Callable[[int, str], bool]) -> str:
    """One text that a bank cut into ``pieces`` (lines, sub-fields) put back together: a
    space after each piece, except after one ``cut_inside(index, piece)`` says was cut
    inside a word (it filled its width) and after the last."""
    out = ""
    for i, piece in enumerate(pieces):
        out += piece
        if i < len(pieces) - 1 and not cut_inside(i, piece):
            out += " "
    return out
