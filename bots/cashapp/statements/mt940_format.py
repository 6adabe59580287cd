"""SWIFT MT940 customer statements and MT942 interim transaction reports.

A file may hold several messages (see ``mt940_messages``); each becomes one ``Statement``
(format ``mt940`` or ``mt942``). The file is read line by line, as UTF-8 or, where a
line's bytes are not UTF-8, as Windows-1252 (``Statement.encoding`` says which).

An MT942 has no balances: its ``:90D:``/``:90C:`` numbers and sums of entries are checked
against the statement lines instead, and ``:13D:`` gives the report's time.
"""

from __future__ import annotations

import re
from decimal import Decimal

from bots.cashapp.identifiers import compact, is_valid_iban
from bots.cashapp.model import Direction, Statement, StatementEntry
from bots.cashapp.statements.entry_refs import with_references
from bots.cashapp.statements.limits import check_size
from bots.cashapp.statements.mt940_fields import (
    Line,
    balance,
    date_time,
    details,
    entry_sum,
    floor_limit,
    quiet,
    statement_line,
    statement_number,
)
from bots.cashapp.statements.mt940_messages import Field, Message, body_lines, messages
from bots.cashapp.statements.narrative import reference, statement_line_reference
from bots.cashapp.statements.text import LineReader
from bots.runtime.errors import StatementParseError

_REQUIRED = {"mt940": ("20", "25", "28C", "60", "62"), "mt942": ("20", "25", "28C", "34F", "13D")}
_FORBIDDEN = {"mt940": ("34F", "13D"), "mt942": ("60", "62", "64", "65")}
_SHOWN = {"60": "60F", "62": "62F"}
# ING and Rabobank write the account's currency after the IBAN: "NL20INGB0001234567EUR".
_WITH_CURRENCY = re.compile(r"^(?P<account>.+?)\s*[A-Z]{3}$", re.ASCII)


def parse_mt940_statements(data: bytes, *, source: str = "") -> list[Statement]:
    """Every message in ``data`` as a statement, in file order; any bad one refuses all."""
    check_size(len(data), source)
    reader = LineReader(data, file=source)
    with quiet():
        found = [_statement(m, source) for m in messages(body_lines(reader, source), source)]
    if not found:
        raise StatementParseError("no statement (:20: field) in the file", file=source,
                                  location="line 1")
    return [_with_encoding(s, reader.encoding) for s in found]


def parse_mt940(data: bytes, *, source: str = "") -> Statement:
    """The one statement of a single-message file; a file of several is refused."""
    statements = parse_mt940_statements(data, source=source)
    if len(statements) != 1:
        raise StatementParseError(
            f"expected one statement, found {len(statements)} statements (:20: fields)",
            file=source, location=f"statement {statements[1].statement_id}")
    return statements[0]


def _with_encoding(statement: Statement, encoding: str) -> Statement:
    fields = {name: getattr(statement, name) for name in Statement.__slots__}
    return Statement(**{**fields, "encoding": encoding})


def _statement(message: Message, source: str) -> Statement:
    kind = message.kind
    _check_fields(message, kind, source)
    first = {group: message.first(group) for group in ("20", "25", "28C", "60", "62", "13D")}
    opening = closing = None
    if kind == "mt940":
        opening = balance(_present(first["60"]), source)
        currency = opening.currency
        closing = balance(_present(first["62"]), source, currency)
        for extra in message.all("64") + message.all("65"):
            balance(extra, source, currency)
    else:
        currencies = {floor_limit(f, source) for f in message.all("34F")}
        if len(currencies) > 1:
            raise StatementParseError("floor limits in different currencies", file=source,
                                      location=f"line {message.all('34F')[1].line}")
        currency = currencies.pop()
    expected: list[Line] = []
    entries = tuple(_entries(message, currency, source, expected))
    _check_sums(message, entries, expected, currency, source)
    created = date_time(first["13D"], source) if first["13D"] else None
    days = [e.booking_date for e in entries]
    return with_references(Statement(
        format=kind,
        statement_id=_present(first["20"]).joined,
        sequence=statement_number(_present(first["28C"]), source),
        account_iban=_account(_present(first["25"]).joined),
        currency=currency,
        opening_balance=opening.amount if opening else None,
        closing_balance=closing.amount if closing else None,
        created_at=created,
        from_date=opening.date if opening else min(days, default=None),
        to_date=closing.date if closing else max(days, default=None),
        entries=entries,
        source=source,
    ))


