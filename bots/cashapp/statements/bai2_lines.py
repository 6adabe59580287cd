"""BAI2 records checked line by line before the library reads them, for precise errors."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bots.runtime.errors import StatementParseError

RECORD_CODES = {"01", "02", "03", "16", "49", "88", "98", "99"}
_AMOUNT = re.compile(r"^[+-]?\d*$")


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


def check_lines(text: str, source: str) -> Lines:
    """Record codes, amounts and the file trailer, each error naming its line."""
    items = tuple((no, line.strip()) for no, line in enumerate(text.splitlines(), start=1)
                  if line.strip())
    lines = Lines(items)
    accounts = 0
    for no, line in items:
        code = line[:2]
        if code not in RECORD_CODES or line[2:3] != ",":
            raise StatementParseError(f"unknown BAI2 record {line[:3]!r}", file=source,
                                      location=f"line {no}")
        fields = line.rstrip("/").split(",")
        if code == "16" and (len(fields) < 3 or not fields[2].isdigit()):
            amount = fields[2] if len(fields) > 2 else ""
            raise StatementParseError(f"amount {amount!r} is not a number", file=source,
                                      location=f"line {no}")
        if code == "03":
            accounts += 1
            for amount in fields[4::4]:
                if not _AMOUNT.match(amount):
                    raise StatementParseError(f"balance {amount!r} is not a number",
                                              file=source, location=f"line {no}")
    if not items or items[0][1][:2] != "01":
        raise StatementParseError("no file header (record 01)", file=source, location="line 1")
    if items[-1][1][:2] != "99":
        raise StatementParseError("no file trailer (record 99): file truncated?",
                                  file=source, location=f"line {lines.last}")
    if accounts != 1:
        raise StatementParseError(f"expected one account (record 03), found {accounts}",
                                  file=source, location=f"line {lines.last}")
    return lines
