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
from bots.cashapp.statements.camt_entries import NOBODY, OwnAccount, booked_entries, direction
from bots.cashapp.statements.entry_refs import with_references
from bots.cashapp.statements.limits import check_size
from bots.cashapp.statements.money import check_currency
from bots.cashapp.statements.safexml import XmlStream
from bots.cashapp.statements.text import clean_iban
from bots.cashapp.statements.xmlnav import Doc, xpath
from bots.runtime.errors import StatementParseError, UnknownFormatError

_NAMESPACES = (
    re.compile(r"^urn:iso:std:iso:20022:tech:xsd:(camt\.05[234])\.001\.(\d{2})$"),
    # Swiss SPS files of before ISO 2019: the schema's address at SIX (de, fr, it, en)
    re.compile(r"^http://www\.six-interbank-clearing\.com/[a-z]{2}/"
               r"(camt\.05[234])\.001\.(\d{2})\.xsd$"),
)
SUPPORTED_VERSIONS = range(2, 14)
# message -> (container element, statement element)
_LAYOUT = {
    "camt.052": ("BkToCstmrAcctRpt", "Rpt"),
    "camt.053": ("BkToCstmrStmt", "Stmt"),
    "camt.054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn"),
}
_KIND_OF_CONTAINER = {container: kind for kind, (container, _) in _LAYOUT.items()}
_TAGS = ("{*}Ntry", *(f"{{*}}{stmt}" for _, stmt in _LAYOUT.values()))
_DOCUMENT = "Document"
_OPENING = ("OPBD", "PRCD")  # opening booked, else previous closing booked
_CLOSING = ("CLBD",)
_INTERIM = "ITBD"
_NO_TIME = dt.datetime.min.replace(tzinfo=dt.UTC)  # a balance of a date alone
_TRUE = frozenset(("true", "1"))
_FALSE = frozenset(("false", "0"))


def camt_message(root: etree._Element) -> tuple[str, int | None] | None:
    """("camt.053", 8) for a camt.053.001.08 ``Document``, None for other XML.

    Besides ISO's own namespace, SIX's (Swiss banks before ISO 2019) is known. A
    ``Document`` without namespace is taken (version None) only when its one child is a
    camt message's container (``BkToCstmrStmt``...): nothing else tells what it holds.
    """
    name = etree.QName(root)
    if name.localname != _DOCUMENT:
        return None
    if name.namespace is None:
        children = [c for c in root if isinstance(c.tag, str)]
        kind = (_KIND_OF_CONTAINER.get(children[0].tag)
                if len(children) == 1 else None)  # a tag without namespace is its name
        return (kind, None) if kind else None
    for namespace in _NAMESPACES:
        match = namespace.match(name.namespace)
        if match:
            return match.group(1), int(match.group(2))
    return None


def _find_document(root: etree._Element) -> etree._Element:
    """The camt ``Document``: the root, or inside an envelope (SWIFTNet / CBPR+ put a
    business application header, ``AppHdr``, beside it) the first camt one; else the first
    ``Document`` or the root, to be refused by its namespace."""
    if etree.QName(root).localname == _DOCUMENT:
        return root
    documents = list(root.iter(f"{{*}}{_DOCUMENT}"))  # {*}: any namespace or none
    return next((el for el in documents if camt_message(el) is not None),
                documents[0] if documents else root)


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
    document = _find_document(root)
    message = camt_message(document)
    if message is None:
        raise UnknownFormatError(
            f"XML namespace {etree.QName(document).namespace!r} is not camt.052, camt.053 "
            "or camt.054", file=source, location=xpath(document))
    kind, version = message
    if version is not None and version not in SUPPORTED_VERSIONS:
        raise UnknownFormatError(f"{kind} version {version:02d} is not supported",
                                 file=source, location=xpath(document))
    return Doc(document, source), kind


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
    own = NOBODY
    skipped: str | None = None  # the currency of an entry left out (pending)
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
                if count == 1:
                    own = _own_account(doc, parent)
                    created = _created(doc, parent) if kind == "camt.054" else None
                booked = booked_entries(doc, el, count, undated=created, kind=kind, own=own)
                if not booked and skipped is None:
                    skipped = _currency_written(doc, el)
                entries.extend(booked)
                el.clear()
                doc.forget()
            elif el.tag == stmt_tag and parent.tag == container_tag:
                statements.extend(_statements(doc, kind, el, parent, entries, skipped))
                entries, count, created, own, skipped = [], 0, None, NOBODY, None
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


