"""Random secrets the orchestrator hands out (session ids, API tokens) and their digests.

Only the SHA-256 of a session id or a token is stored: a copy of the database does not
let anyone sign in. The secrets are long and random, so a fast digest is enough.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

__all__ = ["TOKEN_PREFIX", "digest", "new_csrf_token", "new_session_id", "new_token",
           "same_secret"]

TOKEN_PREFIX = "fbt_"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_session_id() -> str:
    return secrets.token_urlsafe(32)


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def new_token() -> str:
    """An API token: ``fbt_`` and 43 random URL-safe characters."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def same_secret(a: str | None, b: str | None) -> bool:
    """Constant-time comparison; ``None`` or empty never matches."""
    if not a or not b:
        return False
    return hmac.compare_digest(a.encode(), b.encode())
