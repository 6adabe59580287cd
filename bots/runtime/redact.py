"""Keep secret values out of everything a run leaves behind.

A :class:`Redactor` holds the secret values registered during a run (credential fields,
values typed into secret fields) with their common encodings (URL-encoded as in a form
body or query string, HTML-escaped, JSON-escaped) and replaces each with ``***``.
"""

from __future__ import annotations

import html
import json
import threading
import traceback
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus

__all__ = ["MASK", "Redactor"]

MASK = "***"


class Redactor:
    """Registry of secret values; values shorter than ``min_length`` are ignored."""

    def __init__(self, min_length: int = 3) -> None:
        self.min_length = min_length
        self._forms: set[str] = set()
        self._ordered: list[str] = []
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._forms)

    def __repr__(self) -> str:
        return f"Redactor({len(self._forms)} forms)"

    def add(self, value: str | None) -> None:
        """Register ``value`` (and its encoded forms) as secret."""
        if not value or len(value) < self.min_length:
            return
        forms = {
            value,
            quote(value, safe=""),
            quote_plus(value),
            html.escape(value),
            json.dumps(value)[1:-1],
        }
        with self._lock:
            self._forms |= {f for f in forms if f}
            self._ordered = sorted(self._forms, key=len, reverse=True)

    def add_all(self, values: Iterable[str | None]) -> None:
        for value in values:
            self.add(value)

    def redact(self, text: str) -> str:
        for form in self._ordered:
            if form in text:
                text = text.replace(form, MASK)
        return text

    def redact_bytes(self, data: bytes) -> bytes:
        for form in self._ordered:
            raw = form.encode()
            if raw in data:
                data = data.replace(raw, MASK.encode())
        return data

    def redact_value(self, value: Any) -> Any:
        """Redact strings inside nested dicts, lists and tuples; other values pass as is."""
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, dict):
            return {k: self.redact_value(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(self.redact_value(v) for v in value)
        return value

    def describe(self, exc: BaseException) -> str:
        """``Type: message`` of an exception, redacted."""
        return self.redact(f"{type(exc).__name__}: {exc}")

    def format_exception(self, exc: BaseException) -> str:
        """The full formatted traceback, redacted."""
        return self.redact("".join(traceback.format_exception(exc)))

    def patch(self, record: dict[str, Any]) -> None:
        """Loguru patcher: redacts the message and extras, inlines a redacted traceback.

        The exception is formatted here (without loguru's variable-dumping ``diagnose``)
        and removed from the record, so no sink can render the raw one.
        """
        record["message"] = self.redact(record["message"])
        record["extra"].update(self.redact_value(dict(record["extra"])))
        exc = record.get("exception")
        if exc is not None and exc.value is not None:
            record["message"] += "\n" + self.format_exception(exc.value).rstrip()
            record["exception"] = None
