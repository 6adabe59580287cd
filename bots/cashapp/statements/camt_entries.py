"""camt ``Ntry`` elements into statement entries: one per ``TxDtls`` of a batched entry.

Each entry is walked once (``Doc.paths``: its elements by local path) and its fields are
dictionary look-ups in that walk, instead of a search from the entry for every field;
what is read, refused and named in errors is what ``Doc.find`` and friends would give.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from lxml import etree

from bots.cashapp.model import Direction, StatementEntry
from bots.cashapp.statements.narrative import reference
from bots.cashapp.statements.text import clean_iban, find_rf, join_cut, join_parts, valid_rf
from bots.cashapp.statements.xmlnav import Doc, Paths

BOOKED = "BOOK"
_TX = "NtryDtls/TxDtls"
# the elements whose content an entry is read from (a transaction's TxDtls is read on its
# own); bank transaction codes, charges, agents and the like are not walked into
_READ = frozenset((
    "Sts", "BookgDt", "ValDt", "NtryDtls", "AmtDtls", "TxAmt", "Refs", "RltdPties", "Dbtr",
    "Cdtr", "Pty", "DbtrAcct", "CdtrAcct", "Id", "Othr", "RmtInf", "Strd", "CdtrRefInf",
    "RfrdDocInf", "InstdAmt", "CntrValAmt",
))
# where a batched transaction's own amount may be: an amount in the entry's currency first
# (the booked amount, then what the payer instructed and the counter value), else the
# booked amount in whatever currency it is written (the batch's add-up check judges it)
_TX_AMOUNTS = ("Amt", "AmtDtls/TxAmt/Amt", "AmtDtls/InstdAmt/Amt", "AmtDtls/CntrValAmt/Amt")
_TX_AMOUNTS_ANY_CURRENCY = ("Amt", "AmtDtls/TxAmt/Amt")
_TRUE = frozenset(("true", "1"))
_FALSE = frozenset(("false", "0"))
_DIRECTIONS = {d.value: d for d in Direction}
_EMPTY: list[etree._Element] = []


def direction(doc: Doc, el: etree._Element) -> Direction:
    code = doc.require_text(el, "CdtDbtInd")
    try:
        return Direction(code)
    except ValueError as exc:
        raise doc.error(f"CdtDbtInd must be CRDT or DBIT, not {code!r}", el, "CdtDbtInd") from exc


def _text(found: Paths, path: str) -> str | None:
    """``Doc.text`` in a walked subtree: the first element's text, stripped, or None."""
    nodes = found.get(path)
    if not nodes:
        return None
    value = nodes[0].text
    return (value.strip() or None) if value is not None else None


def _first_text(found: Paths, *paths: str) -> str | None:
    for path in paths:
        value = _text(found, path)
        if value:
            return value
    return None


def _below_first(doc: Doc, found: Paths, path: str) -> tuple[Paths, str] | None:
    """The paths below the first element at ``path`` and the prefix to read them with:
    the walk already made when that element is the only one, a walk of its own otherwise
    (so a second ``RltdPties`` never lends its fields to the first)."""
    nodes = found.get(path)
    if not nodes:
        return None
    if len(nodes) == 1:
        return found, path + "/"
    return doc.paths(nodes[0], _READ), ""


def _direction(doc: Doc, el: etree._Element, found: Paths) -> Direction:
    code = _text(found, "CdtDbtInd")
    if not code:
        raise doc.error("missing or empty element CdtDbtInd", el, "CdtDbtInd")
    way = _DIRECTIONS.get(code)
    if way is None:
        raise doc.error(f"CdtDbtInd must be CRDT or DBIT, not {code!r}", el, "CdtDbtInd")
    return way


def _amount(doc: Doc, el: etree._Element, found: Paths, path: str) -> tuple[Decimal, str]:
    nodes = found.get(path)
    if not nodes:
        raise doc.error(f"missing element {path}", el, path)
    return doc.amount_of(nodes[0])


def _date(doc: Doc, el: etree._Element, found: Paths, path: str) -> dt.date | None:
    """``Doc.date(el, path)`` in ``el``'s walked subtree."""
    nodes = found.get(path)
    if not nodes:
        return None
    if len(nodes) > 1:  # the leaf is read below the first one only
        return doc.date(el, path)
    for leaf in ("/Dt", "/DtTm"):
        inner = found.get(path + leaf)
        if inner:
            return doc.day(inner[0])
    return doc.day(nodes[0]) if (nodes[0].text or "").strip() else None


