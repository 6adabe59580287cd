"""camt files beyond one camt.053 statement: several statements, camt.052 intraday
reports, camt.054 entries without a booking date, amounts with extra zero decimals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from bots.cashapp.model import Direction
from bots.cashapp.statements import check_balance, parse_file_statements, parse_statements
from bots.cashapp.statements.camt import parse_camt
from bots.runtime.errors import BalanceMismatchError, StatementParseError

FIXTURES = Path(__file__).parents[1] / "fixtures" / "statements"
TWO = FIXTURES / "camt053_v08_two_accounts.xml"


def test_every_statement_of_a_camt053_comes_back_in_file_order() -> None:
    eur, usd = parse_file_statements(TWO)
    assert (eur.statement_id, eur.account_iban, eur.currency) == (
        "HBK-EUR-20261123", "DE44500105175407324931", "EUR")
    assert (usd.statement_id, usd.sequence, usd.currency) == ("HBK-USD-20261123", "77", "USD")
    assert [e.entry_id for e in eur.entries] == ["E1-1", "E2-1"]
    assert [e.entry_id for e in usd.entries] == ["U1-1"]
    assert usd.opening_balance == Decimal("-120.00")  # previous closing, debit
    assert usd.entries[0].value_date == dt.date(2026, 11, 24)
    assert usd.entries[0].counterparty_name == "Marlow Harbour Supplies Inc"
    for statement in (eur, usd):
        check_balance(statement)
        assert statement.source == str(TWO)


def test_parse_camt_refuses_a_file_of_several_statements() -> None:
    with pytest.raises(StatementParseError, match="exactly one Stmt, found 2") as err:
        parse_camt(TWO.read_bytes(), source="eod.xml")
    assert err.value.file == "eod.xml"


def test_an_error_in_the_first_of_two_statements_names_it_by_position() -> None:
    data = TWO.read_bytes().replace(b"<CdtDbtInd>DBIT</CdtDbtInd>\n        <Sts>",
                                    b"<CdtDbtInd>DR</CdtDbtInd>\n        <Sts>")
    with pytest.raises(StatementParseError, match="CRDT or DBIT") as err:
        parse_statements(data, source="eod.xml")
    assert err.value.location == "/Document/BkToCstmrStmt/Stmt[1]/Ntry[2]/CdtDbtInd"


def test_camt052_intraday_report_is_a_statement_of_its_own_format() -> None:
    (report,) = parse_file_statements(FIXTURES / "camt052_v08_intraday.xml")
    assert report.format == "camt.052"
    assert report.statement_id == "HBK-IDR-20261124-1200-1"
    assert report.created_at == dt.datetime(2026, 11, 24, 11, 0, tzinfo=dt.UTC)
    # the pending entry is left out; the interim booked balance closes the report
    assert [e.bank_reference for e in report.entries] == ["HBK-R-0001"]
    assert report.entries[0].booking_date == dt.date(2026, 11, 24)
    assert report.entries[0].counterparty_iban == "FR7630006000011234567890189"
    assert (report.opening_balance, report.closing_balance) == (Decimal("5431.75"),
                                                               Decimal("6011.75"))
    check_balance(report)


def test_camt052_without_balances_is_read_unreconciled() -> None:
    text = (FIXTURES / "camt052_v08_intraday.xml").read_text()
    start, end = text.index("      <Bal>"), text.index("      <Ntry>")
    (report,) = parse_statements((text[:start] + text[end:]).encode(), source="r.xml")
    assert report.opening_balance is None and report.closing_balance is None
    assert len(report.entries) == 1


def test_camt052_delta_report_runs_between_its_interim_balances_in_time_order() -> None:
    """A delta report of 10:00 to 14:00, its later balance written first."""
    text = (FIXTURES / "camt052_v08_intraday.xml").read_text()
    opening = text.index("      <Bal><Tp><CdOrPrtry><Cd>OPBD")
    line_end = text.index("\n", opening) + 1
    itbd = ('      <Bal><Tp><CdOrPrtry><Cd>ITBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">5431.75'
            '</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><DtTm>2026-11-24T10:00:00+01:00</DtTm>'
            "</Dt></Bal>\n")
    later_first = text[:opening] + text[line_end:]  # OPBD out: only the two ITBDs
    at = later_first.index("      <Ntry>")
    (report,) = parse_statements((later_first[:at] + itbd + later_first[at:]).encode(),
                                 source="r.xml")
    assert (report.opening_balance, report.closing_balance) == (Decimal("5431.75"),
                                                               Decimal("6011.75"))
    check_balance(report)


def test_camt054_entries_without_booking_date_say_which_date_stands_in() -> None:
    (note,) = parse_file_statements(FIXTURES / "camt054_v08_undated.xml")
    by_value, by_creation, dated = note.entries
    assert by_value.booking_date == by_value.value_date == dt.date(2026, 11, 25)
    assert "value date used" in by_value.note
    # no value date either: the day the bank wrote the notification (as it wrote it)
    assert by_creation.booking_date == dt.date(2026, 11, 24)
    assert "creation date used" in by_creation.note
    assert dated.note == "" and dated.direction is Direction.DEBIT
    assert (note.from_date, note.to_date) == (dt.date(2026, 11, 24), dt.date(2026, 11, 25))


def test_camt053_entry_without_booking_date_is_still_refused() -> None:
    data = TWO.read_bytes().replace(b"<BookgDt><Dt>2026-11-23</Dt></BookgDt>\n"
                                    b"        <ValDt><Dt>2026-11-24</Dt></ValDt>",
                                    b"<ValDt><Dt>2026-11-24</Dt></ValDt>")
    with pytest.raises(StatementParseError, match="missing booking date") as err:
        parse_statements(data, source="eod.xml")
    assert err.value.location == "/Document/BkToCstmrStmt/Stmt[2]/Ntry/BookgDt"


def test_extra_zero_decimals_are_read_as_the_exact_amount() -> None:
    eur, _ = parse_file_statements(TWO)
    fee = eur.entries[1]
    assert fee.amount == Decimal("8.25") and str(fee.amount) == "8.25"  # written "8.250"
    assert fee.remittance_text == "Card terminal fee"


def test_extra_decimals_that_are_not_zero_are_refused_with_the_location() -> None:
    data = TWO.read_bytes().replace(b">8.250<", b">8.255<")
    with pytest.raises(StatementParseError, match="3 decimals, EUR allows 2") as err:
        parse_statements(data, source="eod.xml")
    assert err.value.location == "/Document/BkToCstmrStmt/Stmt[1]/Ntry[2]/Amt"


def test_a_statement_over_the_configured_size_is_refused_before_parsing(
        monkeypatch: pytest.MonkeyPatch) -> None:
    data = TWO.read_bytes()
    monkeypatch.setenv("FINBOTS_STATEMENT_MAX_BYTES", str(len(data) - 1))
    with pytest.raises(StatementParseError, match="larger than the limit") as err:
        parse_statements(data, source="eod.xml")
    assert err.value.file == "eod.xml"
    monkeypatch.setenv("FINBOTS_STATEMENT_MAX_BYTES", str(len(data)))
    assert len(parse_statements(data, source="eod.xml")) == 2


def test_an_undeclared_entity_is_a_syntax_error_on_its_line() -> None:
    text = TWO.read_text().replace("Card terminal fee", "Card &fee; terminal")
    line = text[: text.index("&fee;")].count("\n") + 1
    with pytest.raises(StatementParseError, match="not well-formed") as err:
        parse_statements(text.encode(), source="eod.xml")
    assert err.value.location == f"line {line}"


def test_a_file_cut_after_a_good_statement_is_refused_whole() -> None:
    data = TWO.read_bytes()
    cut = data[: data.index(b"<Id>HBK-USD-20261123</Id>")]
    with pytest.raises(StatementParseError, match="not well-formed"):
        parse_statements(cut, source="eod.xml")


def test_the_stream_itself_never_expands_entities(monkeypatch: pytest.MonkeyPatch) -> None:
    """Second line of defence for the streaming reader: past the declaration check (turned
    off here), an external entity is neither read nor substituted."""
    from bots.cashapp.statements import safexml

    monkeypatch.setattr(safexml, "_declaration_line", lambda data: None)
    doc = ('<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
           '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>'
           "<Stmt><Id>&xxe;</Id></Stmt></BkToCstmrStmt></Document>")
    first_line = Path("/etc/passwd").read_text().splitlines()[0]
    with pytest.raises(StatementParseError) as err:
        for element in safexml.XmlStream(doc.encode(), file="x.xml", tags=["{*}Stmt"]):
            assert first_line not in "".join(element.itertext())
    assert first_line not in str(err.value)


def _multi_currency(entries: str) -> bytes:
    bal = ('<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy="{ccy}">{amt}</Amt>'
           "<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-24</Dt></Dt></Bal>")
    balances = "".join(bal.format(code=code, ccy=ccy, amt=amt) for code, ccy, amt in (
        ("OPBD", "EUR", "100.00"), ("OPBD", "USD", "200.00"), ("CLBD", "EUR", "110.00"),
        ("CLBD", "USD", "180.00")))
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.04"><BkToCstmrStmt>
<GrpHdr><MsgId>MC-1</MsgId><CreDtTm>2026-11-25T05:00:00Z</CreDtTm></GrpHdr>
<Stmt><Id>MC-20261124</Id><ElctrncSeqNb>197</ElctrncSeqNb>
<Acct><Id><Othr><Id>MC-0099887766</Id></Othr></Id></Acct>{balances}{entries}</Stmt>
</BkToCstmrStmt></Document>""".encode()


