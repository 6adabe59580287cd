"""camt ``Ntry`` elements into statement entries: one per ``TxDtls`` of a batched entry."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache

from lxml import etree

from bots.cashapp.model import Direction, StatementEntry
from bots.cashapp.statements.narrative import reference
from bots.cashapp.statements.text import clean_iban, find_rf, join_parts, valid_rf
from bots.cashapp.statements.xmlnav import Doc

BOOKED = "BOOK"


def direction(doc: Doc, el: etree._Element) -> Direction:
    code = doc.require_text(el, "CdtDbtInd")
    try:
        return Direction(code)
    except ValueError as exc:
        raise doc.error(f"CdtDbtInd must be CRDT or DBIT, not {code!r}", el, "CdtDbtInd") from exc


def is_booked(doc: Doc, ntry: etree._Element) -> bool:
    """camt.053 entries are booked; pending or information-only entries are left out."""
    status = doc.first_text(ntry, "Sts/Cd", "Sts/Prtry", "Sts")
    return status is None or status == BOOKED


def _party(doc: Doc, tx: etree._Element, role: str) -> tuple[str | None, str | None]:
    """(name, IBAN) of the debtor (incoming) or creditor (outgoing) of a transaction."""
    parties = doc.find(tx, "RltdPties")
    if parties is None:
        return None, None
    name = doc.first_text(parties, f"{role}/Nm", f"{role}/Pty/Nm")
    account = doc.first_text(parties, f"{role}Acct/Id/IBAN", f"{role}Acct/Id/Othr/Id")
    return name, _clean_iban(account)


@lru_cache(maxsize=1 << 16)
def _clean_iban(account: str | None) -> str | None:
    """``clean_iban``, once per account: a payer's account recurs across a month's entries."""
    return clean_iban(account)


def _remittance(doc: Doc, tx: etree._Element) -> tuple[str | None, str]:
    """(RF creditor reference, unstructured text) of a transaction's ``RmtInf``."""
    texts: list[str] = []
    rf: str | None = None
    rmt = doc.find(tx, "RmtInf")
    if rmt is not None:
        texts += [(u.text or "") for u in doc.findall(rmt, "Ustrd")]
        for strd in doc.findall(rmt, "Strd"):
            ref = doc.text(strd, "CdtrRefInf/Ref")
            if ref and rf is None and valid_rf(ref):
                rf = valid_rf(ref)
            elif ref:  # not an RF reference (or a wrong one): keep it readable
                texts.append(ref)
            texts += [(a.text or "") for a in doc.findall(strd, "AddtlRmtInf")]
    else:
        texts.append(doc.text(tx, "AddtlTxInf") or "")
    text = join_parts(texts)
    return rf or find_rf(text), text


def _tx_amount(doc: Doc, tx: etree._Element) -> tuple[Decimal, str] | None:
    for path in ("Amt", "AmtDtls/TxAmt/Amt"):
        if doc.find(tx, path) is not None:
            return doc.amount(tx, path)
    return None


def booking_day(doc: Doc, ntry: etree._Element, *, kind: str,
                undated: dt.date | None) -> tuple[dt.date, dt.date, str]:
    """(booking date, value date, note) of an entry.

    A camt.054 notification may report an entry before it has a booking date: the value
    date stands in for it, else the day the notification was written (``undated``); the
    note says which. Statements and reports must carry the booking date.
    """
    booking = doc.date(ntry, "BookgDt")
    value_date = doc.date(ntry, "ValDt")
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


def entries_of(doc: Doc, ntry: etree._Element, index: int, *, kind: str = "camt.053",
               undated: dt.date | None = None) -> list[StatementEntry]:
    """The statement entries of the ``index``-th (1-based) ``Ntry``."""
    amount, currency = doc.amount(ntry, "Amt")
    way = direction(doc, ntry)
    booking, value_date, note = booking_day(doc, ntry, kind=kind, undated=undated)
    key = doc.text(ntry, "NtryRef") or str(index)
    entry_ref = doc.text(ntry, "AcctSvcrRef")
    txs = doc.findall(ntry, "NtryDtls/TxDtls")
    batched = len(txs) > 1
    out: list[StatementEntry] = []
    total = Decimal("0")
    for n, tx in enumerate(txs or [ntry], start=1):
        tx_way, tx_amount, tx_currency = way, amount, currency
        if batched:
            found = _tx_amount(doc, tx)
            if found is None:
                raise doc.error("batched entry without a transaction amount", tx, "Amt")
            tx_amount, tx_currency = found
            if doc.find(tx, "CdtDbtInd") is not None:
                tx_way = direction(doc, tx)
        total += tx_amount if tx_way is Direction.CREDIT else -tx_amount
        own_ref = doc.text(tx, "Refs/AcctSvcrRef") if tx is not ntry else None
        bank_ref = own_ref or (f"{entry_ref}-{n}" if batched and entry_ref else entry_ref)
        name, iban = _party(doc, tx, "Dbtr" if tx_way is Direction.CREDIT else "Cdtr")
        if tx is ntry:  # no transaction details: what the entry itself says
            text = doc.text(ntry, "AddtlNtryInf") or ""
            rf = find_rf(text)
        else:
            rf, text = _remittance(doc, tx)
        out.append(StatementEntry(
            entry_id=f"{key}-{n}", amount=tx_amount, currency=tx_currency, direction=tx_way,
            booking_date=booking, value_date=value_date,
            bank_reference=bank_ref or f"{key}-{n}",
            end_to_end_id=reference(doc.text(tx, "Refs/EndToEndId")),
            counterparty_name=name, counterparty_iban=iban,
            creditor_reference=rf, remittance_text=text, note=note))
    signed = amount if way is Direction.CREDIT else -amount
    if batched and total != signed:
        raise doc.error(f"transaction details add up to {total}, the entry says {signed}",
                        ntry, "Amt")
    return out
