"""Namespace-blind navigation in a camt document, with XPaths for error messages.

Locations are worked out only when an error is raised: naming a place means counting the
siblings of every ancestor, which is cheap once but would make parsing quadratic if done
for every amount of a large statement.
"""

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
        self._paths: dict[str, tuple[str, ...]] = {}
        self._kids: dict[etree._Element, dict[object, list[etree._Element]]] = {}
        # where the last error was raised: a streaming parse names it once the rest is read
        self.failed_at: tuple[etree._Element, str] | None = None

    def qualified(self, path: str) -> str:
        """``Ntry/Amt`` as the Clark names of this document's namespace."""
        return "/".join(self._steps(path))

    def _steps(self, path: str) -> tuple[str, ...]:
        steps = self._paths.get(path)
        if steps is None:
            steps = tuple(f"{{{self.ns}}}{part}" if self.ns else part
                          for part in path.split("/"))
            self._paths[path] = steps
        return steps

    def _children(self, el: etree._Element) -> dict[object, list[etree._Element]]:
        """``el``'s children by tag, worked out once: lxml's own ``find`` parses the path
        on every call, which costs more than the rest of reading an entry."""
        kids = self._kids.get(el)
        if kids is None:
            kids = {}
            for child in el:
                kids.setdefault(child.tag, []).append(child)
            self._kids[el] = kids
        return kids

    def forget(self) -> None:
        """Drop what ``_children`` learnt (the tree changed: an entry was read and emptied)."""
        self._kids.clear()

    def _walk(self, nodes: list[etree._Element], steps: tuple[str, ...]) -> list[etree._Element]:
        for step in steps:
            nodes = [found for node in nodes for found in self._children(node).get(step, ())]
            if not nodes:
                break
        return nodes

    def find(self, el: etree._Element, path: str) -> etree._Element | None:
        """The first element at ``path`` below ``el``, in document order."""
        # called a dozen times per entry: the caches are looked up inline
        steps = self._paths.get(path) or self._steps(path)
        known = self._kids
        node = el
        for n, step in enumerate(steps):
            kids = known.get(node)
            found = (kids if kids is not None else self._children(node)).get(step)
            if not found:
                return None
            if len(found) > 1 and n < len(steps) - 1:  # several branches: the first that
                nodes = self._walk(found, steps[n + 1:])  # goes on
                return nodes[0] if nodes else None
            node = found[0]
        return node

    def findall(self, el: etree._Element, path: str) -> list[etree._Element]:
        return self._walk([el], self._steps(path))

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
        self.failed_at = (el, sub)
        return StatementParseError(message, file=self.file, location=self.where(el, sub))

    def where(self, el: etree._Element, sub: str = "") -> str:
        return xpath(el) + (f"/{sub}" if sub else "")

    def amount(self, el: etree._Element, path: str) -> tuple[Decimal, str]:
        """(amount, currency) of an ``<Amt Ccy="EUR">`` element."""
        amt = self.require(el, path)
        try:
            currency = check_currency(amt.get("Ccy", ""), file=self.file, location="")
        except StatementParseError as exc:
            raise self.error(exc.reason, amt, "@Ccy") from None
        try:
            value = parse_amount(amt.text or "", currency, file=self.file, location="",
                                 exact_zeros=True)
        except StatementParseError as exc:
            raise self.error(exc.reason, amt) from None
        return value, currency

    def date(self, el: etree._Element, path: str) -> dt.date | None:
        """An ISODate or ISODateTime under ``path`` (``.../Dt`` or ``.../DtTm``)."""
        node = self.find(el, path)
        if node is None:
            return None
        for leaf in ("Dt", "DtTm"):
            inner = self.find(node, leaf)
            if inner is not None:
                return self._date(inner)
        return self._date(node) if (node.text or "").strip() else None

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
    """``/Document/BkToCstmrStmt/Stmt/Ntry[3]/Amt``: local names, index when siblings share it.

    Entries already read by a streaming parse stay in the tree as empty elements, so the
    count of siblings holds. Costs a pass over each ancestor's siblings: errors only.
    """
    parts: list[str] = []
    node: etree._Element | None = el
    while node is not None:
        name = etree.QName(node).localname
        parent = node.getparent()
        if parent is not None:
            before = sum(1 for _ in node.itersiblings(node.tag, preceding=True))
            after = next(node.itersiblings(node.tag), None) is not None
            if before or after:
                name += f"[{before + 1}]"
        parts.append(name)
        node = parent
    return "/" + "/".join(reversed(parts))
