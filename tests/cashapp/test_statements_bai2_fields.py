"""BAI2 fields as the format defines them: records ended early by ``/``, bank-specific
type codes (900-999), non-monetary transactions (890) and account summaries with
availability fields (funds types S, V, D), each on files written here."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bots.cashapp.model import Direction, Statement
from bots.cashapp.statements import check_balance, parse_statement, parse_statements
from bots.runtime.errors import StatementParseError


def _file(records: list[str], total: int) -> bytes:
    """``records`` (03, 16 and 88 lines of one account) between a header and trailers
    whose record counts are worked out; ``total`` is the control total, given by hand."""
    n = len(records) + 1
    return "\n".join([
        "01,BANKA,CUSTA,261201,0700,501,,,2/",
        "02,CUSTA,BANKA,1,261130,2400,USD,2/",
        *records,
        f"49,{total},{n}/",
        f"98,{total},1,{n + 2}/",
        f"99,{total},1,{n + 4}/",
    ]).encode()


def _parse(records: list[str], total: int) -> Statement:
    s = parse_statement(_file(records, total), source="t.bai")
    check_balance(s)
    return s


def _moves(s: Statement) -> list[tuple[Direction, Decimal]]:
    return [(e.direction, e.amount) for e in s.entries]


# --- 1. records ended early by '/': the fields left out count as empty --------------------

_OMITTED = [
    "03,5550001,USD,010,120000,,,015,98000,,/",
    "16,475,12000,0,CHK501/",  # no customer reference, no text
    "16,698,1500,0/",  # no references either
    "16,301,2500,Z,,/",
    "16,455,11000/",  # not even a funds type
]


def test_fields_left_out_at_the_end_of_a_transaction_count_as_empty() -> None:
    s = _parse(_OMITTED, 245000)
    assert _moves(s) == [(Direction.DEBIT, Decimal("120.00")), (Direction.DEBIT, Decimal("15.00")),
                         (Direction.CREDIT, Decimal("25.00")),
                         (Direction.DEBIT, Decimal("110.00"))]
    check, fee, *_ = s.entries
    assert check.bank_reference == "CHK501" and check.end_to_end_id is None
    assert fee.bank_reference.startswith("NOREF-")  # none given: made up
    assert (s.opening_balance, s.closing_balance) == (Decimal("1200.00"), Decimal("980.00"))


def test_a_continuation_after_a_record_ended_early_goes_on_with_its_next_field() -> None:
    s = _parse(["03,5550001,USD,010,10000,,,015,22000,,/",
                "16,142,12000,0/",
                "88,ACH77,CUST-9/"], 44000)
    (entry,) = s.entries
    assert (entry.bank_reference, entry.end_to_end_id) == ("ACH77", "CUST-9")


def test_fields_left_out_of_an_account_record_count_as_empty() -> None:
    s = _parse(["03,5550001,USD,010,10000/", "16,142,5000,0/"], 15000)
    assert (s.opening_balance, s.closing_balance) == (Decimal("100.00"), None)


def _cut_short(line: str) -> list[str]:
    """``line`` ended by '/' after each of its fields in turn."""
    body = line.rstrip("/")
    return [body[:k] + "/" for k, c in enumerate(body) if c == "," and k > 2] + [body + "/"]


_FULL = [
    "03,5550001,USD,010,100000,3,V,261130,0800,015,150000,,S,100000,50000,0/",
    "16,142,60000,V,261130,0900,ACH1,E2E-1,ACH CREDIT ACME",
    "16,195,10000,D,2,0,6000,1,4000,WIR2,E2E-2,WIRE IN",
    "16,475,20000,S,0,0,0,CHK3,,CHECK PAID",
]


def _control_total(records: list[str]) -> int:
    """Amounts of the 16 records and of the 010/015 balances of ``_FULL``'s 03 record."""
    total = 0
    for record in records:
        f = record.rstrip("/").split(",")
        if f[0] == "16" and len(f) > 2:
            total += int(f[2] or 0)
        total += sum(int(f[k + 1]) for k in range(len(f) - 1) if f[0] == "03"
                     and f[k] in ("010", "015") and f[k + 1])
    return total


