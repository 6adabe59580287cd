"""An MT940 field tag that does not exist is refused with its line, not silently skipped."""

from __future__ import annotations

from pathlib import Path

import pytest

from bots.cashapp.statements import parse_statement
from bots.runtime.errors import StatementParseError

SEPA = (Path(__file__).resolve().parents[1] / "fixtures" / "statements" / "mt940_sepa.sta")


def test_unknown_tag_names_the_line() -> None:
    data = SEPA.read_bytes()
    line = data[: data.index(b":61:")].count(b"\n") + 1
    with pytest.raises(StatementParseError) as err:
        parse_statement(data.replace(b":61:", b":6X:", 1), source="broken.sta")
    assert err.value.file == "broken.sta"
    assert err.value.location == f"line {line}"
    assert ":6X:" in str(err.value)
