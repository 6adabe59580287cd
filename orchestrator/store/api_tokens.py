"""API tokens for robots and integrations: plaintext shown once, only its digest stored.

The plaintext and its digest are made by :mod:`orchestrator.auth.service`; the store sees
the digest (``token_hash``) and the short prefix shown in listings. Every token has an
``owner``, the user it acts as; which roles it may hold is the auth layer's rule
(:func:`orchestrator.auth.service.create_token`), checked again at every use.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select, update

from bots.runtime.errors import DuplicateError, NotFoundError
from orchestrator.roles import parse_roles
from orchestrator.store.base import StoreBase
from orchestrator.store.models import ApiToken, User
from orchestrator.store.types import utcnow

__all__ = ["TOKEN_KINDS", "ApiTokensMixin", "made_with"]

TOKEN_KINDS = ("robot", "integration")
_TOUCH_EVERY = dt.timedelta(seconds=30)  # last_used_at is written at most this often


def made_with(token_name: str) -> str:
    """``created_by`` of a token made over the API with token ``token_name``."""
    return f"token:{token_name}"[:100]


class ApiTokensMixin(StoreBase):
    def create_token(self, name: str, roles: Iterable[str], kind: str = "integration",
                     created_by: str | None = None,
                     expires_at: dt.datetime | None = None, *, owner: str, token_hash: str,
                     prefix: str) -> ApiToken:
        """Store a new token under the digest of its plaintext (never stored itself)."""
        if not owner:
            raise ValueError("a token needs an owner, the user it acts as")
        if kind not in TOKEN_KINDS:
            raise ValueError(f"token kind must be one of {', '.join(TOKEN_KINDS)}, not {kind!r}")
        if not name.strip() or len(name) > 100:
            raise ValueError("a token needs a name of 1-100 characters")
        if expires_at is not None and expires_at.tzinfo is None:
            raise ValueError("expires_at must be timezone-aware")
        if not token_hash:
            raise ValueError("a token needs the digest of its plaintext")
        token = ApiToken(name=name.strip(), token_hash=token_hash, prefix=prefix,
                         kind=kind, roles=parse_roles(roles), owner=owner,
                         created_by=created_by, expires_at=expires_at)
        try:
            with self._tx(write=True) as s:
                s.add(token)
                s.flush()
        except IntegrityError:
            raise DuplicateError(f"token {name!r} already exists") from None
        return token

    def token_for(self, *, token_hash: str) -> ApiToken | None:
        """The live (not revoked, not expired) token with this digest, else ``None``."""
        if not token_hash:
            return None
        now = utcnow()
        with self._tx() as s:
            token = s.exec(select(ApiToken).where(ApiToken.token_hash == token_hash)).first()
        if token is None or token.revoked_at is not None:
            return None
        if token.expires_at is not None and token.expires_at <= now:
            return None
        if token.last_used_at is None or now - token.last_used_at >= _TOUCH_EVERY:
            with self._tx(write=True) as s:
                s.exec(update(ApiToken)  # type: ignore[call-overload]
                       .where(col(ApiToken.id) == token.id).values(last_used_at=now))
            token.last_used_at = now
        return token

    def token_owner(self, *, token_hash: str) -> tuple[ApiToken, User] | None:
        """The live token with this digest and its owner (enabled or not), else ``None``."""
        token = self.token_for(token_hash=token_hash)
        if token is None or not token.owner:
            return None
        with self._tx() as s:
            owner = s.exec(select(User).where(User.username == token.owner)).first()
        return None if owner is None else (token, owner)

    def get_token(self, name: str) -> ApiToken:
        with self._tx() as s:
            token = s.exec(select(ApiToken).where(ApiToken.name == name)).first()
        return self._need(token, "token", name)

    def list_tokens(self, include_revoked: bool = True) -> list[ApiToken]:
        query = select(ApiToken).order_by(col(ApiToken.name))
        if not include_revoked:
            query = query.where(col(ApiToken.revoked_at).is_(None))
        with self._tx() as s:
            return list(s.exec(query))

    def revoke_token(self, name: str) -> ApiToken:
        """Revoke by name (NotFoundError when unknown; revoking twice keeps the first time),
        with every token made with it, and theirs: a leaked token ends with what it made."""
        with self._tx(write=True) as s:
            token = s.exec(select(ApiToken).where(ApiToken.name == name)).first()
            if token is None:
                raise NotFoundError(f"no token {name!r}")
            now, todo, seen = utcnow(), [token], set()
            while todo:
                one = todo.pop()
                if one.name in seen:
                    continue
                seen.add(one.name)
                if one.revoked_at is None:
                    one.revoked_at = now
                    s.add(one)
                todo += list(s.exec(select(ApiToken).where(
                    ApiToken.created_by == made_with(one.name))))
            s.flush()
            return token