class OwnAccount(NamedTuple):
    """The statement's own account (cleaned IBAN or other id) and its owner's name: a
    related party that holds it is the account owner, never the counterparty."""

    account: str | None = None
    owner: str | None = None

    def holds(self, name: str | None, account: str | None) -> bool:
        if account is not None:
            return account == self.account
        return bool(name and self.owner and name.casefold() == self.owner.casefold())


NOBODY = OwnAccount()


def _party(doc: Doc, found: Paths, role: str) -> tuple[str | None, str | None]:
    """(name, IBAN or other account id) of the debtor (``role`` Dbtr) or creditor."""
    below = _below_first(doc, found, "RltdPties")
    if below is None:
        return None, None
    parties, at = below
    name = _first_text(parties, f"{at}{role}/Nm", f"{at}{role}/Pty/Nm")
    account = _first_text(parties, f"{at}{role}Acct/Id/IBAN", f"{at}{role}Acct/Id/Othr/Id")
    return name, _clean_iban(account)


def _counterparty(doc: Doc, found: Paths, way: Direction, *, reversal: bool,
                  own: OwnAccount) -> tuple[str | None, str | None]:
    """(name, account) of the other side of a transaction: the debtor of a credit, the
    creditor of a debit, unless that party holds the statement's own account.

    A reversal or return is written two ways: German (DK) banks repeat the original
    transaction's parties, so the counterparty of a returned direct debit (a debit) is its
    debtor; others write the return as a payment of its own, the counterparty in the usual
    role. On a reversal the opposite role is tried first, a party known by an account that
    is not the statement's own before one known by name only. When only the owner is
    named, the usual role's party is given without what identifies the owner, so the
    owner's own IBAN is never taken for a payer's.
    """
    usual = "Dbtr" if way is Direction.CREDIT else "Cdtr"
    other = "Cdtr" if usual == "Dbtr" else "Dbtr"
    party = _party(doc, found, usual)
    if not reversal:
        if not own.holds(*party):
            return party
        candidates = [_party(doc, found, other)]
    else:
        candidates = [_party(doc, found, other), party]
    others = [(name, account) for name, account in candidates
              if (name or account) and not own.holds(name, account)]
    known = [found_party for found_party in others if found_party[1] is not None]
    if known or others:
        return (known or others)[0]
    name, account = party
    return (None if own.holds(name, None) else name,
            None if account is not None and account == own.account else account)


@lru_cache(maxsize=1 << 16)
def _clean_iban(account: str | None) -> str | None:
    """``clean_iban``, once per account: a payer's account recurs across a month's entries."""
    return clean_iban(account)


#: widths at which a bank cuts one ``Ustrd`` text into several
_FULL_USTRD = frozenset({35, 140})


def _remittance(doc: Doc, found: Paths) -> tuple[str | None, str]:
    """(RF creditor reference, text) of a transaction's ``RmtInf``: the unstructured
    lines, then per structured block the numbers of the documents it lists, a reference
    that is not RF and the additional lines."""
    texts: list[str] = []
    rf: str | None = None
    below = _below_first(doc, found, "RmtInf")
    if below is not None:
        rmt, at = below
        lines = [(u.text or "") for u in rmt.get(at + "Ustrd", _EMPTY)]
        if len(lines) > 1:  # one text cut into lines: joined the way it was cut
            lines = [_cut_joined(lines)]
        texts += lines
        strds = rmt.get(at + "Strd", _EMPTY)
        for strd in strds:
            one, sat = (rmt, at + "Strd/") if len(strds) == 1 else (doc.paths(strd, _READ), "")
            # the documents (invoices, credit notes) the payer lists: matching reads them
            for nb in one.get(sat + "RfrdDocInf/Nb", _EMPTY):
                number = (nb.text or "").strip()
                if number and not any(number in t for t in texts):
                    texts.append(number)
            ref = _text(one, sat + "CdtrRefInf/Ref")
            checked = valid_rf(ref) if ref and rf is None else None
            if checked:
                rf = checked
            elif ref:  # not an RF reference (or a wrong one): keep it readable
                texts.append(ref)
            texts += [(a.text or "") for a in one.get(sat + "AddtlRmtInf", _EMPTY)]
    else:
        texts.append(_text(found, "AddtlTxInf") or "")
    text = join_parts(texts)
    return rf or find_rf(text), text


