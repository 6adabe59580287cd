"""Statements and advices as plain JSON data: Decimals as strings, dates in ISO 8601."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from enum import Enum
from typing import Any

from bots.cashapp.model import RemittanceAdvice, Statement


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def statement_to_dict(statement: Statement | RemittanceAdvice) -> dict[str, Any]:
    data: dict[str, Any] = _plain(dataclasses.asdict(statement))
    return data
