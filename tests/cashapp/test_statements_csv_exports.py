"""Bank CSV exports as banks really write them: balance and total lines around the payments,
account and period lines above the header, one account in two currencies, the cp1252
layout saved as UTF-8, zeros in the unused debit/credit column, two-digit years, dollar
signs and accounting parentheses. The fixtures are written here, line by line."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest

from bots.cashapp.model import Direction, Statement
from bots.cashapp.statements import (
    MAPPINGS,
    StatementKey,
    detect_mapping,
    parse_csv,
    parse_statement,
    parse_statements,
)
from bots.runtime.errors import StatementParseError, UnknownFormatError

DE_HEADER = ("Auftragskonto;Buchungstag;Valutadatum;Zahlungspflichtiger/Empfänger;IBAN;"
             "Verwendungszweck;Kundenreferenz (End-to-End);Bankreferenz;Betrag;Währung")
ACCOUNT = "DE89370400440532013000"
DE_ROWS = [
    f"{ACCOUNT};02.12.2026;02.12.2026;Müller GmbH;DE02120300000000202051;RE 2026-4001;"
    "E2E-4001;BR0001;2.380,00;EUR",
    f"{ACCOUNT};02.12.2026;02.12.2026;Stadtwerke Köln;;Strom 11/2026;;BR0002;-145,20;EUR",
    f"{ACCOUNT};03.12.2026;03.12.2026;Bäckerei Groß KG;;Lieferung 4711;;BR0003;-1.234,56;EUR",
]
US_HEADER = "Date,Bank Reference,Customer Reference,Name,Description,Debit,Credit"


def _de(*lines: str, encoding: str = "cp1252") -> bytes:
    return "".join(line + "\n" for line in lines).encode(encoding)


def _us(*lines: str) -> bytes:
    return "".join(line + "\n" for line in (US_HEADER, *lines)).encode()


def _totals(statement: Statement) -> tuple[int, Decimal, Decimal]:
    credits = sum((e.amount for e in statement.entries if e.direction is Direction.CREDIT),
                  Decimal(0))
    debits = sum((e.amount for e in statement.entries if e.direction is Direction.DEBIT),
                 Decimal(0))
    return len(statement.entries), credits, debits


DE_TOTALS = (3, Decimal("2380.00"), Decimal("1379.76"))


# 1. balance and total lines -------------------------------------------------------------

@pytest.mark.parametrize("lines", [
    pytest.param([";03.12.2026;;Neuer Kontostand;;;;;11.000,24;EUR"], id="neuer-kontostand"),
    pytest.param([";;;Summe;;;;;1.000,24;EUR"], id="summe"),
    pytest.param(["Total;;;;;;;;1.000,24;EUR"], id="total-in-account-column"),
    pytest.param(['"Kontostand vom 03.12.2026:";"11.000,24 EUR"'], id="short-trailer"),
    pytest.param([";03.12.2026;;Saldo per 03.12.2026;;;;;11.000,24;EUR",
                  ";;;Closing balance:;;;;;11.000,24;EUR"], id="two-trailers"),
])
def test_balance_line_after_the_payments_is_no_payment(lines: list[str]) -> None:
    statements = parse_statements(_de(DE_HEADER, *DE_ROWS, *lines), source="de.csv")
    assert len(statements) == 1
    (statement,) = statements
    assert statement.account_iban == ACCOUNT and _totals(statement) == DE_TOTALS


def test_balance_line_before_the_payments_is_no_payment() -> None:
    data = _de(DE_HEADER, ";01.12.2026;;Alter Kontostand;;;;;10.000,00;EUR", *DE_ROWS,
               ";03.12.2026;;Neuer Kontostand;;;;;11.000,24;EUR")
    statement = parse_csv(data, source="de.csv")
    assert _totals(statement) == DE_TOTALS
    assert statement.entries[0].bank_reference == "BR0001"


def test_balance_line_between_payments_is_refused_naming_the_line() -> None:
    data = _de(DE_HEADER, DE_ROWS[0], ";02.12.2026;;Kontostand;;;;;12.380,00;EUR",
               *DE_ROWS[1:])
    with pytest.raises(StatementParseError, match="between payment lines") as err:
        parse_statements(data, source="mid.csv")
    assert (err.value.file, err.value.location) == ("mid.csv", "line 3")


def test_payment_without_account_is_refused_naming_file_and_line() -> None:
    no_account = ";03.12.2026;03.12.2026;Sonnenschein AG;;RE 2026-4002;;BR0004;560,00;EUR"
    data = _de(DE_HEADER, *DE_ROWS, no_account)
    with pytest.raises(StatementParseError, match="no account in column") as err:
        parse_statements(data, source="acct.csv")
    assert (err.value.file, err.value.location) == ("acct.csv", "line 5")


def test_us_totals_line_with_debit_and_credit_filled_is_skipped() -> None:
    data = _us('12/03/2026,USB-000601,,Acme Corp,ACH CREDIT,,"1,000.00"',
               "12/03/2026,USB-000602,,Staples,CARD PURCHASE,84.37,",
               'Total,,,,,84.37,"1,000.00"')
    statement = parse_statement(data, source="us.csv")
    assert _totals(statement) == (2, Decimal("1000.00"), Decimal("84.37"))


def test_us_totals_label_in_the_description_of_an_undated_line_is_skipped() -> None:
    data = _us("12/03/2026,USB-000601,,Acme Corp,ACH CREDIT,,500.00",
               ",,,,Totals,,500.00")
    assert _totals(parse_statement(data, source="us.csv")) == (1, Decimal("500.00"),
                                                                 Decimal(0))


@pytest.mark.parametrize("line", [
    "12/04/2026,,,Total Wine & More,CARD PURCHASE,45.10,",  # a payee, not a label
    "12/04/2026,,,,Balance,45.10,",  # dated: a payment whose text is a word like a label
])
def test_payment_that_only_looks_like_a_label_stays_a_payment(line: str) -> None:
    data = _us("12/03/2026,USB-000601,,Acme Corp,ACH CREDIT,,500.00", line)
    statement = parse_statement(data, source="us.csv")
    assert _totals(statement) == (2, Decimal("500.00"), Decimal("45.10"))


def test_truncated_last_line_is_still_refused() -> None:
    data = _de(DE_HEADER, *DE_ROWS, f"{ACCOUNT};03.12.2026;03.12.2026;Sonnen")
    with pytest.raises(StatementParseError, match="expected 10 columns") as err:
        parse_statements(data, source="cut.csv")
    assert err.value.location == "line 5"


# 2. one account, several currencies -----------------------------------------------------

def test_one_account_in_two_currencies_is_one_statement_per_currency() -> None:
    data = _de(DE_HEADER,
               f"{ACCOUNT};09.12.2026;09.12.2026;Acme Inc;;Invoice 9001;;BR0301;1.000,00;USD",
               f"{ACCOUNT};09.12.2026;09.12.2026;Müller GmbH;;RE 9002;;BR0302;500,00;EUR",
               f"{ACCOUNT};10.12.2026;10.12.2026;Acme Inc;;Invoice 9003;;BR0303;-20,00;USD")
    usd, eur = parse_statements(data, source="mixed.csv")
    assert (usd.currency, eur.currency) == ("USD", "EUR")  # order of first row
    assert usd.account_iban == eur.account_iban == ACCOUNT
    assert _totals(usd) == (2, Decimal("1000.00"), Decimal("20.00"))
    assert _totals(eur) == (1, Decimal("500.00"), Decimal(0))
    assert {e.currency for e in usd.entries} == {"USD"}
    assert StatementKey.of(usd) != StatementKey.of(eur)  # neither is a duplicate of the other
    assert usd.statement_id.endswith("-USD") and eur.statement_id.endswith("-EUR")
    with pytest.raises(StatementParseError, match=r"2 currencies \(USD, EUR\)") as err:
        parse_csv(data, source="mixed.csv")
    assert (err.value.file, err.value.location) == ("mixed.csv", "column Währung")


def test_single_currency_account_keeps_its_statement_id() -> None:
    data = _de(DE_HEADER, *DE_ROWS)
    statement = parse_csv(data, source="de.csv")
    assert statement.statement_id.count("-") == 1  # de_bank-<digest>, no currency added


# 3. lines above the header --------------------------------------------------------------

PREAMBLE = ['"Kontonummer:";"DE89 3704 0044 0532 0130 00"', '"Zeitraum:";"01.12.2026 - 03.12.2026"',
            '"Kontostand vom 03.12.2026:";"11.000,24 EUR"', ""]


def test_header_after_account_and_period_lines() -> None:
    data = _de(*PREAMBLE, DE_HEADER, *DE_ROWS)
    found = detect_mapping(data)
    assert found is not None and found.name == "de_bank"
    statement = parse_statement(data, source="pre.csv")
    assert statement.account_iban == ACCOUNT and _totals(statement) == DE_TOTALS
    assert statement.entries[0].counterparty_name == "Müller GmbH"


def test_lines_above_the_header_keep_the_file_line_numbers() -> None:
    bad = DE_ROWS[1].replace("-145,20", "-14S,20")
    with pytest.raises(StatementParseError, match="not a number") as err:
        parse_statement(_de(*PREAMBLE, DE_HEADER, DE_ROWS[0], bad), source="pre.csv")
    assert err.value.location == "line 7"
    open_quote = DE_ROWS[1].replace("Strom 11/2026", '"Strom 11/2026')
    with pytest.raises(StatementParseError, match="quoted field") as err2:
        parse_statement(_de(*PREAMBLE, DE_HEADER, DE_ROWS[0], open_quote), source="pre.csv")
    assert err2.value.location == "line 7"


def test_header_beyond_the_search_window_is_unknown() -> None:
    data = _de(*(f'"Info {n}";"x"' for n in range(20)), DE_HEADER, *DE_ROWS)
    assert detect_mapping(data) is None
    with pytest.raises(UnknownFormatError):
        parse_statement(data, source="far.csv")
    with pytest.raises(StatementParseError, match="no header row") as err:
        parse_csv(data, source="far.csv", mapping=MAPPINGS[1])
    assert err.value.location == "line 1"


def test_header_on_line_twenty_is_found() -> None:
    data = _de(*(f'"Info {n}";"x"' for n in range(19)), DE_HEADER, *DE_ROWS)
    assert _totals(parse_statement(data, source="deep.csv")) == DE_TOTALS


# 4. the cp1252 layout saved as UTF-8 ----------------------------------------------------

@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"], ids=["no-bom", "bom"])
def test_cp1252_layout_saved_as_utf8(bom: bytes) -> None:
    data = bom + _de(DE_HEADER, *DE_ROWS, encoding="utf-8")
    found = detect_mapping(data)
    assert found is not None and found.name == "de_bank"
    statement = parse_statement(data, source="u8.csv")
    assert statement.encoding == "utf-8" and _totals(statement) == DE_TOTALS
    assert [e.counterparty_name for e in statement.entries] == [
        "Müller GmbH", "Stadtwerke Köln", "Bäckerei Groß KG"]


def test_cp1252_file_is_still_read_as_cp1252() -> None:
    statement = parse_statement(_de(DE_HEADER, *DE_ROWS), source="w.csv")
    assert statement.encoding == "cp1252"
    assert statement.entries[2].counterparty_name == "Bäckerei Groß KG"


def test_utf8_bom_with_cp1252_bytes_after_it_is_refused_naming_the_line() -> None:
    data = b"\xef\xbb\xbf" + _de(DE_HEADER, *DE_ROWS)  # header is cp1252 too: no header
    with pytest.raises((StatementParseError, UnknownFormatError)):
        parse_statement(data, source="bad.csv")
    good_header = b"\xef\xbb\xbf" + _de(DE_HEADER, encoding="utf-8") + _de(*DE_ROWS)
    with pytest.raises(StatementParseError, match="not valid utf-8") as err:
        parse_statement(good_header, source="bad.csv")
    assert err.value.location == "line 2"


# 5. zero in the unused debit or credit column -------------------------------------------

def test_zero_in_the_unused_column_counts_as_empty() -> None:
    data = _us('12/01/2026,USB-000201,PO-5512,Granite Tools Inc.,ACH CREDIT,0.00,"2,450.00"',
               "12/01/2026,USB-000202,,City Water Dept,ACH DEBIT UTILITY,312.18,0.00",
               "12/02/2026,USB-000203,,US Bank,Monthly service fee,25.00,0")
    statement = parse_statement(data, source="z.csv")
    assert _totals(statement) == (3, Decimal("2450.00"), Decimal("337.18"))
    assert statement.entries[0].direction is Direction.CREDIT


@pytest.mark.parametrize("cells", ["0.00,0.00", "5.00,1.00", ","])
def test_debit_and_credit_both_zero_or_both_filled_are_refused(cells: str) -> None:
    data = _us("12/01/2026,USB-000201,,Granite,ACH CREDIT,10.00,",
               f"12/01/2026,USB-000202,,City Water,ACH DEBIT,{cells}")
    with pytest.raises(StatementParseError, match="exactly one") as err:
        parse_statement(data, source="z.csv")
    assert err.value.location == "line 3"


# 6. two-digit years ---------------------------------------------------------------------

def test_two_digit_years_where_the_mapping_has_four() -> None:
    rows = [r.replace(".2026;", ".26;") for r in DE_ROWS]
    de = parse_statement(_de(DE_HEADER, *rows), source="yy.csv")
    assert [e.booking_date for e in de.entries] == [dt.date(2026, 12, 2), dt.date(2026, 12, 2),
                                                    dt.date(2026, 12, 3)]
    us = parse_statement(_us('12/01/26,USB-1,,Acme,ACH CREDIT,,"1,000.00"',
                             "12/31/69,USB-2,,Bank,Wire fee,30.00,"), source="yy.csv")
    assert [e.booking_date for e in us.entries] == [dt.date(2026, 12, 1), dt.date(1969, 12, 31)]


@pytest.mark.parametrize("date", ["2.12.202", "02.12.6", "02.12.2026x"])
def test_other_year_lengths_are_still_refused(date: str) -> None:
    data = _de(DE_HEADER, DE_ROWS[0].replace("02.12.2026;02.12", f"{date};02.12", 1))
    with pytest.raises(StatementParseError, match="not a date") as err:
        parse_statement(data, source="d.csv")
    assert err.value.location == "line 2"


# 7. dollar signs and accounting parentheses ---------------------------------------------

def test_dollar_signs_and_parentheses_in_the_us_layout() -> None:
    data = _us('12/01/2026,USB-1,,Granite Tools Inc.,ACH CREDIT,,"$2,450.00"',
               "12/01/2026,USB-2,,City Water Dept,ACH DEBIT UTILITY,($312.18),",
               "12/02/2026,USB-3,,Bank,Fee,-$5.00,",
               "12/02/2026,USB-4,,Bank,Fee,(7.50),")
    statement = parse_statement(data, source="usd.csv")
    assert [(e.amount, e.direction) for e in statement.entries] == [
        (Decimal("2450.00"), Direction.CREDIT), (Decimal("312.18"), Direction.DEBIT),
        (Decimal("5.00"), Direction.DEBIT), (Decimal("7.50"), Direction.DEBIT)]


@pytest.mark.parametrize(("cell", "message"), [
    ("(-5.00)", "not a number"), ("$$5.00", "not a number"), ("($1.005)", "3 decimals"),
    ("(5.00", "not a number"), ("€5.00", "ASCII"),
])
def test_malformed_dollar_amounts_are_refused_as_written(cell: str, message: str) -> None:
    data = _us(f"12/01/2026,USB-1,,Bank,Fee,{cell},")
    with pytest.raises(StatementParseError, match=message) as err:
        parse_statement(data, source="usd.csv")
    assert err.value.location == "line 2"
    assert repr(cell) in err.value.reason


def test_dollar_sign_is_not_read_where_the_mapping_has_none() -> None:
    data = _de(DE_HEADER, DE_ROWS[0].replace("2.380,00", "$2.380,00"))
    with pytest.raises(StatementParseError, match="not a number"):
        parse_statement(data, source="de.csv")


# amounts whose separators do not group thousands ------------------------------------------

@pytest.mark.parametrize(("amount", "data"), [
    ("-84.37", lambda a: _de(DE_HEADER, DE_ROWS[0].replace("2.380,00", a))),
    ("1.5", lambda a: _de(DE_HEADER, DE_ROWS[0].replace("2.380,00", a))),
    ("84,37", lambda a: _us(f'12/02/2026,BR1,,Acme,Fee,"{a}",')),
])
def test_a_separator_that_does_not_group_thousands_is_refused_not_read_as_one(
        amount: str, data: Callable[[str], bytes]) -> None:
    """"-84.37" in the German layout was read as -8437 and "84,37" in the US one as 8437:
    a decimal point written the other country's way must be a refusal, never a figure."""
    with pytest.raises(StatementParseError, match="does not group thousands") as caught:
        parse_statements(data(amount), source="export.csv")
    assert caught.value.location == "line 2"


