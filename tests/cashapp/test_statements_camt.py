"""camt.053 (versions 02, 04, 08) and camt.054: entries, batches, references, errors."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from bots.cashapp.model import Direction
from bots.cashapp.statements import check_balance, parse_file, parse_statement
from bots.cashapp.statements.camt import parse_camt, parse_camt_statements
from bots.runtime.errors import StatementParseError, UnknownFormatError

FIXTURES = Path(__file__).parents[1] / "fixtures" / "statements"


def _bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_camt053_v08_statement_header_and_balances() -> None:
    s = parse_file(FIXTURES / "camt053_v08_northwind.xml")
    assert s.format == "camt.053"
    assert (s.statement_id, s.sequence) == ("NWB-STMT-20261120", "318")
    assert s.account_iban == "DE12500105170648489890"
    assert s.currency == "EUR"
    assert s.opening_balance == Decimal("250000.00")
    assert s.closing_balance == Decimal("256673.40")
    assert s.created_at == dt.datetime(2026, 11, 20, 17, 0, tzinfo=dt.UTC)
    assert s.from_date == s.to_date == dt.date(2026, 11, 20)
    assert len(s.entries) == 5
    check_balance(s)


def test_camt053_v08_entry_fields() -> None:
    first, second, *_, fee = parse_file(FIXTURES / "camt053_v08_northwind.xml").entries
    assert first.entry_id == "1-1"
    assert first.amount == Decimal("1190.00") and first.direction is Direction.CREDIT
    assert first.end_to_end_id == "ACME-E2E-88121"
    assert first.counterparty_name == "ACME INDUSTRIAL GMBH"
    assert first.counterparty_iban == "DE89370400440532013000"
    assert first.creditor_reference == "RF79INV20261001"
    assert second.end_to_end_id is None  # NOTPROVIDED
    assert second.remittance_text == "Payment INV-2026-1002 thank you"
    assert fee.direction is Direction.DEBIT and fee.counterparty_name == "Sandbox Bank AG"


def test_camt053_v02_batched_entry_gives_one_line_per_transaction() -> None:
    s = parse_file(FIXTURES / "camt053_v02_batched.xml")
    check_balance(s)
    assert [e.entry_id for e in s.entries] == ["B0001-1", "B0001-2", "B0001-3", "2-1"]
    assert [e.amount for e in s.entries] == [Decimal("1190.00"), Decimal("2380.00"),
                                             Decimal("3333.33"), Decimal("12.50")]
    assert [e.bank_reference for e in s.entries[:3]] == [
        "NWB-BATCH-0001-1", "NWB-BATCH-0001-2", "NWB-BATCH-0001-3"]
    acme, borealis, elbe, fee = s.entries
    assert acme.counterparty_iban == "DE89370400440532013000"  # written with spaces
    assert acme.creditor_reference == "RF79INV20261001"
    assert borealis.remittance_text == "Payment INV-2026-1002 thank you"  # two Ustrd joined
    # a structured reference with wrong check digits is not trusted, but kept readable
    assert elbe.creditor_reference is None and elbe.remittance_text == "RF00INV20261008"
    assert fee.remittance_text == "Account maintenance fee 11/2026"
    assert s.opening_balance == Decimal("1000.00")  # PRCD stands in for OPBD


def test_camt053_v04_amounts_per_transaction_and_rf_in_text() -> None:
    s = parse_file(FIXTURES / "camt053_v04.xml")
    check_balance(s)
    assert s.opening_balance == Decimal("-150.00")
    assert s.sequence == "224"  # legal sequence number when no electronic one
    assert s.created_at == dt.datetime(2026, 11, 20, 6, 15, tzinfo=dt.UTC)
    helios_a, helios_b, ret = s.entries
    assert helios_a.bank_reference == "ABN-20261120-0001-A"
    assert helios_a.creditor_reference == "RF73INV20261012"  # printed in groups in the text
    assert helios_b.entry_id == "1-2"
    assert ret.direction is Direction.DEBIT and ret.value_date == dt.date(2026, 11, 18)
    assert ret.counterparty_name == "Dunmore Logistics B.V."


def test_camt054_notification_has_no_balances_and_skips_pending() -> None:
    s = parse_file(FIXTURES / "camt054_v08.xml")
    assert s.format == "camt.054"
    assert s.opening_balance is None and s.closing_balance is None
    check_balance(s)  # nothing to reconcile: passes
    assert [e.bank_reference for e in s.entries] == ["NWB2026112000001"]
    assert s.entries[0].creditor_reference == "RF79INV20261001"


def _broken(name: str, old: str, new: str, count: int = 1) -> bytes:
    data = _bytes(name).decode()
    assert old in data
    return data.replace(old, new, count).encode()


def test_three_decimals_for_eur_names_the_xpath() -> None:
    data = _broken("camt053_v08_northwind.xml", '<Amt Ccy="EUR">2500.50</Amt>',
                   '<Amt Ccy="EUR">2500.505</Amt>')
    with pytest.raises(StatementParseError) as err:
        parse_statement(data, source="day.xml")
    assert err.value.file == "day.xml"
    assert err.value.location == "/Document/BkToCstmrStmt/Stmt/Ntry[3]/Amt"
    assert "3 decimals" in str(err.value) and "EUR allows 2" in str(err.value)


def test_non_numeric_amount_names_the_xpath() -> None:
    data = _broken("camt053_v08_northwind.xml", '<Amt Ccy="EUR">615.40</Amt>',
                   '<Amt Ccy="EUR">6l5.40</Amt>')
    with pytest.raises(StatementParseError, match="not a number") as err:
        parse_statement(data, source="day.xml")
    assert err.value.location == "/Document/BkToCstmrStmt/Stmt/Ntry[4]/Amt"


def test_batched_amount_in_wrong_decimals_names_transaction() -> None:
    data = _broken("camt053_v02_batched.xml", '<Amt Ccy="EUR">2380.00</Amt>',
                   '<Amt Ccy="EUR">2380.001</Amt>')
    with pytest.raises(StatementParseError) as err:
        parse_statement(data, source="b.xml")
    assert err.value.location == (
        "/Document/BkToCstmrStmt/Stmt/Ntry[1]/NtryDtls/TxDtls[2]/AmtDtls/TxAmt/Amt")


def test_batch_that_does_not_add_up_is_refused() -> None:
    data = _broken("camt053_v02_batched.xml", '<Amt Ccy="EUR">3333.33</Amt>',
                   '<Amt Ccy="EUR">3333.30</Amt>')
    with pytest.raises(StatementParseError, match="add up") as err:
        parse_statement(data, source="b.xml")
    assert err.value.location == "/Document/BkToCstmrStmt/Stmt/Ntry[1]/Amt"


def test_truncated_document_names_the_line() -> None:
    data = _bytes("camt053_v08_northwind.xml")[:3000]
    with pytest.raises(StatementParseError, match="not well-formed") as err:
        parse_statement(data, source="cut.xml")
    assert err.value.file == "cut.xml" and (err.value.location or "").startswith("line ")


def test_latin1_bytes_in_a_utf8_document() -> None:
    data = _broken("camt053_v08_northwind.xml", "Zephyr Trading LLC",
                   "Zephyr Trading GmbH Köln").replace("Köln".encode(), "Köln".encode("latin-1"))
    with pytest.raises(StatementParseError) as err:
        parse_statement(data, source="enc.xml")
    line = data[: data.index("K\xf6ln".encode("latin-1"))].count(b"\n") + 1
    assert err.value.location == f"line {line}"


def test_utf16_bytes_declared_utf8_are_refused() -> None:
    data = _bytes("camt053_v04.xml").decode().encode("utf-16-le")
    with pytest.raises(StatementParseError, match="line"):
        parse_statement(data, source="u16.xml")


def test_utf16_document_declared_utf16_is_read() -> None:
    text = _bytes("camt053_v04.xml").decode().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    s = parse_statement(text.encode("utf-16"), source="u16.xml")
    assert len(s.entries) == 3


def test_utf16_with_a_byte_order_mark_and_no_declaration_is_read() -> None:
    """XML lets the byte-order mark alone say UTF-16; without the mark (and without a
    declaration) it is still refused, and an XXE in such a file is refused as ever."""
    text = _bytes("camt053_v04.xml").decode()
    bare = text[text.index("?>") + 2:].lstrip()
    s = parse_statement(bare.encode("utf-16"), source="u16.xml")  # BOM, no declaration
    assert len(s.entries) == 3
    with pytest.raises(StatementParseError, match="declares encoding none"):
        parse_statement(bare.encode("utf-16-le"), source="u16.xml")
    evil = '<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + bare
    with pytest.raises(StatementParseError, match="declarations are not allowed"):
        parse_statement(evil.encode("utf-16"), source="u16.xml")


def test_missing_closing_balance_is_refused() -> None:
    data = _broken("camt053_v08_northwind.xml", "<Cd>CLBD</Cd>", "<Cd>ITBD</Cd>")
    with pytest.raises(StatementParseError, match="closing") as err:
        parse_statement(data, source="x.xml")
    assert err.value.location == "/Document/BkToCstmrStmt/Stmt/Bal"


def test_missing_booking_date_names_the_entry() -> None:
    data = _broken("camt053_v08_northwind.xml", "<BookgDt><Dt>2026-11-20</Dt></BookgDt>", "")
    with pytest.raises(StatementParseError, match="booking date") as err:
        parse_statement(data, source="x.xml")
    assert err.value.location == "/Document/BkToCstmrStmt/Stmt/Ntry[1]/BookgDt"


def test_invalid_direction_code() -> None:
    data = _broken("camt053_v04.xml", "<CdtDbtInd>DBIT</CdtDbtInd>\n        <RvslInd>",
                   "<CdtDbtInd>DEBIT</CdtDbtInd>\n        <RvslInd>")
    with pytest.raises(StatementParseError, match="CRDT or DBIT") as err:
        parse_statement(data, source="x.xml")
    assert err.value.location == "/Document/BkToCstmrStmt/Stmt/Ntry[2]/CdtDbtInd"


def test_other_iso20022_messages_are_unknown() -> None:
    data = _broken("camt053_v04.xml", "camt.053.001.04", "camt.055.001.04")
    with pytest.raises(UnknownFormatError, match=r"camt\.055"):
        parse_statement(data, source="x.xml")
    data = _broken("camt053_v04.xml", "camt.053.001.04", "camt.053.001.01")
    with pytest.raises(UnknownFormatError, match="version 01"):
        parse_statement(data, source="x.xml")


def test_two_statements_in_one_file_are_refused_where_one_is_expected() -> None:
    text = _bytes("camt053_v04.xml").decode()
    stmt = text[text.index("    <Stmt>"): text.index("</Stmt>") + len("</Stmt>")]
    data = text.replace(stmt, stmt + "\n" + stmt).encode()
    with pytest.raises(StatementParseError, match="holds 2 statements"):
        parse_statement(data, source="x.xml")
    with pytest.raises(StatementParseError, match="exactly one Stmt, found 2") as err:
        parse_camt(data, source="x.xml")
    assert err.value.location == "/Document/BkToCstmrStmt/Stmt"
    assert len(parse_camt_statements(data, source="x.xml")) == 2