def _ntry(ref: str, ccy: str, amount: str, way: str) -> str:
    return (f'<Ntry><Amt Ccy="{ccy}">{amount}</Amt><CdtDbtInd>{way}</CdtDbtInd><Sts>BOOK</Sts>'
            "<BookgDt><Dt>2026-11-24</Dt></BookgDt><ValDt><Dt>2026-11-24</Dt></ValDt>"
            f"<AcctSvcrRef>{ref}</AcctSvcrRef></Ntry>")


def test_a_multi_currency_account_is_one_statement_per_currency() -> None:
    """No Acct/Ccy, balances and entries in EUR and USD: each currency adds up on its own."""
    data = _multi_currency(_ntry("MC-E", "EUR", "10.00", "CRDT")
                           + _ntry("MC-U", "USD", "20.00", "DBIT"))
    eur, usd = parse_statements(data, source="mc.xml")
    assert (eur.statement_id, eur.currency, eur.opening_balance, eur.closing_balance) == (
        "MC-20261124/EUR", "EUR", Decimal("100.00"), Decimal("110.00"))
    assert (usd.statement_id, usd.currency, usd.opening_balance, usd.closing_balance) == (
        "MC-20261124/USD", "USD", Decimal("200.00"), Decimal("180.00"))
    assert [e.bank_reference for e in eur.entries] == ["MC-E"]
    assert [e.bank_reference for e in usd.entries] == ["MC-U"]
    for statement in (eur, usd):
        check_balance(statement)


def test_a_multi_currency_statement_that_does_not_add_up_names_its_currency() -> None:
    data = _multi_currency(_ntry("MC-E", "EUR", "10.00", "CRDT")
                           + _ntry("MC-U", "USD", "25.00", "DBIT"))
    _, usd = parse_statements(data, source="mc.xml")
    with pytest.raises(BalanceMismatchError, match="MC-20261124/USD"):
        check_balance(usd)