@pytest.mark.parametrize("index", range(len(_FULL)))
def test_no_record_cut_short_anywhere_gives_an_error_without_its_line(index: int) -> None:
    outcomes = set()
    for short in _cut_short(_FULL[index]):
        records = [*_FULL[:index], short, *_FULL[index + 1:]]
        try:
            parse_statements(_file(records, _control_total(records)), source="t.bai")
            outcomes.add("parsed")
        except StatementParseError as err:
            assert "index" not in str(err) and err.location.startswith("line "), (short, err)
            assert "control total" not in str(err), (short, err)
            outcomes.add("refused")
    assert "parsed" in outcomes


def test_availability_that_cannot_be_completed_names_its_line() -> None:
    with pytest.raises(StatementParseError,
                       match=r"funds type S: availability amount 2 '' is not a number") as err:
        parse_statement(_file(["03,5550001,USD,010,10000,,,015,15000,,/",
                               "16,142,5000,S,5000/"], 35000), source="t.bai")
    assert err.value.location == "line 4"


# --- 2. bank-specific type codes, 3. non-monetary records ---------------------------------

_BANK_CODES = [
    "03,7770001,USD,010,500000,,,015,527500,,,903,1200,,/",  # 903: the bank's own status
    "16,142,40000,0,ACH1/",
    "16,920,7500,0,CUS2,,CARD SETTLEMENT",  # 920-959: the bank's own credits
    "16,975,19500,0,CUS3,,CARD FEES",  # 960-999: the bank's own debits
    "16,999,500,0,CUS4,,OTHER BANK FEE",
    "16,905,0,Z,INFO5,,FLOAT NOTE",  # a status (900-919) without money
    "16,890,0,Z,INFO6,,YOUR STATEMENT IS ONLINE",  # non-monetary information
    "16,890,,Z,INFO7,,NO AMOUNT AT ALL",
    "16,850,0,Z,,,A CODE BAI2 DOES NOT DEFINE, NO MONEY",
]


def test_bank_specific_codes_by_range_and_records_without_money_left_out() -> None:
    s = _parse(_BANK_CODES, 1096200)
    assert _moves(s) == [(Direction.CREDIT, Decimal("400.00")),
                         (Direction.CREDIT, Decimal("75.00")),
                         (Direction.DEBIT, Decimal("195.00")), (Direction.DEBIT, Decimal("5.00"))]
    assert [e.entry_id for e in s.entries] == ["1-1", "2-1", "3-1", "4-1"]
    assert [e.bank_reference for e in s.entries] == ["ACH1", "CUS2", "CUS3", "CUS4"]


@pytest.mark.parametrize(("record", "match"), [
    ("16,890,100,Z,INFO6,,MONEY ON AN INFO RECORD", r"890.*neither.*amount 1\.00"),
    ("16,910,100,Z,FLT1/", "910.*neither credit nor debit"),
    ("16,850,100,0,X1/", "850 .not a BAI2 type code"),
    ("16,142,,0,ACH9/", "142 without an amount"),
])
def test_money_of_no_direction_or_direction_without_money_is_refused(record: str,
                                                                     match: str) -> None:
    records = [*_BANK_CODES[:6], record, *_BANK_CODES[6:]]
    total = 1096200 + int(record.split(",")[2] or 0)
    with pytest.raises(StatementParseError, match=match) as err:
        parse_statement(_file(records, total), source="t.bai")
    assert err.value.location == "line 9"


# --- 4. account summaries with availability fields ---------------------------------------

_SUMMARIES = [
    "03,2460001,USD,010,800000,,,015,900000,,,040,750000,,V,261130,,"
    "045,850000,,S,700000,100000,50000,072,1000,,D,2,1,600,2,400/",
]
_SUMMARIES_SPREAD = [  # the second line's field count fools the library's own reading
    "03,2460001,USD,010,800000,,,015,900000,,/",
    "88,040,750000,,V,261130,,045,850000,,S,700000,100000,50000/",
    "88,072,1000,,D,2,1,600,2,400/",
]
_SUMMARIES_EXTRA_COMMA = [  # some banks end a line ",/" where a summary ends
    "03,2460001,USD,010,800000,,,015,900000,,,/",
    "88,040,750000,,V,261130,,045,850000,,S,700000,100000,50000,/",
    "88,072,1000,,D,2,1,600,2,400,/",
]
_CREDIT = ["16,142,100000,S,60000,40000,0/", "88,ACH1,/", "88,ACH CREDIT HOOLI"]