def _own_account(doc: Doc, stmt: etree._Element) -> OwnAccount:
    """The statement's account and owner, as its entries' parties would name them."""
    account = doc.first_text(stmt, "Acct/Id/IBAN", "Acct/Id/Othr/Id")
    return OwnAccount(clean_iban(account), doc.first_text(stmt, "Acct/Ownr/Nm"))


def _currency_written(doc: Doc, ntry: etree._Element) -> str | None:
    """The currency of an entry that is left out (pending), when it is a valid code."""
    amt = doc.find(ntry, "Amt")
    written = amt.get("Ccy", "") if amt is not None else ""
    try:
        return check_currency(written, file=doc.file, location="") if written else None
    except StatementParseError:
        return None


def _created(doc: Doc, stmt: etree._Element) -> dt.date | None:
    """The day a notification was written (as the bank wrote it), for undated entries."""
    container = stmt.getparent()
    return doc.date(stmt, "CreDtTm") or (
        doc.date(container, "GrpHdr/CreDtTm") if container is not None else None)


def _balances(doc: Doc, stmt: etree._Element,
              currency: str | None = None) -> dict[str, list[etree._Element]]:
    """The ``Bal`` elements by type code, each list in document order (only those in
    ``currency``, when given: a multi-currency account's)."""
    out: dict[str, list[etree._Element]] = {}
    for bal in doc.findall(stmt, "Bal"):
        if currency is not None and _written_currency(doc, bal) != currency:
            continue
        code = doc.first_text(bal, "Tp/CdOrPrtry/Cd", "Tp/CdOrPrtry/Prtry")
        if code:
            out.setdefault(code, []).append(bal)
    return out


def _written_currency(doc: Doc, bal: etree._Element) -> str | None:
    amt = doc.find(bal, "Amt")
    return amt.get("Ccy") if amt is not None else None


def _statements(doc: Doc, kind: str, stmt: etree._Element, container: etree._Element,
                entries: list[StatementEntry], skipped: str | None) -> list[Statement]:
    """The statement of ``stmt``; a multi-currency account (no ``Acct/Ccy``, balances or
    entries in several currencies) gives one statement per currency, in the order they
    first appear, each with its own balances and entries (``statement_id/EUR``)."""
    if doc.find(stmt, "Acct/Ccy") is None:
        written = [_written_currency(doc, bal) for bal in doc.findall(stmt, "Bal")]
        currencies = list(dict.fromkeys(
            [c for c in written if c] + [e.currency for e in entries]))
        if len(currencies) > 1:
            return [_statement(doc, kind, stmt, container,
                               [e for e in entries if e.currency == c], None, only=c)
                    for c in currencies]
    return [_statement(doc, kind, stmt, container, entries, skipped)]


def _first(balances: dict[str, list[etree._Element]],
           codes: tuple[str, ...]) -> etree._Element | None:
    """The first balance of the first of ``codes`` there is."""
    for code in codes:
        if balances.get(code):
            return balances[code][0]
    return None


def _interim(doc: Doc, balances: dict[str, list[etree._Element]], *,
             latest: bool) -> etree._Element | None:
    """The earliest (or latest) interim booked balance by its date, then by its time when
    it has one (``Dt/DtTm``: intraday balances of one day, written in any order), then
    document order."""
    found = balances.get(_INTERIM)
    if not found:
        return None

    def when(bal: etree._Element) -> tuple[dt.date, dt.datetime]:
        at = doc.datetime(bal, "Dt/DtTm")
        return doc.date(bal, "Dt") or dt.date.min, at or _NO_TIME

    ordered = sorted(found, key=when)  # stable
    return ordered[-1] if latest else ordered[0]


def _signed(doc: Doc, bal: etree._Element | None) -> Decimal | None:
    if bal is None:
        return None
    amount, _ = doc.amount(bal, "Amt")
    return amount if direction(doc, bal) is Direction.CREDIT else -amount


def _page(doc: Doc, stmt: etree._Element, container: etree._Element,
          stmt_name: str) -> tuple[int, bool]:
    """(page number, last page?) of a statement: its own pagination (``StmtPgntn``,
    ``RptPgntn``, ``NtfctnPgntn``), else the message's (``GrpHdr/MsgPgntn``); (1, True)
    when there is none."""
    pages = doc.find(stmt, f"{stmt_name}Pgntn")
    if pages is None:
        pages = doc.find(container, "GrpHdr/MsgPgntn")
    if pages is None:
        return 1, True
    number = doc.text(pages, "PgNb") or "1"
    if not number.isdigit() or int(number) < 1:
        raise doc.error(f"invalid page number {number!r}", pages, "PgNb")
    last = (doc.text(pages, "LastPgInd") or "true").lower()
    if last not in _TRUE | _FALSE:
        raise doc.error(f"LastPgInd must be true or false, not {last!r}", pages, "LastPgInd")
    return int(number), last in _TRUE


