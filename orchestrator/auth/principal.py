"""The caller of a request: a signed-in person, or a person's or a robot's API token.

A token acts as its owner: ``name`` is the owner's username (the same person as in the
browser, so rules such as "never approve your own request" hold), ``via_token`` the token's
name (written next to the actor in the audit trail), and ``roles`` only those the token
holds that its owner still holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from orchestrator.roles import Permission, permissions_of

__all__ = ["Principal"]


@dataclass(frozen=True, slots=True)
class Principal:
    name: str  # username (a token's owner for token callers)
    roles: tuple[str, ...]
    kind: str = "user"  # user | robot | integration
    csrf_token: str | None = None  # set for browser sessions only
    permissions: frozenset[Permission] = field(default=frozenset())
    via_token: str | None = None  # the token's name when the caller came with one

    @classmethod
    def of(cls, name: str, roles: list[str] | tuple[str, ...], kind: str = "user",
           csrf_token: str | None = None, via_token: str | None = None) -> Principal:
        return cls(name, tuple(roles), kind, csrf_token, permissions_of(tuple(roles)),
                   via_token)

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions
