"""camt documents beyond ISO's namespace and one page: SIX namespace, no namespace, an
envelope with a business application header, camt.052 delta reports from one interim
balance to the next, notifications of pending entries only, paginated statements."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bots.cashapp.model import Statement
from bots.cashapp.statements import check_balance, parse_statements
from bots.cashapp.statements.camt import parse_camt
from bots.cashapp.statements.registry import MemoryRegistry, StatementKey
from bots.runtime.errors import BalanceMismatchError, StatementParseError, UnknownFormatError

ISO = "urn:iso:std:iso:20022:tech:xsd:"
IBAN = "CH9300762011623852957"


def _bal(code: str, amount: str, day: str = "2026-11-20", *, ccy: str = "CHF") -> str:
    return (f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp>"
            f"<Amt Ccy=\"{ccy}\">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd>"
            f"<Dt><Dt>{day}</Dt></Dt></Bal>")


def _ntry(ref: str, amount: str, way: str = "CRDT", *, status: str = "BOOK",
          ccy: str = "CHF") -> str:
    return (f"<Ntry><NtryRef>{ref}</NtryRef><Amt Ccy=\"{ccy}\">{amount}</Amt>"
            f"<CdtDbtInd>{way}</CdtDbtInd><Sts><Cd>{status}</Cd></Sts>"
            "<BookgDt><Dt>2026-11-20</Dt></BookgDt><ValDt><Dt>2026-11-20</Dt></ValDt>"
            f"<AcctSvcrRef>BK-{ref}</AcctSvcrRef>"
            "<NtryDtls><TxDtls><RmtInf><Ustrd>Invoice 1</Ustrd></RmtInf></TxDtls></NtryDtls>"
            "</Ntry>")


def _stmt(body: str, *, tag: str = "Stmt", pages: str = "", ccy: str = "<Ccy>CHF</Ccy>",
          seq: str = "<ElctrncSeqNb>224</ElctrncSeqNb>") -> str:
    return (f"<{tag}><Id>S-20261120</Id>{pages}{seq}"
            f"<Acct><Id><IBAN>{IBAN}</IBAN></Id>{ccy}</Acct>{body}</{tag}>")


def _document(stmts: str, *, xmlns: str = f' xmlns="{ISO}camt.053.001.04"',
              container: str = "BkToCstmrStmt", header: str = "") -> str:
    return (f"<Document{xmlns}><{container}><GrpHdr><MsgId>M1</MsgId>"
            f"<CreDtTm>2026-11-20T22:10:03</CreDtTm>{header}</GrpHdr>{stmts}"
            f"</{container}></Document>")


DAY = _stmt(_bal("OPBD", "1000.00") + _bal("CLBD", "1490.00")
            + _ntry("1", "500.00") + _ntry("2", "10.00", "DBIT"))


def _read(text: str) -> list[Statement]:
    return parse_statements(('<?xml version="1.0" encoding="UTF-8"?>\n' + text).encode(),
                            source="t.xml")


def _check_day(statements: list[Statement]) -> None:
    (s,) = statements
    check_balance(s)
    assert (s.account_iban, s.currency, s.sequence) == (IBAN, "CHF", "224")
    assert (s.opening_balance, s.closing_balance) == (Decimal("1000.00"), Decimal("1490.00"))
    assert [e.amount for e in s.entries] == [Decimal("500.00"), Decimal("10.00")]


# -- namespaces ------------------------------------------------------------------------

@pytest.mark.parametrize("language", ["de", "fr"])
def test_swiss_six_namespace_is_camt(language: str) -> None:
    ns = f"http://www.six-interbank-clearing.com/{language}/camt.053.001.04.xsd"
    _check_day(_read(_document(DAY, xmlns=f' xmlns="{ns}"')))


def test_swiss_six_namespace_of_a_notification() -> None:
    ns = "http://www.six-interbank-clearing.com/de/camt.054.001.04.xsd"
    (s,) = _read(_document(_stmt(_ntry("1", "5.00"), tag="Ntfctn"), xmlns=f' xmlns="{ns}"',
                           container="BkToCstmrDbtCdtNtfctn"))
    assert s.format == "camt.054" and len(s.entries) == 1


def test_six_namespace_of_an_unsupported_version_is_refused() -> None:
    ns = "http://www.six-interbank-clearing.com/de/camt.053.001.01.xsd"
    with pytest.raises(UnknownFormatError, match="version 01"):
        _read(_document(DAY, xmlns=f' xmlns="{ns}"'))


def test_document_without_namespace_is_told_by_its_container() -> None:
    _check_day(_read(_document(DAY, xmlns="")))


def test_document_without_namespace_and_another_container_is_refused() -> None:
    text = _document(DAY, xmlns="", container="CstmrCdtTrfInitn")
    with pytest.raises(UnknownFormatError, match="XML namespace None is not camt"):
        _read(text)


def test_document_in_an_envelope_with_an_application_header() -> None:
    header = (f'<AppHdr xmlns="{ISO}head.001.001.02"><BizMsgIdr>M1</BizMsgIdr>'
              "<MsgDefIdr>camt.053.001.08</MsgDefIdr></AppHdr>")
    document = _document(DAY, xmlns=f' xmlns="{ISO}camt.053.001.08"')
    _check_day(_read(f'<Envelope xmlns="urn:swift:xsd:envelope">{header}{document}'
                     "</Envelope>"))
    # an error names the place inside the envelope
    broken = document.replace("<Cd>CLBD</Cd>", "<Cd>XXXX</Cd>")
    with pytest.raises(StatementParseError, match="closing") as err:
        _read(f'<Envelope xmlns="urn:swift:xsd:envelope">{header}{broken}</Envelope>')
    assert err.value.location == "/Envelope/Document/BkToCstmrStmt/Stmt/Bal"


def test_envelope_without_a_camt_document_is_refused() -> None:
    text = ('<Envelope xmlns="urn:swift:xsd:envelope">'
            + _document(DAY, xmlns=f' xmlns="{ISO}pain.001.001.09"') + "</Envelope>")
    with pytest.raises(UnknownFormatError, match=r"pain\.001") as err:
        _read(text)
    assert err.value.location == "/Envelope/Document"
    with pytest.raises(UnknownFormatError, match="'urn:swift:xsd:envelope' is not camt"):
        _read('<Envelope xmlns="urn:swift:xsd:envelope"><AppHdr/></Envelope>')


# -- camt.052 delta reports ------------------------------------------------------------

def _report(balances: str) -> list[Statement]:
    body = balances + _ntry("1", "700.00") + _ntry("2", "200.00", "DBIT")
    return _read(_document(_stmt(body, tag="Rpt"), xmlns=f' xmlns="{ISO}camt.052.001.08"',
                           container="BkToCstmrAcctRpt"))


def test_delta_report_opens_on_the_earliest_interim_balance() -> None:
    # written latest first: the dates decide
    (r,) = _report(_bal("ITBD", "6511.75", "2026-11-21") + _bal("ITBD", "6011.75"))
    assert (r.opening_balance, r.closing_balance) == (Decimal("6011.75"), Decimal("6511.75"))
    check_balance(r)


def test_delta_report_of_interim_balances_on_one_day_goes_by_document_order() -> None:
    (r,) = _report(_bal("ITBD", "6011.75") + _bal("ITBD", "6511.75"))
    assert (r.opening_balance, r.closing_balance) == (Decimal("6011.75"), Decimal("6511.75"))


def test_delta_report_whose_balances_do_not_add_up_is_caught() -> None:
    (r,) = _report(_bal("ITBD", "6011.75") + _bal("ITBD", "6611.75"))
    with pytest.raises(BalanceMismatchError):
        check_balance(r)


def test_report_with_one_interim_balance_only_has_none() -> None:
    (r,) = _report(_bal("ITBD", "6011.75"))
    assert r.opening_balance is None and r.closing_balance is None


def test_report_with_opening_closes_on_the_latest_interim_balance() -> None:
    (r,) = _report(_bal("OPBD", "5511.75") + _bal("ITBD", "5800.00")
                   + _bal("ITBD", "6011.75", "2026-11-21"))
    assert (r.opening_balance, r.closing_balance) == (Decimal("5511.75"), Decimal("6011.75"))


# -- camt.054 of pending entries only --------------------------------------------------

def _notification(entries: str) -> list[Statement]:
    return _read(_document(_stmt(entries, tag="Ntfctn", ccy=""),
                           xmlns=f' xmlns="{ISO}camt.054.001.08"',
                           container="BkToCstmrDbtCdtNtfctn"))


def test_notification_of_pending_entries_only_takes_their_currency() -> None:
    (n,) = _notification(_ntry("P1", "700.00", status="PDNG", ccy="EUR")
                         + _ntry("P2", "150.00", "DBIT", status="PDNG", ccy="EUR"))
    assert (n.currency, n.entries) == ("EUR", ())
    assert n.opening_balance is None and n.closing_balance is None


def test_notification_with_nothing_to_tell_the_currency_is_still_refused() -> None:
    with pytest.raises(StatementParseError, match="cannot tell the account currency"):
        _notification("")


# -- paginated statements --------------------------------------------------------------

def _pages(number: int, last: bool) -> str:
    flag = "true" if last else "false"
    return f"<StmtPgntn><PgNb>{number}</PgNb><LastPgInd>{flag}</LastPgInd></StmtPgntn>"


def _page(number: int, last: bool, balances: str, *entries: str) -> list[Statement]:
    return _read(_document(_stmt(balances + "".join(entries), pages=_pages(number, last))))


def test_statement_over_three_pages_balances_on_each() -> None:
    (first,) = _page(1, False, _bal("OPBD", "1000.00") + _bal("ITBD", "1500.00"),
                     _ntry("1", "500.00"))
    (middle,) = _page(2, False, _bal("ITBD", "1500.00") + _bal("ITBD", "1400.00"),
                      _ntry("2", "100.00", "DBIT"))
    (last,) = _page(3, True, _bal("ITBD", "1400.00") + _bal("CLBD", "1420.00"),
                    _ntry("3", "20.00"))
    for page in (first, middle, last):
        check_balance(page)
    assert [(p.opening_balance, p.closing_balance) for p in (first, middle, last)] == [
        (Decimal("1000.00"), Decimal("1500.00")), (Decimal("1500.00"), Decimal("1400.00")),
        (Decimal("1400.00"), Decimal("1420.00"))]
    # the pages share id and sequence number: the key tells them apart by page
    assert [p.sequence for p in (first, middle, last)] == ["224/1", "224/2", "224/3"]
    keys = {StatementKey.of(p) for p in (first, middle, last)}
    assert len(keys) == 3
    registry = MemoryRegistry()
    registry.remember(StatementKey.of(first), "p1.xml")
    assert not registry.seen(StatementKey.of(middle))
    assert registry.seen(StatementKey.of(_page(1, False, _bal("OPBD", "1000.00")
                                                + _bal("ITBD", "1500.00"),
                                                _ntry("1", "500.00"))[0]))


def test_page_number_comes_from_the_message_when_the_statement_has_none() -> None:
    header = "<MsgPgntn><PgNb>2</PgNb><LastPgInd>true</LastPgInd></MsgPgntn>"
    (s,) = _read(_document(_stmt(_bal("ITBD", "1000.00") + _bal("CLBD", "1000.00")),
                           header=header))
    assert s.sequence == "224/2" and s.opening_balance == Decimal("1000.00")


def test_page_without_sequence_number_is_named_by_page() -> None:
    text = _document(_stmt(_bal("ITBD", "1000.00") + _bal("CLBD", "1000.00"),
                           pages=_pages(2, True), seq=""))
    (s,) = _read(text)
    assert s.sequence == "page 2"


def test_single_page_statement_keeps_its_key() -> None:
    (s,) = _read(_document(_stmt(_bal("OPBD", "1000.00") + _bal("CLBD", "1490.00")
                                 + _ntry("1", "500.00") + _ntry("2", "10.00", "DBIT"),
                                 pages=_pages(1, True))))
    assert StatementKey.of(s) == StatementKey(IBAN, "S-20261120", "224")


def test_first_page_must_open_on_a_booked_opening_balance() -> None:
    with pytest.raises(StatementParseError, match=r"opening \(OPBD/PRCD\)"):
        _page(1, False, _bal("ITBD", "1000.00") + _bal("ITBD", "1500.00"))


def test_last_page_must_close_on_the_closing_balance() -> None:
    with pytest.raises(StatementParseError, match=r"closing \(CLBD\)"):
        _page(2, True, _bal("ITBD", "1000.00") + _bal("ITBD", "1500.00"))


def test_middle_page_with_one_interim_balance_is_refused() -> None:
    with pytest.raises(StatementParseError, match="ITBD before the last page"):
        _page(2, False, _bal("ITBD", "1000.00"))


def test_invalid_page_number_is_refused() -> None:
    text = _document(_stmt(_bal("OPBD", "1.00") + _bal("CLBD", "1.00"),
                           pages="<StmtPgntn><PgNb>x</PgNb><LastPgInd>true</LastPgInd>"
                                 "</StmtPgntn>"))
    with pytest.raises(StatementParseError, match="invalid page number") as err:
        _read(text)
    assert err.value.location == "/Document/BkToCstmrStmt/Stmt/StmtPgntn/PgNb"


def test_one_statement_file_with_a_paginated_statement() -> None:
    text = _document(_stmt(_bal("OPBD", "1000.00") + _bal("ITBD", "1500.00")
                           + _ntry("1", "500.00"), pages=_pages(1, False)))
    data = ('<?xml version="1.0" encoding="UTF-8"?>\n' + text).encode()
    assert parse_camt(data, source="t.xml").sequence == "224/1"
