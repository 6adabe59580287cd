"""Users: password hashes, roles, disabling, password resets.

The store keeps what the auth layer (:mod:`orchestrator.auth.service`) computed: it never
sees a password, only its hash. Sessions (:mod:`.sessions`), API tokens (:mod:`.api_tokens`)
and failed sign-ins (:mod:`.login_failures`) are mixed in here, so the store composes one
``UsersMixin``. Audit records are written by the callers (CLI, API, pages), which know who
acts.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select, update

from bots.runtime.errors import DuplicateError, NotFoundError
from orchestrator.roles import parse_roles
from orchestrator.store.api_tokens import ApiTokensMixin
from orchestrator.store.login_failures import LoginFailuresMixin
from orchestrator.store.models import ApiToken, User, WebSession
from orchestrator.store.sessions import SessionsMixin
from orchestrator.store.types import utcnow

__all__ = ["UsersMixin"]


class UsersMixin(SessionsMixin, ApiTokensMixin, LoginFailuresMixin):
    def add_user(self, username: str, *, password_hash: str, roles: Iterable[str],
                 display_name: str = "") -> User:
        """A new user (DuplicateError when the name is taken, ConfigError for a bad role)."""
        username = username.strip()
        if not username or len(username) > 100 or any(c.isspace() for c in username):
            raise ValueError(f"bad username {username!r}: 1-100 characters, no spaces")
        if not password_hash:
            raise ValueError("a user needs a password hash")
        user = User(username=username, display_name=display_name, roles=parse_roles(roles),
                    password_hash=password_hash)
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

    def find_user(self, username: str) -> User | None:
        """The user of this name, or ``None`` (sign-in: an unknown name is no error here)."""
        with self._tx() as s:
            return s.exec(select(User).where(User.username == username)).first()

    def list_users(self) -> list[User]:
        with self._tx() as s:
            return list(s.exec(select(User).order_by(col(User.username))))

    def count_users(self) -> int:
        with self._tx() as s:
            return int(s.exec(select(func.count()).select_from(User)).one())

    def record_login(self, username: str, *, password_hash: str | None = None) -> User:
        """Stamp ``last_login_at``; ``password_hash`` replaces a hash made with old parameters
        (unlike :meth:`set_password_hash`, the user's sessions stay open)."""
        with self._tx(write=True) as s:
            user = s.exec(select(User).where(User.username == username)).first()
            if user is None:
                raise NotFoundError(f"no user {username!r}")
            if password_hash:
                user.password_hash = password_hash
            user.last_login_at = utcnow()
            s.add(user)
            s.flush()
            return user

    def disable_user(self, username: str) -> User:
        """Disable the account, end its browser sessions and revoke the tokens it owns."""
        return self._set_user(username, disabled=True)

    def enable_user(self, username: str) -> User:
        return self._set_user(username, disabled=False)

    def set_password_hash(self, username: str, password_hash: str) -> User:
        """A new password (its hash); the user's open sessions end."""
        if not password_hash:
            raise ValueError("a user needs a password hash")
        return self._set_user(username, password_hash=password_hash)

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
            if values.get("disabled") is True:  # a disabled person's tokens die with them
                s.exec(update(ApiToken)  # type: ignore[call-overload]
                       .where(col(ApiToken.owner) == username,
                              col(ApiToken.revoked_at).is_(None))
                       .values(revoked_at=utcnow()))
            s.flush()
            return user
