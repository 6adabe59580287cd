"""ISO 20022 camt.053 (statement) and camt.054 (debit/credit notification), any version."""

from __future__ import annotations

import re
from decimal import Decimal

from lxml import etree

from bots.cashapp.model import Direction, Statement, StatementEntry
from bots.cashapp.statements.camt_entries import direction, entries_of, is_booked
from bots.cashapp.statements.safexml import parse_xml
from bots.cashapp.statements.text import clean_iban
from bots.cashapp.statements.xmlnav import Doc, xpath
from bots.runtime.errors import StatementParseError, UnknownFormatError

_NAMESPACE = re.compile(r"^urn:iso:std:iso:20022:tech:xsd:(camt\.05[34])\.001\.(\d{2})$")
SUPPORTED_VERSIONS = range(2, 14)
# message -> (container element, statement element)
_LAYOUT = {
    "camt.053": ("BkToCstmrStmt", "Stmt"),
    "camt.054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn"),
}
_OPENING = ("OPBD", "PRCD")  # opening booked, else previous closing booked
_CLOSING = ("CLBD",)


def camt_message(root: etree._Element) -> tuple[str, int] | None:
    """("camt.053", 8) for a camt.053.001.08 document, None for other XML."""
    match = _NAMESPACE.match(etree.QName(root).namespace or "")
    return (match.group(1), int(match.group(2))) if match else None


def parse_camt(data: bytes, *, source: str = "") -> Statement:
    root = parse_xml(data, file=source)
    message = camt_message(root)
    if message is None:
        raise UnknownFormatError(
            f"XML namespace {etree.QName(root).namespace!r} is not camt.053 or camt.054",
            file=source, location=xpath(root))
    kind, version = message
    if version not in SUPPORTED_VERSIONS:
        raise UnknownFormatError(f"{kind} version {version:02d} is not supported",
                                 file=source, location=xpath(root))
    doc = Doc(root, source)
    container_name, stmt_name = _LAYOUT[kind]
    container = doc.require(root, container_name)
    statements = doc.findall(container, stmt_name)
    if len(statements) != 1:
        raise doc.error(f"expected exactly one {stmt_name}, found {len(statements)}",
                        container, stmt_name)
    return _statement(doc, kind, statements[0], container)


def _balance(doc: Doc, stmt: etree._Element, codes: tuple[str, ...]) -> Decimal | None:
    for code in codes:
        for bal in doc.findall(stmt, "Bal"):
            if doc.first_text(bal, "Tp/CdOrPrtry/Cd", "Tp/CdOrPrtry/Prtry") == code:
                amount, _ = doc.amount(bal, "Amt")
                return amount if direction(doc, bal) is Direction.CREDIT else -amount
    return None


def _statement(doc: Doc, kind: str, stmt: etree._Element,
               container: etree._Element) -> Statement:
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
    entries: list[StatementEntry] = []
    for index, ntry in enumerate(doc.findall(stmt, "Ntry"), start=1):
        if is_booked(doc, ntry):
            entries.extend(entries_of(doc, ntry, index))
    currency = doc.text(account, "Ccy") or _currency_of(doc, stmt, entries)
    dates = [e.booking_date for e in entries]
    return Statement(
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
    )


def _currency_of(doc: Doc, stmt: etree._Element, entries: list[StatementEntry]) -> str:
    amt = doc.find(stmt, "Bal/Amt")
    if amt is not None and amt.get("Ccy"):
        return amt.get("Ccy", "")
    if entries:
        return entries[0].currency
    raise StatementParseError("cannot tell the account currency (no Acct/Ccy, balance or entry)",
                              file=doc.file, location=xpath(stmt) + "/Acct/Ccy")


def parse_camt_statements(data: bytes, *, source: str = "") -> list[Statement]:
    """Every statement in ``data``, in file order (today: the file's one statement)."""
    return [parse_camt(data, source=source)]
