"""Noise for the generated scenarios: pseudo-words for names, OCR and typing slips."""

from __future__ import annotations

import random

_SYL = "ka lo mi ne ru ta vo zen bar dil fo gra hu jal kri mor nus pel qua ros sul tev ul wen"
_SYL_LIST = _SYL.split()
TRADE = ("Industrial", "Foods", "Retail", "Logistics", "Pharma", "Marine", "Tools", "Energy")
LEGAL = ("GmbH", "Ltd", "S.A.", "B.V.", "AG", "AS", "Inc.", "SE", "LLC", "SA")
_OCR = {"0": "O", "1": "l", "5": "S", "8": "B", "I": "1"}


def word(n: int) -> str:
    out = ""
    for _ in range(4):
        n, k = divmod(n, len(_SYL_LIST))
        out += _SYL_LIST[k]
    return out.capitalize()


def stranger(n: int) -> str:
    return f"Xyq{n:07d} Outsider Holdings Ltd"


def garble(number: str, rnd: random.Random) -> str:
    """OCR confusions (0->O, 1->l, 5->S, 8->B) or one swap of adjacent digits."""
    chars = list(number)
    spots = [k for k, ch in enumerate(chars) if ch in _OCR]
    if spots and rnd.random() < 0.7:
        for k in rnd.sample(spots, min(len(spots), rnd.randrange(1, 3))):
            chars[k] = _OCR[chars[k]]
        return "".join(chars)
    digits = [k for k in range(9, len(chars) - 1) if chars[k] != chars[k + 1]]
    k = rnd.choice(digits) if digits else len(chars) - 2
    chars[k], chars[k + 1] = chars[k + 1], chars[k]
    return "".join(chars)