@pytest.mark.parametrize("account", [_SUMMARIES, _SUMMARIES_SPREAD, _SUMMARIES_EXTRA_COMMA])
def test_summaries_with_availability_fields(account: list[str]) -> None:
    s = _parse([*account, *_CREDIT], 3401000)
    assert (s.opening_balance, s.closing_balance) == (Decimal("8000.00"), Decimal("9000.00"))
    (entry,) = s.entries
    assert entry.amount == Decimal("1000.00") and entry.bank_reference == "ACH1"
    assert entry.remittance_text == "ACH CREDIT HOOLI"


@pytest.mark.parametrize(("line", "match"), [
    ("88,040,750000,,S,7000x,1,2/", r"funds type S: availability amount 1 '7000x'"),
    ("88,040,750000,,V,20261130,/", r"funds type V: value date '20261130' is not a date"),
    ("88,040,750000,,D,x/", r"funds type D: number of distributions 'x'"),
    ("88,040,750000,,Q/", r"funds type 'Q' is not one of"),
    ("88,040,7500.00,,Z/", r"balance '7500.00' is not a number"),
])
def test_a_wrong_summary_field_names_its_line(line: str, match: str) -> None:
    records = ["03,2460001,USD,010,800000,,,015,900000,,/", line, *_CREDIT]
    with pytest.raises(StatementParseError, match=match) as err:
        parse_statement(_file(records, 0), source="t.bai")
    assert err.value.location == "line 4"


# --- files joined one after the other: each read, none lost ------------------------------

DAY = ["03,12345,USD,010,100000,,,015,250000,,/", "16,195,150000,0,BR-1,CR-1,Deposit/"]


def test_files_joined_one_after_the_other_are_each_read() -> None:
    """A bank's daily files joined into one: the second day was dropped without a word."""
    monday = _file(DAY, 500000)
    tuesday = _file(DAY, 500000).replace(b"261130", b"261201").replace(b"BR-1", b"BR-2")
    found = parse_statements(monday + b"\n" + tuesday, source="week.bai")
    assert [(s.sequence, [e.bank_reference for e in s.entries]) for s in found] == [
        ("2026-11-30", ["BR-1"]), ("2026-12-01", ["BR-2"])]
    with pytest.raises(StatementParseError, match="before the next file header") as caught:
        parse_statements(monday.rsplit(b"\n", 1)[0] + b"\n" + tuesday, source="cut.bai")
    assert caught.value.location == "line 7"


# --- 5. a transaction's text in its 88 records; DOS's end-of-file byte ----------------------

@pytest.mark.parametrize("detail", [
    "16,195,150000,0,FED123,CUST1,/",   # empty text ended by '/', then the text in 88s
    "16,195,150000,0,FED123,CUST1,",    # the same without the '/'
    "16,195,150000,Z,FED123,,/",        # no customer reference either
])
def test_a_text_written_wholly_in_its_88_records_starts_with_its_first_word(detail: str) -> None:
    s = _parse(["03,4444444444,USD,010,100000,,,015,250000,,/", detail,
                "88,ORG=GLOBEX INTL OBI=INV 2024-77", "88,BNF=ACME CO"], 500000)
    assert s.entries[0].remittance_text == "ORG=GLOBEX INTL OBI=INV 2024-77 BNF=ACME CO"


def test_text_lines_each_ended_by_a_slash_are_joined_by_a_space() -> None:
    s = _parse(["03,4444444444,USD,010,100000,,,015,250000,,/",
                "16,195,150000,0,FED123,CUST1,PAYMENT FOR/", "88,INV 2024-77/",
                "88,AND INV 2024-78/"], 500000)
    assert s.entries[0].remittance_text == "PAYMENT FOR INV 2024-77 AND INV 2024-78"
    assert s.entries[0].end_to_end_id == "CUST1"


def test_fields_before_the_text_still_end_where_a_slash_ends_them() -> None:
    s = _parse(["03,4444444444,USD,010,100000,,,015,250000,,/",
                "16,195,150000,0,FED123/", "88,CUST1,WIRE FROM ACME"], 500000)
    assert (s.entries[0].end_to_end_id, s.entries[0].remittance_text) == (
        "CUST1", "WIRE FROM ACME")


def test_a_dos_end_of_file_byte_after_the_last_record_is_not_a_record() -> None:
    data = _file(["03,4444444444,USD,010,100000,,,015,250000,,/",
                  "16,195,150000,0,FED123,CUST1,WIRE/"], 500000)
    for ending in (b"\r\n\x1a", b"\x1a", b"\n\x1a\n"):
        s = parse_statement(data.replace(b"\n", b"\r\n") + ending, source="t.bai")
        assert [e.amount for e in s.entries] == [Decimal("1500.00")]
