"""A bot's arguments: the type names of its task's annotations, and text converted to them.

Supported annotations: ``str``, ``int``, ``float``, ``bool``, ``Decimal``, ``datetime.date``,
``pathlib.Path``, ``Literal["a", "b"]`` (a choice), and ``X | None`` of any of these.
Money stays ``Decimal``; a ``float`` argument is for ratios, never for amounts.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from bots.runtime.errors import ConfigError

if TYPE_CHECKING:
    from bots.runtime.bot import ArgumentSpec

__all__ = ["convert", "type_name"]

_NAMES: dict[Any, str] = {str: "str", int: "int", float: "float", bool: "bool",
                          Decimal: "decimal", dt.date: "date", Path: "path"}
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def type_name(annotation: Any) -> tuple[str, tuple[str, ...]]:
    """``(type name, choices)`` of a parameter annotation (``str`` when unannotated)."""
    if annotation is typing.Any or annotation is inspect_empty():
        return "str", ()
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(inner) == 1:
            return type_name(inner[0])
        return "str", ()
    if origin is Literal:
        return "choice", tuple(str(v) for v in typing.get_args(annotation))
    if annotation in _NAMES:
        return _NAMES[annotation], ()
    raise ConfigError(f"an argument of type {annotation!r} is not supported: use str, int, "
                      "float, bool, Decimal, date, Path or Literal[...]")


def inspect_empty() -> Any:
    import inspect

    return inspect.Parameter.empty


def convert(spec: ArgumentSpec, value: Any) -> Any:
    """``value`` (usually text) as the argument's type; ConfigError names the argument."""
    if value is None:
        return None
    if spec.type != "str" and isinstance(value, str) and value.strip() == "" \
            and not spec.required:
        return spec.default
    text = str(value).strip()
    try:
        match spec.type:
            case "str":
                return str(value)
            case "int":
                return value if isinstance(value, int) and not isinstance(value, bool) \
                    else int(text)
            case "float":
                return float(text)
            case "decimal":
                number = Decimal(text)
                if not number.is_finite():
                    raise ValueError(text)
                return number
            case "bool":
                if isinstance(value, bool):
                    return value
                if text.lower() in _TRUE:
                    return True
                if text.lower() in _FALSE:
                    return False
                raise ValueError(text)
            case "date":
                return value if isinstance(value, dt.date) else dt.date.fromisoformat(text)
            case "path":
                return Path(text)
            case "choice":
                if text not in spec.choices:
                    raise ConfigError(f"argument {spec.name!r} must be one of "
                                      f"{', '.join(spec.choices)}, not {text!r}")
                return text
    except (ValueError, InvalidOperation):
        raise ConfigError(f"argument {spec.name!r} must be a {spec.type}, "
                          f"not {str(value)[:60]!r}") from None
    return value
