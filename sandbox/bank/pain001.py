"""The bank's reading of an uploaded ISO 20022 credit-transfer file (pain.001.001.03 or .09).

The file is parsed by lxml with entity resolution, DTD loading and network access off; a
document type declaration is refused before parsing. Every refusal names the field and the
line it was found on. What is checked: the message (``GrpHdr``: ``MsgId``, ``NbOfTxs``,
``CtrlSum`` when given), each payment block (transfer method, execution date, the debtor
account being one of this bank's accounts of the customer) and each transfer
(``EndToEndId``, an amount in EUR with at most two decimals, the creditor's name and IBAN).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from lxml import etree

from bots.cashapp.identifiers import compact, is_valid_iban

MAX_BYTES = 1_000_000
MAX_TRANSFERS = 1000
NAMESPACES = {f"urn:iso:std:iso:20022:tech:xsd:pain.001.001.{v}": v for v in ("03", "09")}
_AMOUNT = re.compile(r"^\d{1,12}(\.\d{1,2})?$")
_ID = re.compile(r"^[A-Za-z0-9/\-?:().,'+ ]{1,35}$")


class PaymentFileError(ValueError):
    """A payment file the bank refuses, with the field and line that made it refuse."""


@dataclass(frozen=True)
class Transfer:
    end_to_end_id: str
    amount: Decimal
    currency: str
    creditor_name: str
    creditor_iban: str
    remittance: str
    debtor_iban: str
    execution_date: dt.date


@dataclass(frozen=True)
class PaymentFile:
    msg_id: str
    version: str  # "03" or "09"
    transfers: tuple[Transfer, ...]

    @property
    def total(self) -> Decimal:
        return sum((t.amount for t in self.transfers), Decimal("0.00"))


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False, remove_comments=True)


def read(content: bytes, debtor_accounts: set[str]) -> PaymentFile:
    """The file's transfers, or :class:`PaymentFileError`."""
    if len(content) > MAX_BYTES:
        raise PaymentFileError(f"the file has {len(content)} bytes; at most {MAX_BYTES}")
    if b"<!DOCTYPE" in content.upper() or b"<!ENTITY" in content.upper():
        raise PaymentFileError("document type declarations and entities are not accepted")
    try:
        root = etree.fromstring(content, _parser())
    except etree.XMLSyntaxError as exc:
        raise PaymentFileError(f"not well-formed XML: {exc}") from None
    qname = etree.QName(root)
    version = NAMESPACES.get(qname.namespace or "")
    if qname.localname != "Document" or version is None:
        raise PaymentFileError(f"line {root.sourceline}: not a pain.001.001.03 or .09 "
                               f"document ({root.tag})")
    return _Reader(qname.namespace or "", version, debtor_accounts).message(root)


