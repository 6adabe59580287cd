"""The claims desk's limits and the checks of what people and bots type into its forms.

Every refusal is a :class:`Refused` whose message names the field
(``Field amount: ...``); the pages show it in ``#error``.
"""

from __future__ import annotations

import re
from decimal import Decimal

#: a credit memo above this needs two approvers' names to be released
TWO_APPROVERS_ABOVE = Decimal("1000.00")
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
MAX_TEXT = 4000
MAX_SHORT = 80
_AMOUNT = re.compile(r"^\d{1,9}(\.\d{1,2})?$")
_SIGNATURES = {".pdf": (b"%PDF-",), ".png": (b"\x89PNG\r\n\x1a\n",),
               ".jpg": (b"\xff\xd8\xff",), ".jpeg": (b"\xff\xd8\xff",)}
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


class Refused(Exception):
    """The portal refuses an action; the message names the field or the state."""


def amount(value: object, field: str = "amount") -> Decimal:
    """A positive amount with at most two decimals (``190.40``)."""
    text = str(value or "").strip()
    if not _AMOUNT.match(text) or Decimal(text) <= 0:
        raise Refused(f"Field {field}: enter an amount above 0.00 with at most two decimals "
                      f"(for example 190.40), not {text[:20]!r}.")
    return Decimal(text).quantize(Decimal("0.01"))


def text(value: object, field: str, *, required: bool = True, limit: int = MAX_TEXT) -> str:
    """Free text of at most ``limit`` characters (line breaks kept, ends trimmed)."""
    got = str(value or "").replace("\r\n", "\n").strip()
    if required and not got:
        raise Refused(f"Field {field}: required.")
    if len(got) > limit:
        raise Refused(f"Field {field}: at most {limit} characters ({len(got)} given).")
    return got


def short(value: object, field: str, *, required: bool = True) -> str:
    """One line of at most :data:`MAX_SHORT` characters, whitespace collapsed."""
    return " ".join(text(value, field, required=required, limit=MAX_SHORT).split())


def approvers(value: object, requested_by: str) -> tuple[str, ...]:
    """The distinct approvers' names (separated by commas, semicolons or lines)."""
    names: list[str] = []
    for part in re.split(r"[,;\n]", str(value or "")):
        name = " ".join(part.split())
        if not name:
            continue
        if len(name) > MAX_SHORT:
            raise Refused(f"Field approved_by: a name of at most {MAX_SHORT} characters.")
        if name.casefold() == requested_by.casefold():
            raise Refused("Field approved_by: the user who requested the credit memo cannot "
                          "approve it.")
        if name.casefold() not in (n.casefold() for n in names):
            names.append(name)
    if not names:
        raise Refused("Field approved_by: the approver's name is required.")
    return tuple(names)


def attachment(filename: str, data: bytes) -> str:
    """The stored file name of an upload: a PDF, PNG or JPEG of at most 5 MiB."""
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise Refused(f"Field attachment: the file is larger than 5 MiB "
                      f"({MAX_ATTACHMENT_BYTES} bytes).")
    name = _SAFE_NAME.sub("_", filename.replace("\\", "/").rsplit("/", 1)[-1])[-100:]
    ext = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in _SIGNATURES:
        raise Refused("Field attachment: only PDF, PNG or JPEG files (.pdf, .png, .jpg).")
    if not data.startswith(_SIGNATURES[ext]):
        raise Refused(f"Field attachment: the file is not a {ext[1:].upper()} file.")
    return name
