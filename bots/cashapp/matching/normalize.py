"""Normalized keys for invoice numbers, references and payer names.

Invoice numbers are compared on three keys:

* ``raw``: upper case, letters and digits only (``inv-2026 1019`` -> ``INV20261019``);
* ``folded``: ``raw`` with the characters OCR and typing confuse mapped to one glyph
  (O->0, I/L->1, S->5, B->8), so ``lNV-2O26-1OO7`` and ``INV-2026-1007`` are equal;
* ``core``: ``folded`` without the alphabetic prefix (``FACTURA 2026-1006`` -> ``20261006``).
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Iterable, Iterator
from functools import lru_cache

_KEEP = set(string.ascii_uppercase + string.digits)
_DROP_TABLE = {i: None for i in range(128) if chr(i) not in _KEEP}
_FOLD_TABLE = str.maketrans("OILSB", "01158")
_NON_ALNUM = re.compile(r"[^0-9A-Z]+")
_LETTERS = string.ascii_uppercase
_SPLIT = re.compile(r"[\s,;]+")
_NAME_CHARS = re.compile(r"[^0-9a-z ]+")
_INNER_DOT = re.compile(r"(?<=\w)\.(?=\w)")
_DIGITS = string.digits
FOLDED_ALPHABET = "".join(sorted(set(string.digits + _LETTERS) - set("OILSB")))


def raw_key(value: str) -> str:
    text = value.upper()
    if text.isascii():
        return text.translate(_DROP_TABLE)
    return _NON_ALNUM.sub("", text)


def fold(raw: str) -> str:
    return raw.translate(_FOLD_TABLE)


def invoice_keys(number: str) -> tuple[str, str]:
    """``(folded, core)`` of an invoice number; ``core`` is folded too."""
    raw = raw_key(number)
    return raw.translate(_FOLD_TABLE), raw.lstrip(_LETTERS).translate(_FOLD_TABLE)


_NON_ALNUM_NL = re.compile(r"[^0-9A-Z\n]+")
_DROP_KEEP_NL = {k: v for k, v in _DROP_TABLE.items() if k != ord("\n")}
_LEADING_LETTERS = re.compile(r"^[A-Z]+", re.MULTILINE)


def batch_invoice_keys(numbers: list[str]) -> tuple[list[str], list[str], str]:
    """``invoice_keys`` for many numbers at once, plus every character the keys use.

    The work runs on one joined string in C, which makes a million numbers cheap.
    """
    big = "\n".join(numbers).upper()
    if big.count("\n") != len(numbers) - 1:  # a number with a line break: one by one
        keys = [invoice_keys(n) for n in numbers]
        chars = set("".join(f for f, _ in keys))
        return [f for f, _ in keys], [c for _, c in keys], "".join(sorted(chars | set(_DIGITS)))
    raw = big.translate(_DROP_KEEP_NL) if big.isascii() else _NON_ALNUM_NL.sub("", big)
    folded = raw.translate(_FOLD_TABLE)
    core = _LEADING_LETTERS.sub("", raw).translate(_FOLD_TABLE)
    chars = (set(folded) - {"\n"}) | set(_DIGITS)
    return folded.split("\n"), core.split("\n"), "".join(sorted(chars))


def batch_fuzzy_keys(numbers: list[str]) -> tuple[list[str], list[str]]:
    """The keys the fuzzy search compares, for many numbers at once: each folded number,
    and the same without its leading letters (taken off after folding, so a prefix read
    as ``1NV`` keeps its ``1``)."""
    folded = batch_invoice_keys(numbers)[0]
    return folded, _LEADING_LETTERS.sub("", "\n".join(folded)).split("\n")


def text_fragments(text: str, max_tokens: int, min_length: int) -> Iterator[str]:
    """Raw keys of runs of up to ``max_tokens`` adjacent tokens that contain a digit.

    Joining neighbours rebuilds numbers a bank or a person split (``INV2026 1019``).
    """
    tokens = [raw_key(t) for t in _SPLIT.split(text.upper()) if t]
    tokens = [t for t in tokens if t]
    seen: set[str] = set()
    for start in range(len(tokens)):
        joined = ""
        for tok in tokens[start : start + max_tokens]:
            joined += tok
            # raw keys hold only A-Z and 0-9: "not all letters" means "has a digit"
            if len(joined) >= min_length and not joined.isalpha() and joined not in seen:
                seen.add(joined)
                yield joined


def one_edit_variants(key: str, alphabet: str = FOLDED_ALPHABET) -> Iterator[str]:
    """Every string one deletion, insertion, substitution or adjacent swap away."""
    n = len(key)
    for i in range(n):
        yield key[:i] + key[i + 1 :]
        if i + 1 < n and key[i] != key[i + 1]:
            yield key[:i] + key[i + 1] + key[i] + key[i + 2 :]
        for ch in alphabet:
            if ch != key[i]:
                yield key[:i] + ch + key[i + 1 :]
    for i in range(n + 1):
        for ch in alphabet:
            yield key[:i] + ch + key[i:]


@lru_cache(maxsize=8)
def _legal_form_tokens(legal_forms: tuple[str, ...]) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Legal forms as word tuples by their last word, longest first: a name is compared
    only with the forms that end in its own last word."""
    forms = {tuple(_name_tokens(f)) for f in legal_forms}
    by_last: dict[str, list[tuple[str, ...]]] = {}
    for form in sorted((f for f in forms if f), key=len, reverse=True):
        by_last.setdefault(form[-1], []).append(form)
    return {last: tuple(group) for last, group in by_last.items()}


def _name_tokens(value: str) -> list[str]:
    text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode().lower()
    text = text.replace("&", " and ")
    # "S.A." -> "sa", "B.V." -> "bv": dots inside abbreviations vanish, other marks split
    text = _INNER_DOT.sub("", text).replace(".", " ")
    return _NAME_CHARS.sub(" ", text).split()


def normalize_name(value: str, legal_forms: tuple[str, ...]) -> str:
    """Lower-case words without punctuation, accents or trailing legal forms."""
    tokens = _name_tokens(value)
    by_last = _legal_form_tokens(legal_forms)
    stripped = True
    while stripped and len(tokens) > 1:
        stripped = False
        for form in by_last.get(tokens[-1], ()):
            if len(form) < len(tokens) and tuple(tokens[-len(form) :]) == form:
                tokens = tokens[: -len(form)]
                stripped = True
                break
    return " ".join(tokens)


@lru_cache(maxsize=8)
def keyword_pattern(keywords: tuple[str, ...]) -> re.Pattern[str]:
    """Whole-word, case-insensitive alternation (``1/2`` does not match ``11/2026``)."""
    parts = sorted((re.escape(k.strip()) for k in keywords if k.strip()), key=len, reverse=True)
    if not parts:
        return re.compile(r"(?!x)x")
    return re.compile(r"(?<![\w/])(?:" + "|".join(parts) + r")(?![\w/])", re.IGNORECASE)


def mentions_any(text: str, keywords: Iterable[str]) -> bool:
    return bool(keyword_pattern(tuple(keywords)).search(text))
