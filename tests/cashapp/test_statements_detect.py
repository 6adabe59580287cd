"""Format detection and the public surface of the statements package."""

from __future__ import annotations

from pathlib import Path

import pytest

import bots.cashapp.statements as statements
from bots.cashapp.statements import detect_format, parse_file, parse_statement
from bots.runtime.errors import StatementParseError, UnknownFormatError

FIXTURES = Path(__file__).parents[1] / "fixtures" / "statements"


@pytest.mark.parametrize(("name", "kind"), [
    ("camt053_v02_batched.xml", "xml"), ("camt054_v08.xml", "xml"),
    ("mt940_sepa.sta", "mt940"), ("mt940_swift.sta", "mt940"), ("mt940_free.sta", "mt940"),
    ("bai2_northwind.bai", "bai2"), ("csv_de_bank.csv", "csv"), ("csv_us_bank.csv", "csv"),
    ("mt942_interim.sta", "mt940"), ("mt940_multi.sta", "mt940"),
    ("mt940_enveloped_two.sta", "mt940"), ("bai2_multi.bai", "bai2"),
    ("csv_de_bank_two_accounts.csv", "csv"),
])
def test_detect_format(name: str, kind: str) -> None:
    assert detect_format((FIXTURES / name).read_bytes()) == kind


@pytest.mark.parametrize("data", [
    b"%PDF-1.4 not a statement", b"hello world\n", b"\x00\x01\x02",
])
def test_unknown_content(data: bytes) -> None:
    with pytest.raises(UnknownFormatError) as err:
        parse_statement(data, source="mystery.dat")
    assert err.value.file == "mystery.dat" and err.value.location == "line 1"


def test_empty_file() -> None:
    with pytest.raises(StatementParseError, match="empty"):
        parse_statement(b"  \n", source="empty.xml")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(StatementParseError, match="cannot read") as err:
        parse_file(tmp_path / "nope.xml")
    assert err.value.file == str(tmp_path / "nope.xml")


def test_public_names_exist() -> None:
    for name in statements.__all__:
        assert hasattr(statements, name), name


def test_error_message_names_file_and_place() -> None:
    with pytest.raises(StatementParseError) as err:
        parse_statement(b"01,x\n", source="day.bai")
    assert str(err.value).startswith("day.bai, line ")
