"""Statements in a ZIP archive (an EBICS C53 download, a portal's month of camt files):
every member read, or the archive refused naming the member; limits hold against archives
that lie about their size."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bots.cashapp.cli import statements_app
from bots.cashapp.statements import parse_file_statements, parse_statements
from bots.cashapp.statements.archive import MAX_MEMBERS
from bots.runtime.errors import StatementParseError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "statements"
CAMT = (FIXTURES / "camt053_v08_northwind.xml").read_bytes()
MT940 = (FIXTURES / "mt940_multi.sta").read_bytes()


def _zip(*members: tuple[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as archive:
        for name, content in members:
            archive.writestr(name, content)
    return out.getvalue()


def test_every_member_is_read_in_archive_order(tmp_path: Path) -> None:
    expected = parse_statements(CAMT) + parse_statements(MT940)
    path = tmp_path / "C53_20261120.zip"
    path.write_bytes(_zip(("b_camt.xml", CAMT), ("__MACOSX/._b_camt.xml", b"\x00\x05"),
                          ("folder/", b""), ("a_day.sta", MT940)))
    found = parse_file_statements(path)
    assert [(s.statement_id, len(s.entries), s.closing_balance) for s in found] == [
        (s.statement_id, len(s.entries), s.closing_balance) for s in expected]
    assert found[0].source == f"{path}!b_camt.xml"
    assert [e.bank_reference for e in found[0].entries] == [
        e.bank_reference for e in expected[0].entries]
    shown = CliRunner().invoke(statements_app, ["parse", str(path), "--json"])
    assert shown.exit_code == 0, shown.output
    assert shown.output.count('"statement_id"') == len(expected)


def test_one_bad_member_refuses_the_archive_naming_it() -> None:
    data = _zip(("good.xml", CAMT), ("bad.xml", CAMT.replace(b"</Document>", b"")))
    with pytest.raises(StatementParseError) as caught:
        parse_statements(data, source="day.zip")
    assert caught.value.file == "day.zip!bad.xml"


@pytest.mark.parametrize(("data", "words"), [
    (_zip(), "holds no file"),
    (_zip(("inner.zip", _zip(("a.xml", CAMT)))), "inside the ZIP archive"),
    (b"PK\x03\x04 not really", "not a readable ZIP archive"),
    (_zip(("empty.xml", b"")), "file is empty"),
])
def test_archives_that_hold_no_statement_are_refused(data: bytes, words: str) -> None:
    with pytest.raises(StatementParseError, match=words):
        parse_statements(data, source="x.zip")


def test_an_archive_that_inflates_past_the_limit_is_refused(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A few KiB that inflate to megabytes: refused by what is read, also when the
    member's header claims it is small."""
    monkeypatch.setenv("FINBOTS_STATEMENT_MAX_BYTES", "1MiB")
    bomb = _zip(("big.xml", b"<" + b" " * (4 * 1024 * 1024)))
    assert len(bomb) < 20_000
    with pytest.raises(StatementParseError, match="larger than the limit"):
        parse_statements(bomb, source="bomb.zip")
    lying = bytearray(bomb)  # the central directory's uncompressed size says 10 bytes
    at = lying.rindex(b"PK\x01\x02")
    lying[at + 24:at + 28] = (10).to_bytes(4, "little")
    with pytest.raises(StatementParseError):
        parse_statements(bytes(lying), source="lying.zip")
    together = _zip(*[(f"m{n}.xml", CAMT + b" " * 400_000) for n in range(4)])
    with pytest.raises(StatementParseError, match="together are larger"):
        parse_statements(together, source="many.zip")


def test_too_many_members_are_refused() -> None:
    data = _zip(*[(f"{n}.xml", b"<x/>") for n in range(MAX_MEMBERS + 1)],
                method=zipfile.ZIP_STORED)
    with pytest.raises(StatementParseError, match=f"more than {MAX_MEMBERS}"):
        parse_statements(data, source="many.zip")
