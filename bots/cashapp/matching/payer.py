"""Who paid: the customer behind an entry, by IBAN first, then by name."""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bots.cashapp.matching.config import MatchingConfig
from bots.cashapp.matching.index import OpenItemIndex
from bots.cashapp.matching.normalize import normalize_name
from bots.cashapp.model import StatementEntry


@dataclass(frozen=True, slots=True)
class Payer:
    customer_id: str
    how: str  # iban | name | fuzzy_name | reference
    score: float  # 0..1

    @property
    def certain(self) -> bool:
        return self.how in ("iban", "name")


def identify_payer(
    entry: StatementEntry, index: OpenItemIndex, config: MatchingConfig
) -> Payer | None:
    """The one customer the entry's account or name points to, or ``None``.

    An account shared by several customers, or a name equally close to two customers,
    identifies nobody: the rules then treat the payer as unknown.
    """
    among: tuple[str, ...] = ()
    if entry.counterparty_iban:
        among = index.customers_by_iban(entry.counterparty_iban)
        if len(among) == 1:
            return Payer(among[0], "iban", 1.0)
    if not entry.counterparty_name:
        return None
    norm = normalize_name(entry.counterparty_name, config.legal_forms)
    if not norm:
        return None
    # an account several customers share: the name tells which of them paid (each asked
    # of its customer; the account may be shared by thousands)
    shared = entry.counterparty_iban if among else None
    exact = index.customers_by_name(norm)
    if shared:
        exact = tuple(c for c in exact if index.holds_iban(c, shared))
    if len(exact) == 1:
        return Payer(exact[0], "iban" if shared else "name", 1.0 if shared else 0.97)
    if exact:
        return None
    return _fuzzy_name(norm, index, config, shared)


def _fuzzy_name(
    norm: str, index: OpenItemIndex, config: MatchingConfig, shared: str | None
) -> Payer | None:
    block = index.name_block(norm.split())
    if not block:
        return None
    found = process.extract(
        norm, block, scorer=fuzz.token_sort_ratio, limit=3, score_cutoff=config.name_fuzzy_cutoff
    )
    ids: list[tuple[str, float]] = []
    for name, score, _ in found:
        ids.extend((cid, score) for cid in index.customers_by_name(name))
    if shared:
        ids = [(c, s) for c, s in ids if index.holds_iban(c, shared)]
    if not ids:
        return None
    ids.sort(key=lambda x: -x[1])
    if len(ids) > 1 and ids[0][1] - ids[1][1] < config.name_fuzzy_margin:
        return None
    return Payer(ids[0][0], "fuzzy_name", ids[0][1] / 100)
