"""Invoice references in an entry (rules a and b): RF, exact, OCR-folded, prefix-less, fuzzy.

Everything here depends on the entry and the index only, never on other entries.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bots.cashapp.identifiers import is_valid_rf, rf_body
from bots.cashapp.matching.config import MatchingConfig
from bots.cashapp.matching.fuzzy_search import Found, closest
from bots.cashapp.matching.index import OpenItemIndex
from bots.cashapp.matching.normalize import fold, one_edit_variants, raw_key, text_fragments
from bots.cashapp.model import OpenItem, StatementEntry

RF = "structured_reference"
EXACT = "invoice_exact"
OCR = "invoice_ocr"
CORE = "invoice_core"
FUZZY = "invoice_fuzzy"
STRENGTH = {RF: 0, EXACT: 1, OCR: 2, CORE: 3, FUZZY: 4}
STRONG = (RF, EXACT)
_RF_TOKEN = re.compile(r"RF\s?\d{2}(?:\s?[0-9A-Z]){1,21}", re.IGNORECASE)
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True, slots=True)
class RefHit:
    item: OpenItem
    kind: str  # one of RF, EXACT, OCR, CORE, FUZZY
    score: float  # 0..1, how closely the text matched
    fragment: str  # the text that matched (normalized)


def entry_text(entry: StatementEntry) -> str:
    """Free text to search: the remittance text, and a creditor reference that is no RF."""
    cref = entry.creditor_reference or ""
    if cref and not is_valid_rf(cref):
        return f"{entry.remittance_text} {cref}"
    return entry.remittance_text


def structured_hits(entry: StatementEntry, index: OpenItemIndex) -> list[RefHit]:
    """Open items named by a check-digit-valid RF reference (field or text)."""
    refs = [entry.creditor_reference or ""]
    refs += [m.group(0) for m in _RF_TOKEN.finditer(entry.remittance_text)]
    hits: list[RefHit] = []
    for ref in refs:
        if not ref or not is_valid_rf(ref):
            continue
        items = index.rf(ref)
        if not items:
            body = rf_body(ref)
            items = tuple(i for i in index.folded(fold(body)) if raw_key(i.invoice_number) == body)
        hits.extend(RefHit(i, RF, 1.0, raw_key(ref)) for i in items)
    return _best_per_item(hits)


def text_hits(text: str, index: OpenItemIndex, config: MatchingConfig) -> list[RefHit]:
    """Invoice numbers written in ``text``: exact, OCR-folded or without their prefix."""
    hits: list[RefHit] = []
    min_len = config.min_reference_length
    by_folded, by_core = index.by_folded.get, index.by_core.get
    for frag in text_fragments(text, config.max_reference_tokens, min_len):
        found = by_folded(fold(frag))
        if found is not None:
            for item in found if type(found) is tuple else (found,):
                exact = raw_key(item.invoice_number) == frag
                hits.append(RefHit(item, EXACT if exact else OCR, 1.0 if exact else 0.95, frag))
        core = fold(frag.lstrip(_LETTERS))
        found = by_core(core) if len(core) >= min_len else None
        if found is not None:
            hits.extend(RefHit(i, CORE, 0.9, frag) for i in index.core(core))
    strong_cores = {_core(h.item) for h in hits if h.kind in (EXACT, OCR)}
    hits = [h for h in hits if h.kind != CORE or _core(h.item) not in strong_cores]
    return _best_per_item(hits)


def _core(item: OpenItem) -> str:
    return fold(raw_key(item.invoice_number).lstrip(_LETTERS))


def _best_per_item(hits: Iterable[RefHit]) -> list[RefHit]:
    best: dict[str, RefHit] = {}
    for hit in hits:
        seen = best.get(hit.item.invoice_number)
        if seen is None or STRENGTH[hit.kind] < STRENGTH[seen.kind]:
            best[hit.item.invoice_number] = hit
    return sorted(best.values(), key=lambda h: (STRENGTH[h.kind], h.item.invoice_number))


def fuzzy_queries(text: str, config: MatchingConfig) -> set[str]:
    """What :func:`fuzzy_hits` searches for in ``text``: each fragment folded, with and
    without its letter prefix."""
    found: set[str] = set()
    for frag in text_fragments(text, config.max_reference_tokens, config.min_reference_length):
        found.update(q for q in (fold(frag), fold(frag.lstrip(_LETTERS)))
                     if len(q) >= config.min_reference_length)
    return found


def fuzzy_hits(
    text: str,
    choices: tuple[dict[str, OpenItem], list[str]],
    index: OpenItemIndex,
    config: MatchingConfig,
    searched: Mapping[str, Found] | None = None,
) -> tuple[list[RefHit], list[RefHit]]:
    """Garbled invoice numbers of the payer's invoices in ``text``: ``(hits, rivals)``.

    ``choices`` are the payer's folded invoice numbers and cores (``CustomerRecord.
    fuzzy_choices``, built once per customer, not once per payment). A fragment is taken
    only when one of the payer's invoices is its unique closest match and no other open
    invoice anywhere is as close (one edit away). Otherwise the near matches come back as
    ``rivals`` for a person to look at. ``searched``: the closest choices of the queries
    (:func:`fuzzy_queries`), found for several payments at once (:func:`closest_all`).
    """
    by_key, keys = choices
    hits: list[RefHit] = []
    rivals: list[RefHit] = []
    if not keys:
        return hits, rivals
    cutoff = config.invoice_fuzzy_cutoff
    for frag in text_fragments(text, config.max_reference_tokens, config.min_reference_length):
        for query in {fold(frag), fold(frag.lstrip(_LETTERS))}:
            if len(query) < config.min_reference_length:
                continue
            found = searched[query] if searched is not None else closest(query, keys, cutoff)
            if not found:
                continue
            top = found[0][1]
            best = {by_key[k].invoice_number: by_key[k] for k, s, _ in found if s == top}
            near = [h for h in _neighbours(query, index) if h.invoice_number not in best]
            if len(best) == 1 and not near:
                (item,) = best.values()
                hits.append(RefHit(item, FUZZY, top / 100, query))
            else:
                rivals += [RefHit(i, FUZZY, top / 100, query) for i in best.values()]
                rivals += [RefHit(i, FUZZY, 0.9, query) for i in near]
    return _best_per_item(hits), _best_per_item(rivals)


def _neighbours(key: str, index: OpenItemIndex) -> list[OpenItem]:
    """Open items anywhere whose folded number or core is at most one edit from ``key``."""
    found: dict[str, OpenItem] = {}
    by_folded, by_core = index.by_folded.get, index.by_core.get
    for variant in (key, *one_edit_variants(key, index.key_chars)):
        for hit in (by_folded(variant), by_core(variant)):
            if hit is None:
                continue
            for item in hit if type(hit) is tuple else (hit,):
                found.setdefault(item.invoice_number, item)
    return list(found.values())