class _Reader:
    def __init__(self, ns: str, version: str, accounts: set[str]) -> None:
        self.ns, self.version = ns, version
        self.accounts = {compact(a) for a in accounts}

    def _path(self, path: str) -> str:
        return "/".join(f"{{{self.ns}}}{p}" for p in path.split("/"))

    def one(self, parent: etree._Element, path: str, *, required: bool = True) -> str:
        found = parent.find(self._path(path))
        text = (found.text or "").strip() if found is not None else ""
        if required and not text:
            raise PaymentFileError(f"line {parent.sourceline}: {path} is missing in "
                                   f"{etree.QName(parent).localname}")
        return text

    def message(self, root: etree._Element) -> PaymentFile:
        initiation = root.find(self._path("CstmrCdtTrfInitn"))
        if initiation is None:
            raise PaymentFileError(f"line {root.sourceline}: CstmrCdtTrfInitn is missing")
        header = initiation.find(self._path("GrpHdr"))
        if header is None:
            raise PaymentFileError(f"line {initiation.sourceline}: GrpHdr is missing")
        msg_id = self.one(header, "MsgId")
        if not _ID.match(msg_id):
            raise PaymentFileError(f"line {header.sourceline}: MsgId {msg_id!r} is not a "
                                   "valid identifier (1-35 characters)")
        transfers: list[Transfer] = []
        for block in initiation.findall(self._path("PmtInf")):
            transfers += self.block(block)
            if len(transfers) > MAX_TRANSFERS:
                raise PaymentFileError(f"more than {MAX_TRANSFERS} transfers in one file")
        if not transfers:
            raise PaymentFileError(f"line {initiation.sourceline}: the file holds no transfer")
        count = self.one(header, "NbOfTxs")
        if count != str(len(transfers)):
            raise PaymentFileError(f"line {header.sourceline}: NbOfTxs says {count}, the file "
                                   f"holds {len(transfers)} transfers")
        result = PaymentFile(msg_id, self.version, tuple(transfers))
        control = self.one(header, "CtrlSum", required=False)
        if control and _decimal(control, "CtrlSum", header) != result.total:
            raise PaymentFileError(f"line {header.sourceline}: CtrlSum {control} is not the "
                                   f"sum of the transfers ({result.total})")
        ids = [t.end_to_end_id for t in transfers]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise PaymentFileError(f"EndToEndId {twice[0]} appears twice in the file")
        return result

    def block(self, block: etree._Element) -> list[Transfer]:
        method = self.one(block, "PmtMtd")
        if method != "TRF":
            raise PaymentFileError(f"line {block.sourceline}: PmtMtd {method!r}: only credit "
                                   "transfers (TRF) are accepted")
        when = self.one(block, "ReqdExctnDt/Dt" if self.version == "09" else "ReqdExctnDt")
        try:
            day = dt.date.fromisoformat(when)
        except ValueError:
            raise PaymentFileError(f"line {block.sourceline}: ReqdExctnDt {when!r} is not a "
                                   "date") from None
        debtor = compact(self.one(block, "DbtrAcct/Id/IBAN"))
        if debtor not in self.accounts:
            raise PaymentFileError(f"line {block.sourceline}: DbtrAcct {debtor} is not an "
                                   "account of yours at this bank")
        return [self.transfer(tx, debtor, day)
                for tx in block.findall(self._path("CdtTrfTxInf"))]

    def transfer(self, tx: etree._Element, debtor: str, day: dt.date) -> Transfer:
        line = tx.sourceline
        e2e = self.one(tx, "PmtId/EndToEndId")
        if not _ID.match(e2e) or e2e == "NOTPROVIDED":
            raise PaymentFileError(f"line {line}: EndToEndId {e2e!r} is not a usable "
                                   "identifier (1-35 characters)")
        amount_el = tx.find(self._path("Amt/InstdAmt"))
        if amount_el is None:
            raise PaymentFileError(f"line {line}: Amt/InstdAmt is missing")
        currency = amount_el.get("Ccy", "")
        if currency != "EUR":
            raise PaymentFileError(f"line {amount_el.sourceline}: currency {currency!r}: "
                                   "only EUR transfers are accepted")
        amount = _decimal((amount_el.text or "").strip(), "InstdAmt", amount_el)
        if amount <= 0:
            raise PaymentFileError(f"line {amount_el.sourceline}: InstdAmt must be more than 0")
        name = self.one(tx, "Cdtr/Nm")
        if len(name) > 70:
            raise PaymentFileError(f"line {line}: Cdtr/Nm longer than 70 characters")
        iban = compact(self.one(tx, "CdtrAcct/Id/IBAN"))
        if not is_valid_iban(iban):
            raise PaymentFileError(f"line {line}: CdtrAcct IBAN {iban} is not a valid IBAN")
        remittance = self.one(tx, "RmtInf/Ustrd", required=False)[:140]
        return Transfer(e2e, amount, currency, name, iban, remittance, debtor, day)


def _decimal(text: str, what: str, where: etree._Element) -> Decimal:
    if not _AMOUNT.match(text):
        raise PaymentFileError(f"line {where.sourceline}: {what} {text!r} is not an amount "
                               "with at most two decimals")
    try:
        return Decimal(text).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise PaymentFileError(f"line {where.sourceline}: {what} {text!r}") from None
