"""One vault entry as a bot gets it: named fields, never shown by ``repr``."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pyotp

from bots.runtime.errors import CredentialNotFoundError

__all__ = ["Credential"]


class Credential:
    """Named fields of one vault entry version; ``repr`` shows field names only."""

    __slots__ = ("_fields", "_on_reveal", "name", "version")

    def __init__(
        self, name: str, fields: Mapping[str, str],
        on_reveal: Callable[[str], None] | None = None, version: int | None = None,
    ) -> None:
        self.name = name
        self.version = version
        self._fields = dict(fields)
        self._on_reveal = on_reveal

    def __repr__(self) -> str:
        return f"Credential({self.name!r}, fields={sorted(self._fields)})"

    __str__ = __repr__

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(sorted(self._fields))

    def __contains__(self, field: object) -> bool:
        return field in self._fields

    def __getitem__(self, field: str) -> str:
        try:
            return self._fields[field]
        except KeyError:
            raise CredentialNotFoundError(
                f"credential {self.name!r} has no field {field!r}"
            ) from None

    def get(self, field: str, default: str | None = None) -> str | None:
        return self._fields.get(field, default)

    @property
    def username(self) -> str:
        return self["username"]

    @property
    def password(self) -> str:
        return self["password"]

    def totp(self) -> str:
        """The current one-time code from the ``totp_seed`` field (registered as secret)."""
        code = pyotp.TOTP(self["totp_seed"].replace(" ", "")).now()
        if self._on_reveal is not None:
            self._on_reveal(code)
        return code
