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


def _interim(totals: str) -> bytes:
    return ("\r\n".join([
        ":20:MT942-EXP", ":25:CH9300762011623852957", ":28C:12/3", ":34F:CHFD500,",
        ":34F:CHFC1000,", ":13D:2611241030+0100",
        ":61:261124EC5000,00NTRFNONREF//EXP1", ":86:EXPECTED INCOMING PAYMENT",
        ":61:261124ED700,00NTRFNONREF//EXP2", ":86:EXPECTED OUTGOING PAYMENT",
        ":61:2611241124C1200,00NTRFNONREF//BK3", ":86:BOOKED CREDIT", *totals.split(), "-",
    ]) + "\r\n").encode()


@pytest.mark.parametrize("totals", [
    ":90D:1CHF700,00 :90C:2CHF6200,00",  # the expected lines counted in the totals
    ":90D:0CHF0,00 :90C:1CHF1200,00",     # or only what is booked
])
def test_an_interim_report_leaves_expected_lines_out_of_its_entries(totals: str) -> None:
    """MT942 marks EC and ED announce a credit or debit not booked yet."""
    report = parse_statement(_interim(totals), source="i.sta")
    assert [(e.bank_reference, e.direction.value, str(e.amount)) for e in report.entries] == [
        ("BK3", "CRDT", "1200.00")]


def test_interim_totals_that_fit_neither_way_are_refused() -> None:
    with pytest.raises(StatementParseError, match=r":90C: gives 2 entries for 9999\.00"):
        parse_statement(_interim(":90D:1CHF700,00 :90C:2CHF9999,00"), source="i.sta")
