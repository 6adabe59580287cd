"""A case's rule and confidence in words a finance person reads without the bot's source:
the rule's note (declared by the bot, :attr:`~bots.runtime.cases.CaseType.rule_notes`)
and what a confidence figure means, with the bot's own explanation of this case."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bots.runtime.cases import CaseType

__all__ = ["confidence_words", "find_confidence", "plain_words"]

#: (lowest confidence, what it means), strongest first
_BANDS = ((0.95, "near certain"), (0.90, "strong"), (0.75, "fair: a person should check it"),
          (0.50, "weak: only a hint"), (0.0, "no usable match"))


def confidence_words(value: Any, explanation: str | None = None) -> str:
    """``0.5`` -> ``"0.50 of 1.00 (weak: only a hint): two invoices fit equally"``."""
    try:
        figure = float(value)
    except (TypeError, ValueError):
        return ""
    if not 0.0 <= figure <= 1.0:
        return ""
    band = next(words for floor, words in _BANDS if figure >= floor)
    why = f": {explanation.strip().rstrip('.')}" if explanation and explanation.strip() else ""
    return f"{figure:.2f} of 1.00 ({band}){why}"


def find_confidence(data: Mapping[str, Any]) -> Any:
    """The confidence a bot recorded in a case's data (top level or in its payload)."""
    if "confidence" in data:
        return data["confidence"]
    payload = data.get("payload")
    return payload.get("confidence") if isinstance(payload, Mapping) else None


def plain_words(case_type: CaseType, rule: str | None, data: Mapping[str, Any],
                explanation: str | None) -> dict[str, str]:
    """``rule``: the rule's note; ``confidence``: the confidence in words (either "")."""
    return {"rule": case_type.rule_note(rule),
            "confidence": confidence_words(find_confidence(data), explanation)}
