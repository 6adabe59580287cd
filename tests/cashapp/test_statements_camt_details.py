"""Transaction details of camt entries: documents the payer lists (RfrdDocInf), the
entry's own text (AddtlNtryInf), the counterparty of reversals and returns, batches that
give only the instructed amount or counter value."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bots.cashapp.model import Direction, StatementEntry
from bots.cashapp.statements import check_balance
from bots.cashapp.statements.camt import parse_camt
from bots.runtime.errors import StatementParseError

NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
OWN = "DE12500105170648489890"
PAYER = "DE89370400440532013000"
SUPPLIER = "DE02100500000024290661"
RF = "RF18539007547034"


def _camt(entries: str, *, opening: str = "1000.00", closing: str = "1000.00",
          owner: str = "") -> bytes:
    """A camt.053.001.08 of one EUR statement of account ``OWN`` holding ``entries``."""
    ownr = f"<Ownr><Nm>{owner}</Nm></Ownr>" if owner else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="{NS}">
 <BkToCstmrStmt><GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-11-30T18:00:00Z</CreDtTm></GrpHdr>
  <Stmt><Id>S1</Id><ElctrncSeqNb>7</ElctrncSeqNb>
   <Acct><Id><IBAN>{OWN}</IBAN></Id><Ccy>EUR</Ccy>{ownr}</Acct>
   <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{opening}</Amt>
    <CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-30</Dt></Dt></Bal>
   <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{closing}</Amt>
    <CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-30</Dt></Dt></Bal>
   {entries}
  </Stmt>
 </BkToCstmrStmt>
</Document>""".encode()


def _entry(amount: str, way: str, details: str, *, extra: str = "", after: str = "",
           ref: str = "N1") -> str:
    """One booked ``Ntry``; ``extra`` goes before ``Sts`` (RvslInd), ``after`` after the
    details (AddtlNtryInf)."""
    return f"""<Ntry><NtryRef>{ref}</NtryRef><Amt Ccy="EUR">{amount}</Amt>
    <CdtDbtInd>{way}</CdtDbtInd>{extra}<Sts><Cd>BOOK</Cd></Sts>
    <BookgDt><Dt>2026-11-30</Dt></BookgDt><ValDt><Dt>2026-11-30</Dt></ValDt>
    <AcctSvcrRef>BANK-{ref}</AcctSvcrRef>
    <NtryDtls>{details}</NtryDtls>{after}</Ntry>"""


def _parties(debtor: str, debtor_account: str | None, creditor: str,
             creditor_account: str | None) -> str:
    def one(role: str, name: str, account: str | None) -> str:
        acct = f"<{role}Acct><Id><IBAN>{account}</IBAN></Id></{role}Acct>" if account else ""
        return (f"<{role}><Pty><Nm>{name}</Nm></Pty></{role}>" if name else "") + acct
    return ("<RltdPties>" + one("Dbtr", debtor, debtor_account)
            + one("Cdtr", creditor, creditor_account) + "</RltdPties>")


def _only(data: bytes) -> StatementEntry:
    (entry,) = parse_camt(data, source="t.xml").entries
    return entry


# -- 1. referred documents -------------------------------------------------------------

def test_referred_document_numbers_are_added_to_the_text() -> None:
    rmt = f"""<RmtInf><Ustrd>Payment as agreed</Ustrd>
      <Strd><RfrdDocInf><Tp><CdOrPrtry><Cd>CINV</Cd></CdOrPrtry></Tp><Nb>INV-1031</Nb>
        <RltdDt>2026-10-31</RltdDt></RfrdDocInf>
        <RfrdDocAmt><RmtdAmt Ccy="EUR">70.00</RmtdAmt></RfrdDocAmt>
        <CdtrRefInf><Ref>{RF}</Ref></CdtrRefInf></Strd>
      <Strd><RfrdDocInf><Nb>INV-1032</Nb></RfrdDocInf><RfrdDocInf><Nb>CN-7</Nb></RfrdDocInf>
        <CdtrRefInf><Ref>KD-4711</Ref></CdtrRefInf>
        <AddtlRmtInf>less credit note</AddtlRmtInf></Strd></RmtInf>"""
    tx = f"<TxDtls><Amt Ccy=\"EUR\">100.00</Amt>{rmt}</TxDtls>"
    entry = _only(_camt(_entry("100.00", "CRDT", tx), closing="1100.00"))
    assert entry.remittance_text == (
        "Payment as agreed INV-1031 INV-1032 CN-7 KD-4711 less credit note")
    assert entry.creditor_reference == RF  # the RF reference is still taken, not shown


