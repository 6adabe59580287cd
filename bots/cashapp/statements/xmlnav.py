"""Namespace-blind navigation in a camt document, with XPaths for error messages.

Locations are worked out only when an error is raised: naming a place means counting the
siblings of every ancestor, which is cheap once but would make parsing quadratic if done
for every amount of a large statement.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from lxml import etree

from bots.cashapp.statements.money import check_currency, minor_units, parse_amount
from bots.runtime.errors import StatementParseError

Paths = dict[str, list[etree._Element]]
# an amount as banks nearly always write it: digits, at most two decimals (ASCII only;
# anything else takes the full check of ``parse_amount``)
_CENTS = re.compile(r"\d+(?:\.\d{1,2})?\Z", re.ASCII)


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
        self._local: dict[object, str] = {}  # tag -> local name ("" for comments)
        self._currencies: dict[str, str] = {}  # Ccy as written -> checked code
        self._dates: dict[str, dt.date] = {}  # ISO text -> date (a month has few days)

    def paths(self, el: etree._Element, enter: frozenset[str]) -> Paths:
        """The elements below ``el`` by local path (``RltdPties/Dbtr/Nm``), in document
        order, read in one walk of the subtree that goes into the elements named in
        ``enter`` only (the others are listed, their content is not read).

        For a path through entered elements, ``paths(el, ...)[p][0]`` is what
        ``find(el, p)`` returns and ``paths(el, ...)[p]`` what ``findall(el, p)`` does;
        elements of other namespaces are listed under names no path matches. One walk
        costs a fraction of a dozen ``find`` calls.
        """
        out: Paths = {}
        self._paths_below(el, "", out, enter)
        return out

    def _paths_below(self, el: etree._Element, base: str, out: Paths,
                     enter: frozenset[str]) -> None:
        local = self._local
        for child in el:
            tag = child.tag
            name = local.get(tag)
            if name is None:
                name = local[tag] = self._local_name(tag)
            if not name:
                continue
            path = base + name
            found = out.get(path)
            if found is None:
                out[path] = [child]
            else:
                found.append(child)
            if name in enter:
                self._paths_below(child, path + "/", out, enter)

    def _local_name(self, tag: object) -> str:
        """The local name of a tag in this document's namespace; a name no path can
        match for another namespace; "" for comments and processing instructions."""
        if not isinstance(tag, str):
            return ""
        prefix = f"{{{self.ns}}}" if self.ns else ""
        if prefix and tag.startswith(prefix):
            return tag[len(prefix):]
        if not prefix and not tag.startswith("{"):
            return tag
        return "{}" + tag if not tag.startswith("{") else tag

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
        return self.amount_of(self.require(el, path))

    def amount_of(self, amt: etree._Element) -> tuple[Decimal, str]:
        """(amount, currency) of the ``<Amt Ccy="EUR">`` element ``amt``."""
        written = amt.get("Ccy", "")
        currency = self._currencies.get(written)
        if currency is None:
            try:
                currency = check_currency(written, file=self.file, location="")
            except StatementParseError as exc:
                raise self.error(exc.reason, amt, "@Ccy") from None
            self._currencies[written] = currency
        text = amt.text
        if text is not None and _CENTS.match(text) and minor_units(currency) >= 2:
            return Decimal(text), currency  # what parse_amount gives, without its checks
        written = (text or "").strip()
        if written.startswith("+"):  # an XML decimal may carry a plus (never a minus here)
            written = written[1:]
        try:
            value = parse_amount(written, currency, file=self.file, location="",
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
                return self.day(inner)
        return self.day(node) if (node.text or "").strip() else None

    def day(self, node: etree._Element) -> dt.date:
        """The ISO date at the start of ``node``'s text; an error naming the node otherwise."""
        raw = (node.text or "").strip()
        known = self._dates.get(raw)
        if known is not None:
            return known
        try:
            day = dt.date.fromisoformat(raw[:10])
        except ValueError as exc:
            raise self.error(f"invalid date {raw!r}", node) from exc
        self._dates[raw] = day
        return day

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
