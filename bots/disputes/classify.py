"""The local reason classifier: a customer's words -> a suggested reason code.

A small scikit-learn model (TF-IDF of words and of character n-grams, multinomial logistic
regression) learns from the labelled claims finbots ships (``data/dispute_examples_train.csv``)
once per process, in well under two seconds, with no network. :meth:`ReasonClassifier.suggest`
returns the most likely reason code of the book, its probability, the words that weighed most
for it (the word features' coefficients times their TF-IDF weight in this text) and whether a
person must classify (probability below the book's ``confidence_threshold``).

Character n-grams carry the short and misspelt bank texts ("ded 250.00 dmg") and the other
languages' inflections; digits are blanked before either vectorizer sees the text, so invoice
numbers and amounts never decide a reason. A text longer than :data:`MAX_TEXT` characters is
cut there (the suggestion says so). Same data, same model: training is deterministic.
"""

from __future__ import annotations

import csv
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from threadpoolctl import threadpool_limits

from bots.disputes.reasons import ReasonBook, load_reason_book
from bots.runtime.errors import ConfigError

__all__ = [
    "MAX_TEXT",
    "TRAINING_DATA",
    "ReasonClassifier",
    "Suggestion",
    "classifier",
    "read_examples",
]

DATA = Path(__file__).resolve().parent / "data"
TRAINING_DATA = DATA / "dispute_examples_train.csv"
HOLDOUT_DATA = DATA / "dispute_examples_holdout.csv"
#: the longest text the classifier reads (a claim's first 4,000 characters decide)
MAX_TEXT = 4000
#: the largest examples file read
MAX_EXAMPLES_BYTES = 5 * 1024 * 1024
#: how many words a suggestion names
TOP_WORDS = 5
RANDOM_STATE = 16
_DIGITS = re.compile(r"\d+")
#: document numbers (INV-2026-2001, RE-2026-7, SO-50311, PO 4711): they name, not explain
_REFERENCE = re.compile(r"\b(?:inv|re|so|po|rma)[-\s.:#]*\d+(?:[-/]\d+)*", re.IGNORECASE)
#: English filler words left out of the word features; the words that carry a claim's
#: meaning ("not", "never", "back", "twice", "second") stay in
_KEEP = {"not", "no", "never", "twice", "again", "only", "without", "nobody", "none",
         "nothing", "one", "two", "second", "first", "bill", "call", "amount"}
#: words every claim may carry whatever its reason (the document, greetings, sign-offs)
_FILLER = {"invoice", "invoices", "please", "kindly", "dear", "hello", "hi", "regards",
           "thanks", "thank", "team", "rechnung", "bitte", "facture", "merci", "factuur",
           "graag", "factura", "favor"}
STOP_WORDS = sorted(ENGLISH_STOP_WORDS - _KEEP)
_FILLER_WORDS = re.compile(r"\b(?:" + "|".join(sorted(_FILLER)) + r")\b")


@dataclass(frozen=True, slots=True)
class Example:
    reason: str
    channel: str
    language: str
    text: str


@dataclass(frozen=True, slots=True)
class Suggestion:
    """The model's suggestion for one claim."""

    code: str
    confidence: float  # 0..1, a probability (not money)
    words: tuple[str, ...]  # the words that weighed most for ``code``
    needs_person: bool  # confidence below the book's threshold: a person classifies
    truncated: bool = False  # the text was longer than MAX_TEXT and was cut

    def as_dict(self) -> dict[str, Any]:
        """JSON-able, the confidence as text with two decimals (``"0.87"``)."""
        return {"code": self.code, "confidence": f"{self.confidence:.2f}",
                "words": list(self.words), "needs_person": self.needs_person,
                "truncated": self.truncated}


