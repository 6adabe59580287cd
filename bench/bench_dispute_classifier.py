"""The disputes bot's reason classifier on the held-out claims, beside keyword rules.

Trains the classifier (:mod:`bots.disputes.classify`) on the shipped training claims and
judges it on the held-out file it never learns from (``bots/disputes/data/``): accuracy of
every suggestion, the share sent to a person at the book's confidence threshold, the accuracy
of the claims it decided itself, precision and recall per reason code, the training time and
the median time of one ``suggest()`` (CPU time of the process, so a busy machine does not
inflate them; the wall clock of the whole bench is printed at the end).

Beside it, the alternative a finance team would otherwise keep: keyword rules (the first
reason whose keyword the text contains, in the book's order; none found: OTHER, sent to a
person). Its keywords are the obvious ones in the five languages of the claims, written once
by hand, not learned.

Run: ``python -m bench.bench_dispute_classifier [--repeat 5]``
"""

from __future__ import annotations

import argparse
import csv
import re
import statistics
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bots.disputes.classify import (
    HOLDOUT_DATA,
    TRAINING_DATA,
    Example,
    ReasonClassifier,
    read_examples,
)
from bots.disputes.reasons import ReasonBook, load_reason_book

#: keyword rules, first match wins, in this order (unaccented, lower case)
KEYWORDS: dict[str, tuple[str, ...]] = {
    "DUPLICATE_BILLING": ("duplicate", "twice", "double", "doppel", "dubbel", "duplicad",
                          "double emploi", "two invoices"),
    "TAX": ("vat", "tax", "reverse charge", "mwst", "ust", "umsatzsteuer", "tva", "btw", "iva"),
    "RETURNED": ("return", "rma", "sent back", "retour", "devol", "retourn"),
    "DAMAGED": ("damage", "broken", "dented", "crushed", "defect", "beschadig", "beschädig",
                "endommag", "danad", "dmg"),
    "NOT_ORDERED": ("not ordered", "never ordered", "no po", "nicht bestellt",
                    "jamais commande", "niet besteld", "no pedimos", "unordered"),
    "SERVICE_NOT_RENDERED": ("technician", "service", "engineer", "not performed",
                             "nicht erbracht", "intervention", "monteur", "servicio"),
    "QUANTITY": ("short", "missing", "only", "fehl", "incomplete", "manquant", "te weinig",
                 "faltan", "faltante"),
    "PRICING": ("price", "preis", "prix", "prijs", "precio", "overcharge", "discount"),
}


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_PATTERNS = {code: re.compile("|".join(r"\b" + re.escape(_plain(w)) for w in words))
             for code, words in KEYWORDS.items()}


def keyword_rule(text: str) -> tuple[str, bool]:
    """The keyword rules' reason and whether a person must look (no keyword found)."""
    plain = _plain(text)
    for code, pattern in _PATTERNS.items():
        if pattern.search(plain):
            return code, False
    return "OTHER", True


@dataclass
class Figures:
    name: str
    accuracy: float
    to_person: float
    decided_accuracy: float
    train_seconds: float | None
    suggest_ms: float
    per_reason: dict[str, tuple[float, float, int]]  # precision, recall, support


def _judge(name: str, examples: Sequence[Example], decide: Callable[[str], tuple[str, bool]],
           train_seconds: float | None, repeat: int, codes: Sequence[str]) -> Figures:
    results = [decide(e.text) for e in examples]
    timings = []
    for _ in range(repeat):
        for e in examples:
            started = time.process_time()
            decide(e.text)
            timings.append(time.process_time() - started)
    right = [code == e.reason for (code, _), e in zip(results, examples, strict=True)]
    decided = [r for r, (_, person) in zip(right, results, strict=True) if not person]
    per_reason = {}
    for code in codes:
        predicted = [e.reason for (c, _), e in zip(results, examples, strict=True) if c == code]
        actual = [c for (c, _), e in zip(results, examples, strict=True) if e.reason == code]
        precision = predicted.count(code) / len(predicted) if predicted else 0.0
        recall = actual.count(code) / len(actual) if actual else 0.0
        per_reason[code] = (precision, recall, len(actual))
    return Figures(name, sum(right) / len(right),
                   sum(person for _, person in results) / len(results),
                   sum(decided) / len(decided) if decided else 0.0, train_seconds,
                   statistics.median(timings) * 1000, per_reason)


def _train(book: ReasonBook, examples: Sequence[Example], repeat: int
           ) -> tuple[ReasonClassifier, float]:
    times, model = [], None
    for _ in range(repeat):
        started = time.process_time()
        model = ReasonClassifier(book, examples)
        times.append(time.process_time() - started)
    assert model is not None
    return model, statistics.median(times)


def _phrasings() -> list[str]:
    """The held-out file's ``phrasing`` column (new | seen), in its order."""
    with HOLDOUT_DATA.open(encoding="utf-8", newline="") as fh:
        return [row.get("phrasing") or "" for row in csv.DictReader(fh)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5,
                        help="trainings and suggest() passes timed (medians)")
    args = parser.parse_args(argv)
    wall = time.perf_counter()
    book = load_reason_book()
    train, held_out = read_examples(TRAINING_DATA), read_examples(HOLDOUT_DATA)
    model, train_seconds = _train(book, train, args.repeat)

    def suggest(text: str) -> tuple[str, bool]:
        s = model.suggest(text)
        return s.code, s.needs_person

    rows = [_judge("classifier", held_out, suggest, train_seconds, args.repeat, book.code_names),
            _judge("keyword rules", held_out, keyword_rule, None, args.repeat, book.code_names)]
    print(f"held-out claims: {len(held_out)} ({len(train)} training claims), "
          f"confidence threshold {book.confidence_threshold:.2f}")
    print(f"{'':16}{'accuracy':>10}{'to person':>11}{'decided ok':>12}{'train s':>9}"
          f"{'suggest ms':>12}")
    for f in rows:
        trained = f"{f.train_seconds:.2f}" if f.train_seconds is not None else "-"
        print(f"{f.name:16}{f.accuracy:>10.3f}{f.to_person:>11.3f}{f.decided_accuracy:>12.3f}"
              f"{trained:>9}{f.suggest_ms:>12.3f}")
    print()
    print(f"{'reason':22}{'n':>4}  {'classifier P/R':>15}  {'keywords P/R':>14}")
    for code in book.code_names:
        p1, r1, n = rows[0].per_reason[code]
        p2, r2, _ = rows[1].per_reason[code]
        print(f"{code:22}{n:>4}  {p1:>7.2f}/{r1:<7.2f}  {p2:>6.2f}/{r2:<7.2f}")
    print()
    phrasing = _phrasings()
    for tag, what in (("new", "phrasings never trained on"), ("seen", "trained phrasings, "
                                                              "new values")):
        part = [e for e, p in zip(held_out, phrasing, strict=True) if p == tag]
        if part:
            f = _judge("classifier", part, suggest, None, 1, book.code_names)
            k = _judge("keyword rules", part, keyword_rule, None, 1, book.code_names)
            print(f"{what} ({len(part)}): classifier accuracy {f.accuracy:.3f}, to a person "
                  f"{f.to_person:.3f}, decided ok {f.decided_accuracy:.3f}; keyword rules "
                  f"accuracy {k.accuracy:.3f}")
    print(f"\nwall clock of the bench: {time.perf_counter() - wall:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
