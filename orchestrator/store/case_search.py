"""What people type into the inbox's search box, against what a case holds.

Each case keeps one lower-case, accent-free text (``ExceptionCase.search_text``) made when
the case is written: its reference, summary, customer, amount and every word and number
of the data its bot recorded (payer names, remittance text, invoice numbers, the
customer's name, candidates...). A search then asks for every typed word inside that
text, all of them required, through a trigram index of it
(:mod:`orchestrator.store.search_index`): no JSON is read at query time, and the cases
without the words are never read at all.

Amounts are kept as ``1234.56``; a typed amount is read the way people write it
(``1,234.56``, ``1234,56``, ``1.234,56``, ``1234.56``) and looked for in
that form. ``1,234`` and ``1.234`` could be either: both readings are tried.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, literal_column, or_, select, table
from sqlmodel import col

from orchestrator.store.models import ExceptionCase
from orchestrator.store.search_index import FTS_TABLE, MIN_TRIGRAM

__all__ = ["MAX_TERMS", "MAX_TEXT", "case_search_text", "fold", "search_condition",
           "search_terms"]

#: Characters of searchable text kept per case (the start of what the bot recorded).
MAX_TEXT = 16_000
#: Words of a search that count (the rest are ignored).
MAX_TERMS = 8
_GROUPED = re.compile(r"^[+-]?\d{1,3}(?:([ ,.'])\d{3})(?:\1\d{3})*(?:([.,])(\d{1,2}))?$")
_PLAIN = re.compile(r"^[+-]?\d+(?:[.,](\d{1,2}))?$")
_DECIMAL = re.compile(r"^-?\d+\.\d{2}$")


def fold(text: str) -> str:
    """Lower case without accents: ``Ålesund Müller`` -> ``alesund muller``."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _words(value: Any) -> Iterator[str]:
    """Every text and number in a JSON-like value, depth first, keys left out."""
    if isinstance(value, Mapping):
        for v in value.values():
            yield from _words(v)
    elif isinstance(value, Sequence) and not isinstance(value, str | bytes):
        for v in value:
            yield from _words(v)
    elif isinstance(value, Decimal):
        yield f"{value:.2f}"
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int | float | str):
        text = str(value).strip()
        if text:
            yield text


def case_search_text(case: ExceptionCase) -> str:
    """The searchable text of a case (what :func:`search_condition` looks in)."""
    parts: list[str] = [case.reference, case.reason_code, case.summary or "",
                        case.customer_id or "", case.rule or ""]
    if case.amount is not None:
        parts.append(f"{Decimal(case.amount):.2f}")
    seen: set[str] = set()
    size = sum(len(p) for p in parts)
    for word in _words([case.data or {}, case.candidates or []]):
        if word in seen:
            continue
        seen.add(word)
        size += len(word) + 1
        if size > MAX_TEXT:
            break
        parts.append(word)
    return fold(" | ".join(p for p in parts if p))[:MAX_TEXT]


def _amount_forms(term: str) -> list[str] | None:
    """The ways a typed amount may be stored (None: not an amount)."""
    compact = term.replace("\u00a0", " ")
    grouped = _GROUPED.match(compact)
    if grouped:
        sep, dec_sep, cents = grouped.group(1), grouped.group(2), grouped.group(3)
        digits = re.sub(r"[ ,.']", "", compact.split(dec_sep)[0] if dec_sep else compact)
        if dec_sep and dec_sep != sep:
            return [f"{digits}.{cents.ljust(2, '0')}"]
        if dec_sep is None and sep in ",." and compact.count(sep) == 1:
            # 1,234 or 1.234: a thousands separator or a decimal point
            return [digits, compact.replace(",", ".")]
        return [digits] if dec_sep is None else None
    plain = _PLAIN.match(compact)
    if plain and plain.group(1) is not None:
        whole = re.split(r"[.,]", compact)[0]
        return [f"{whole}.{plain.group(1).ljust(2, '0')}"]
    return None


def search_terms(q: str) -> list[list[str]]:
    """The typed words, each with the forms it may take in a case's text.

    Quoted text stays one phrase; an amount gets its stored form.
    """
    terms: list[list[str]] = []
    for phrase, word in re.findall(r'"([^"]+)"|(\S+)', q):
        raw = (phrase or word).strip()
        if not raw:
            continue
        forms = _amount_forms(raw) if not phrase else None
        terms.append(forms or [fold(raw)])
        if len(terms) == MAX_TERMS:
            break
    return terms


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _phrase(text: str) -> str:
    """``text`` as one FTS5 phrase (a substring, with the trigram tokenizer)."""
    return '"' + text.replace('"', '""') + '"'


def search_condition(q: str, dialect: str = "") -> ColumnElement[bool] | None:
    """The WHERE clause of a search (None when nothing was typed): every word in the case's
    text. On SQLite the words long enough for trigrams are looked up in the text index
    (:mod:`orchestrator.store.search_index`); on PostgreSQL its trigram index serves the
    ``LIKE`` conditions themselves."""
    terms = search_terms(q)
    if not terms:
        return None
    text = col(ExceptionCase.search_text)
    likes = [or_(*(text.like(_like(form), escape="\\") for form in forms))
             for forms in terms
             if dialect != "sqlite" or min(len(f) for f in forms) < MIN_TRIGRAM]
    phrases = [f"({' OR '.join(_phrase(f) for f in forms)})" for forms in terms
               if dialect == "sqlite" and min(len(f) for f in forms) >= MIN_TRIGRAM]
    if phrases:
        matched = (select(literal_column("rowid")).select_from(table(FTS_TABLE))
                   .where(literal_column(FTS_TABLE).op("MATCH")(" AND ".join(phrases))))
        likes.insert(0, col(ExceptionCase.id).in_(matched))
    return and_(*likes)
