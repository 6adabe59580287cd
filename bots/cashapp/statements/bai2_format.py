"""BAI2 cash management balance reports, read with the ``bai2`` library.

One statement per account record 03, in every group 02 of the file. Balances come from the
account record (type 010 opening ledger, 015 closing ledger); transactions are the type 16
records, with their continuation records 88 (or wrapped lines without one). Amounts have
implied decimals (cents for USD and EUR). Lines are read as UTF-8, else Windows-1252.

Type codes 900-999 are the bank's own (BAI2 version 2): 900-919 account status, 920-959
credits, 960-999 debits, told by their range. A transaction of no direction (890
"contains non-monetary information", a status code, a code BAI2 does not define) is
left out when its amount is zero or empty, and refused when it carries money.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from bai2.constants import (
    FundsType,
    TypeCode,
    TypeCodeLevel,
    TypeCodes,
    TypeCodeTransaction,
)
from bai2.exceptions import IntegrityException, NotSupportedYetException, ParsingException
from bai2.helpers import IteratorHelper
from bai2.models import Account, Bai2File, Group, TransactionDetail
from bai2.parsers import (
    AccountIdentifierParser,
    AccountParser,
    Bai2FileParser,
    GroupParser,
    TransactionDetailParser,
)

from bots.cashapp.model import Direction, Statement, StatementEntry
from bots.cashapp.statements.bai2_lines import Lines, check_lines
from bots.cashapp.statements.entry_refs import with_references
from bots.cashapp.statements.limits import check_size
from bots.cashapp.statements.money import from_minor
from bots.cashapp.statements.narrative import parse_narrative, reference
from bots.cashapp.statements.text import LineReader
from bots.runtime.errors import StatementParseError

_LIBRARY_ERRORS = (ParsingException, IntegrityException, NotSupportedYetException,
                   ValueError, IndexError, KeyError, StopIteration)
_TRAILER_OF = {"Account": "49", "Group": "98", "Bai2File": "99"}
_SHORT_RECORD = (IndexError, KeyError, StopIteration)  # their own text says nothing useful
#: the bank-specific ranges of BAI2 version 2, by direction
_BANK_SPECIFIC = ((range(920, 960), TypeCodeTransaction.credit, "bank-specific credit"),
                  (range(960, 1000), TypeCodeTransaction.debit, "bank-specific debit"))
_BANK_STATUS = range(900, 920)
_DIRECTIONS = {TypeCodeTransaction.credit: Direction.CREDIT,
               TypeCodeTransaction.debit: Direction.DEBIT}


def type_code(value: str) -> TypeCode:
    """The type code ``value`` (three digits, checked line by line): a bank-specific one by
    its range, else the library's; one of neither has no direction."""
    number = int(value)
    for codes, transaction, description in _BANK_SPECIFIC:
        if number in codes:
            return TypeCode(value, transaction, None, description)
    known: TypeCode | None = TypeCodes.get(value)
    if known is not None:
        return known
    if number in _BANK_STATUS:
        return TypeCode(value, None, TypeCodeLevel.status, "bank-specific status")
    return TypeCode(value, None, None, "not a BAI2 type code")


class _DetailParser(TransactionDetailParser):
    head_fields_config = (("type_code", type_code), ("amount", int),
                          ("funds_type", FundsType))


class _AccountIdentifierParser(AccountIdentifierParser):
    summary_fields_config = (("type_code", type_code), ("amount", int), ("item_count", int),
                             ("funds_type", FundsType))


class _AccountParser(AccountParser):
    header_parser_class = _AccountIdentifierParser
    child_parser_class = _DetailParser


class _GroupParser(GroupParser):
    child_parser_class = _AccountParser


class _FileParser(Bai2FileParser):
    """The library's parser, with bank-specific type codes told by their range."""

    child_parser_class = _GroupParser


def parse_bai2_statements(data: bytes, *, source: str = "") -> list[Statement]:
    """One statement per account (record 03) of every group (02), in file order; files
    joined one after the other (``01`` ... ``99`` ``01`` ... ``99``) are each read."""
    check_size(len(data), source)
    reader = LineReader(data, file=source)
    found = []
    for lines in check_lines(reader, source).files(source):  # files joined: each one
        parsed = _parse(lines, source)
        header = parsed.header
        created = (dt.datetime.combine(header.creation_date, header.creation_time or dt.time(),
                                       tzinfo=dt.UTC) if header.creation_date else None)
        lines16 = iter(lines.numbers_of("16"))
        for group in parsed.children:
            for account in group.children:
                found.append(_statement(parsed, group, account, created, lines16, source,
                                        reader.encoding))
    return found