def test_one_structured_block_with_a_document_number_only() -> None:
    tx = """<TxDtls><Amt Ccy="EUR">100.00</Amt><RmtInf><Strd><RfrdDocInf>
      <Nb>F2026-0311</Nb></RfrdDocInf></Strd></RmtInf></TxDtls>"""
    entry = _only(_camt(_entry("100.00", "CRDT", tx), closing="1100.00"))
    assert entry.remittance_text == "F2026-0311" and entry.creditor_reference is None


def test_a_document_number_already_in_the_text_is_not_repeated() -> None:
    tx = """<TxDtls><Amt Ccy="EUR">100.00</Amt><RmtInf><Ustrd>Invoice INV-9</Ustrd>
      <Strd><RfrdDocInf><Nb>INV-9</Nb></RfrdDocInf></Strd></RmtInf></TxDtls>"""
    entry = _only(_camt(_entry("100.00", "CRDT", tx), closing="1100.00"))
    assert entry.remittance_text == "Invoice INV-9"


# -- 2. the entry's own text -----------------------------------------------------------

def test_entry_text_stands_in_when_its_one_transaction_says_nothing() -> None:
    tx = "<TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs></TxDtls>"
    entry = _only(_camt(_entry("12.50", "DBIT", tx, after=(
        f"<AddtlNtryInf>Account fee 11/2026 {RF}</AddtlNtryInf>")), closing="987.50"))
    assert entry.remittance_text == f"Account fee 11/2026 {RF}"
    assert entry.creditor_reference == RF


def test_entry_text_does_not_replace_the_transaction_text() -> None:
    tx = "<TxDtls><RmtInf><Ustrd>Invoice 2026-1205</Ustrd></RmtInf></TxDtls>"
    entry = _only(_camt(_entry("10.00", "CRDT", tx, after=(
        "<AddtlNtryInf>SEPA CREDIT</AddtlNtryInf>")), closing="1010.00"))
    assert entry.remittance_text == "Invoice 2026-1205"


def test_entry_text_is_not_lent_to_the_transactions_of_a_batch() -> None:
    txs = ("<TxDtls><Amt Ccy=\"EUR\">4.00</Amt></TxDtls>"
           "<TxDtls><Amt Ccy=\"EUR\">6.00</Amt><RmtInf><Ustrd>B</Ustrd></RmtInf></TxDtls>")
    s = parse_camt(_camt(_entry("10.00", "CRDT", txs, after=(
        "<AddtlNtryInf>Collection</AddtlNtryInf>")), closing="1010.00"), source="t.xml")
    assert [e.remittance_text for e in s.entries] == ["", "B"]


# -- 3. reversals and returns ----------------------------------------------------------

def test_returned_direct_debit_repeating_the_original_parties_names_the_customer() -> None:
    tx = ("<TxDtls><Amt Ccy=\"EUR\">238.00</Amt>"
          + _parties("Baeckerei Lindner", PAYER, "Our Company GmbH", OWN)
          + "<RtrInf><Rsn><Cd>AM04</Cd></Rsn></RtrInf></TxDtls>")
    entry = _only(_camt(_entry("238.00", "DBIT", tx, extra="<RvslInd>true</RvslInd>"),
                        closing="762.00"))
    assert (entry.counterparty_name, entry.counterparty_iban) == ("Baeckerei Lindner", PAYER)


def test_returned_transfer_with_return_information_only_names_the_supplier() -> None:
    tx = ("<TxDtls><Amt Ccy=\"EUR\">1450.00</Amt>"
          + _parties("Our Company GmbH", OWN, "Metallbau Fischer OHG", SUPPLIER)
          + "<RtrInf><Rsn><Cd>AC04</Cd></Rsn></RtrInf></TxDtls>")
    entry = _only(_camt(_entry("1450.00", "CRDT", tx), closing="2450.00"))
    assert (entry.counterparty_name, entry.counterparty_iban) == (
        "Metallbau Fischer OHG", SUPPLIER)


def _reversal(parties: str, **statement: str) -> StatementEntry:
    """The one entry of a statement: a reversed debit of 120.00 between ``parties``."""
    tx = "<TxDtls><Amt Ccy=\"EUR\">120.00</Amt>" + parties + "</TxDtls>"
    return _only(_camt(_entry("120.00", "DBIT", tx, extra="<RvslInd>true</RvslInd>"),
                       closing="880.00", **statement))


def test_reversal_written_as_a_payment_of_its_own_keeps_the_usual_role() -> None:
    # the bank writes the return as a transfer from the account owner to the customer
    entry = _reversal(_parties("Our Company GmbH", OWN, "Dunmore Logistics", PAYER))
    assert (entry.counterparty_name, entry.counterparty_iban) == ("Dunmore Logistics", PAYER)


def test_reversal_prefers_a_party_known_by_another_account_to_one_by_name_only() -> None:
    entry = _reversal(_parties("Our Company GmbH", None, "Dunmore Logistics", PAYER))
    assert entry.counterparty_name == "Dunmore Logistics"


