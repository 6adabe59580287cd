"""ISO 20022 camt.053 (statement), camt.052 (intraday report) and camt.054 (debit/credit
notification), any version, read as a stream.

Each ``Ntry`` is turned into entries as soon as its end tag is read and then emptied, so
memory and time grow with the number of entries, not with its square; what is left of a
read entry is an empty element that keeps the count of siblings for error locations.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from lxml import etree

from bots.cashapp.bulk import paused_gc
from bots.cashapp.model import Direction, Statement, StatementEntry
from bots.cashapp.statements.camt_entries import booked_entries, direction
from bots.cashapp.statements.entry_refs import with_references
from bots.cashapp.statements.limits import check_size
from bots.cashapp.statements.safexml import XmlStream
from bots.cashapp.statements.text import clean_iban
from bots.cashapp.statements.xmlnav import Doc, xpath
from bots.runtime.errors import StatementParseError, UnknownFormatError

_NAMESPACE = re.compile(r"^urn:iso:std:iso:20022:tech:xsd:(camt\.05[234])\.001\.(\d{2})$")
SUPPORTED_VERSIONS = range(2, 14)
# message -> (container element, statement element)
_LAYOUT = {
    "camt.052": ("BkToCstmrAcctRpt", "Rpt"),
    "camt.053": ("BkToCstmrStmt", "Stmt"),
    "camt.054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn"),
}
_TAGS = ("{*}Ntry", *(f"{{*}}{stmt}" for _, stmt in _LAYOUT.values()))
_OPENING = ("OPBD", "PRCD")  # opening booked, else previous closing booked
_CLOSING = ("CLBD",)
_REPORT_CLOSING = ("CLBD", "ITBD")  # an intraday report may end on an interim balance


def camt_message(root: etree._Element) -> tuple[str, int] | None:
    """("camt.053", 8) for a camt.053.001.08 document, None for other XML."""
    match = _NAMESPACE.match(etree.QName(root).namespace or "")
    return (match.group(1), int(match.group(2))) if match else None


def parse_camt(data: bytes, *, source: str = "") -> Statement:
    """The one statement of a camt file; a file of several is refused."""
    read = _read(data, source)
    if len(read.statements) != 1:
        raise read.doc.error(f"expected exactly one {read.stmt_name}, found "
                             f"{len(read.statements)}", read.container, read.stmt_name)
    return read.statements[0]


def parse_camt_statements(data: bytes, *, source: str = "") -> list[Statement]:
    """Every statement (``Stmt``, ``Rpt`` or ``Ntfctn``) in ``data``, in file order."""
    read = _read(data, source)
    if not read.statements:
        raise read.doc.error(f"expected at least one {read.stmt_name}, found none",
                             read.container, read.stmt_name)
    return read.statements


@dataclass
class _Read:
    doc: Doc
    kind: str
    container: etree._Element
    stmt_name: str
    statements: list[Statement] = field(default_factory=list)


def _document(root: etree._Element, source: str) -> tuple[Doc, str]:
    message = camt_message(root)
    if message is None:
        raise UnknownFormatError(
            f"XML namespace {etree.QName(root).namespace!r} is not camt.052, camt.053 "
            "or camt.054", file=source, location=xpath(root))
    kind, version = message
    if version not in SUPPORTED_VERSIONS:
        raise UnknownFormatError(f"{kind} version {version:02d} is not supported",
                                 file=source, location=xpath(root))
    return Doc(root, source), kind


def _read(data: bytes, source: str) -> _Read:
    check_size(len(data), source)
    with paused_gc():
        return _read_stream(data, source)


def _read_stream(data: bytes, source: str) -> _Read:
    stream = XmlStream(data, file=source, tags=_TAGS)
    doc: Doc | None = None
    kind = ""
    entries: list[StatementEntry] = []
    count = 0
    created: dt.date | None = None
    statements: list[Statement] = []
    try:
        for el in stream:
            if doc is None:
                assert stream.root is not None
                doc, kind = _document(stream.root, source)
                container_tag, stmt_tag = (doc.qualified(n) for n in _LAYOUT[kind])
                ntry_tag = doc.qualified("Ntry")
            parent = el.getparent()
            if parent is None:
                continue
            if el.tag == ntry_tag and parent.tag == stmt_tag:
                count += 1
                if count == 1 and kind == "camt.054":
                    created = _created(doc, parent)
                entries.extend(booked_entries(doc, el, count, undated=created, kind=kind))
                el.clear()
                doc.forget()
            elif el.tag == stmt_tag and parent.tag == container_tag:
                statements.append(_statement(doc, kind, el, parent, entries))
                entries, count, created = [], 0, None
                el.clear()
                doc.forget()
    except StatementParseError as exc:
        if doc is None or doc.failed_at is None:
            raise
        stream.drain(lambda e: e.tag == ntry_tag)  # the siblings that follow count too
        raise StatementParseError(exc.reason, file=source,
                                  location=doc.where(*doc.failed_at)) from None
    if doc is None:
        assert stream.root is not None
        doc, kind = _document(stream.root, source)
    container_name, stmt_name = _LAYOUT[kind]
    container = doc.require(doc.root, container_name)
    return _Read(doc, kind, container, stmt_name, statements)


def _created(doc: Doc, stmt: etree._Element) -> dt.date | None:
    """The day a notification was written (as the bank wrote it), for undated entries."""
    container = stmt.getparent()
    return doc.date(stmt, "CreDtTm") or (
        doc.date(container, "GrpHdr/CreDtTm") if container is not None else None)


def _balance(doc: Doc, stmt: etree._Element, codes: tuple[str, ...]) -> Decimal | None:
    for code in codes:
        for bal in doc.findall(stmt, "Bal"):
            if doc.first_text(bal, "Tp/CdOrPrtry/Cd", "Tp/CdOrPrtry/Prtry") == code:
                amount, _ = doc.amount(bal, "Amt")
                return amount if direction(doc, bal) is Direction.CREDIT else -amount
    return None


def _statement(doc: Doc, kind: str, stmt: etree._Element, container: etree._Element,
               entries: list[StatementEntry]) -> Statement:
    account = doc.require(stmt, "Acct")
    iban = doc.first_text(account, "Id/IBAN", "Id/Othr/Id")
    if not iban:
        raise doc.error("missing account identification", account, "Id/IBAN")
    opening = closing = None
    if kind == "camt.053":
        opening = _balance(doc, stmt, _OPENING)
        closing = _balance(doc, stmt, _CLOSING)
        if opening is None or closing is None:
            which = "opening (OPBD/PRCD)" if opening is None else "closing (CLBD)"
            raise doc.error(f"missing {which} booked balance", stmt, "Bal")
    elif kind == "camt.052":
        opening = _balance(doc, stmt, _OPENING)
        closing = _balance(doc, stmt, _REPORT_CLOSING) if opening is not None else None
        opening = opening if closing is not None else None
    currency = doc.text(account, "Ccy") or _currency_of(doc, stmt, entries)
    dates = [e.booking_date for e in entries]
    return with_references(Statement(
        format=kind,
        statement_id=doc.require_text(stmt, "Id"),
        sequence=doc.first_text(stmt, "ElctrncSeqNb", "LglSeqNb"),
        account_iban=clean_iban(iban) or iban,
        currency=currency,
        opening_balance=opening,
        closing_balance=closing,
        created_at=doc.datetime(stmt, "CreDtTm") or doc.datetime(container, "GrpHdr/CreDtTm"),
        from_date=doc.date(stmt, "FrToDt/FrDtTm") or (min(dates) if dates else None),
        to_date=doc.date(stmt, "FrToDt/ToDtTm") or (max(dates) if dates else None),
        entries=tuple(entries),
        source=doc.file,
    ))


def _currency_of(doc: Doc, stmt: etree._Element, entries: list[StatementEntry]) -> str:
    amt = doc.find(stmt, "Bal/Amt")
    if amt is not None and amt.get("Ccy"):
        return amt.get("Ccy", "")
    if entries:
        return entries[0].currency
    account = doc.require(stmt, "Acct")
    raise doc.error("cannot tell the account currency (no Acct/Ccy, balance or entry)",
                    account, "Ccy")
