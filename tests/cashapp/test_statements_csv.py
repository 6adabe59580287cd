"""Bank CSV exports: mappings detected by header, sign conventions, one statement per
account, errors with lines (runaway lines, NUL bytes, digits of other scripts, cut files)."""

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
    parse_file_statements,
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


def test_several_accounts_are_one_statement_each() -> None:
    path = FIXTURES / "csv_de_bank_two_accounts.csv"
    main, other = parse_file_statements(path)
    assert (main.account_iban, other.account_iban) == ("DE12500105170648489890",
                                                       "DE02120300000000202051")
    assert main.statement_id == other.statement_id  # one file; the account tells them apart
    assert [(e.entry_id, e.amount, e.direction) for e in main.entries] == [
        ("1-1", Decimal("2380.00"), Direction.CREDIT), ("2-1", Decimal("9.90"), Direction.DEBIT)]
    assert other.entries[0].counterparty_name == "Elbe Pharma AG"
    assert (main.from_date, main.to_date) == (dt.date(2026, 11, 23), dt.date(2026, 11, 24))
    assert main.encoding == "cp1252"
    with pytest.raises(StatementParseError, match="2 statements"):
        parse_file(path)
    with pytest.raises(StatementParseError, match="rows for 2 accounts"):
        parse_csv(path.read_bytes(), source="two.csv")


def test_one_line_of_200_kib_is_refused_naming_file_and_line() -> None:
    line = b"booking_date," + b"x" * 200_000
    with pytest.raises(UnknownFormatError) as err:
        parse_statement(line, source="one.csv")
    assert (err.value.file, err.value.location) == ("one.csv", "line 1")
    with pytest.raises(StatementParseError, match="KiB") as err2:
        parse_csv(line, source="one.csv", mapping=MAPPINGS[0])
    assert err2.value.location == "line 1"
    data = _sandbox("Order 55812", "Order 55812 " + "y" * 200_000)
    with pytest.raises(StatementParseError, match="KiB") as err3:
        parse_statement(data, source="long.csv")
    assert err3.value.location == "line 5"


def test_quoted_field_over_the_csv_field_limit_names_the_line() -> None:
    cell = '"' + "\n".join(["z" * 60_000] * 3) + '"'
    data = _sandbox("Order 55812", cell)
    with pytest.raises(StatementParseError, match="field limit") as err:
        parse_statement(data, source="big.csv")
    assert (err.value.location or "").startswith("line ")


def test_nul_byte_names_the_line() -> None:
    with pytest.raises(StatementParseError, match="NUL") as err:
        parse_statement(_sandbox("Order 55812", "Order\x0055812"), source="n.csv")
    assert err.value.location == "line 5"


@pytest.mark.parametrize("amount", ["١٢٣٫٤٥", "١٢٣.٤٥", "１２３", "１２３.４５"])
def test_digits_of_other_scripts_are_refused(amount: str) -> None:
    with pytest.raises(StatementParseError, match="ASCII digits") as err:
        parse_statement(_sandbox(",615.40,", f",{amount},"), source="d.csv")
    assert err.value.location == "line 5"


def test_date_in_digits_of_other_scripts_is_refused() -> None:
    data = _bytes("csv_de_bank.csv").decode("cp1252").replace(
        ";20.11.2026;21.11.2026;", ";٢٠.١١.٢٠٢٦;21.11.2026;")
    with pytest.raises(StatementParseError, match="not a date") as err:
        parse_csv(data.encode("utf-8"), source="d.csv",
                  mapping=dataclasses.replace(MAPPINGS[1], encoding="utf-8"))
    assert err.value.location == "line 3"


def test_file_cut_inside_a_quoted_last_field_is_refused() -> None:
    data = _bytes("csv_us_bank.csv").rstrip(b"\n") + b'\n11/21/2026,USB-000104,,Acme,"Wire'
    with pytest.raises(StatementParseError, match="inside a quoted field") as err:
        parse_statement(data, source="cut.csv")
    assert err.value.location == "line 5"


def test_last_line_cut_without_final_newline_is_refused() -> None:
    data = _bytes("csv_sandbox_bank.csv").rstrip(b"\n")
    cut = data[: data.rindex(b",,Account maintenance")]
    with pytest.raises(StatementParseError, match="without a newline") as err:
        parse_statement(cut, source="cut.csv")
    assert err.value.location == "line 6"


def test_complete_last_line_without_final_newline_is_read() -> None:
    data = _bytes("csv_sandbox_bank.csv").rstrip(b"\n")
    assert len(parse_statement(data, source="ok.csv").entries) == 5


def test_file_over_the_size_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINBOTS_STATEMENT_MAX_BYTES", "200")
    with pytest.raises(StatementParseError, match="larger than the limit") as err:
        parse_statement(_bytes("csv_us_bank.csv"), source="big.csv")
    assert err.value.file == "big.csv"
