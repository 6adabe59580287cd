"""What the billing portal checks in an e-invoice attached to a release.

The file must be at most :data:`MAX_BYTES`, well-formed XML without a document type
declaration or entities, and name the draft's invoice number and gross total: a
UN/CEFACT CII invoice (``ExchangedDocument/ID``, ``GrandTotalAmount``) or a UBL invoice
(the root's ``ID``, ``LegalMonetaryTotal/TaxInclusiveAmount``).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from lxml import etree

MAX_BYTES = 2 * 1024 * 1024


class EInvoiceRefused(Exception):
    """The attached file is not the draft's e-invoice; the message says why."""


def _first(root: etree._Element, xpath: str) -> str | None:
    found = root.xpath(xpath)
    if not found:
        return None
    node = found[0]
    return (node.text or "").strip() if isinstance(node, etree._Element) else str(node)


def read_einvoice(data: bytes) -> tuple[str, Decimal]:
    """The invoice number and gross total the XML names; refuses anything else."""
    if not data:
        raise EInvoiceRefused("Field einvoice: attach the e-invoice XML file.")
    if len(data) > MAX_BYTES:
        raise EInvoiceRefused(f"Field einvoice: the file is larger than {MAX_BYTES} bytes.")
    head = data[:4096].upper()
    if b"<!DOCTYPE" in head or b"<!ENTITY" in data.upper():
        raise EInvoiceRefused("Field einvoice: a document type declaration or entities "
                              "are not accepted.")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise EInvoiceRefused(f"Field einvoice: not well-formed XML ({exc}).") from None
    number = (_first(root, "//*[local-name()='ExchangedDocument']/*[local-name()='ID']")
              or _first(root, "/*/*[local-name()='ID']"))
    gross = (_first(root, "//*[local-name()='GrandTotalAmount']")
             or _first(root, "//*[local-name()='LegalMonetaryTotal']"
                             "/*[local-name()='TaxInclusiveAmount']"))
    if not number:
        raise EInvoiceRefused("Field einvoice: the XML names no invoice number.")
    try:
        total = Decimal(gross or "")
    except InvalidOperation:
        raise EInvoiceRefused("Field einvoice: the XML names no gross total.") from None
    return number, total


def check_einvoice(data: bytes, number: str, gross_total: Decimal) -> None:
    """Refuse ``data`` unless it is the e-invoice of draft ``number`` with ``gross_total``."""
    named, total = read_einvoice(data)
    if named != number:
        raise EInvoiceRefused(f"Field einvoice: the XML is invoice {named}, not {number}.")
    if total != gross_total:
        raise EInvoiceRefused(f"Field einvoice: the XML's gross total {total} is not the "
                              f"draft's {gross_total}.")
