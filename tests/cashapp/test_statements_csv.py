"""Bank CSV exports: mappings detected by header, sign conventions, errors with lines."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from bots.cashapp.model import Direction
from bots.cashapp.statements import (
    MAPPINGS,
    CsvMapping,
    detect_mapping,
    parse_csv,
    parse_file,
    parse_statement,
)
from bots.runtime.errors import StatementParseError, UnknownFormatError

FIXTURES = Path(__file__).parents[1] / "fixtures" / "statements"


def _bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.mark.parametrize(("name", "mapping"), [
    ("csv_sandbox_bank.csv", "sandbox_bank"), ("csv_de_bank.csv", "de_bank"),
    ("csv_us_bank.csv", "us_bank"),
])
def test_mapping_detected_by_header(name: str, mapping: str) -> None:
    found = detect_mapping(_bytes(name))
    assert found is not None and found.name == mapping


def test_sandbox_bank_csv() -> None:
    s = parse_file(FIXTURES / "csv_sandbox_bank.csv")
    assert s.format == "csv" and s.statement_id.startswith("sandbox_bank-")
    assert s.opening_balance is None and s.closing_balance is None
    acme, *_, fee = s.entries
    assert acme.creditor_reference == "RF79INV20261001" and acme.end_to_end_id == "ACME-E2E-88121"
    assert fee.direction is Direction.DEBIT and fee.amount == Decimal("12.50")


def test_german_csv_semicolons_decimal_comma_signed_cp1252() -> None:
    s = parse_file(FIXTURES / "csv_de_bank.csv")
    assert s.account_iban == "DE12500105170648489890"
    mueller, baeckerei, fee, elbe = s.entries
    assert mueller.counterparty_name == "Müller & Söhne Maschinenbau GmbH"
    assert mueller.amount == Decimal("1190.00")  # "1.190,00"
    assert mueller.creditor_reference == "RF79INV20261001"
    assert baeckerei.value_date == dt.date(2026, 11, 21) and baeckerei.end_to_end_id is None
    assert fee.direction is Direction.DEBIT and fee.amount == Decimal("12.50")  # "-12,50"
    assert fee.remittance_text == "Kontoführungsgebühr 11/2026"
    assert elbe.remittance_text == "INV-2026-1016 2% Skonto Zahlung vom 19.11."  # quoted newline


def test_us_csv_split_debit_credit_columns() -> None:
    s = parse_file(FIXTURES / "csv_us_bank.csv")
    granite, _, fee = s.entries
    assert s.currency == "USD" and granite.amount == Decimal("1340.00")
    assert granite.booking_date == dt.date(2026, 11, 20)
    assert (fee.direction, fee.amount) == (Direction.DEBIT, Decimal("45.00"))


def test_custom_mapping_can_be_passed() -> None:
    mapping = dataclasses.replace(MAPPINGS[0], name="other", default_currency="CHF")
    s = parse_csv(_bytes("csv_sandbox_bank.csv"), source="x.csv", mapping=mapping)
    assert s.statement_id.startswith("other-")
    assert isinstance(mapping, CsvMapping)


def _sandbox(old: str, new: str) -> bytes:
    text = _bytes("csv_sandbox_bank.csv").decode()
    assert old in text
    return text.replace(old, new).encode()


def test_three_decimals_names_the_line() -> None:
    with pytest.raises(StatementParseError, match="3 decimals") as err:
        parse_statement(_sandbox(",2500.50,", ",2500.505,"), source="s.csv")
    assert (err.value.file, err.value.location) == ("s.csv", "line 4")


def test_non_numeric_amount_names_the_line() -> None:
    with pytest.raises(StatementParseError, match="not a number") as err:
        parse_statement(_sandbox(",615.40,", ",61S.40,"), source="s.csv")
    assert err.value.location == "line 5"


def test_signed_amount_refused_where_direction_is_a_column() -> None:
    with pytest.raises(StatementParseError, match="not a number"):
        parse_statement(_sandbox(",615.40,", ",-615.40,"), source="s.csv")


def test_bad_date_and_bad_direction() -> None:
    with pytest.raises(StatementParseError, match="not a date") as err:
        parse_statement(_sandbox("2026-11-20,2026-11-20,2380.00", "20.11.2026,2026-11-20,2380.00"),
                        source="s.csv")
    assert err.value.location == "line 3"
    with pytest.raises(StatementParseError, match="neither credit nor debit"):
        parse_statement(_sandbox(",EUR,DBIT,", ",EUR,OUT,"), source="s.csv")


def test_truncated_row_names_the_line() -> None:
    data = _bytes("csv_sandbox_bank.csv")
    cut = data[: data.rindex(b",Sandbox Bank AG")]
    with pytest.raises(StatementParseError, match="expected 11 columns") as err:
        parse_statement(cut, source="cut.csv")
    assert err.value.location == "line 6"


def test_unterminated_quote_names_the_line() -> None:
    data = _bytes("csv_de_bank.csv")
    cut = data[: data.index(b"Zahlung vom")]
    with pytest.raises(StatementParseError) as err:
        parse_statement(cut, source="cut.csv")
    assert (err.value.location or "").startswith("line ")


def test_latin1_bytes_in_a_utf8_csv_name_the_line() -> None:
    data = _sandbox("Zephyr Trading LLC", "Zephyr Trading Köln").decode().encode("latin-1")
    with pytest.raises(StatementParseError, match="not valid utf-8") as err:
        parse_statement(data, source="l1.csv")
    assert err.value.location == "line 5"


def test_both_debit_and_credit_filled_is_refused() -> None:
    data = _bytes("csv_us_bank.csv").replace(b"Wire fee,45.00,", b"Wire fee,45.00,1.00")
    with pytest.raises(StatementParseError, match="exactly one") as err:
        parse_statement(data, source="us.csv")
    assert err.value.location == "line 4"


def test_unknown_header_is_an_unknown_format() -> None:
    with pytest.raises(UnknownFormatError) as err:
        parse_statement(b"date;what;ever\n2026-11-20;1;2\n", source="odd.csv")
    assert err.value.file == "odd.csv"
