"""MT940 as banks really write it (wrapped fields, 8-bit text, spaces in type codes), and
input that must be refused with its file and line: NUL bytes, runaway fields and lines,
files over the size limit, digits that are not ASCII. Nothing the parser library says
reaches stderr."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from bots.cashapp.statements import check_balance, parse_file, parse_statement
from bots.cashapp.statements.limits import ENV_VAR
from bots.runtime.errors import StatementParseError

FIXTURES = Path(__file__).parents[1] / "fixtures" / "statements"
DIALECTS = FIXTURES / "mt940_dialects_cp1252.sta"


def _free() -> str:
    return (FIXTURES / "mt940_free.sta").read_text(encoding="utf-8")


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def _refused(data: bytes, source: str = "x.sta") -> StatementParseError:
    with pytest.raises(StatementParseError) as err:
        parse_statement(data, source=source)
    assert err.value.file == source
    return err.value


def test_wrapped_fields_spaced_type_codes_and_windows_1252_text() -> None:
    s = parse_file(DIALECTS)
    check_balance(s)
    assert s.encoding == "cp1252"
    assert s.sequence == "00412/001"  # :28C: wrapped after the slash
    mueller, baeckerei, fee = s.entries
    # a customer reference of 22 characters, wrapped onto the line of the bank reference
    assert mueller.end_to_end_id == "INV-2026-1040-BATCH-77"
    assert mueller.bank_reference == "SPK2026112500001"
    # :86: text whose next line starts with ":" but is no field
    assert mueller.remittance_text == (
        "Zahlung Müller & Söhne GmbH INV-2026-1040 über 1.500,00 € "
        ":Teil 1 von 2: Restbetrag folgt")
    # type code "N   ", bank reference alone on the next line
    assert (baeckerei.amount, baeckerei.bank_reference) == (Decimal("250.00"),
                                                            "SPK2026112500002")
    assert baeckerei.end_to_end_id is None
    # ":25:" inside a transaction's :86: is text: :25: cannot follow a statement line
    assert baeckerei.remittance_text == "Bäckerei Größl KG :25: Kundennummer 4711"
    assert fee.remittance_text == "Kontoführungsgebühr" and fee.bank_reference.endswith("03")
    assert fee.booking_date == dt.date(2026, 11, 25)


def test_utf8_and_windows_1252_lines_in_one_file() -> None:
    utf8 = _free().replace("Helios Energy SE\n", "Helios Énergie SE\n").encode()
    mixed = utf8.replace(b"Return of unapplied", "Rückgabe unapplied".encode("cp1252"))
    s = parse_statement(mixed, source="mixed.sta")
    assert s.encoding == "utf-8+cp1252"
    assert s.entries[1].remittance_text.startswith("Helios Énergie SE")
    assert s.entries[2].remittance_text.startswith("Rückgabe unapplied")


def test_byte_neither_utf8_nor_windows_1252_names_the_line() -> None:
    text = _free()
    data = text.encode().replace(b"Helios Energy SE\n", b"Helios \x81 SE\n")
    err = _refused(data)
    assert "0x81" in err.reason and err.location == f"line {_line_of(text, 'Helios Energy')}"


def test_known_tag_out_of_place_is_refused() -> None:
    # after a transaction's :86: such a line is narrative (see above); after a balance,
    # which has no free text, it is refused
    bad = _free().replace(":60F:D261119EUR150,00\n", ":60F:D261119EUR150,00\n:25:X\n")
    err = _refused(bad.encode())
    assert "cannot stand after :60:" in err.reason
    assert err.location == f"line {_line_of(bad, ':25:X')}"


def test_nul_byte_names_the_line() -> None:
    text = _free()
    data = text.replace("Helios Energy SE", "Helios\x00Energy SE").encode()
    err = _refused(data, "nul.sta")
    assert "NUL" in err.reason and err.location == f"line {_line_of(text, 'Helios Energy')}"


def test_runaway_86_field_is_refused_before_it_is_kept() -> None:
    text = _free()
    many = "\n".join(["x" * 64] * 1100)  # 70 KiB of narrative in 65-character lines
    data = text.replace("Helios Energy SE\n", f"Helios Energy SE\n{many}\n").encode()
    err = _refused(data)
    assert ":86:" in err.reason and "64 KiB" in err.reason
    assert err.location == f"line {_line_of(text, 'Helios Energy SE')}"


def test_runaway_line_is_refused_naming_it() -> None:
    text = _free()
    data = text.replace("Helios Energy SE\n", "Helios " + "y" * 200_000 + "\n").encode()
    err = _refused(data)
    assert "195 KiB" in err.reason and err.location == f"line {_line_of(text, 'Helios')}"


def test_file_over_the_size_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, "300")
    err = _refused(_free().encode(), "big.sta")
    assert "larger than the limit" in err.reason


@pytest.mark.parametrize("digits", ["１０００,００", "١٠٠٠,٠٠"])
def test_digits_of_other_scripts_are_refused(digits: str) -> None:
    text = _free().replace(":61:261120C1000,00NTRF", f":61:261120C{digits}NTRF")
    err = _refused(text.encode())
    assert ":61:" in err.reason and err.location == f"line {_line_of(text, digits)}"


def test_refused_file_leaves_stderr_empty(capfd: pytest.CaptureFixture[str]) -> None:
    text = _free().replace(":61:261120C5000,00NTRF", ":61:261120C5OOO,00NTRF")
    _refused(text.encode())
    sepa = (FIXTURES / "mt940_sepa.sta").read_bytes()
    _refused(sepa.replace(b"?20EREF+ACME", b"?20EREF+AC\x00ME"))
    parse_file(FIXTURES / "mt940_sepa.sta")
    captured = capfd.readouterr()
    assert captured.err == "" and captured.out == ""


def test_file_over_the_size_limit_is_refused_before_it_is_read(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "big.sta"
    path.write_text(_free(), encoding="utf-8")
    monkeypatch.setenv(ENV_VAR, "300")
    with pytest.raises(StatementParseError, match="larger than the limit") as err:
        parse_file(path)
    assert err.value.file == str(path)
