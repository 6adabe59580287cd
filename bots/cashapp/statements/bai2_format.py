"""BAI2 cash management balance reports, read with the ``bai2`` library.

One statement per account record 03, in every group 02 of the file. Balances come from the
account record (type 010 opening ledger, 015 closing ledger); transactions are the type 16
records, with their continuation records 88 (or wrapped lines without one). Amounts have
implied decimals (cents for USD and EUR). Lines are read as UTF-8, else Windows-1252.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from bai2.constants import FundsType, TypeCodeTransaction
from bai2.exceptions import IntegrityException, NotSupportedYetException, ParsingException
from bai2.helpers import IteratorHelper
from bai2.models import Account, Bai2File, Group, TransactionDetail
from bai2.parsers import Bai2FileParser

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


def parse_bai2_statements(data: bytes, *, source: str = "") -> list[Statement]:
    """One statement per account (record 03) of every group (02), in file order."""
    check_size(len(data), source)
    reader = LineReader(data, file=source)
    lines = check_lines(reader, source)
    parsed = _parse(lines, source)
    header = parsed.header
    created = (dt.datetime.combine(header.creation_date, header.creation_time or dt.time(),
                                   tzinfo=dt.UTC) if header.creation_date else None)
    lines16 = iter(lines.numbers_of("16"))
    found = []
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
    entries = tuple(_entry(tx, n, currency, as_of, source, next(lines16))
                    for n, tx in enumerate(account.children, start=1))
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
        entries=entries,
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
        return Bai2FileParser(helper, check_integrity=True).parse()
    except _LIBRARY_ERRORS as exc:
        if isinstance(exc, IntegrityException):
            kind = next((v for k, v in _TRAILER_OF.items() if f"for {k}." in str(exc)), "99")
            line = lines.numbers_of(kind)[-1] if lines.numbers_of(kind) else lines.last
        else:
            current = helper.current_record if helper is not None else None
            line = lines.find(current.code.value, current.rows[0][1], consumed) if current \
                else lines.last
        raise StatementParseError(f"malformed BAI2: {exc}", file=source,
                                  location=f"line {line}") from exc


def _entry(tx: TransactionDetail, n: int, currency: str, as_of: dt.date, source: str,
           line: int) -> StatementEntry:
    way = {TypeCodeTransaction.credit: Direction.CREDIT,
           TypeCodeTransaction.debit: Direction.DEBIT}.get(tx.type_code.transaction)
    if way is None:
        raise StatementParseError(f"type code {tx.type_code.code} is neither credit nor debit",
                                  file=source, location=f"line {line}")
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
