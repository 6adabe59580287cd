"""Sandbox bank: statement downloads in four formats, balances, ground truth, alt layout."""

from __future__ import annotations

import csv
import importlib.util
import io
import re
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

import httpx
import pytest
from bai2 import bai2
from lxml import etree

from sandbox.scenario import build_scenario

if TYPE_CHECKING:
    from tests.sandbox.conftest import Target

Login = Callable[..., httpx.Response]
SCENARIO = build_scenario()
NS = {"c": "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"}
EXTENSIONS = {"camt053": "xml", "mt940": "sta", "bai2": "bai", "csv": "csv"}
CREDITS = sum((p.amount for p in SCENARIO.payments if p.credit), Decimal(0))
DEBITS = sum((p.amount for p in SCENARIO.payments if not p.credit), Decimal(0))


def download(bank: Target, login: Login, fmt: str, date: str = "2026-11-20") -> httpx.Response:
    with bank.client() as c:
        login(c)
        return c.get("/statements/download", params={"format": fmt, "date": date})


def camt_balances(content: bytes) -> tuple[Decimal, Decimal, Decimal]:
    root = etree.fromstring(content, etree.XMLParser(resolve_entities=False))
    stmt = root.find("c:BkToCstmrStmt/c:Stmt", NS)
    bal = {b.findtext("c:Tp/c:CdOrPrtry/c:Cd", namespaces=NS):
           Decimal(b.findtext("c:Amt", namespaces=NS)) for b in stmt.findall("c:Bal", NS)}
    net = Decimal(0)
    for ntry in stmt.findall("c:Ntry", NS):
        amount = Decimal(ntry.findtext("c:Amt", namespaces=NS))
        net += amount if ntry.findtext("c:CdtDbtInd", namespaces=NS) == "CRDT" else -amount
    return bal["OPBD"], net, bal["CLBD"]


@pytest.mark.parametrize("fmt", list(EXTENSIONS))
def test_each_format_downloads_as_an_attachment(bank: Target, bank_login: Login, fmt: str) -> None:
    response = download(bank, bank_login, fmt)
    assert response.status_code == 200
    name = f"STMT_{SCENARIO.company_iban}_20261120.{EXTENSIONS[fmt]}"
    assert response.headers["content-disposition"] == f'attachment; filename="{name}"'
    assert bank.truth()["downloads"][-1]["format"] == fmt


def test_camt053_content_and_balances(bank: Target, bank_login: Login) -> None:
    content = download(bank, bank_login, "camt053").content
    opening, net, closing = camt_balances(content)
    assert opening == SCENARIO.opening_balance and closing == SCENARIO.closing_balance
    assert opening + net == closing
    root = etree.fromstring(content)
    stmt = root.find("c:BkToCstmrStmt/c:Stmt", NS)
    assert stmt.findtext("c:Acct/c:Id/c:IBAN", namespaces=NS) == SCENARIO.company_iban
    assert stmt.findtext("c:ElctrncSeqNb", namespaces=NS)
    first = stmt.find("c:Ntry", NS)
    p01 = SCENARIO.payments[0]
    assert first.findtext("c:Sts/c:Cd", namespaces=NS) == "BOOK"
    assert first.findtext("c:AcctSvcrRef", namespaces=NS) == p01.bank_reference
    tx = first.find("c:NtryDtls/c:TxDtls", NS)
    assert tx.findtext("c:Refs/c:EndToEndId", namespaces=NS) == p01.end_to_end_id
    def text(path: str) -> str | None:
        return tx.findtext(path, namespaces=NS)

    assert text("c:RltdPties/c:Dbtr/c:Pty/c:Nm") == p01.counterparty_name
    assert text("c:RltdPties/c:DbtrAcct/c:Id/c:IBAN") == p01.counterparty_iban
    assert text("c:RmtInf/c:Strd/c:CdtrRefInf/c:Ref") == p01.creditor_reference
    assert first.find("c:Amt", NS).get("Ccy") == "EUR"


def test_mt940_balances_and_line_lengths(bank: Target, bank_login: Login) -> None:
    text = download(bank, bank_login, "mt940").content.decode("latin-1")
    lines = text.splitlines()
    assert all(len(line) <= 65 for line in lines)
    assert {":20:", ":25:", ":28C:", ":60F:", ":61:", ":86:", ":62F:"} <= {
        line.split(":")[1].join("::") for line in lines if line.startswith(":")}
    assert f":25:{SCENARIO.company_iban}" in lines

    def amount(s: str) -> Decimal:
        return Decimal(s.replace(",", "."))

    opening = amount(re.search(r":60F:C\d{6}EUR([\d,]+)", text).group(1))
    closing = amount(re.search(r":62F:C\d{6}EUR([\d,]+)", text).group(1))
    net = sum((amount(a) * (1 if mark == "C" else -1)
               for mark, a in re.findall(r":61:\d{10}([CD])R([\d,]+)N", text)), Decimal(0))
    assert (opening, closing) == (SCENARIO.opening_balance, SCENARIO.closing_balance)
    assert opening + net == closing
    assert "?20EREF+ACME-E2E-88121" in text and "?32ACME INDUSTRIAL GMBH" in text


