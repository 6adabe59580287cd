"""Bank CSV exports, read through a ``CsvMapping``."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from decimal import Decimal
from typing import Any

from bots.cashapp.model import Direction, Statement, StatementEntry
from bots.cashapp.statements.csv_mapping import CsvMapping, detect_mapping
from bots.cashapp.statements.money import check_currency, parse_amount
from bots.cashapp.statements.narrative import reference
from bots.cashapp.statements.text import clean_iban, decode, find_rf, join_parts, valid_rf
from bots.runtime.errors import StatementParseError, UnknownFormatError


class _Row:
    """One data row, read through the mapping; errors name the file and line."""

    def __init__(self, mapping: CsvMapping, cells: dict[str, str], file: str, line: int):
        self.m, self.cells, self.file, self.where = mapping, cells, file, f"line {line}"

    def get(self, column: str | None) -> str:
        return (self.cells.get(column) or "").strip() if column else ""

    def fail(self, message: str) -> StatementParseError:
        return StatementParseError(message, file=self.file, location=self.where)

    def date(self, column: str | None) -> dt.date | None:
        raw = self.get(column)
        if not raw:
            return None
        try:
            return dt.datetime.strptime(raw, self.m.date_format).date()
        except ValueError as exc:
            raise self.fail(f"{column} {raw!r} is not a date ({self.m.date_format})") from exc

    def amount(self, column: str | None, currency: str, *, signed: bool) -> Decimal | None:
        raw = self.get(column)
        if not raw:
            return None
        return parse_amount(raw, currency, file=self.file, location=self.where, signed=signed,
                            decimal_sep=self.m.decimal_sep, thousands_sep=self.m.thousands_sep)

    def money(self, currency: str) -> tuple[Decimal, Direction]:
        m = self.m
        if m.sign == "split":
            debit = self.amount(m.debit, currency, signed=True)
            credit = self.amount(m.credit, currency, signed=True)
            if (debit is None) == (credit is None):
                raise self.fail(f"exactly one of {m.debit!r} and {m.credit!r} must be filled")
            return (abs(credit), Direction.CREDIT) if credit is not None \
                else (abs(debit or 0), Direction.DEBIT)
        value = self.amount(m.amount, currency, signed=m.sign == "signed")
        if value is None:
            raise self.fail(f"missing amount in column {m.amount!r}")
        if m.sign == "signed":
            return abs(value), Direction.DEBIT if value < 0 else Direction.CREDIT
        mark = self.get(m.direction).upper()
        if mark in m.credit_marks:
            return value, Direction.CREDIT
        if mark in m.debit_marks:
            return value, Direction.DEBIT
        raise self.fail(f"direction {mark!r} is neither credit nor debit")

    def entry(self, n: int) -> StatementEntry:
        m = self.m
        currency = check_currency(self.get(m.currency) or m.default_currency,
                                  file=self.file, location=self.where)
        amount, way = self.money(currency)
        booking = self.date(m.booking_date)
        if booking is None:
            raise self.fail(f"missing booking date in column {m.booking_date!r}")
        text = join_parts([self.get(c) for c in m.remittance_text])
        given = self.get(m.creditor_reference)
        rf = valid_rf(given)
        if given and not rf:
            text = join_parts([text, given])
        bank_ref = reference(self.get(m.bank_reference))
        return StatementEntry(
            entry_id=f"{n}-1", amount=amount, currency=currency, direction=way,
            booking_date=booking, value_date=self.date(m.value_date) or booking,
            bank_reference=bank_ref or f"{n}-1",
            end_to_end_id=reference(self.get(m.end_to_end_id)),
            counterparty_name=self.get(m.counterparty_name) or None,
            counterparty_iban=clean_iban(self.get(m.counterparty_iban)),
            creditor_reference=rf or find_rf(text), remittance_text=text)


def parse_csv(data: bytes, *, source: str = "", mapping: CsvMapping | None = None) -> Statement:
    mapping = mapping or detect_mapping(data)
    if mapping is None:
        raise UnknownFormatError("CSV header matches no known bank mapping", file=source,
                                 location="line 1")
    text = decode(data, mapping.encoding, file=source)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=mapping.delimiter, strict=True)
    try:
        entries, accounts = _rows(reader, mapping, source)
    except csv.Error as exc:
        raise StatementParseError(f"malformed CSV: {exc}", file=source,
                                  location=f"line {reader.line_num}") from exc
    if len(accounts) > 1:
        raise StatementParseError(f"rows for {len(accounts)} accounts in one file",
                                  file=source, location=f"column {mapping.account}")
    dates = [e.booking_date for e in entries]
    return Statement(
        format="csv",
        statement_id=f"{mapping.name}-{hashlib.sha256(data).hexdigest()[:16]}",
        sequence=None,
        account_iban=accounts.pop() if accounts else "",
        currency=entries[0].currency if entries else mapping.default_currency,
        opening_balance=None,
        closing_balance=None,
        created_at=None,
        from_date=min(dates) if dates else None,
        to_date=max(dates) if dates else None,
        entries=tuple(entries),
        source=source,
    )


def _rows(reader: Any, mapping: CsvMapping, source: str) -> tuple[list[StatementEntry], set[str]]:
    header = [cell.strip() for cell in next(reader, [])]
    entries: list[StatementEntry] = []
    accounts: set[str] = set()
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            raise StatementParseError(
                f"expected {len(header)} columns, found {len(cells)} (truncated line?)",
                file=source, location=f"line {reader.line_num}")
        row = _Row(mapping, dict(zip(header, cells, strict=True)), source, reader.line_num)
        entries.append(row.entry(len(entries) + 1))
        if mapping.account:
            accounts.add(clean_iban(row.get(mapping.account)) or "")
    return entries, accounts


def parse_csv_statements(data: bytes, *, source: str = "") -> list[Statement]:
    """Every statement in ``data``, in file order (today: the file's one statement)."""
    return [parse_csv(data, source=source)]