def parse_bai2(data: bytes, *, source: str = "") -> Statement:
    """The one account of a single-account file; a file of several is refused."""
    statements = parse_bai2_statements(data, source=source)
    if len(statements) != 1:
        raise StatementParseError(
            f"expected one account (record 03), found {len(statements)}", file=source,
            location=f"account {statements[1].account_iban}")
    return statements[0]


def _statement(parsed: Bai2File, group: Group, account: Account, created: dt.datetime | None,
               lines16: Iterator[int], source: str, encoding: str) -> Statement:
    currency = account.header.currency or group.header.currency or "USD"
    as_of: dt.date = group.header.as_of_date
    balances = {s.type_code.code: from_minor(s.amount, currency)
                for s in account.header.summary_items if s.amount is not None}
    entries: list[StatementEntry] = []
    for tx in account.children:  # one line each, also those left out
        entry = _entry(tx, len(entries) + 1, currency, as_of, source, next(lines16))
        if entry is not None:
            entries.append(entry)
    return with_references(Statement(
        format="bai2",
        statement_id=str(parsed.header.file_id or ""),
        sequence=as_of.isoformat() if as_of else None,
        account_iban=str(account.header.customer_account_number or ""),
        currency=currency,
        opening_balance=balances.get("010"),
        closing_balance=balances.get("015"),
        created_at=created,
        from_date=as_of,
        to_date=as_of,
        entries=tuple(entries),
        source=source,
        encoding=encoding,
    ))


def _parse(lines: Lines, source: str) -> Bai2File:
    consumed = 0

    def feed() -> Iterator[str]:
        nonlocal consumed
        for _, line in lines.items:
            consumed += 1
            yield line

    helper: IteratorHelper | None = None
    try:
        helper = IteratorHelper(feed())
        return _FileParser(helper, check_integrity=True).parse()
    except _LIBRARY_ERRORS as exc:
        if isinstance(exc, IntegrityException):
            kind = next((v for k, v in _TRAILER_OF.items() if f"for {k}." in str(exc)), "99")
            line = lines.numbers_of(kind)[-1] if lines.numbers_of(kind) else lines.last
        else:
            current = helper.current_record if helper is not None else None
            line = lines.find(current.code.value, current.rows[0][1], consumed) if current \
                else lines.last
        what = "record ends before a field BAI2 requires" if isinstance(exc, _SHORT_RECORD) \
            else str(exc)
        raise StatementParseError(f"malformed BAI2: {what}", file=source,
                                  location=f"line {line}") from exc


def _entry(tx: TransactionDetail, n: int, currency: str, as_of: dt.date, source: str,
           line: int) -> StatementEntry | None:
    """Transaction ``tx`` as entry number ``n``; None for one without money or direction."""
    code = tx.type_code
    way = _DIRECTIONS.get(code.transaction)
    if way is None and not tx.amount:
        return None  # non-monetary information (890), or a status without an amount
    if way is None:
        raise StatementParseError(
            f"type code {code.code} ({code.description}) is neither credit nor debit, "
            f"yet carries amount {from_minor(tx.amount, currency)}", file=source,
            location=f"line {line}")
    if tx.amount is None:
        raise StatementParseError(f"type code {code.code} without an amount", file=source,
                                  location=f"line {line}")
    value_date = as_of
    if tx.funds_type == FundsType.value_dated and tx.availability.get("date"):
        value_date = tx.availability["date"]
    bank_ref = reference(tx.bank_reference)
    customer_ref = reference(tx.customer_reference)
    details = parse_narrative(tx.text or "")
    return StatementEntry(
        entry_id=f"{n}-1", amount=from_minor(tx.amount, currency), currency=currency,
        direction=way, booking_date=as_of, value_date=value_date,
        bank_reference=bank_ref,  # none: made up with its statement (entry_refs)
        end_to_end_id=customer_ref or details.end_to_end_id,
        counterparty_name=details.name, counterparty_iban=details.iban,
        creditor_reference=details.creditor_reference, remittance_text=details.text,
    )
