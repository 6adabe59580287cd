"""MT940 as particular banks and transmission systems write it: SWIFT headers over several
lines, bank header lines (ING, Rabobank), SOH/ETX framing and DOS end-of-file bytes, HBCI's
``@@`` line ends, ABN AMRO's ``/TRTP/`` and ING's ``/PREF/`` narratives, ``:25:`` with the
currency after the IBAN, keywords written as ``:61:`` references, German ``?60``..``?63``
and Polish ``~`` sub-fields. Every fixture is written here, small."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from bots.cashapp.model import Direction, Statement
from bots.cashapp.statements import check_balance, parse_statement, parse_statements
from bots.cashapp.statements.entry_refs import MADE_UP_PREFIX
from bots.cashapp.statements.narrative import join_wrapped, parse_narrative
from bots.runtime.errors import StatementParseError


def _crlf(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode()


def _one(data: bytes) -> Statement:
    statement = parse_statement(data, source="bank.sta")
    check_balance(statement)
    return statement


def _refused(data: bytes) -> StatementParseError:
    with pytest.raises(StatementParseError) as err:
        parse_statements(data, source="bank.sta")
    assert err.value.file == "bank.sta"
    return err.value


def _body(statement_id: str, opening: str, closing: str, lines: str = "") -> str:
    return (f":20:{statement_id}\n:25:DE89370400440532013000\n:28C:00001/001\n"
            f":60F:C261213EUR{opening}\n{lines}:62F:C261214EUR{closing}\n")


_CREDIT = ":61:2612141214C500,00NTRFNONREF//NWB1\n:86:/NAME/Kunde A/REMI/USTD//INV-A/\n"


# --- SWIFT envelopes -----------------------------------------------------------------------

def test_swift_header_blocks_each_on_their_own_line_with_crlf() -> None:
    text = ("{1:F01INGBNL2ABXXX0000000000}\n{2:I940INGBNL2AXXXN}\n{4:\n"
            + _body("ONE", "1000,00", "1500,00", _CREDIT) + "-}\n{5:{CHK:ABCDEF012345}}\n"
            "{1:F01NWBKDEFFAXXX0000000000}{2:O9401200261215NWBKDEFFAXXX00000000002612151200N}"
            "{3:{108:A1}}\n{4:\n" + _body("TWO", "1500,00", "1500,00") + "-}\n"
            "{5:{CHK:012345ABCDEF}}\n")
    one, two = parse_statements(_crlf(text), source="bank.sta")
    assert (one.statement_id, one.closing_balance, len(one.entries)) == (
        "ONE", Decimal("1500.00"), 1)
    assert one.entries[0].counterparty_name == "Kunde A"
    assert (two.statement_id, two.opening_balance, two.entries) == ("TWO", Decimal("1500.00"), ())


def test_swift_header_that_never_opens_its_text_block_is_refused() -> None:
    err = _refused(_crlf("{1:F01INGBNL2ABXXX0000000000}\n{2:I940INGBNL2AXXXN}\n"))
    assert "{4:" in err.reason and err.location == "line 2"


def test_header_block_2_without_block_1_is_text_outside_a_message() -> None:
    text = "{1:F01INGBNL2ABXXX0000000000}{4:\n" + _body("A", "1,00", "1,00") + "-}\n"
    err = _refused(_crlf(text + "{2:I940INGBNL2AXXXN}\n{4:\n" + _body("B", "1,00", "1,00")
                         + "-}\n"))
    assert "outside a SWIFT message" in err.reason and err.location == "line 8"


# --- bank header lines ---------------------------------------------------------------------

@pytest.mark.parametrize("header", [
    "0000 01INGBNL2AXXXX00001\n0000 01INGBNL2AXXXX00001\n940 00\n",  # ING, older files
    "940 00\n",
    ":940:\n",  # Rabobank
])
def test_known_bank_header_lines_before_the_message_are_skipped(header: str) -> None:
    s = _one((header + _body("INGEB", "1000,00", "1500,00", _CREDIT) + "-\n").encode())
    assert (s.statement_id, s.entries[0].amount) == ("INGEB", Decimal("500.00"))


@pytest.mark.parametrize("header", ["0000 01 INGBNL2A\n", "940 00 ING\n", ":941:\n",
                                    "Kontoauszug vom 14.12.2026\n"])
def test_other_text_before_the_message_is_still_refused(header: str) -> None:
    err = _refused((header + _body("X", "1,00", "1,00") + "-\n").encode())
    assert err.location == "line 1"


# --- transmission framing ------------------------------------------------------------------

def test_soh_etx_framing_around_each_message_dos_pcc() -> None:
    message = ("\x01{1:F01NWBKDEFFAXXX0000000000}{2:O9401200261216NWBKDEFFAXXX000000000026"
               "12161200N}{4:\n{body}-}\x03")
    text = (message.replace("{body}", _body("A", "1000,00", "1500,00", _CREDIT))
            + message.replace("{body}", _body("B", "1500,00", "1500,00")))
    first, second = parse_statements(_crlf(text), source="bank.sta")
    assert (first.statement_id, len(first.entries)) == ("A", 1)
    assert (second.statement_id, second.entries) == ("B", ())


def test_dos_end_of_file_byte_after_the_last_message() -> None:
    s = _one(_crlf(_body("EOF", "1000,00", "1500,00", _CREDIT) + "-\n") + b"\x1a")
    assert s.closing_balance == Decimal("1500.00")


def test_hbci_file_with_at_signs_for_line_ends() -> None:
    data = (b":20:STARTUMS@@:25:10050000/0190012345@@:28C:0@@:60F:C261221EUR100,00@@"
            b":61:2612221222C50,00NTRFNONREF@@:86:166?00GUTSCHRIFT?20SVWZ+Test 1?32Kunde A"
            b"@@:62F:C261222EUR150,00@@-@@")
    s = _one(data)
    assert s.account_iban == "10050000/0190012345"
    assert (s.entries[0].counterparty_name, s.entries[0].remittance_text) == ("Kunde A",
                                                                              "Test 1")


# --- :25: and :61: -------------------------------------------------------------------------

@pytest.mark.parametrize(("account", "expected"), [
    ("NL20INGB0001234567EUR", "NL20INGB0001234567"),
    ("NL20INGB0001234567 EUR", "NL20INGB0001234567"),
    ("INGBNL2A/NL20INGB0001234567EUR", "NL20INGB0001234567"),
    ("0001234567EUR", "0001234567EUR"),  # no IBAN before the letters: kept as written
])
def test_account_iban_written_with_its_currency(account: str, expected: str) -> None:
    text = _body("ACC", "1,00", "1,00").replace(":25:DE89370400440532013000",
                                                  f":25:{account}")
    assert _one(text.encode()).account_iban == expected


def test_keywords_written_as_the_customer_reference_are_no_references() -> None:
    lines = (":61:2612141214C1,00NTRFEREF//00000000001005\n/TRCD/00100/\n"
             ":86:/EREF/E2E-1//CNTP/NL44RABO0123456789/RABONL2U/J.Janssen///REMI/USTD//F1/\n"
             ":61:2612141214C2,00NTRFPREF//00000000001006\n"
             ":86:/PREF/M000000003333333//REMI/USTD//TOTAAL 1 VZ/\n"
             ":61:2612141214C3,00N541EREF\nNL20INGB0001234567\n"  # Rabobank: no bank reference
             ":86:/CNTP/NL20INGB0001234567/INGBNL2A/Hendriks Bouw BV/UTRECHT//REMI/USTD//F2/\n"
             ":61:2612141214C4,00NDDTMARF//00000000001008\n:86:/REMI/USTD//F3/\n")
    eref, pref, rabo, marf = _one(_body("REFS", "1,00", "11,00", lines).encode()).entries
    assert (eref.end_to_end_id, eref.bank_reference) == ("E2E-1", "00000000001005")
    assert (pref.end_to_end_id, pref.remittance_text) == (None, "TOTAAL 1 VZ")
    assert rabo.end_to_end_id is None and rabo.bank_reference.startswith(MADE_UP_PREFIX)
    assert (rabo.counterparty_name, rabo.counterparty_iban) == ("Hendriks Bouw BV",
                                                                "NL20INGB0001234567")
    assert marf.end_to_end_id is None


# --- field 86 ------------------------------------------------------------------------------

def test_abn_amro_trtp_narratives_wrapped_at_65_characters() -> None:
    lines = (
        ":61:2612071207C1500,00N654NONREF\n"
        ":86:/TRTP/SEPA OVERBOEKING/IBAN/NL20INGB0001234567/BIC/INGBNL2A/NAME/\n"
        "Jansen Installatietechniek BV/REMI/Factuur 2026-0312/EREF/JIT-202\n"
        "61207-01\n"
        ":61:2612071207D45,99N247NONREF\n"
        ":86:/TRTP/SEPA Incasso algemeen doorlopend/CSID/NL71ZZZ123456780000/N\n"
        "AME/KPN BV/MARF/MND-889/REMI/Abonnement dec/IBAN/NL39RABO03000652\n"
        "64/BIC/RABONL2U/EREF/KPN-E2E-7\n")
    text = "ABNANL2A\n940\nABNANL2A\n" + _body("ABN AMRO BANK NV", "2000,00", "3454,01", lines)
    jansen, kpn = _one(text.encode()).entries
    assert (jansen.counterparty_name, jansen.counterparty_iban) == (
        "Jansen Installatietechniek BV", "NL20INGB0001234567")
    assert (jansen.end_to_end_id, jansen.remittance_text) == ("JIT-20261207-01",
                                                              "Factuur 2026-0312")
    assert (kpn.counterparty_name, kpn.counterparty_iban) == ("KPN BV", "NL39RABO0300065264")
    assert (kpn.end_to_end_id, kpn.remittance_text) == ("KPN-E2E-7", "Abonnement dec")
    assert kpn.direction is Direction.DEBIT


@pytest.mark.parametrize(("narrative", "name", "text", "rf"), [
    ("/PREF/BATCH-1//CNTP/NL32INGB0000012345/INGBNL2A/Klanten///REMI/USTD//Batch van 2/",
     "Klanten", "Batch van 2", None),
    ("/EREF/E1//CNTP/NL44RABO0123456789/RABONL2U/De Groot BV/ROTTERDAM//REMI/STRD/CUR/"
     "1234567890123456//ULTD/De Groot Holding/", "De Groot BV", "1234567890123456", None),
    ("/EREF/SAL-1//PURP/SALA//ULTB/Bakker Holding//CNTP/NL39RABO0300065264/RABONL2U/"
     "P. Bakker///REMI/STRD/ISO/RF37INV4711/", "P. Bakker", "", "RF37INV4711"),
    ("/RTRN/MS03//EREF/R-1//CNTP/NL44RABO0123456789/RABONL2U/J.Janssen///REMI/USTD//F 1/",
     "J.Janssen", "F 1", None),
])
def test_structured_keywords(narrative: str, name: str, text: str, rf: str | None) -> None:
    found = parse_narrative(narrative)
    assert (found.name, found.text, found.creditor_reference) == (name, text, rf)


def test_first_line_cut_at_65_characters_counting_the_tag() -> None:
    lines = (":61:2612241224C50,00NTRFNONREF//WR1\n"
             ":86:/EREF/E2E-WRAP-1//CNTP/NL44RABO0123456789/RABONL2U/Hendriks B\n"
             "ouw BV/UTRECHT//REMI/USTD//Factuur 2026-200/\n")
    (entry,) = _one(_body("WRAP", "100,00", "150,00", lines).encode()).entries
    assert (entry.counterparty_name, entry.remittance_text) == ("Hendriks Bouw BV",
                                                                "Factuur 2026-200")
    # free text keeps its word break: only keyword narratives are read so
    assert join_wrapped("a" * 61 + "\nb") == "a" * 61 + " b"


def test_german_purpose_continued_in_sub_fields_60_to_63() -> None:
    lines = (
        ":61:2612011201CR1250,00NTRFNONREF//9310000123456\n"
        ":86:166?00SEPA-GUTSCHRIFT?109310?20EREF+E2E-MM-01?21KREF+SAMMLER-0042\n"
        "?22SVWZ+RE 2026-4711 Kd 80815 ?23Auftrag 55/2026 Teillieferu?30COBADEFFXXX\n"
        "?31DE89370400440532013000?32Mustermann Maschinenbau G?33mbH?34997\n"
        "?60ng 2 von 3?61Rest folgt\n"
        ":61:2612011201CR10,00NTRFNONREF//9310000123457\n"
        ":86:166?00SEPA-GUTSCHRIFT?20EREF+E2E-2?21SVWZ+Teil?32Kunde?60 ABWA+Anderer Zahler\n")
    text = _body("GVC", "10000,00", "11260,00", lines).replace("C261214", "C261201")
    first, second = _one(text.encode()).entries
    assert first.remittance_text == (
        "RE 2026-4711 Kd 80815 Auftrag 55/2026 Teillieferung 2 von 3 Rest folgt")
    assert (first.counterparty_name, first.end_to_end_id) == ("Mustermann Maschinenbau GmbH",
                                                              "E2E-MM-01")
    assert first.value_date == dt.date(2026, 12, 1)
    # a keyword in the continuation is read as one (not left in the text)
    assert (second.remittance_text, second.end_to_end_id) == ("Teil", "E2E-2")


def test_polish_tilde_sub_fields() -> None:
    lines = (
        ":61:2612201220CN1500,00N020NONREF//26122000001\n"
        ":86:020~00VE02~20FV 2026/12/001~21~22~23~24~25~3010901014\n"
        "~310000071219812874~32FIRMA HANDLOWA KOWALSKI~33SP. Z O.O.\n"
        "~38PL61109010140000071219812874~60UL. DLUGA 1 00-001 WARSZAWA\n"
        "~63REF26122000001\n"
        ":61:2612201220DN230,00N020NONREF//26122000002\n"
        ":86:020~00VE01~20ZAPLATA ZA FAKTURE VAT NR FV~2188/2026~3010501445\n"
        "~311000002233445566~32DOSTAWCA SA\n")
    text = (":20:MT940\n:25:/PL61109010140000071219812874\n:28C:00350\n"
            ":60F:C261219PLN10000,00\n" + lines + ":62F:C261220PLN11270,00\n-\n")
    s = _one(text.encode())
    assert s.account_iban == "PL61109010140000071219812874"
    kowalski, dostawca = s.entries
    assert kowalski.counterparty_name == "FIRMA HANDLOWA KOWALSKI SP. Z O.O."
    assert kowalski.counterparty_iban == "PL61109010140000071219812874"
    assert kowalski.remittance_text == "FV 2026/12/001"  # ~60/~63: address, bank data
    # a title sub-field cut at 27 characters goes on without a space; no ~38: the account
    assert dostawca.remittance_text == "ZAPLATA ZA FAKTURE VAT NR FV88/2026"
    assert (dostawca.counterparty_name, dostawca.counterparty_iban) == ("DOSTAWCA SA",
                                                                        "1000002233445566")


def test_the_narrative_behind_a_banks_ns_field_is_read() -> None:
    """Bank Austria and UniCredit write ``:NS:`` between ``:61:`` and ``:86:``: the text
    and payer of the line were lost."""
    text = (":20:STARTUMS\n:25:AT611904300234573201\n:28C:1/1\n:60F:C261123EUR1000,00\n"
            ":61:2611231123CR100,00NTRFNONREF\n:NS:22Gutschrift\n:86:Rechnung 2026-771\n"
            ":61:2611231123CR50,00NTRFNONREF\n:86:Miete\n:62F:C261123EUR1150,00\n-\n")
    (statement,) = parse_statements(text.encode())
    assert [e.remittance_text for e in statement.entries] == ["Rechnung 2026-771", "Miete"]


def test_amounts_with_extra_zero_decimals_are_read_as_their_value() -> None:
    """``25,500`` EUR is 25.50 (as camt's ``25.500``); ``25,505`` is still refused."""
    text = (":20:S1\n:25:AT611904300234573201\n:28C:1/1\n:60F:C261123EUR100,000\n"
            ":61:2611231123CR25,500NTRFNONREF//B1\n:86:Miete\n:62F:C261123EUR125,50\n-\n")
    (statement,) = parse_statements(text.encode())
    assert (statement.opening_balance, statement.entries[0].amount) == (
        Decimal("100.00"), Decimal("25.50"))
    with pytest.raises(StatementParseError, match="decimals"):
        parse_statements(text.replace("25,500", "25,505").encode())


def test_german_purpose_sub_fields_written_word_by_word_stay_words_apart() -> None:
    """A bank that writes one invoice number per ``?2x`` (each shorter than the full 27
    characters): the numbers were glued together ("RE 2026-1101RE 2026-1102")."""
    lines = (":61:2612141214CR2000,00NTRFNONREF//CB0001\n"
             ":86:166?00SEPA-UEBERWEISUNG?109310?20EREF+KMB-2026-12-001?21SVWZ+\n"
             "?22Sammelzahlung RE 2026-1101?23RE 2026-1102?32Grosshandel Nordwest\n")
    (entry,) = _one(_body("GVC", "100,00", "2100,00", lines).encode()).entries
    assert entry.remittance_text == "Sammelzahlung RE 2026-1101 RE 2026-1102"
    assert entry.end_to_end_id == "KMB-2026-12-001"