def _cut_joined(lines: list[str]) -> str:
    """Unstructured lines joined with a space, but none after a line that fills its
    width: 35 characters (banks that cut the text to the old SWIFT line) or 140 (the
    element's own limit), where the cut falls inside a word or an invoice number."""
    return join_cut(lines, lambda _, line: len(line) in _FULL_USTRD or not line.strip())


def _tx_amount(doc: Doc, found: Paths, currency: str) -> tuple[Decimal, str] | None:
    """A batched transaction's amount in the entry's ``currency``: its own ``Amt``, the
    ``TxAmt``, the instructed amount or the counter value, the first of them in that
    currency (a batch of foreign payments may give the payer's currency in ``Amt`` and
    the booked one in ``TxAmt``; a batch of direct debits often only ``InstdAmt``); else
    its ``Amt`` or ``TxAmt`` as written; None when there is none. The batch's add-up
    check still guards whichever is taken."""
    first: tuple[Decimal, str] | None = None
    for path in _TX_AMOUNTS:
        nodes = found.get(path)
        if nodes:
            value = doc.amount_of(nodes[0])
            if value[1] == currency:
                return value
            if first is None and path in _TX_AMOUNTS_ANY_CURRENCY:
                first = value
    return first


def _included_charges(doc: Doc, ntry: etree._Element, currency: str) -> Decimal:
    """The entry's charges that its amount includes, signed as they move the account (a
    charge taken is negative): ``Chrgs/Rcrd`` (``Chrgs`` itself in version 2), those in the
    entry's ``currency`` whose ``ChrgInclInd`` does not say false."""
    total = Decimal("0")
    for record in doc.findall(ntry, "Chrgs/Rcrd") or doc.findall(ntry, "Chrgs"):
        amt = doc.find(record, "Amt")
        if amt is None or (doc.text(record, "ChrgInclInd") or "").lower() in _FALSE:
            continue
        value, written_in = doc.amount_of(amt)
        if written_in != currency:
            continue
        credited = doc.text(record, "CdtDbtInd") == Direction.CREDIT.value
        total += value if credited else -value
    return total


def _common(values: list[str | None]) -> str | None:
    """The value every transaction of a batch shares, else None."""
    return values[0] if values and all(v == values[0] for v in values) else None


def booking_day(doc: Doc, ntry: etree._Element, found: Paths, *, kind: str,
                undated: dt.date | None) -> tuple[dt.date, dt.date, str]:
    """(booking date, value date, note) of an entry (``found``: its walked subtree).

    A camt.054 notification may report an entry before it has a booking date: the value
    date stands in for it, else the day the notification was written (``undated``); the
    note says which. Statements and reports must carry the booking date.
    """
    booking = _date(doc, ntry, found, "BookgDt")
    value_date = _date(doc, ntry, found, "ValDt")
    note = ""
    if booking is None and kind == "camt.054":
        if value_date is not None:
            booking, note = value_date, "no booking date in the notification: value date used"
        elif undated is not None:
            booking = undated
            note = "no booking or value date in the notification: its creation date used"
    if booking is None:
        raise doc.error("missing booking date", ntry, "BookgDt")
    return booking, value_date or booking, note


