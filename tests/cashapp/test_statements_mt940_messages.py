"""MT940 files of several messages (bare or SWIFT-enveloped) and MT942 interim reports:
every message read, or the file refused naming the line."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from bots.cashapp.model import Direction
from bots.cashapp.statements import (
    check_balance,
    parse_file,
    parse_file_statements,
    parse_statements,
)
from bots.runtime.errors import StatementParseError

FIXTURES = Path(__file__).parents[1] / "fixtures" / "statements"


def _text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def _refused(text: str, source: str = "x.sta") -> StatementParseError:
    with pytest.raises(StatementParseError) as err:
        parse_statements(text.encode(), source=source)
    assert err.value.file == source
    return err.value


def test_bare_messages_with_and_without_separators_and_a_bank_preamble() -> None:
    found = parse_file_statements(FIXTURES / "mt940_multi.sta")
    assert [(s.statement_id, s.sequence, s.currency) for s in found] == [
        ("ABN-20261123", "00225/001", "EUR"), ("ABN-20261124", "00226/001", "EUR"),
        ("ABN-USD-20261124", "00011/001", "USD")]
    for s in found:
        check_balance(s)
    first, second, usd = found
    assert first.closing_balance == second.opening_balance == Decimal("6900.00")
    assert [e.bank_reference for e in first.entries] == ["ABN-20261123-0001",
                                                         "ABN-20261123-0002"]
    assert first.entries[0].counterparty_name == "Helios Energy SE"
    assert usd.account_iban == "NL02ABNA0123456789"
    assert (usd.entries[0].amount, usd.entries[0].direction) == (Decimal("99.95"),
                                                                 Direction.DEBIT)
    assert [e.entry_id for e in second.entries] == ["1-1"]  # numbered per statement


def test_two_enveloped_messages_are_both_read() -> None:
    first, second = parse_file_statements(FIXTURES / "mt940_enveloped_two.sta")
    assert (first.statement_id, second.statement_id) == ("NWB-20261120", "NWB-20261121")
    assert [len(first.entries), len(second.entries)] == [1, 2]
    check_balance(first)
    check_balance(second)
    assert second.entries[0].counterparty_name == "Borealis Foods Ltd"
    assert second.entries[1].remittance_text == "Account fees"


def test_a_file_of_two_messages_is_refused_where_one_statement_is_expected() -> None:
    with pytest.raises(StatementParseError, match="2 statements") as err:
        parse_file(FIXTURES / "mt940_enveloped_two.sta")
    assert err.value.location == "statement NWB-20261121"


def test_second_envelope_without_its_end_is_refused() -> None:
    text = _text("mt940_enveloped_two.sta")
    cut = text[: text.rindex("-}")]
    err = _refused(cut)
    assert "no end" in err.reason and err.location == f"line {cut.count(chr(10))}"


def test_text_between_envelopes_is_refused() -> None:
    text = _text("mt940_enveloped_two.sta").replace(
        "-}{5:{CHK:1A2B3C4D5E6F}}\n", "-}{5:{CHK:1A2B3C4D5E6F}}\n:20:STRAY\n")
    err = _refused(text)
    assert "outside a SWIFT message" in err.reason
    assert err.location == f"line {_line_of(text, ':20:STRAY')}"


def test_message_cut_before_its_closing_balance_is_refused_with_the_others() -> None:
    text = _text("mt940_multi.sta")
    cut = text.replace(":62F:C261124EUR7350,00\n", "")
    err = _refused(cut)
    assert ":62F:" in err.reason and "truncated" in err.reason
    assert err.location == f"line {_line_of(cut, ':20:ABN-USD') - 1}"


def test_later_message_with_a_broken_line_refuses_the_whole_file() -> None:
    text = _text("mt940_multi.sta").replace("D99,95NTRF", "D99.95NTRF")
    err = _refused(text)
    assert ":61:" in err.reason and err.location == f"line {_line_of(text, 'D99.95')}"


def test_mt942_interim_report() -> None:
    (s,) = parse_file_statements(FIXTURES / "mt942_interim.sta")
    assert (s.format, s.statement_id, s.sequence) == ("mt942", "NWB942-1121-1000", "319/1")
    assert s.opening_balance is None and s.closing_balance is None
    assert s.created_at == dt.datetime(2026, 11, 21, 9, 0, tzinfo=dt.UTC)  # 10:00 +0100
    assert s.from_date == s.to_date == dt.date(2026, 11, 21)
    acme, borealis, fee = s.entries
    assert acme.creditor_reference == "RF79INV20261001"
    assert acme.counterparty_iban == "DE89370400440532013000"
    assert borealis.remittance_text == "INV-2026-1105"
    assert (fee.direction, fee.amount) == (Direction.DEBIT, Decimal("7.50"))


def test_mt942_sums_must_agree_with_its_lines() -> None:
    text = _text("mt942_interim.sta").replace(":90C:2EUR1570,00", ":90C:2EUR1571,00")
    err = _refused(text)
    assert ":90C:" in err.reason and err.location == f"line {_line_of(text, ':90C:')}"
    fewer = _text("mt942_interim.sta").replace(":90D:1EUR7,50", ":90D:0EUR0,")
    assert ":90D:" in _refused(fewer).reason


def test_mt942_enveloped_after_an_mt940() -> None:
    statement = _text("mt940_free.sta")
    interim = _text("mt942_interim.sta")
    text = (f"{{1:F01NWBKDEFFAXXX0000000000}}{{2:O940NWBKDEFFXXXXN}}{{4:\n{statement}-}}\n"
            f"{{1:F01NWBKDEFFAXXX0000000000}}{{2:O942NWBKDEFFXXXXN}}{{4:\n{interim}-}}\n")
    kinds = [s.format for s in parse_statements(text.encode(), source="day.fin")]
    assert kinds == ["mt940", "mt942"]


def test_mt942_fields_in_an_mt940_are_refused() -> None:
    text = _text("mt942_interim.sta").replace(":13D:2611211000+0100",
                                              ":13D:2611211000+0100\n:62F:C261121EUR0,")
    err = _refused(text)
    assert ":62F:" in err.reason


def test_mt942_bad_time_names_the_line() -> None:
    text = _text("mt942_interim.sta").replace("2611211000+0100", "2611212500+0100")
    err = _refused(text)
    assert ":13D:" in err.reason and err.location == f"line {_line_of(text, ':13D:')}"


def test_envelopes_with_user_header_trailers_and_dollar_separators() -> None:
    body = _text("mt940_free.sta").replace("\n", "\r\n")
    one = ("{1:F01ABNANL2AXXXX0000000000}{2:O9401200261120ABNANL2AXXXX0000000000N}"
           "{3:{108:X}{121:180f1e65-90e0-44d5-a49a-92b55eb3025f}}{4:\r\n"
           f"{body}-}}{{5:{{MAC:ABCD}}{{CHK:1234}}}}{{S:{{SAC:}}{{COP:P}}}}$")
    found = parse_statements((one + one + "\r\n").encode(), source="day.fin")
    assert [len(s.entries) for s in found] == [3, 3]