def test_reversal_names_the_owner_by_name_when_no_accounts_are_given() -> None:
    entry = _reversal(_parties("Our Company GmbH", None, "Dunmore Logistics", None),
                      owner="OUR COMPANY GMBH")
    assert entry.counterparty_name == "Dunmore Logistics"


def test_a_party_at_the_own_account_never_lends_its_iban() -> None:
    # the only party named sits at the statement's own account (camt053_v04.xml's way)
    entry = _reversal(_parties("", None, "Dunmore Logistics", OWN))
    assert (entry.counterparty_name, entry.counterparty_iban) == ("Dunmore Logistics", None)


def test_ordinary_entries_keep_debtor_for_credits_and_creditor_for_debits() -> None:
    credit = ("<TxDtls><Amt Ccy=\"EUR\">50.00</Amt>"
              + _parties("Cafe Rosenrot", PAYER, "Our Company GmbH", OWN) + "</TxDtls>")
    debit = ("<TxDtls><Amt Ccy=\"EUR\">20.00</Amt>"
             + _parties("Our Company GmbH", OWN, "Stahlhandel Nord", SUPPLIER) + "</TxDtls>")
    anonymous = ("<TxDtls><Amt Ccy=\"EUR\">5.00</Amt>"
                 + _parties("", None, "Someone Else", SUPPLIER) + "</TxDtls>")
    s = parse_camt(_camt(_entry("50.00", "CRDT", credit, ref="A")
                         + _entry("20.00", "DBIT", debit, ref="B")
                         + _entry("5.00", "CRDT", anonymous, ref="C"),
                         closing="1035.00"), source="t.xml")
    assert [(e.counterparty_name, e.counterparty_iban) for e in s.entries] == [
        ("Cafe Rosenrot", PAYER), ("Stahlhandel Nord", SUPPLIER), (None, None)]


# -- 4. batches without a transaction amount -------------------------------------------

def _batch(*amounts: str) -> str:
    return "".join(f"<TxDtls><Refs><EndToEndId>E{n}</EndToEndId></Refs>"
                   f"<AmtDtls>{amount}</AmtDtls></TxDtls>" for n, amount in enumerate(amounts))


def test_batch_of_instructed_amounts_only() -> None:
    txs = _batch(*['<InstdAmt><Amt Ccy="EUR">120.00</Amt></InstdAmt>'] * 3)
    s = parse_camt(_camt(_entry("360.00", "CRDT", txs), closing="1360.00"), source="t.xml")
    check_balance(s)
    assert [(e.amount, e.currency, e.direction) for e in s.entries] == [
        (Decimal("120.00"), "EUR", Direction.CREDIT)] * 3
    assert [e.end_to_end_id for e in s.entries] == ["E0", "E1", "E2"]


def test_batch_falls_back_to_the_counter_value_in_the_entry_currency() -> None:
    txs = _batch('<InstdAmt><Amt Ccy="CHF">95.00</Amt></InstdAmt>'
                 '<CntrValAmt><Amt Ccy="EUR">100.00</Amt></CntrValAmt>',
                 '<CntrValAmt><Amt Ccy="EUR">50.00</Amt></CntrValAmt>')
    s = parse_camt(_camt(_entry("150.00", "DBIT", txs), closing="850.00"), source="t.xml")
    assert [(e.amount, e.currency) for e in s.entries] == [
        (Decimal("100.00"), "EUR"), (Decimal("50.00"), "EUR")]


def test_batch_of_amounts_in_another_currency_only_is_one_line_of_the_entry() -> None:
    txs = _batch(*['<InstdAmt><Amt Ccy="CHF">50.00</Amt></InstdAmt>'] * 2)
    s = parse_camt(_camt(_entry("100.00", "CRDT", txs), closing="1100.00"), source="t.xml")
    check_balance(s)
    assert [(e.amount, e.currency, e.bank_reference) for e in s.entries] == [
        (Decimal("100.00"), "EUR", "BANK-N1")]
    assert "batch of 2 transactions without their own amounts" in s.entries[0].note


def test_a_batch_where_only_some_transactions_give_an_amount_is_refused() -> None:
    txs = _batch('<InstdAmt><Amt Ccy="EUR">50.00</Amt></InstdAmt>', "")
    with pytest.raises(StatementParseError, match="without a transaction amount") as err:
        parse_camt(_camt(_entry("100.00", "CRDT", txs), closing="1100.00"), source="t.xml")
    assert err.value.location == "/Document/BkToCstmrStmt/Stmt/Ntry/NtryDtls/TxDtls[2]/Amt"


