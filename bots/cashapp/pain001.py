"""ISO 20022 credit-transfer initiation (pain.001.001.03): the payment file a company
uploads to its bank to pay money out (refunds of customer payments, later dispute credits).

:func:`build` writes one message with one payment block per requested execution date.
Identifiers are the caller's: ``msg_id`` names the file (a bank refuses one it has seen),
each transfer's ``end_to_end_id`` travels with the money to the payee and is what makes a
transfer findable, and refusable as a duplicate, at the bank.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from lxml import etree

from bots.cashapp.identifiers import compact, is_valid_iban

__all__ = ["NAMESPACE", "CreditTransfer", "Debtor", "build"]

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"
_ID = re.compile(r"^[A-Za-z0-9/\-?:().,'+ ]{1,35}$")
CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Debtor:
    """Who pays: the company and its account."""

    name: str
    iban: str
    bic: str | None = None


@dataclass(frozen=True, slots=True)
class CreditTransfer:
    end_to_end_id: str
    amount: Decimal
    creditor_name: str
    creditor_iban: str
    remittance: str = ""
    currency: str = "EUR"


def _check(debtor: Debtor, msg_id: str, transfers: Sequence[CreditTransfer]) -> None:
    if not transfers:
        raise ValueError("a payment file needs at least one transfer")
    if not _ID.match(msg_id):
        raise ValueError(f"message id {msg_id!r}: 1-35 letters, digits or /-?:().,'+ ")
    if not is_valid_iban(debtor.iban):
        raise ValueError(f"debtor IBAN {debtor.iban!r} is not valid")
    for t in transfers:
        if not _ID.match(t.end_to_end_id):
            raise ValueError(f"end-to-end id {t.end_to_end_id!r}: 1-35 letters, digits or "
                             "/-?:().,'+ ")
        if t.amount <= 0 or t.amount != t.amount.quantize(CENT):
            raise ValueError(f"{t.end_to_end_id}: amount {t.amount} must be positive with at "
                             "most two decimals")
        if not is_valid_iban(t.creditor_iban):
            raise ValueError(f"{t.end_to_end_id}: creditor IBAN {t.creditor_iban!r} is not "
                             "valid")
        if not t.creditor_name.strip():
            raise ValueError(f"{t.end_to_end_id}: the creditor's name is missing")


def build(debtor: Debtor, msg_id: str, transfers: Sequence[CreditTransfer], *,
          execution_date: dt.date, created_at: dt.datetime | None = None) -> bytes:
    """The pain.001.001.03 document (UTF-8 bytes with an XML declaration)."""
    _check(debtor, msg_id, transfers)
    created = (created_at or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    total = sum((t.amount for t in transfers), Decimal("0.00"))
    doc = etree.Element(f"{{{NAMESPACE}}}Document", nsmap={None: NAMESPACE})
    root = _sub(doc, "CstmrCdtTrfInitn")
    header = _sub(root, "GrpHdr")
    _sub(header, "MsgId", msg_id)
    _sub(header, "CreDtTm", created.strftime("%Y-%m-%dT%H:%M:%S"))
    _sub(header, "NbOfTxs", str(len(transfers)))
    _sub(header, "CtrlSum", f"{total:.2f}")
    _sub(_sub(header, "InitgPty"), "Nm", debtor.name[:70])
    block = _sub(root, "PmtInf")
    _sub(block, "PmtInfId", msg_id)
    _sub(block, "PmtMtd", "TRF")
    _sub(block, "NbOfTxs", str(len(transfers)))
    _sub(block, "CtrlSum", f"{total:.2f}")
    _sub(_sub(_sub(block, "PmtTpInf"), "SvcLvl"), "Cd", "SEPA")
    _sub(block, "ReqdExctnDt", execution_date.isoformat())
    _sub(_sub(block, "Dbtr"), "Nm", debtor.name[:70])
    _sub(_sub(_sub(block, "DbtrAcct"), "Id"), "IBAN", compact(debtor.iban))
    agent = _sub(_sub(block, "DbtrAgt"), "FinInstnId")
    if debtor.bic:
        _sub(agent, "BIC", debtor.bic)
    else:
        _sub(_sub(agent, "Othr"), "Id", "NOTPROVIDED")
    _sub(block, "ChrgBr", "SLEV")
    for t in transfers:
        tx = _sub(block, "CdtTrfTxInf")
        _sub(_sub(tx, "PmtId"), "EndToEndId", t.end_to_end_id)
        amount = _sub(_sub(tx, "Amt"), "InstdAmt", f"{t.amount:.2f}")
        amount.set("Ccy", t.currency)
        _sub(_sub(tx, "Cdtr"), "Nm", t.creditor_name.strip()[:70])
        _sub(_sub(_sub(tx, "CdtrAcct"), "Id"), "IBAN", compact(t.creditor_iban))
        if t.remittance:
            _sub(_sub(tx, "RmtInf"), "Ustrd", t.remittance[:140])
    return bytes(etree.tostring(doc, xml_declaration=True, encoding="UTF-8",
                                pretty_print=True))


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, f"{{{NAMESPACE}}}{tag}")
    if text is not None:
        element.text = text
    return element
