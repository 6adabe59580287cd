"""MT940: SEPA-structured and free field 86, SWIFT envelope, errors with line numbers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from bots.cashapp.model import Direction
from bots.cashapp.statements import check_balance, parse_file, parse_statement, parse_statements
from bots.runtime.errors import StatementParseError

FIXTURES = Path(__file__).parents[1] / "fixtures" / "statements"


def _text(name: str) -> str:
    return (FIXTURES / name).read_bytes().decode()


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_sepa_structured_field_86() -> None:
    s = parse_file(FIXTURES / "mt940_sepa.sta")
    check_balance(s)
    assert (s.format, s.statement_id, s.sequence) == ("mt940", "NWBSTMT20261120", "00318/001")
    assert s.account_iban == "50010517/0648489890"  # bank code / account, kept as written
    assert (s.opening_balance, s.closing_balance) == (Decimal("250000.00"), Decimal("256673.40"))
    assert s.from_date == s.to_date == dt.date(2026, 11, 20)
    acme, borealis, castellan, _, fee = s.entries
    assert acme.counterparty_name == "ACME INDUSTRIAL GMBH"
    assert acme.counterparty_iban == "DE89370400440532013000"
    assert acme.end_to_end_id == "ACME-E2E-88121"
    assert acme.creditor_reference == "RF79INV20261001" and acme.remittance_text == ""
    assert borealis.end_to_end_id is None  # EREF+NOTPROVIDED, :61: NONREF
    assert borealis.remittance_text == "Payment INV-2026-1002 thank you"
    assert castellan.remittance_text == "INV-2026-1003 INV-2026-1004 INV-2026-1005"
    assert fee.direction is Direction.DEBIT
    assert fee.remittance_text == "Account maintenance fee 11/2026"


def test_swift_envelope_and_keyword_narrative() -> None:
    s = parse_file(FIXTURES / "mt940_swift.sta")
    check_balance(s)
    assert s.account_iban == "DE12500105170648489890"  # BIC/IBAN
    assert s.sequence == "318/1"
    acme, _, castellan, zephyr, fee = s.entries
    assert acme.creditor_reference == "RF79INV20261001"
    assert acme.counterparty_iban == "DE89370400440532013000"  # wrapped over two lines
    assert castellan.remittance_text == "INV-2026-1003 INV-2026-1004 INV-2026-1005"
    assert zephyr.counterparty_name == "Zephyr Trading LLC"
    assert fee.counterparty_name == "Sandbox Bank AG" and fee.counterparty_iban is None


def test_free_field_86_with_rf_in_text() -> None:
    s = parse_file(FIXTURES / "mt940_free.sta")
    check_balance(s)
    assert s.opening_balance == Decimal("-150.00")
    first, second, third = s.entries
    assert first.creditor_reference == "RF73INV20261012"
    assert first.end_to_end_id == "HEL-4411"  # the :61: customer reference
    assert first.booking_date == first.value_date == dt.date(2026, 11, 20)
    assert second.remittance_text == "Helios Energy SE INV-2026-1017 part"
    assert second.end_to_end_id is None
    assert third.direction is Direction.DEBIT and third.entry_id == "3-1"


def test_broken_61_names_the_line() -> None:
    text = _text("mt940_swift.sta")
    bad = text.replace(":61:2611201120C615,40", ":61:2611201120C6l5,40")
    with pytest.raises(StatementParseError, match=":61:") as err:
        parse_statement(bad.encode(), source="broken.sta")
    assert err.value.file == "broken.sta"
    assert err.value.location == f"line {_line_of(bad, '6l5,40')}"


def test_broken_balance_names_the_line() -> None:
    text = _text("mt940_free.sta")
    bad = text.replace(":62F:C261120EUR5730,00", ":62F:X261120EUR5730,00")
    with pytest.raises(StatementParseError, match=":62F:") as err:
        parse_statement(bad.encode(), source="broken.sta")
    assert err.value.location == f"line {_line_of(bad, ':62F:')}"


def test_three_decimals_for_eur() -> None:
    text = _text("mt940_free.sta")
    bad = text.replace("C1000,00NTRF", "C1000,001NTRF")
    with pytest.raises(StatementParseError, match="3 decimals") as err:
        parse_statement(bad.encode(), source="d.sta")
    assert err.value.location == f"line {_line_of(bad, '1000,001')}"


def test_jpy_with_decimals_is_refused_on_the_balance_line() -> None:
    """Yen have no decimals: ``150,50`` is refused (``150,00`` is exactly 150 and read)."""
    text = _text("mt940_free.sta").replace("EUR", "JPY").replace("JPY150,00", "JPY150,50")
    with pytest.raises(StatementParseError, match="JPY allows 0") as err:
        parse_statement(text.encode(), source="jpy.sta")
    assert err.value.location == "line 4"


def test_truncated_file_without_closing_balance() -> None:
    text = _text("mt940_free.sta")
    cut = text[: text.index(":62F:")]
    with pytest.raises(StatementParseError, match=":62F:") as err:
        parse_statement(cut.encode(), source="cut.sta")
    assert err.value.location == f"line {cut.rstrip().count(chr(10)) + 1}"


def test_two_statements_in_one_file_are_read_and_parse_statement_refuses_them() -> None:
    text = _text("mt940_free.sta")
    both = parse_statements((text + text).encode(), source="two.sta")
    assert [len(s.entries) for s in both] == [3, 3]
    with pytest.raises(StatementParseError, match="2 statements") as err:
        parse_statement((text + text).encode(), source="two.sta")
    assert err.value.location == "statement STMT-FREE-1120"


def test_latin1_file_is_read_as_windows_1252_and_says_so() -> None:
    data = _text("mt940_free.sta").replace("Helios Energy SE\n", "Helios Energie Köln\n")
    s = parse_statement(data.encode("latin-1"), source="l1.sta")
    assert s.entries[1].remittance_text == "Helios Energie Köln INV-2026-1017 part"
    assert s.encoding == "cp1252"
    assert parse_statement(data.encode(), source="u8.sta").encoding == "utf-8"


def test_utf16_file_is_refused() -> None:
    data = _text("mt940_free.sta").encode("utf-16")
    with pytest.raises(StatementParseError, match="UTF-16") as err:
        parse_statement(data, source="u16.sta")
    assert err.value.location == "line 1"


def test_impossible_date_names_the_line() -> None:
    text = _text("mt940_free.sta")
    bad = text.replace(":61:261120C1000,00", ":61:261320C1000,00")
    with pytest.raises(StatementParseError, match="malformed field :61:") as err:
        parse_statement(bad.encode(), source="date.sta")
    assert err.value.location == f"line {_line_of(bad, '261320C')}"


def test_broken_statement_number_names_the_line() -> None:
    text = _text("mt940_sepa.sta")  # CRLF line ends
    bad = text.replace(":28C:00318/001", ":28C:ABC/001")
    with pytest.raises(StatementParseError, match=":28C:") as err:
        parse_statement(bad.encode(), source="seq.sta")
    assert err.value.location == "line 3"