def _present(f: Field | None) -> Field:
    assert f is not None  # _check_fields made sure
    return f


def _check_fields(message: Message, kind: str, source: str) -> None:
    for group in _FORBIDDEN[kind]:
        f = message.first(group)
        if f is not None:
            raise StatementParseError(f"field :{f.tag}: does not belong in an "
                                      f"{kind.upper()}", file=source, location=f"line {f.line}")
    for group in _REQUIRED[kind]:
        if message.first(group) is None:
            raise StatementParseError(
                f"missing field :{_SHOWN.get(group, group)}: (truncated file?)", file=source,
                location=f"line {message.last_line}")


def _entries(message: Message, currency: str, source: str,
             expected: list[Line]) -> list[StatementEntry]:
    """The booked lines as entries; an MT942's expected ones (EC/ED) go to ``expected``."""
    found: list[StatementEntry] = []
    fields = message.fields
    for i, f in enumerate(fields):
        if f.group != "61":
            continue
        # the line's :86:, also behind a bank's own :NS: fields (Bank Austria, UniCredit)
        k = i + 1
        while k < len(fields) and fields[k].group == "NS":
            k += 1
        narrative = fields[k] if k < len(fields) and fields[k].group == "86" else None
        line = statement_line(f, currency, source)
        if line.expected:
            expected.append(line)
            continue
        found.append(_entry(line, narrative, len(found) + 1, currency))
    return found


def _entry(line: Line, narrative: Field | None, n: int, currency: str) -> StatementEntry:
    bank_ref = reference(line.bank_reference)
    customer_ref = statement_line_reference(line.customer_reference)
    info = details(narrative)
    return StatementEntry(
        entry_id=f"{n}-1", amount=line.amount, currency=currency, direction=line.direction,
        booking_date=line.booking_date, value_date=line.value_date,
        bank_reference=bank_ref,  # none: made up with its statement (entry_refs)
        end_to_end_id=info.end_to_end_id or customer_ref,
        counterparty_name=info.name, counterparty_iban=info.iban,
        creditor_reference=info.creditor_reference, remittance_text=info.text,
    )


def _check_sums(message: Message, entries: tuple[StatementEntry, ...],
                expected: list[Line], currency: str, source: str) -> None:
    """``:90D:``/``:90C:`` (number and sum of debits/credits) must agree with the lines:
    the booked ones, or the booked and expected ones (banks count them either way)."""
    for group, way in (("90D", Direction.DEBIT), ("90C", Direction.CREDIT)):
        f = message.first(group)
        if f is None:
            continue
        count, total = entry_sum(f, currency, source)
        mine = [e.amount for e in entries if e.direction is way]
        announced = [line.amount for line in expected if line.direction is way]
        if (count, total) == (len(mine) + len(announced), sum(mine + announced, Decimal(0))):
            continue
        if (count, total) != (len(mine), sum(mine, Decimal("0"))):
            raise StatementParseError(
                f"field :{f.tag}: gives {count} entries for {total}, the statement lines are "
                f"{len(mine)} for {sum(mine, Decimal('0'))}", file=source,
                location=f"line {f.line}")


def _account(value: str) -> str:
    """``:25:`` is an IBAN, ``BIC/IBAN`` or ``bank code/account``; an IBAN may be followed
    by the account's currency (taken off only where what is left is a valid IBAN)."""
    value = value.strip()
    last = value.rsplit("/", 1)[-1].strip()
    if is_valid_iban(last):
        return compact(last)
    with_currency = _WITH_CURRENCY.match(last)
    if with_currency and is_valid_iban(with_currency["account"]):
        return compact(with_currency["account"])
    return value
