"""camt.053.001.08 (ISO 20022 bank-to-customer statement) writer."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from lxml import etree

if TYPE_CHECKING:
    import datetime as dt

    from sandbox.bank.formats import BookedEntry, DayStatement

NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
_E = etree.Element


def _sub(parent: etree._Element, path: str, text: str | None = None,
         **attrs: str) -> etree._Element:
    """Create (or reuse the last of) each element of a ``A/B/C`` path; set text on the leaf."""
    node = parent
    parts = path.split("/")
    for i, tag in enumerate(parts):
        leaf = i == len(parts) - 1
        existing = node.findall(f"{{{NS}}}{tag}")
        node = etree.SubElement(node, f"{{{NS}}}{tag}") if leaf or not existing else existing[-1]
    if text is not None:
        node.text = text
    for key, value in attrs.items():
        node.set(key, value)
    return node


def _amount(parent: etree._Element, path: str, value: Decimal, ccy: str) -> None:
    _sub(parent, path, f"{value:.2f}", Ccy=ccy)


def _balance(stmt: etree._Element, code: str, value: Decimal, ccy: str, day: dt.date) -> None:
    bal = _sub(stmt, "Bal")
    _sub(bal, "Tp/CdOrPrtry/Cd", code)
    _amount(bal, "Amt", abs(value), ccy)
    _sub(bal, "CdtDbtInd", "CRDT" if value >= 0 else "DBIT")
    _sub(bal, "Dt/Dt", day.isoformat())


def _totals(stmt: etree._Element, st: DayStatement) -> None:
    summary = _sub(stmt, "TxsSummry")
    net = sum((e.signed for e in st.entries), Decimal("0"))
    _sub(summary, "TtlNtries/NbOfNtries", str(len(st.entries)))
    _sub(summary, "TtlNtries/Sum", f"{sum((e.amount for e in st.entries), Decimal(0)):.2f}")
    _sub(summary, "TtlNtries/TtlNetNtry/Amt", f"{abs(net):.2f}")
    _sub(summary, "TtlNtries/TtlNetNtry/CdtDbtInd", "CRDT" if net >= 0 else "DBIT")
    for tag, entries in (("TtlCdtNtries", st.credits), ("TtlDbtNtries", st.debits)):
        _sub(summary, f"{tag}/NbOfNtries", str(len(entries)))
        _sub(summary, f"{tag}/Sum", f"{sum((e.amount for e in entries), Decimal(0)):.2f}")


def _entry(stmt: etree._Element, n: int, e: BookedEntry, ccy: str) -> None:
    ntry = _sub(stmt, "Ntry")
    _sub(ntry, "NtryRef", str(n))
    _amount(ntry, "Amt", e.amount, ccy)
    _sub(ntry, "CdtDbtInd", e.direction)
    _sub(ntry, "Sts/Cd", "BOOK")
    _sub(ntry, "BookgDt/Dt", e.booking_date.isoformat())
    _sub(ntry, "ValDt/Dt", e.value_date.isoformat())
    _sub(ntry, "AcctSvcrRef", e.bank_reference)
    domain, family, sub = ("PMNT", "RCDT", "ESCT") if e.credit else ("ACMT", "MDOP", "CHRG")
    _sub(ntry, "BkTxCd/Domn/Cd", domain)
    _sub(ntry, "BkTxCd/Domn/Fmly/Cd", family)
    _sub(ntry, "BkTxCd/Domn/Fmly/SubFmlyCd", sub)
    tx = _sub(ntry, "NtryDtls/TxDtls")
    _sub(tx, "Refs/AcctSvcrRef", e.bank_reference)
    _sub(tx, "Refs/EndToEndId", e.end_to_end_id or "NOTPROVIDED")
    _amount(tx, "Amt", e.amount, ccy)
    _sub(tx, "CdtDbtInd", e.direction)
    party, account = ("Dbtr", "DbtrAcct") if e.credit else ("Cdtr", "CdtrAcct")
    _sub(tx, f"RltdPties/{party}/Pty/Nm", e.counterparty_name)
    if e.counterparty_iban:
        _sub(tx, f"RltdPties/{account}/Id/IBAN", e.counterparty_iban)
    if e.creditor_reference or e.remittance_text:
        rmt = _sub(tx, "RmtInf")
        if e.remittance_text:
            _sub(rmt, "Ustrd", e.remittance_text[:140])
        if e.creditor_reference:
            ref = _sub(rmt, "Strd/CdtrRefInf")
            _sub(ref, "Tp/CdOrPrtry/Cd", "SCOR")
            _sub(ref, "Tp/Issr", "ISO")
            _sub(ref, "Ref", e.creditor_reference)


def write_camt053(st: DayStatement) -> bytes:
    root = _E(f"{{{NS}}}Document", nsmap={None: NS})
    msg = _sub(root, "BkToCstmrStmt")
    created = st.created_at.replace(microsecond=0).isoformat()
    _sub(msg, "GrpHdr/MsgId", f"CAMT053-{st.date:%Y%m%d}-{st.sequence:05d}")
    _sub(msg, "GrpHdr/CreDtTm", created)
    _sub(msg, "GrpHdr/MsgPgntn/PgNb", "1")
    _sub(msg, "GrpHdr/MsgPgntn/LastPgInd", "true")
    stmt = _sub(msg, "Stmt")
    _sub(stmt, "Id", st.statement_id)
    _sub(stmt, "ElctrncSeqNb", str(st.sequence))
    _sub(stmt, "CreDtTm", created)
    _sub(stmt, "FrToDt/FrDtTm", f"{st.date.isoformat()}T00:00:00+00:00")
    _sub(stmt, "FrToDt/ToDtTm", f"{st.date.isoformat()}T23:59:59+00:00")
    _sub(stmt, "Acct/Id/IBAN", st.iban)
    _sub(stmt, "Acct/Ccy", st.currency)
    _sub(stmt, "Acct/Ownr/Nm", st.owner)
    _sub(stmt, "Acct/Svcr/FinInstnId/BICFI", st.bic)
    _balance(stmt, "OPBD", st.opening, st.currency, st.date)
    _balance(stmt, "CLBD", st.closing, st.currency, st.date)
    _totals(stmt, st)
    for n, entry in enumerate(st.entries, start=1):
        _entry(stmt, n, entry, st.currency)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