def read_examples(path: Path = TRAINING_DATA) -> list[Example]:
    """Labelled claims from a CSV file (``reason,channel,language,text``); errors name the
    file and line."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ConfigError(f"{path.name}: cannot read: {exc.strerror}") from None
    if size > MAX_EXAMPLES_BYTES:
        raise ConfigError(f"{path.name}: larger than {MAX_EXAMPLES_BYTES // 1024 // 1024} MiB")
    examples: list[Example] = []
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = {"reason", "text"} - set(reader.fieldnames or ())
        if missing:
            raise ConfigError(f"{path.name}: line 1: missing column {sorted(missing)[0]!r}")
        for row in reader:
            reason, text = (row.get("reason") or "").strip(), (row.get("text") or "").strip()
            if not reason or not text:
                raise ConfigError(f"{path.name}: line {reader.line_num}: "
                                  f"{'reason' if not reason else 'text'} is empty")
            examples.append(Example(reason, row.get("channel") or "",
                                    row.get("language") or "", text[:MAX_TEXT]))
    if not examples:
        raise ConfigError(f"{path.name}: no examples")
    return examples


def _prepare(text: str) -> str:
    """Lower case without document numbers, digits and filler words (both vectorizers)."""
    text = _REFERENCE.sub(" ", text.lower())
    return _FILLER_WORDS.sub(" ", _DIGITS.sub(" ", text))


def _pipeline() -> Pipeline:
    words = TfidfVectorizer(preprocessor=_prepare, strip_accents="unicode", ngram_range=(1, 2),
                            sublinear_tf=True, min_df=1, stop_words=STOP_WORDS,
                            token_pattern=r"(?u)\b[^\W\d_]{2,}\b")
    chars = TfidfVectorizer(preprocessor=_prepare, strip_accents="unicode", analyzer="char_wb",
                            ngram_range=(3, 5), sublinear_tf=True, min_df=2)
    return Pipeline([
        ("features", FeatureUnion([("words", words), ("chars", chars)])),
        ("model", LogisticRegression(C=16.0, max_iter=2000, random_state=RANDOM_STATE)),
    ])


class ReasonClassifier:
    """A trained model over the book's reason codes (see :func:`classifier`)."""

    def __init__(self, book: ReasonBook, examples: Sequence[Example]) -> None:
        self.book = book
        known = set(book.code_names)
        used = [e for e in examples if e.reason in known]
        #: examples left out because the book has no such reason code
        self.skipped = len(examples) - len(used)
        if len({e.reason for e in used}) < 2:
            raise ConfigError("dispute_reasons: the training examples name fewer than two of "
                              "the book's reason codes; the classifier cannot learn")
        self.pipeline = _pipeline()
        with threadpool_limits(1):  # a small model: BLAS threads only contend on a busy host
            self.pipeline.fit([e.text for e in used], [e.reason for e in used])
        self.trained_on = len(used)
        features: FeatureUnion = self.pipeline.named_steps["features"]
        self._word_names = features.transformer_list[0][1].get_feature_names_out()
        self._n_words = len(self._word_names)
        model: LogisticRegression = self.pipeline.named_steps["model"]
        self._classes: list[str] = [str(c) for c in model.classes_]

    def with_book(self, book: ReasonBook) -> ReasonClassifier:
        """The same model judged against another threshold (same codes, new settings)."""
        clone = object.__new__(ReasonClassifier)
        clone.__dict__.update(self.__dict__)
        clone.book = book
        return clone

    def suggest(self, text: str) -> Suggestion:
        """The likeliest reason code for a claim's words (an empty text: OTHER, unsure)."""
        raw = text or ""
        truncated = len(raw) > MAX_TEXT
        raw = raw[:MAX_TEXT]
        if not raw.strip():
            code = "OTHER" if "OTHER" in self.book.code_names else self._classes[0]
            return Suggestion(code, 0.0, (), True, truncated)
        features = self.pipeline.named_steps["features"].transform([raw])
        model: LogisticRegression = self.pipeline.named_steps["model"]
        probs = model.predict_proba(features)[0]
        best = int(np.argmax(probs))
        code, confidence = self._classes[best], float(probs[best])
        return Suggestion(code, confidence, self._words(features, best),
                          confidence < self.book.confidence_threshold, truncated)

    def probabilities(self, text: str) -> dict[str, float]:
        """Every reason code's probability for a text (the bench and the tests read these)."""
        probs = self.pipeline.predict_proba([(text or "")[:MAX_TEXT]])[0]
        return {c: float(p) for c, p in zip(self._classes, probs, strict=True)}

    def _words(self, features: Any, best: int) -> tuple[str, ...]:
        """The word features of this text that pushed hardest towards class ``best``."""
        row = features.tocsr()[0]
        coef = self.pipeline.named_steps["model"].coef_[best]
        weighed: list[tuple[float, str]] = []
        for index, value in zip(row.indices, row.data, strict=True):
            if index < self._n_words:
                weight = float(coef[index] * value)
                if weight > 0:
                    weighed.append((weight, str(self._word_names[index])))
        weighed.sort(key=lambda w: (-w[0], w[1]))
        return tuple(word for _, word in weighed[:TOP_WORDS])


_LOCK = threading.Lock()
_TRAINED: dict[tuple[str, ...], ReasonClassifier] = {}


def classifier(book: ReasonBook | None = None) -> ReasonClassifier:
    """The classifier for ``book`` (default: the packaged book), trained once per process
    per set of reason codes."""
    book = book or load_reason_book()
    key = book.code_names
    with _LOCK:
        trained = _TRAINED.get(key)
        if trained is None:
            trained = ReasonClassifier(book, read_examples())
            _TRAINED[key] = trained
    return trained if trained.book == book else trained.with_book(book)