def _sequence(number: str | None, page: int, last: bool) -> str | None:
    """The sequence number, with the page added (``334/2``, as MT940's 28C writes
    statement/page) for a page of a paginated statement only: its pages share id and
    sequence number, and each must be told apart by the statement key, while the key of
    a statement of one page stays what it always was."""
    if page == 1 and last:
        return number
    return f"{number}/{page}" if number else f"page {page}"


def _booked_balances(doc: Doc, kind: str, stmt: etree._Element, page: int,
                     last: bool, currency: str | None = None,
                     ) -> tuple[Decimal | None, Decimal | None]:
    """(opening, closing) booked balance; None, None for a notification.

    A statement opens on OPBD (else PRCD) and closes on CLBD; a page of a paginated one
    after the first may open, and one before the last close, on an interim balance (ITBD),
    like MT940's 60M/62M. Both are required. An intraday report may close on an interim
    balance, and a delta report (from one interim balance to the next) opens on the
    earliest one; a report whose balances do not give both has none.
    """
    if kind == "camt.054":
        return None, None
    balances = _balances(doc, stmt, currency)
    if kind == "camt.053":
        opening = _first(balances, _OPENING)
        if opening is None and page > 1:
            opening = _interim(doc, balances, latest=False)
        closing = _first(balances, _CLOSING)
        if closing is None and not last:
            closing = _interim(doc, balances, latest=True)
            closing = None if closing is opening else closing
        if opening is None:
            also = ", or ITBD after the first page" if page > 1 else ""
            raise doc.error(f"missing opening (OPBD/PRCD{also}) booked balance", stmt, "Bal")
        if closing is None:
            also = ", or ITBD before the last page" if not last else ""
            raise doc.error(f"missing closing (CLBD{also}) booked balance", stmt, "Bal")
        return _signed(doc, opening), _signed(doc, closing)
    opening = _first(balances, _OPENING)
    closing = _first(balances, _CLOSING) or _interim(doc, balances, latest=True)
    if opening is None:
        opening = _interim(doc, balances, latest=False)
    if opening is None or closing is None or opening is closing:
        return None, None
    return _signed(doc, opening), _signed(doc, closing)


def _statement(doc: Doc, kind: str, stmt: etree._Element, container: etree._Element,
               entries: list[StatementEntry], skipped: str | None, *,
               only: str | None = None) -> Statement:
    """``skipped``: the currency of the entries left out, for want of any other. ``only``:
    the one currency of a multi-currency account this statement is for."""
    account = doc.require(stmt, "Acct")
    iban = doc.first_text(account, "Id/IBAN", "Id/Othr/Id")
    if not iban:
        raise doc.error("missing account identification", account, "Id/IBAN")
    page, last = _page(doc, stmt, container, _LAYOUT[kind][1])
    opening, closing = _booked_balances(doc, kind, stmt, page, last, only)
    currency = only or doc.text(account, "Ccy") or _currency_of(doc, stmt, entries, skipped)
    statement_id = doc.require_text(stmt, "Id")
    sequence = _sequence(doc.first_text(stmt, "ElctrncSeqNb", "LglSeqNb"), page, last)
    dates = [e.booking_date for e in entries]
    return with_references(Statement(
        format=kind,
        statement_id=f"{statement_id}/{only}" if only else statement_id,
        sequence=sequence,
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


def _currency_of(doc: Doc, stmt: etree._Element, entries: list[StatementEntry],
                 skipped: str | None) -> str:
    """The account currency when ``Acct/Ccy`` is not given: a balance's, else the first
    entry's, else that of an entry left out (a notification of pending entries only)."""
    amt = doc.find(stmt, "Bal/Amt")
    if amt is not None and amt.get("Ccy"):
        return amt.get("Ccy", "")
    if entries:
        return entries[0].currency
    if skipped:
        return skipped
    account = doc.require(stmt, "Acct")
    raise doc.error("cannot tell the account currency (no Acct/Ccy, balance or entry)",
                    account, "Ccy")
