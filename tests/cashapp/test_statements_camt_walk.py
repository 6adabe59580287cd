"""An entry is read in one walk of its elements: the same fields, first-of-several rules
and error locations as looking each field up by path."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from bots.cashapp.statements.camt import parse_camt
from bots.runtime.errors import StatementParseError

NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
RF_A = "RF18539007547034"
RF_B = "RF712348231"


def _camt(entry: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="{NS}" xmlns:x="urn:example:bank-extension">
 <BkToCstmrStmt><GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-11-30T18:00:00Z</CreDtTm></GrpHdr>
  <Stmt><Id>S1</Id>
   <Acct><Id><IBAN>DE12500105170648489890</IBAN></Id><Ccy>EUR</Ccy></Acct>
   <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">0.00</Amt>
    <CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-30</Dt></Dt></Bal>
   <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">150.00</Amt>
    <CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-30</Dt></Dt></Bal>
   <Ntry><NtryRef>N1</NtryRef>{entry}</Ntry>
  </Stmt>
 </BkToCstmrStmt>
</Document>""".encode()


HEAD = """<Amt Ccy="EUR">150.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>
 <!-- a bank's comment --><Sts><Cd>BOOK</Cd></Sts>
 <BookgDt><Dt>2026-11-30</Dt></BookgDt><ValDt><Dt>2026-12-01</Dt></ValDt>
 <AcctSvcrRef>BANK-1</AcctSvcrRef>
 <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>"""


def test_first_related_parties_and_each_structured_remittance_are_read_on_their_own() -> None:
    data = _camt(HEAD + f"""<NtryDtls><TxDtls>
      <Refs><EndToEndId>E2E-7</EndToEndId></Refs>
      <RltdPties><Dbtr><Pty><Nm>First Payer GmbH</Nm></Pty></Dbtr></RltdPties>
      <RltdPties><Dbtr><Pty><Nm>Second Payer</Nm></Pty></Dbtr>
        <DbtrAcct><Id><IBAN>DE89370400440532013000</IBAN></Id></DbtrAcct></RltdPties>
      <RmtInf>
        <Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp>
          <Ref>{RF_A}</Ref></CdtrRefInf></Strd>
        <Strd><CdtrRefInf><Ref>{RF_B}</Ref></CdtrRefInf><AddtlRmtInf>two invoices</AddtlRmtInf>
          <x:Note>not ours</x:Note></Strd>
      </RmtInf></TxDtls></NtryDtls>""")
    (entry,) = parse_camt(data).entries
    assert entry.counterparty_name == "First Payer GmbH"
    assert entry.counterparty_iban is None  # the account is in the second RltdPties only
    assert entry.creditor_reference == RF_A
    assert entry.remittance_text == f"{RF_B} two invoices"  # a second RF stays readable
    assert entry.end_to_end_id == "E2E-7"
    assert (entry.amount, entry.bank_reference) == (Decimal("150.00"), "BANK-1")
    assert (entry.booking_date, entry.value_date) == (dt.date(2026, 11, 30),
                                                      dt.date(2026, 12, 1))


def test_an_element_of_another_namespace_is_not_read_as_a_camt_field() -> None:
    entry_xml = HEAD.replace("<AcctSvcrRef>BANK-1</AcctSvcrRef>",
                             "<x:AcctSvcrRef>NOT-THIS</x:AcctSvcrRef>")
    (entry,) = parse_camt(_camt(entry_xml)).entries
    assert entry.bank_reference.startswith("NOREF-")  # no AcctSvcrRef of its own


def test_two_booking_dates_the_first_counts_and_a_bad_one_is_named() -> None:
    two = HEAD.replace("<BookgDt><Dt>2026-11-30</Dt></BookgDt>",
                       "<BookgDt><DtTm>2026-11-29T10:00:00</DtTm></BookgDt>"
                       "<BookgDt><Dt>2026-11-30</Dt></BookgDt>")
    (entry,) = parse_camt(_camt(two)).entries
    assert entry.booking_date == dt.date(2026, 11, 29)
    bad = HEAD.replace("<ValDt><Dt>2026-12-01</Dt></ValDt>", "<ValDt><Dt>12/01/2026</Dt></ValDt>")
    with pytest.raises(StatementParseError, match="invalid date '12/01/2026'") as err:
        parse_camt(_camt(bad), source="eom.xml")
    assert err.value.location == "/Document/BkToCstmrStmt/Stmt/Ntry/ValDt/Dt"


@pytest.mark.parametrize(("amount", "message", "where"), [
    ('<Amt Ccy="EUR">150.005</Amt>', "has 3 decimals", "Ntry/Amt"),
    ('<Amt Ccy="EURO">150.00</Amt>', "invalid currency code", "Ntry/Amt/@Ccy"),
    ('<Amt Ccy="EUR">-150.00</Amt>', "is not a number", "Ntry/Amt"),
])
def test_amounts_are_checked_as_before(amount: str, message: str, where: str) -> None:
    data = _camt(HEAD.replace('<Amt Ccy="EUR">150.00</Amt>', amount))
    with pytest.raises(StatementParseError, match=message) as err:
        parse_camt(data, source="eom.xml")
    assert err.value.location == f"/Document/BkToCstmrStmt/Stmt/{where}"


def test_extra_zero_decimals_are_dropped() -> None:
    data = _camt(HEAD.replace('<Amt Ccy="EUR">150.00</Amt>', '<Amt Ccy="EUR">150.000</Amt>'))
    (entry,) = parse_camt(data).entries
    assert str(entry.amount) == "150.00"


def test_an_amount_with_a_plus_sign_is_an_xml_decimal_like_any_other() -> None:
    for written in ("+150.00", " +150.00 ", "+150"):
        data = _camt(HEAD.replace('<Amt Ccy="EUR">150.00</Amt>',
                                  f'<Amt Ccy="EUR">{written}</Amt>'))
        (entry,) = parse_camt(data).entries
        assert entry.amount == Decimal("150.00")
    for bad in ("+-150.00", "++150.00"):
        with pytest.raises(StatementParseError, match="is not a number"):
            parse_camt(_camt(HEAD.replace('<Amt Ccy="EUR">150.00</Amt>',
                                          f'<Amt Ccy="EUR">{bad}</Amt>')))


def test_a_remittance_cut_into_35_character_lines_keeps_its_invoice_numbers_whole() -> None:
    """A bank that cuts the payer's text at 35 characters cuts through invoice numbers:
    no space goes in where a line is full; lines shorter than that are words apart."""
    text = "PAYMENT FOR OUR INVOICES INV-2026-10477 AND INV-2026-10478"
    cut = [text[:35], text[35:], "THANK YOU"]
    assert len(cut[0]) == 35 and cut[0].endswith("INV-2026-1")
    ustrd = "".join(f"<Ustrd>{line}</Ustrd>" for line in cut)
    (entry,) = parse_camt(_camt(HEAD + f"<NtryDtls><TxDtls><RmtInf>{ustrd}</RmtInf>"
                                       "</TxDtls></NtryDtls>")).entries
    assert entry.remittance_text == text + " THANK YOU"
