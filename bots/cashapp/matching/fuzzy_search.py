"""The payer's invoice numbers closest to a garbled one: one query at a time, or all the
queries of one customer's payments at once.

``process.extract`` prepares every choice again for each query. When a customer holds a
large share of a month end's open items and many of its payments carry garbled numbers,
that repeated preparation is most of the matching. Scored together, a customer's queries
share one preparation of its numbers per batch and run on every core: each query gets the
same list as :func:`closest` would give it, score for score and in the same order.
"""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz import fuzz, process

#: (choice, score, position among the choices), best first; ties in the choices' order
Found = list[tuple[str, float, int]]

LIMIT = 3  # the closest few; more than one of the best score means no unique match
#: below this many pairs (queries x choices) a customer's queries are searched one by one
BATCH_PAIRS = 1_000_000
#: at most this many pairs are scored at once (one byte each)
BATCH_CELLS = 16_000_000
#: a query with more rough candidates than one in this many choices is searched on its
#: own: scoring each candidate again would cost more (numbers that run close together)
CANDIDATE_SHARE = 20


def closest(query: str, keys: Sequence[str], cutoff: float) -> Found:
    """The :data:`LIMIT` keys most similar to ``query`` (``fuzz.ratio``) at or above
    ``cutoff``."""
    return process.extract(query, keys, scorer=fuzz.ratio, limit=LIMIT, score_cutoff=cutoff)


def closest_all(queries: Sequence[str], keys: Sequence[str], cutoff: float) -> dict[str, Found]:
    """:func:`closest` of every query."""
    if len(queries) < 2 or len(queries) * len(keys) < BATCH_PAIRS or cutoff < 2:
        return {query: closest(query, keys, cutoff) for query in queries}
    import numpy as np  # only a customer with thousands of invoices gets here

    # whole-number scores first (a pair at or above the cutoff is never rounded below
    # ``rough``), then the exact score of the few pairs that pass
    rough = int(cutoff) - 1
    step = max(1, BATCH_CELLS // max(len(keys), 1))
    found: dict[str, Found] = {}
    for start in range(0, len(queries), step):
        part = list(queries[start:start + step])
        scores = process.cdist(part, keys, scorer=fuzz.ratio, score_cutoff=rough,
                               dtype=np.uint8, workers=-1)
        for query, row in zip(part, scores, strict=True):
            near = np.flatnonzero(row >= rough).tolist()
            if len(near) * CANDIDATE_SHARE > len(keys):
                found[query] = closest(query, keys, cutoff)
                continue
            exact = [(score, k) for k in near
                     if (score := fuzz.ratio(query, keys[k], score_cutoff=cutoff)) >= cutoff]
            exact.sort(key=lambda pair: (-pair[0], pair[1]))
            found[query] = [(keys[k], score, k) for score, k in exact[:LIMIT]]
    return found
