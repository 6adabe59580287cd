"""The caller of a request: a signed-in person, or a robot/integration with a token."""

from __future__ import annotations

from dataclasses import dataclass, field

from orchestrator.roles import Permission, permissions_of

__all__ = ["Principal"]


@dataclass(frozen=True, slots=True)
class Principal:
    name: str  # username, or the token's name
    roles: tuple[str, ...]
    kind: str = "user"  # user | robot | integration
    csrf_token: str | None = None  # set for browser sessions only
    permissions: frozenset[Permission] = field(default=frozenset())

    @classmethod
    def of(cls, name: str, roles: list[str] | tuple[str, ...], kind: str = "user",
           csrf_token: str | None = None) -> Principal:
        return cls(name, tuple(roles), kind, csrf_token, permissions_of(tuple(roles)))

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions
