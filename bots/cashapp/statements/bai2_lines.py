"""BAI2 records checked line by line before the library reads them, for precise errors."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bots.runtime.errors import StatementParseError

RECORD_CODES = {"01", "02", "03", "16", "49", "88", "98", "99"}
_AMOUNT = re.compile(r"^[+-]?[0-9]*$", re.ASCII)
_DIGITS = re.compile(r"^[0-9]+$", re.ASCII)
_RECORD = re.compile(r"^([0-9]{2}),", re.ASCII)
_CONTINUED = {"01", "02", "03", "16", "88"}  # records a wrapped line may continue


@dataclass(frozen=True)
class Lines:
    items: tuple[tuple[int, str], ...]  # (line number, record text), blank lines left out

    @property
    def last(self) -> int:
        return self.items[-1][0] if self.items else 1

    def numbers_of(self, code: str) -> list[int]:
        return [no for no, line in self.items if line[:2] == code]

    def find(self, code: str, rest: str, before: int) -> int:
        """Line of the record ``code,rest`` among the first ``before`` records."""
        for no, line in reversed(self.items[:before]):
            if line[:2] == code and line[3:] == rest:
                return no
        return self.last


def check_lines(lines: Iterable[tuple[int, str]], source: str) -> Lines:
    """Record codes, amounts and the file trailer, each error naming its line.

    A line that does not start with a record code continues the record before it, as if
    it were an ``88`` record (some banks wrap long records without one); it is joined into
    that record, so it does not count as a record of its own in the trailers' totals.
    """
    items: list[tuple[int, str]] = []
    for no, raw in lines:
        line = raw.strip()
        if not line:
            continue
        record = _RECORD.match(line)
        if record is None and items and items[-1][1][:2] in _CONTINUED:
            items[-1] = (items[-1][0], _joined(items[-1][1], line))
            continue
        if record is None or record.group(1) not in RECORD_CODES:
            raise StatementParseError(f"unknown BAI2 record {line[:3]!r}", file=source,
                                      location=f"line {no}")
        items.append((no, line))
    for no, line in items:
        _check_amounts(no, line, source)
    result = Lines(tuple(items))
    if not items or items[0][1][:2] != "01":
        raise StatementParseError("no file header (record 01)", file=source, location="line 1")
    if items[-1][1][:2] != "99":
        raise StatementParseError("no file trailer (record 99): file truncated?",
                                  file=source, location=f"line {result.last}")
    if not result.numbers_of("03"):
        raise StatementParseError("no account (record 03) in the file", file=source,
                                  location=f"line {result.last}")
    return result


def _joined(record: str, continuation: str) -> str:
    """A wrapped record's lines as one, the way an ``88`` continuation is read."""
    return f"{record[:-1]},{continuation}" if record.endswith("/") \
        else f"{record} {continuation}"


def _check_amounts(no: int, line: str, source: str) -> None:
    fields = line.rstrip("/").split(",")
    code = line[:2]
    if code == "16" and (len(fields) < 3 or not _DIGITS.match(fields[2])):
        amount = fields[2] if len(fields) > 2 else ""
        raise StatementParseError(f"amount {amount!r} is not a number", file=source,
                                  location=f"line {no}")
    if code == "03":
        for amount in fields[4::4]:
            if not _AMOUNT.match(amount):
                raise StatementParseError(f"balance {amount!r} is not a number",
                                          file=source, location=f"line {no}")