# the same export saved again, and exports that overlap -------------------------------------

NO_REF_ROWS = [row.replace(";BR0001;", ";;").replace(";BR0002;", ";;").replace(";BR0003;", ";;")
               for row in DE_ROWS]


def test_the_same_export_saved_again_is_the_same_statement() -> None:
    """With other line ends, under another export time or as UTF-8: the second import of
    these payments is a duplicate, not a second set of payments."""
    first = parse_statement(_de(DE_HEADER, *DE_ROWS))
    again = [
        "".join(line + "\r\n" for line in (DE_HEADER, *DE_ROWS)).encode("cp1252"),
        _de("Kontoauszug exportiert am 03.12.2026 16:42", "", DE_HEADER, *DE_ROWS),
        _de(DE_HEADER, *DE_ROWS, encoding="utf-8"),
    ]
    for data in again:
        assert StatementKey.of(parse_statement(data)) == StatementKey.of(first)
    other = parse_statement(_de(DE_HEADER, *DE_ROWS[:2]))
    assert StatementKey.of(other) != StatementKey.of(first)


def test_a_payment_in_two_overlapping_exports_keeps_its_made_up_reference() -> None:
    """Monday-Tuesday, then Tuesday-Wednesday: Tuesday's lines carry no bank reference and
    get the same made-up ones in both exports (the work queue takes them once); two equal
    payments of one day stay two."""
    tuesday = NO_REF_ROWS[2]
    twice = tuesday.replace("Lieferung 4711", "Miete")
    first = parse_statement(_de(DE_HEADER, *NO_REF_ROWS, twice, twice))
    second = parse_statement(_de(DE_HEADER, tuesday, twice, twice,
                                 tuesday.replace("03.12.2026", "04.12.2026")))
    assert [e.bank_reference for e in first.entries][2:] == [
        e.bank_reference for e in second.entries][:3]
    assert len({e.bank_reference for e in first.entries}) == 5