def test_bai2_control_totals_and_balances(bank: Target, bank_login: Login) -> None:
    text = download(bank, bank_login, "bai2").text
    assert [line[:2] for line in text.splitlines()][:4] == ["01", "02", "03", "88"]
    parsed = bai2.parse_from_string(text, check_integrity=True)  # checks 49/98/99 totals
    account = parsed.children[0].children[0]
    summary = {s.type_code.code: s.amount for s in account.header.summary_items}
    assert summary["010"] == int(SCENARIO.opening_balance * 100)
    assert summary["015"] == int(SCENARIO.closing_balance * 100)
    net = sum(d.amount if d.type_code.transaction.value == "credit" else -d.amount
              for d in account.children)
    assert summary["010"] + net == summary["015"]
    assert len(account.children) == len(SCENARIO.payments)


def test_csv_header_and_sums(bank: Target, bank_login: Login) -> None:
    text = download(bank, bank_login, "csv").text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert text.splitlines()[0] == ("booking_date,value_date,amount,currency,direction,"
                                    "bank_reference,end_to_end_id,counterparty_name,"
                                    "counterparty_iban,creditor_reference,remittance_text")
    assert sum(Decimal(r["amount"]) for r in rows if r["direction"] == "CRDT") == CREDITS
    assert sum(Decimal(r["amount"]) for r in rows if r["direction"] == "DBIT") == DEBITS
    assert rows[0]["creditor_reference"] == SCENARIO.payments[0].creditor_reference


def test_earlier_day_is_empty_and_later_day_is_refused(bank: Target, bank_login: Login) -> None:
    day_before = download(bank, bank_login, "camt053", "2026-11-19").content
    opening, net, closing = camt_balances(day_before)
    assert opening == closing == SCENARIO.opening_balance and net == 0
    refused = download(bank, bank_login, "csv", "2026-11-21")
    assert refused.status_code == 400 and "No statement is available" in refused.text
    assert download(bank, bank_login, "pdf").status_code == 400
    assert [d["date"] for d in bank.truth()["downloads"]] == ["2026-11-19"]


def test_statements_page_lists_entries_and_links(bank: Target, bank_login: Login) -> None:
    with bank.client() as c:
        bank_login(c)
        page = c.get("/statements").text
    assert page.count('class="txn"') == len(SCENARIO.payments)
    assert page.count('class="download-link"') == 4 and 'id="statement-date"' in page


def test_alt_layout_exports_with_a_form(bank: Target, bank_login: Login) -> None:
    bank.faults(alt_layout=True)
    with bank.client() as c:
        bank_login(c)
        page = c.get("/statements").text
        assert 'class="export-panel"' in page and 'class="download-link"' not in page
        token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        form = {"booking_date": "20.11.2026", "export_format": "mt940"}
        assert c.post("/statements/export", data={**form, "csrf": "forged"}).status_code == 400
        response = c.post("/statements/export", data={**form, "csrf": token})
    assert response.headers["content-disposition"].endswith('.sta"')
    assert bank.truth()["downloads"] == [{"account": SCENARIO.company_iban, "format": "mt940",
                                          "date": "2026-11-20",
                                          "at": bank.truth()["downloads"][0]["at"]}]


@pytest.mark.skipif(importlib.util.find_spec("bots.cashapp.statements.detect") is None,
                    reason="bots.cashapp.statements.parse_statement is not available")
@pytest.mark.parametrize("fmt", list(EXTENSIONS))
def test_round_trip_through_the_statement_parser(
        bank: Target, bank_login: Login, fmt: str) -> None:
    from bots.cashapp.statements import parse_statement

    statement = parse_statement(download(bank, bank_login, fmt).content, source=fmt)
    if fmt != "csv":  # the CSV export carries no balances
        assert statement.opening_balance == SCENARIO.opening_balance
        assert statement.closing_balance == SCENARIO.closing_balance
    assert len(statement.entries) == len(SCENARIO.payments)
    for entry, p in zip(statement.entries, SCENARIO.payments, strict=True):
        text = entry.remittance_text
        if fmt == "mt940" and p.creditor_reference:  # MT940 has no structured reference field
            text = text.replace(p.creditor_reference, "").strip()
        assert (entry.bank_reference, entry.amount, entry.is_credit, entry.end_to_end_id,
                entry.counterparty_name, entry.counterparty_iban, entry.creditor_reference,
                text) == (p.bank_reference, p.amount, p.credit, p.end_to_end_id,
                          p.counterparty_name, p.counterparty_iban, p.creditor_reference,
                          p.remittance_text), p.key
