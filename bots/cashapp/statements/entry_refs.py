"""A reference for every statement line, also where the bank gave none.

The bank's own reference (camt ``AcctSvcrRef``, the ``//`` part of MT940's ``:61:``,
BAI2's bank reference, a CSV's reference column) is what a payment is known by from the
statement on: the work queue, the ERP's "already posted" check and the cases key on it.
Some banks leave it out. A placeholder made only from the line's place in its file
("1-1") would then be the same for the first line of every day's statement, and a payment
of a later day would be taken for one already queued and never posted.

So a line without a reference of its own gets one made from its statement (account,
currency, statement id and sequence, period) and the line itself (entry id, date,
amount, direction): the same each time the same file is read, and different for another
account, day or statement.
"""

from __future__ import annotations

import dataclasses
import hashlib

from bots.cashapp.model import Statement, StatementEntry

__all__ = ["MADE_UP_PREFIX", "made_up_reference", "with_references"]

#: how a made-up reference starts (a bank's own never needs to)
MADE_UP_PREFIX = "NOREF-"
#: formats whose lines are told by their content, not by their place in a statement
_CONTENT_KEYED = frozenset({"csv"})


def made_up_reference(statement: Statement, entry: StatementEntry, occurrence: int = 0) -> str:
    """``NOREF-`` and ten hex digits of a digest of the statement and the line: 16
    characters, as short as the shortest reference field an ERP keeps (SAP's 16), so the
    "already posted" search finds what was posted under it.

    A CSV export is no statement of the bank's but whatever window someone exported, and
    two exports overlap: its lines are told by what they say (account, dates, amount,
    direction, payer, text) and ``occurrence`` (how many same lines came before in the
    export), so a day exported twice gives its lines the same references both times."""
    return _reference(_identity(statement, entry), occurrence)


def _identity(statement: Statement, entry: StatementEntry) -> tuple[str, ...]:
    """What tells the line apart: its content (CSV), else its statement and place."""
    if statement.format in _CONTENT_KEYED:
        return (statement.format, statement.account_iban, entry.currency,
                str(entry.booking_date), str(entry.value_date), str(entry.amount),
                entry.direction.value, entry.counterparty_name or "",
                entry.counterparty_iban or "", entry.end_to_end_id or "",
                entry.remittance_text)
    return (statement.format, statement.account_iban, statement.currency,
            statement.statement_id, statement.sequence or "",
            str(statement.from_date or ""), str(statement.to_date or ""),
            entry.entry_id, str(entry.booking_date), str(entry.amount),
            entry.direction.value, entry.currency)


def _reference(identity: tuple[str, ...], occurrence: int) -> str:
    parts = (*identity, str(occurrence)) if identity[0] in _CONTENT_KEYED else identity
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    return f"{MADE_UP_PREFIX}{digest[:10].upper()}"


def with_references(statement: Statement) -> Statement:
    """``statement`` with a made-up reference on each line the bank left without one."""
    if all(e.bank_reference for e in statement.entries):
        return statement
    seen: dict[tuple[str, ...], int] = {}  # equal lines so far (only CSV has any)
    entries = []
    for e in statement.entries:
        if not e.bank_reference:
            identity = _identity(statement, e)
            seen[identity] = occurrence = seen.get(identity, -1) + 1
            e = dataclasses.replace(e, bank_reference=_reference(identity, occurrence))
        entries.append(e)
    return dataclasses.replace(statement, entries=tuple(entries))
