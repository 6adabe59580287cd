"""Accounts, sessions and API tokens: the auth policy on top of the store.

Passwords are hashed and checked here (:mod:`.passwords`); session ids and API tokens are
made and digested here (:mod:`.tokens`). The store keeps only hashes and digests: these
functions are the way to create users, sign in, open and find sessions, and issue tokens.

A token belongs to a user, its owner, and acts as that user: a person's (integration)
token holds some of its owner's roles, never one more; a robot token holds the robot role
only and is owned by an administrator (whoever may manage tokens). Both are checked again
at every use, so a token loses what its owner loses; a disabled owner's tokens are revoked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from bots.runtime.errors import AuthenticationError, ConfigError, PermissionDeniedError
from orchestrator.auth.expiry import check_token_expiry
from orchestrator.auth.passwords import MAX_PASSWORD, check_password, hash_password, verify_password
from orchestrator.auth.principal import Principal
from orchestrator.auth.tokens import digest, new_csrf_token, new_session_id, new_token
from orchestrator.roles import Permission, Role, parse_roles, permissions_of
from orchestrator.store import Store
from orchestrator.store.models import ApiToken, User, WebSession

__all__ = [
    "TOKEN_PREFIX_SHOWN",
    "acting_roles",
    "add_user",
    "authenticate",
    "create_session",
    "create_token",
    "reset_password",
    "revoke_session",
    "session_user",
    "token_for",
    "token_principal",
]

TOKEN_PREFIX_SHOWN = 12  # characters of a token's plaintext kept to tell tokens apart


def add_user(store: Store, username: str, password: str, roles: Iterable[str],
             display_name: str = "") -> User:
    """A new user with this password (DuplicateError when the name is taken, ConfigError for
    a bad role, ValueError for a bad name or an empty password)."""
    return store.add_user(username, password_hash=hash_password(check_password(password)),
                          roles=roles, display_name=display_name)


def reset_password(store: Store, username: str, password: str) -> User:
    """A new password; the user's open sessions end."""
    return store.set_password_hash(username, hash_password(check_password(password)))


def authenticate(store: Store, username: str, password: str) -> User:
    """The user whose password this is; AuthenticationError says why not (for the log).

    Unknown names cost as much time as wrong passwords. A hash made with older argon2
    parameters is replaced on success.
    """
    user = store.find_user(username)
    # no password is longer: one that is is wrong, without hashing a megabyte first
    ok, rehash = verify_password(user.password_hash if user else None,
                                 password[:MAX_PASSWORD + 1])
    ok = ok and len(password) <= MAX_PASSWORD
    if user is None:
        raise AuthenticationError("unknown user")
    if not ok:
        raise AuthenticationError("wrong password")
    if user.disabled:
        raise AuthenticationError("account disabled")
    return store.record_login(user.username,
                              password_hash=hash_password(password) if rehash else None)


def create_session(store: Store, username: str) -> tuple[WebSession, str]:
    """A new browser session; returns it and the raw id for the cookie (not stored)."""
    raw = new_session_id()
    session = store.create_session(username, id_hash=digest(raw), csrf_token=new_csrf_token())
    return session, raw


def session_user(store: Store, raw_id: str) -> tuple[WebSession, User] | None:
    """The live session and its enabled user for a cookie value, else ``None``."""
    if not raw_id:
        return None
    return store.session_user(id_hash=digest(raw_id))


def revoke_session(store: Store, raw_id: str) -> bool:
    """End one session (sign-out); False when there was none to end."""
    if not raw_id:
        return False
    return store.revoke_session(id_hash=digest(raw_id))


def create_token(store: Store, name: str, roles: Iterable[str], kind: str = "integration",
                 *, owner: str, created_by: str | None = None,
                 expires_at: dt.datetime | None = None) -> tuple[ApiToken, str]:
    """A new API token acting as ``owner``; returns it and the plaintext, which is never
    stored or shown again.

    Refused: an unknown or disabled owner (ConfigError), a role the owner does not hold or a
    robot token whose owner may not manage tokens (PermissionDeniedError), an expiry past
    the maximum (ConfigError). No expiry gives the default lifetime.
    """
    wanted = parse_roles(roles)
    user = store.find_user(owner)
    if user is None:
        raise ConfigError(f"owner: no user {owner!r}; a token acts as an existing user")
    if user.disabled:
        raise ConfigError(f"owner: user {owner!r} is disabled")
    _check_roles(user, wanted, kind)
    expires_at = check_token_expiry(expires_at)
    plain = new_token()
    token = store.create_token(name, wanted, kind=kind, owner=user.username,
                               created_by=created_by, expires_at=expires_at,
                               token_hash=digest(plain), prefix=plain[:TOKEN_PREFIX_SHOWN])
    return token, plain


def _check_roles(owner: User, wanted: list[str], kind: str) -> None:
    if kind == "robot":
        if wanted != [Role.ROBOT.value]:
            raise ConfigError("roles: a robot token holds the robot role and nothing else")
        if Permission.TOKENS_MANAGE not in permissions_of(owner.roles):
            raise PermissionDeniedError(
                f"owner: a robot token is owned by an administrator; {owner.username!r} "
                "may not manage tokens")
        return
    if Role.ROBOT.value in wanted:
        raise ConfigError("roles: the robot role is for robot tokens (kind robot)")
    beyond = [r for r in wanted if r not in owner.roles]
    if beyond:
        raise PermissionDeniedError(
            f"roles: {', '.join(beyond)} beyond what {owner.username!r} holds "
            f"({', '.join(owner.roles)}); a token never has more roles than its owner")


def acting_roles(token: ApiToken, owner: User) -> list[str]:
    """The roles ``token`` acts with today: none when its owner is disabled, and only those
    its owner still holds (a robot token: the robot role while its owner may manage
    tokens)."""
    if owner.disabled or owner.username != token.owner:
        return []
    if token.kind == "robot":
        keeps = Permission.TOKENS_MANAGE in permissions_of(owner.roles)
        return [Role.ROBOT.value] if keeps and token.roles == [Role.ROBOT.value] else []
    return [r for r in token.roles if r in owner.roles and r != Role.ROBOT.value]


def token_principal(store: Store, plain: str) -> Principal | None:
    """The caller a bearer token stands for (its owner, with the roles the token may still
    use), or ``None`` for an unknown, revoked or expired token or one left with no role."""
    if not plain:
        return None
    found = store.token_owner(token_hash=digest(plain))
    if found is None:
        return None
    token, owner = found
    roles = acting_roles(token, owner)
    if not roles:
        return None
    return Principal.of(owner.username, roles, kind=token.kind, via_token=token.name)


def token_for(store: Store, plain: str) -> ApiToken | None:
    """The live (not revoked, not expired) token with this plaintext, else ``None``."""
    if not plain:
        return None
    return store.token_for(token_hash=digest(plain))
