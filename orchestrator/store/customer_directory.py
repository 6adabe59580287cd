"""The customer directory: how people find a customer by name, number, invoice number, IBAN
or bank reference, kept in ``customer_term`` as bots write their records.

Each record of kind ``customer`` (the customer's identity as a bot read it from the ERP),
``invoice`` or ``finance_event`` adds the words it names to the directory, in the same
transaction as the record (:func:`index_record`). A term is its text folded to lower-case
letters and digits (``INV-2026-1001`` and ``inv 2026 1001`` are one term, an IBAN typed
with or without its spaces too), so a search is a prefix range on the unique index
``(term, customer_id, source)``: it reads only the entries it returns, on SQLite and on
PostgreSQL alike, however many customers and invoices there are.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, bindparam, insert
from sqlmodel import col, select

from bots.runtime.records import Record
from orchestrator.store.base import StoreBase
from orchestrator.store.models import BotWrittenRecord, CustomerTerm

__all__ = ["INDEXED_KINDS", "MAX_RECORDS", "MIN_QUERY", "CustomerDirectoryMixin",
           "CustomerMatch",
           "fold", "index_record", "terms_of"]

#: the record kinds whose words go into the directory
INDEXED_KINDS = frozenset({"customer", "invoice", "finance_event"})
#: characters (after folding) a search needs
MIN_QUERY = 2
#: most records of one customer read at once (the newest)
MAX_RECORDS = 20_000
MAX_TERM = 120
_TERM = CustomerTerm.__table__  # type: ignore[attr-defined]
_HAVE_TERMS = select(_TERM.c.term, _TERM.c.source).where(
    _TERM.c.customer_id == bindparam("b_customer"),
    _TERM.c.term.in_(bindparam("b_terms", expanding=True)))
_ADD_TERM = insert(_TERM)
_TOP = "z" * MAX_TERM  # above every folded term with a given prefix (letters and digits)
_REFERENCE_TYPES = ("payment_", "refund_")


@dataclass(frozen=True, slots=True)
class CustomerMatch:
    """A customer a search found, and what it was found by."""

    customer_id: str
    source: str  # name, number, invoice, iban, reference, document
    text: str


def fold(text: str) -> str:
    """``text`` as a term: accents dropped, lower case, letters and digits only."""
    plain = unicodedata.normalize("NFKD", str(text))
    return "".join(c for c in plain.lower() if c.isascii() and c.isalnum())[:MAX_TERM]


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Iterable) and not isinstance(value, Mapping):
        return [str(v) for v in value if isinstance(v, str | int)]
    return []


def terms_of(kind: str, key: str, data: Mapping[str, Any],
             customer_id: str | None) -> list[tuple[str, str, str]]:
    """The ``(term, source, text)`` a record adds for its customer (none without one)."""
    if not customer_id or kind not in INDEXED_KINDS:
        return []
    found: list[tuple[str, str]] = [("number", customer_id)]
    if kind == "customer":
        name = str(data.get("name") or "")
        if name:
            found.append(("name", name))
            found += [("name", word) for word in name.split()[1:]]
        found += [("iban", v) for v in _strings(data.get("ibans"))]
        found += [("reference", v) for v in _strings(data.get("bank_references"))]
    elif kind == "invoice":
        found.append(("invoice", str(data.get("number") or key)))
    else:
        found += [("invoice", v) for v in _strings(data.get("invoice_numbers"))]
        if data.get("document"):
            found.append(("document", str(data["document"])))
        type_, _, reference = key.partition(":")
        if reference and type_.startswith(_REFERENCE_TYPES):
            found.append(("reference", reference))
    terms: dict[tuple[str, str], str] = {}
    for source, text in found:
        term = fold(text)
        if len(term) >= MIN_QUERY:
            terms.setdefault((term, source), text.strip()[:200])
    return [(term, source, text) for (term, source), text in terms.items()]


def index_record(conn: Connection, kind: str, key: str, data: Mapping[str, Any],
                 customer_id: str | None) -> int:
    """Add the record's terms the directory lacks (in the caller's transaction)."""
    terms = terms_of(kind, key, data, customer_id)
    if not terms or customer_id is None:
        return 0
    have = set(conn.execute(_HAVE_TERMS, {"b_customer": customer_id,
                                         "b_terms": sorted({t for t, _, _ in terms})}).all())
    missing = [{"term": term, "customer_id": customer_id, "source": source, "text": text}
               for term, source, text in terms if (term, source) not in have]
    if missing:
        conn.execute(_ADD_TERM, missing)
    return len(missing)


class CustomerDirectoryMixin(StoreBase):
    def find_customers(self, text: str, *, limit: int = 20) -> list[CustomerMatch]:
        """Customers whose name, number, invoice, IBAN or bank reference starts with
        ``text`` (folded), exact matches first; each customer once. ValueError when the
        text has fewer than :data:`MIN_QUERY` letters or digits."""
        query = fold(text)
        if len(query) < MIN_QUERY:
            raise ValueError(f"q: type at least {MIN_QUERY} letters or digits to search")
        stmt = (select(CustomerTerm.customer_id, CustomerTerm.source, CustomerTerm.text,
                       CustomerTerm.term)
                .where(CustomerTerm.term >= query, CustomerTerm.term <= query + _TOP)
                .order_by(col(CustomerTerm.term)).limit(max(limit * 10, 100)))
        with self._tx() as s:
            rows = list(s.exec(stmt))
        rows.sort(key=lambda r: (r[3] != query, len(r[3])))  # exact, then shortest
        seen: dict[str, CustomerMatch] = {}
        for customer_id, source, found_text, _term in rows:
            if customer_id not in seen:
                seen[customer_id] = CustomerMatch(customer_id, source, found_text)
                if len(seen) >= limit:
                    break
        return list(seen.values())

    def customer_names(self, customer_ids: Sequence[str]) -> dict[str, str | None]:
        """The name of each customer as its ``customer`` record has it (one query)."""
        if not customer_ids:
            return {}
        with self._tx() as s:
            rows = s.exec(select(BotWrittenRecord.key, BotWrittenRecord.data).where(
                BotWrittenRecord.kind == "customer",
                col(BotWrittenRecord.key).in_(list(customer_ids)))).all()
        return {key: (data or {}).get("name") or (data or {}).get("payer_name")
                for key, data in rows}

    def customer_records(self, customer_id: str, kinds: Sequence[str], *,
                         limit: int = MAX_RECORDS) -> dict[str, list[Record]]:
        """The newest versions of the customer's records of ``kinds``, by kind, most
        recently written first: one query on the customer's index, rows read as plain
        tuples (a customer page reads hundreds of records)."""
        table: Table = BotWrittenRecord.__table__  # type: ignore[attr-defined]
        c = table.c
        stmt = (select(c.kind, c.key, c.data, c.customer_id, c.version, c.bot, c.run_id,
                       c.updated_at, c.created_at, c.id)
                .where(c.customer_id == customer_id, c.kind.in_(list(kinds)))
                .order_by(c.id.desc()).limit(limit))
        found: dict[str, list[Record]] = {kind: [] for kind in kinds}
        with self._tx() as s:
            for row in s.exec(stmt):  # type: ignore[call-overload]
                found[row[0]].append(Record(row[0], row[1], dict(row[2] or {}), row[3],
                                            row[4], row[5], row[6], row[7], row[8], row[9]))
        for records in found.values():
            records.sort(key=lambda r: r.written_at, reverse=True)
        return found
