"""BAI2 records checked field by field before the library reads them, for precise errors.

A record's fields are read across its continuation lines (``88``, or wrapped lines without
one) the way the format defines them. Fields a bank leaves out at the end of a record (the
record ended early by ``/``) count as empty: they are added, so the library finds them. An
account record (03) is handed to the library on one line, its summaries walked one by one,
each with the availability fields its funds type adds (``S`` three, ``V`` two, ``D`` a
count and that many pairs).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from bots.runtime.errors import StatementParseError

RECORD_CODES = {"01", "02", "03", "16", "49", "88", "98", "99"}
FUNDS_TYPES = ("", "Z", "0", "1", "2", "S", "V", "D")
_BALANCE = re.compile(r"^([+-]?[0-9]+)?$", re.ASCII)  # empty: not reported
_SIGNED = re.compile(r"^[+-]?[0-9]+$", re.ASCII)
_COUNT = re.compile(r"^[0-9]*$", re.ASCII)  # empty: not reported, or a non-monetary record
_DIGITS = re.compile(r"^[0-9]+$", re.ASCII)
_TYPE_CODE = re.compile(r"^[0-9]{3}$", re.ASCII)
_DATE = re.compile(r"^[0-9]{6}$", re.ASCII)
_VALUE_DATE = re.compile(r"^([0-9]{6})?$", re.ASCII)
_VALUE_TIME = re.compile(r"^([0-9]{4}|[0-9]{2}:[0-9]{2}:[0-9]{2})?$", re.ASCII)
_RECORD = re.compile(r"^([0-9]{2}),", re.ASCII)
_CONTINUED = {"01", "02", "03", "16", "88"}  # records a wrapped line may continue
#: fields of the records of a fixed layout, after the record code
_FIXED_FIELDS = {"01": 8, "02": 7, "49": 2, "98": 3, "99": 3}
_DETAIL_TAIL = 3  # a 16 record ends with bank reference, customer reference, text
#: around a record: white space, and DOS's end-of-file byte (0x1A) that old PC software
#: writes after the last record
_BLANK = " \t\r\n\x0b\x0c\x1a"


@dataclass(frozen=True)
class Lines:
    items: tuple[tuple[int, str], ...]  # (line number, record text), blank lines left out

    @property
    def last(self) -> int:
        return self.items[-1][0] if self.items else 1

    def numbers_of(self, code: str) -> list[int]:
        return [no for no, line in self.items if line[:2] == code]

    def files(self, source: str) -> list[Lines]:
        """The records of each BAI2 file (``01`` to ``99``) in what may be several files
        written one after the other, as a bank's daily files are when they are joined; a
        file that does not end with its ``99`` before the next ``01`` is refused."""
        starts = [k for k, (_, line) in enumerate(self.items) if line[:2] == "01"]
        blocks = [Lines(self.items[a:b]) for a, b in zip(
            starts, [*starts[1:], len(self.items)], strict=True)]
        for block, after in itertools.pairwise(blocks):
            if block.items[-1][1][:2] != "99":
                raise StatementParseError(
                    "no file trailer (record 99) before the next file header (record 01)",
                    file=source, location=f"line {after.items[0][0]}")
        return blocks

    def find(self, code: str, rest: str, before: int) -> int:
        """Line of the record ``code,rest`` among the first ``before`` records."""
        for no, line in reversed(self.items[:before]):
            if line[:2] == code and line[3:] == rest:
                return no
        return self.last


def check_lines(lines: Iterable[tuple[int, str]], source: str) -> Lines:
    """Record codes, fields and the file trailer, each error naming its line.

    A line that does not start with a record code continues the record before it, as if
    it were an ``88`` record (some banks wrap long records without one); it is joined into
    that record, so it does not count as a record of its own in the trailers' totals.
    """
    items: list[tuple[int, str]] = []
    for no, raw in lines:
        line = raw.strip(_BLANK)
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
    _complete_records(items, source)
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


class _Fields:
    """One record's fields across its lines, each with the line it is on.

    A line ended by ``/`` ends its last field; the next line starts a new one. Without
    ``/`` the next line goes on with the same field: after a space in a transaction's text
    (as the library joins them), directly in an account record (03).
    """

    def __init__(self, rows: list[tuple[int, str]], source: str, glue: str) -> None:
        self.source = source
        self.values: list[str] = []
        self.lines: list[int] = []
        self.row_ends: list[bool] = []  # the field is the last of its line
        open_field = False
        for no, line in rows:
            text = line[3:]
            if not text:
                continue  # the library leaves out an empty line too
            ended = text.endswith("/")
            parts = (text[:-1] if ended else text).split(",")
            if open_field and self.values:
                self.values[-1] += glue + parts.pop(0)
                self.row_ends[-1] = not parts
            self.values += parts
            self.lines += [no] * len(parts)
            self.row_ends += [False] * (len(parts) - 1) + [True] if parts else []
            open_field = not ended

    def __len__(self) -> int:
        return len(self.values)

    def get(self, i: int) -> str:
        """Field ``i``, empty when the record ended before it."""
        return self.values[i] if i < len(self.values) else ""

    def expect(self, i: int, pattern: re.Pattern[str], what: str) -> str:
        """Field ``i`` if it matches ``pattern``; else refused, naming its line."""
        value = self.get(i)
        if not pattern.match(value):
            raise self.error(i, f"{what} {value!r} is not {_SHAPE.get(pattern, 'valid')}")
        return value

    def funds_type(self, i: int) -> str:
        value = self.get(i)
        if value not in FUNDS_TYPES:
            raise self.error(i, f"funds type {value!r} is not one of "
                                f"{', '.join(t for t in FUNDS_TYPES if t)} or empty")
        return value

    def error(self, i: int, message: str) -> StatementParseError:
        line = self.lines[min(i, len(self.lines) - 1)] if self.lines else 1
        return StatementParseError(message, file=self.source, location=f"line {line}")


_SHAPE = {_BALANCE: "a number", _SIGNED: "a number", _COUNT: "a number", _DIGITS: "a number",
          _TYPE_CODE: "three digits", _DATE: "a date (YYMMDD)",
          _VALUE_DATE: "a date (YYMMDD)", _VALUE_TIME: "a time (HHMM)"}


def _availability(fields: _Fields, i: int, funds: str) -> int:
    """Index after the availability fields funds type ``funds`` adds at field ``i``."""
    if funds == "S":  # immediate, one day, more than one day
        for j in range(i, i + 3):
            fields.expect(j, _SIGNED, f"funds type S: availability amount {j - i + 1}")
        return i + 3
    if funds == "V":  # value date, value time (both may be empty)
        fields.expect(i, _VALUE_DATE, "funds type V: value date")
        fields.expect(i + 1, _VALUE_TIME, "funds type V: value time")
        return i + 2
    if funds == "D":  # number of distributions, then days and amount for each
        end = i + 1 + 2 * int(fields.expect(i, _DIGITS, "funds type D: number of distributions"))
        for j in range(i + 1, end, 2):
            fields.expect(j, _DIGITS, "funds type D: days")
            fields.expect(j + 1, _SIGNED, "funds type D: availability amount")
        return end
    return i


def _account_fields(fields: _Fields) -> list[str]:
    """Account number, currency and every summary with its availability, checked and
    completed with the empty fields left out at the end.

    An empty field that ends a line where a summary would start is not a summary: some
    banks put a comma before the ``/`` ending the line (``...,,,/``).
    """
    found = [fields.get(0), fields.get(1)]
    i = 2
    while i < len(fields):
        if not fields.get(i) and fields.row_ends[i]:
            i += 1
            continue
        start = i
        fields.expect(i, _TYPE_CODE, "summary type code")
        fields.expect(i + 1, _BALANCE, "balance")
        fields.expect(i + 2, _COUNT, "item count")
        i = _availability(fields, i + 4, fields.funds_type(i + 3))
        found += [fields.get(j) for j in range(start, i)]
    return found


def _detail_length(fields: _Fields) -> int:
    """The number of fields transaction record ``fields`` has once complete."""
    fields.expect(0, _TYPE_CODE, "type code")
    fields.expect(1, _COUNT, "amount")  # empty: a non-monetary record, judged on parsing
    return _availability(fields, 3, fields.funds_type(2)) + _DETAIL_TAIL


def _open_text(items: list[tuple[int, str]], start: int, end: int, fields: _Fields,
               length: int) -> None:
    """A transaction's text goes on over its ``88`` records: a ``/`` ending a line of the
    text, as some banks write one on every line, is dropped, so the lines are joined by a
    space (the library would take the ``/`` for the end of a field and join with a comma,
    so that a text wholly in ``88`` records began with one)."""
    if len(fields) < length:
        return  # no text on these lines: the fields before it end where the ``/`` says
    first = fields.lines[length - 1]
    text_rows = [k for k in range(start, end) if items[k][0] >= first and items[k][1][3:]]
    for k in text_rows[:-1]:
        no, line = items[k]
        if line.endswith("/"):
            items[k] = (no, line[:-1])


def _complete_records(items: list[tuple[int, str]], source: str) -> None:
    """Check each record's fields and add those left out at its end, in place.

    An account record (03) is rewritten onto its first line, its continuation lines left
    empty (``88,``, which the library skips and still counts): the library's own way of
    joining them guesses field boundaries from the number of commas, which does not hold
    for summaries with availability fields.
    """
    starts = [k for k, (_, line) in enumerate(items) if line[:2] != "88"]
    for start, end in zip(starts, [*starts[1:], len(items)], strict=True):
        code, rows = items[start][1][:2], items[start:end]
        if code == "03":
            found = _account_fields(_Fields(rows, source, glue=""))
            items[start] = (rows[0][0], "03," + ",".join(found) + ",")
            items[start + 1:end] = [(no, "88,") for no, _ in rows[1:]]
            continue
        fields = _Fields(rows, source, glue=" ")
        if code == "16":
            length = _detail_length(fields)
            _open_text(items, start, end, fields, length)
        else:
            length = _FIXED_FIELDS.get(code, 0)
            if code == "02":
                fields.expect(3, _DATE, "as-of date")
        missing = length - len(fields)
        last = max((k for k in range(start, end) if items[k][1][3:]), default=start)
        if missing > 0:
            no, line = items[last]
            items[last] = (no, f"{line[:-1]}{',' * missing}/" if line.endswith("/")
                           else f"{line}{',' * missing}")
