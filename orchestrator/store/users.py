"""Users: argon2id password hashes, roles, disabling, password resets.

Sessions (:mod:`.sessions`) and API tokens (:mod:`.api_tokens`) are mixed in here, so the
store composes one ``UsersMixin``. Audit records are written by the callers (CLI, API,
pages), which know who acts.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select, update

from bots.runtime.errors import AuthenticationError, DuplicateError, NotFoundError
from orchestrator.auth.passwords import hash_password, verify_password
from orchestrator.roles import parse_roles
from orchestrator.store.api_tokens import ApiTokensMixin
from orchestrator.store.models import User, WebSession
from orchestrator.store.sessions import SessionsMixin
from orchestrator.store.types import utcnow

__all__ = ["UsersMixin"]


class UsersMixin(SessionsMixin, ApiTokensMixin):
    def add_user(self, username: str, password: str, roles: Iterable[str],
                 display_name: str = "") -> User:
        """A new user (DuplicateError when the name is taken, ConfigError for a bad role)."""
        username = username.strip()
        if not username or len(username) > 100 or any(c.isspace() for c in username):
            raise ValueError(f"bad username {username!r}: 1-100 characters, no spaces")
        user = User(username=username, display_name=display_name, roles=parse_roles(roles),
                    password_hash=hash_password(password))
        try:
            with self._tx(write=True) as s:
                s.add(user)
                s.flush()
        except IntegrityError:
            raise DuplicateError(f"user {username!r} already exists") from None
        return user

    def get_user(self, username: str) -> User:
        with self._tx() as s:
            user = s.exec(select(User).where(User.username == username)).first()
        return self._need(user, "user", username)

    def list_users(self) -> list[User]:
        with self._tx() as s:
            return list(s.exec(select(User).order_by(col(User.username))))

    def count_users(self) -> int:
        with self._tx() as s:
            return int(s.exec(select(func.count()).select_from(User)).one())

    def authenticate(self, username: str, password: str) -> User:
        """The user whose password this is; AuthenticationError says why not (for the log).

        Unknown names cost as much time as wrong passwords. A hash made with older argon2
        parameters is replaced on success.
        """
        with self._tx(write=True) as s:
            user = s.exec(select(User).where(User.username == username)).first()
            ok, rehash = verify_password(user.password_hash if user else None, password)
            if user is None:
                raise AuthenticationError("unknown user")
            if not ok:
                raise AuthenticationError("wrong password")
            if user.disabled:
                raise AuthenticationError("account disabled")
            if rehash:
                user.password_hash = hash_password(password)
            user.last_login_at = utcnow()
            s.add(user)
            s.flush()
            return user

    def disable_user(self, username: str) -> User:
        """Disable the account and end its browser sessions."""
        return self._set_user(username, disabled=True)

    def enable_user(self, username: str) -> User:
        return self._set_user(username, disabled=False)

    def reset_password(self, username: str, password: str) -> User:
        """A new password; the user's open sessions end."""
        return self._set_user(username, password_hash=hash_password(password))

    def set_roles(self, username: str, roles: Iterable[str]) -> User:
        return self._set_user(username, roles=parse_roles(roles))

    def _set_user(self, username: str, **values: object) -> User:
        with self._tx(write=True) as s:
            user = s.exec(select(User).where(User.username == username)).first()
            if user is None:
                raise NotFoundError(f"no user {username!r}")
            for key, value in values.items():
                setattr(user, key, value)
            s.add(user)
            if "roles" not in values:  # disabling or a new password: sign out everywhere
                s.exec(update(WebSession)  # type: ignore[call-overload]
                       .where(col(WebSession.username) == username,
                              col(WebSession.revoked_at).is_(None))
                       .values(revoked_at=utcnow()))
            s.flush()
            return user
