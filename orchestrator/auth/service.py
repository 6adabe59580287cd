"""Accounts, sessions and API tokens: the auth policy on top of the store.

Passwords are hashed and checked here (:mod:`.passwords`); session ids and API tokens are
made and digested here (:mod:`.tokens`). The store keeps only hashes and digests: these
functions are the way to create users, sign in, open and find sessions, and issue tokens.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from bots.runtime.errors import AuthenticationError
from orchestrator.auth.passwords import hash_password, verify_password
from orchestrator.auth.tokens import digest, new_csrf_token, new_session_id, new_token
from orchestrator.store import Store
from orchestrator.store.models import ApiToken, User, WebSession

__all__ = [
    "TOKEN_PREFIX_SHOWN",
    "add_user",
    "authenticate",
    "create_session",
    "create_token",
    "reset_password",
    "revoke_session",
    "session_user",
    "token_for",
]

TOKEN_PREFIX_SHOWN = 12  # characters of a token's plaintext kept to tell tokens apart


def add_user(store: Store, username: str, password: str, roles: Iterable[str],
             display_name: str = "") -> User:
    """A new user with this password (DuplicateError when the name is taken, ConfigError for
    a bad role, ValueError for a bad name or an empty password)."""
    return store.add_user(username, password_hash=hash_password(password), roles=roles,
                          display_name=display_name)


def reset_password(store: Store, username: str, password: str) -> User:
    """A new password; the user's open sessions end."""
    return store.set_password_hash(username, hash_password(password))


def authenticate(store: Store, username: str, password: str) -> User:
    """The user whose password this is; AuthenticationError says why not (for the log).

    Unknown names cost as much time as wrong passwords. A hash made with older argon2
    parameters is replaced on success.
    """
    user = store.find_user(username)
    ok, rehash = verify_password(user.password_hash if user else None, password)
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
                 created_by: str | None = None,
                 expires_at: dt.datetime | None = None) -> tuple[ApiToken, str]:
    """A new API token; returns it and the plaintext, which is never stored or shown again."""
    plain = new_token()
    token = store.create_token(name, roles, kind=kind, created_by=created_by,
                               expires_at=expires_at, token_hash=digest(plain),
                               prefix=plain[:TOKEN_PREFIX_SHOWN])
    return token, plain


def token_for(store: Store, plain: str) -> ApiToken | None:
    """The live (not revoked, not expired) token with this plaintext, else ``None``."""
    if not plain:
        return None
    return store.token_for(token_hash=digest(plain))