def booked_entries(doc: Doc, ntry: etree._Element, index: int, *, kind: str = "camt.053",
                   undated: dt.date | None = None,
                   own: OwnAccount = NOBODY) -> list[StatementEntry]:
    """The statement entries of the ``index``-th (1-based) ``Ntry``; none when it is not
    booked (camt.053 entries are booked; pending or information-only ones are left out).
    ``own``: the statement's account, which no counterparty holds."""
    found = doc.paths(ntry, _READ)
    status = _first_text(found, "Sts/Cd", "Sts/Prtry", "Sts")
    if status is not None and status != BOOKED:
        return []
    amount, currency = _amount(doc, ntry, found, "Amt")
    way = _direction(doc, ntry, found)
    booking, value_date, note = booking_day(doc, ntry, found, kind=kind, undated=undated)
    key = _text(found, "NtryRef") or str(index)
    entry_ref = _text(found, "AcctSvcrRef")
    reversed_entry = (_text(found, "RvslInd") or "").lower() in _TRUE
    txs = found.get(_TX, _EMPTY)
    batched = len(txs) > 1
    walks = [doc.paths(tx, _READ) for tx in txs] if batched else []
    amounts = [_tx_amount(doc, mine, currency) for mine in walks]
    if batched and all(found_amount is None for found_amount in amounts):
        # a batch that lists its transactions without their amounts (camt version 2
        # allows it): one line of the entry's amount, carrying what they all say
        lines = [_transaction_line(doc, mine, _tx_way(doc, tx, mine, way), own, reversed_entry)
                 for tx, mine in zip(txs, walks, strict=True)]
        note = join_parts([note, f"batch of {len(txs)} transactions without their own "
                           "amounts: one line of the entry's amount"])
        return [StatementEntry(
            entry_id=f"{key}-1", amount=amount, currency=currency, direction=way,
            booking_date=booking, value_date=value_date, bank_reference=entry_ref or "",
            end_to_end_id=_common([line[0] for line in lines]),
            counterparty_name=_common([line[1] for line in lines]),
            counterparty_iban=_common([line[2] for line in lines]),
            creditor_reference=_common([line[3] for line in lines]),
            remittance_text=join_parts([line[4] for line in lines])
            or _text(found, "AddtlNtryInf") or "", note=note)]
    out: list[StatementEntry] = []
    total = Decimal("0")
    for n, tx in enumerate(txs or [ntry], start=1):
        mine = walks[n - 1] if batched else found if tx is ntry else doc.paths(tx, _READ)
        tx_way, tx_amount, tx_currency = way, amount, currency
        if batched:
            amount_found = amounts[n - 1]
            if amount_found is None:
                raise doc.error("batched entry without a transaction amount", tx, "Amt")
            tx_amount, tx_currency = amount_found
            tx_way = _tx_way(doc, tx, mine, way)
        total += tx_amount if tx_way is Direction.CREDIT else -tx_amount
        own_ref = _text(mine, "Refs/AcctSvcrRef") if tx is not ntry else None
        bank_ref = own_ref or (f"{entry_ref}-{n}" if batched and entry_ref else entry_ref)
        e2e, name, iban, rf, text = _transaction_line(doc, mine, tx_way, own, reversed_entry,
                                                      remittance=tx is not ntry)
        # no transaction details, or details that say nothing of one transaction: what the
        # entry itself says (never lent to the transactions of a batch)
        if tx is ntry or (not text and not batched):
            text = _text(found, "AddtlNtryInf") or ""
            rf = rf or find_rf(text)
        out.append(StatementEntry(
            entry_id=f"{key}-{n}", amount=tx_amount, currency=tx_currency, direction=tx_way,
            booking_date=booking, value_date=value_date,
            bank_reference=bank_ref or "",  # none: made up with its statement
            end_to_end_id=e2e, counterparty_name=name, counterparty_iban=iban,
            creditor_reference=rf, remittance_text=text, note=note))
    signed = amount if way is Direction.CREDIT else -amount
    if batched and total != signed:
        charges = _included_charges(doc, ntry, currency)
        if not charges or total + charges != signed:
            raise doc.error(f"transaction details add up to {total}, the entry says {signed}",
                            ntry, "Amt")
        # the bank took its charges from the batch: a line of their own, so the payers'
        # amounts stay what they paid and the lines still add up to what was booked
        out.append(StatementEntry(
            entry_id=f"{key}-charges", amount=abs(charges), currency=currency,
            direction=Direction.CREDIT if charges > 0 else Direction.DEBIT,
            booking_date=booking, value_date=value_date,
            bank_reference=f"{entry_ref}-CHRG" if entry_ref else "",
            end_to_end_id=None, counterparty_name=None, counterparty_iban=None,
            creditor_reference=None, remittance_text="charges included in the batch's amount",
            note=note))
    return out


def _tx_way(doc: Doc, tx: etree._Element, mine: Paths, way: Direction) -> Direction:
    """A batched transaction's direction: its own ``CdtDbtInd``, else the entry's."""
    return _direction(doc, tx, mine) if mine.get("CdtDbtInd") else way


def _transaction_line(doc: Doc, mine: Paths, way: Direction, own: OwnAccount,
                      reversed_entry: bool, *, remittance: bool = True,
                      ) -> tuple[str | None, str | None, str | None, str | None, str]:
    """(end-to-end id, counterparty name, account, RF reference, text) of one transaction
    (``mine``: its walked subtree) that moves money ``way``; without ``remittance`` its
    text is not read (an entry without transaction details)."""
    name, iban = _counterparty(doc, mine, way, own=own,
                               reversal=reversed_entry or "RtrInf" in mine)
    rf, text = _remittance(doc, mine) if remittance else (None, "")
    return reference(_text(mine, "Refs/EndToEndId")), name, iban, rf, text
