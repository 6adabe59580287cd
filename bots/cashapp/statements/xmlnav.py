"""Namespace-blind navigation in a camt document, with XPaths for error messages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from lxml import etree

from bots.cashapp.statements.money import check_currency, parse_amount
from bots.runtime.errors import StatementParseError


class Doc:
    """A camt document: finds children by local path in its namespace, names places."""

    def __init__(self, root: etree._Element, file: str) -> None:
        self.root = root
        self.ns = etree.QName(root).namespace or ""
        self.file = file

    def _q(self, path: str) -> str:
        if not self.ns:
            return path
        return "/".join(f"{{{self.ns}}}{part}" for part in path.split("/"))

    def find(self, el: etree._Element, path: str) -> etree._Element | None:
        return el.find(self._q(path))

    def findall(self, el: etree._Element, path: str) -> list[etree._Element]:
        return el.findall(self._q(path))

    def text(self, el: etree._Element, path: str) -> str | None:
        found = self.find(el, path)
        if found is None or found.text is None:
            return None
        return found.text.strip() or None

    def first_text(self, el: etree._Element, *paths: str) -> str | None:
        for path in paths:
            value = self.text(el, path)
            if value:
                return value
        return None

    def require(self, el: etree._Element, path: str) -> etree._Element:
        found = self.find(el, path)
        if found is None:
            raise self.error(f"missing element {path}", el, path)
        return found

    def require_text(self, el: etree._Element, path: str) -> str:
        value = self.text(el, path)
        if not value:
            raise self.error(f"missing or empty element {path}", el, path)
        return value

    def error(self, message: str, el: etree._Element, sub: str = "") -> StatementParseError:
        where = xpath(el) + (f"/{sub}" if sub else "")
        return StatementParseError(message, file=self.file, location=where)

    def amount(self, el: etree._Element, path: str) -> tuple[Decimal, str]:
        """(amount, currency) of an ``<Amt Ccy="EUR">`` element."""
        amt = self.require(el, path)
        where = xpath(amt)
        currency = check_currency(amt.get("Ccy", ""), file=self.file, location=where + "/@Ccy")
        return parse_amount(amt.text or "", currency, file=self.file, location=where), currency

    def date(self, el: etree._Element, path: str) -> dt.date | None:
        """An ISODate or ISODateTime under ``path`` (``.../Dt`` or ``.../DtTm``)."""
        for leaf in ("Dt", "DtTm"):
            node = self.find(el, f"{path}/{leaf}")
            if node is not None:
                return self._date(node)
        node = self.find(el, path)
        return self._date(node) if node is not None and (node.text or "").strip() else None

    def _date(self, node: etree._Element) -> dt.date:
        raw = (node.text or "").strip()
        try:
            return dt.date.fromisoformat(raw[:10])
        except ValueError as exc:
            raise self.error(f"invalid date {raw!r}", node) from exc

    def datetime(self, el: etree._Element, path: str) -> dt.datetime | None:
        """An ISODateTime as aware UTC; a time without offset is taken as UTC."""
        node = self.find(el, path)
        if node is None or not (node.text or "").strip():
            return None
        raw = (node.text or "").strip()
        try:
            value = dt.datetime.fromisoformat(raw)
        except ValueError as exc:
            raise self.error(f"invalid date-time {raw!r}", node) from exc
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def xpath(el: etree._Element) -> str:
    """``/Document/BkToCstmrStmt/Stmt/Ntry[3]/Amt``: local names, index when siblings share it."""
    parts: list[str] = []
    node: etree._Element | None = el
    while node is not None:
        name = etree.QName(node).localname
        parent = node.getparent()
        if parent is not None:
            same = [c for c in parent if c.tag == node.tag]
            if len(same) > 1:
                name += f"[{same.index(node) + 1}]"
        parts.append(name)
        node = parent
    return "/" + "/".join(reversed(parts))