def test_a_batch_listing_its_transactions_without_amounts_is_one_line_with_all_they_say(
) -> None:
    txs = "".join(
        f"<TxDtls><Refs><EndToEndId>RUN-7-{n}</EndToEndId></Refs>"
        f"{_parties('', None, name, SUPPLIER)}<RmtInf><Ustrd>Rechnung {inv}</Ustrd></RmtInf>"
        "</TxDtls>" for n, (name, inv) in enumerate([("Lieferant Eins", "4711"),
                                                      ("Lieferant Eins", "0815")]))
    s = parse_camt(_camt(_entry("750.00", "DBIT", txs), closing="250.00"), source="t.xml")
    check_balance(s)
    (line,) = s.entries
    assert (line.amount, line.direction, line.bank_reference) == (
        Decimal("750.00"), Direction.DEBIT, "BANK-N1")
    assert line.remittance_text == "Rechnung 4711 Rechnung 0815"
    assert (line.counterparty_name, line.counterparty_iban) == ("Lieferant Eins", SUPPLIER)
    assert line.end_to_end_id is None  # each transaction had its own


def test_a_batch_in_foreign_currency_takes_each_transaction_in_the_entry_currency() -> None:
    txs = "".join(
        f'<TxDtls><Refs><EndToEndId>U{n}</EndToEndId></Refs><Amt Ccy="USD">{usd}</Amt>'
        f'<CdtDbtInd>CRDT</CdtDbtInd><AmtDtls><InstdAmt><Amt Ccy="USD">{usd}</Amt></InstdAmt>'
        f'<TxAmt><Amt Ccy="EUR">{eur}</Amt></TxAmt></AmtDtls></TxDtls>'
        for n, (usd, eur) in enumerate([("1000.00", "920.00"), ("923.91", "850.00")]))
    s = parse_camt(_camt(_entry("1770.00", "CRDT", txs), closing="2770.00"), source="t.xml")
    check_balance(s)
    assert [(e.amount, e.currency) for e in s.entries] == [
        (Decimal("920.00"), "EUR"), (Decimal("850.00"), "EUR")]


@pytest.mark.parametrize("charges", [
    '<Chrgs><Rcrd><Amt Ccy="EUR">10.00</Amt><CdtDbtInd>DBIT</CdtDbtInd>'
    "<ChrgInclInd>true</ChrgInclInd></Rcrd></Chrgs>",
    '<Chrgs><TtlChrgsAndTaxAmt Ccy="EUR">10.00</TtlChrgsAndTaxAmt>'
    '<Rcrd><Amt Ccy="EUR">10.00</Amt></Rcrd></Chrgs>',  # no indicators: a charge taken
    '<Chrgs><Amt Ccy="EUR">10.00</Amt></Chrgs>',  # version 2
])
def test_charges_taken_from_a_batch_are_a_line_of_their_own(charges: str) -> None:
    txs = _batch('<TxAmt><Amt Ccy="EUR">1000.00</Amt></TxAmt>',
                 '<TxAmt><Amt Ccy="EUR">2000.00</Amt></TxAmt>')
    s = parse_camt(_camt(_entry("2990.00", "CRDT", txs, extra=charges), closing="3990.00"),
                   source="t.xml")
    check_balance(s)
    assert [(e.amount, e.direction, e.bank_reference) for e in s.entries] == [
        (Decimal("1000.00"), Direction.CREDIT, "BANK-N1-1"),
        (Decimal("2000.00"), Direction.CREDIT, "BANK-N1-2"),
        (Decimal("10.00"), Direction.DEBIT, "BANK-N1-CHRG")]


def test_charges_the_entry_does_not_include_do_not_explain_a_batch() -> None:
    charges = ('<Chrgs><Rcrd><Amt Ccy="EUR">10.00</Amt><CdtDbtInd>DBIT</CdtDbtInd>'
               "<ChrgInclInd>false</ChrgInclInd></Rcrd></Chrgs>")
    txs = _batch('<TxAmt><Amt Ccy="EUR">1000.00</Amt></TxAmt>',
                 '<TxAmt><Amt Ccy="EUR">2000.00</Amt></TxAmt>')
    with pytest.raises(StatementParseError, match=r"add up to 3000\.00, the entry says 2990"):
        parse_camt(_camt(_entry("2990.00", "CRDT", txs, extra=charges), closing="3990.00"),
                   source="t.xml")


def test_batch_of_instructed_amounts_that_do_not_add_up_is_refused() -> None:
    txs = _batch('<InstdAmt><Amt Ccy="EUR">120.00</Amt></InstdAmt>',
                 '<InstdAmt><Amt Ccy="EUR">100.00</Amt></InstdAmt>')
    with pytest.raises(StatementParseError, match=r"add up to 220\.00"):
        parse_camt(_camt(_entry("240.00", "CRDT", txs), closing="1240.00"), source="t.xml")
