"""Users: password hashes, roles, disabling, password resets.

The store keeps what the auth layer (:mod:`orchestrator.auth.service`) computed: it never
sees a password, only its hash. Sessions (:mod:`.sessions`), API tokens (:mod:`.api_tokens`)
and failed sign-ins (:mod:`.login_failures`) are mixed in here, so the store composes one
``UsersMixin``. Audit records are written by the callers (CLI, API, pages), which know who
acts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select, update

from bots.runtime.errors import ConfigError, DuplicateError, NotFoundError
from orchestrator.roles import Role, parse_roles
from orchestrator.store.api_tokens import ApiTokensMixin
from orchestrator.store.login_failures import LoginFailuresMixin
from orchestrator.store.models import ApiToken, User, WebSession
from orchestrator.store.sessions import SessionsMixin
from orchestrator.store.types import utcnow

__all__ = ["UsersMixin"]


class UsersMixin(SessionsMixin, ApiTokensMixin, LoginFailuresMixin):
    def add_user(self, username: str, *, password_hash: str, roles: Iterable[str],
                 display_name: str = "") -> User:
        """A new user (DuplicateError when the name is taken, also written in other case or
        in look-alike characters; ConfigError for a bad role; ValueError for a bad name)."""
        username = check_username(username)
        if not password_hash:
            raise ValueError("a user needs a password hash")
        user = User(username=username, display_name=display_name,
                    roles=_people_roles(roles), password_hash=password_hash)
        try:
            with self._tx(write=True) as s:
                taken = [u for u in s.exec(select(User.username))
                         if username_key(u) == username_key(username)]
                if taken:
                    raise DuplicateError(f"user {username!r} already exists as {taken[0]!r}")
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
        return self._set_user(username, roles=_people_roles(roles))

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


#: a username: letters and digits of any script, and . _ - @ (an e-mail address fits)
_USERNAME = re.compile(r"^[\w.@-]{1,100}$")


def username_key(name: str) -> str:
    """What tells two usernames apart: their compatibility form, case folded (``Fiona``,
    ``FIONA`` and ``ﬁona`` are one person)."""
    return unicodedata.normalize("NFKC", name).casefold()


def check_username(name: str) -> str:
    """``name`` stripped, or ValueError: 1-100 letters, digits and ``. _ - @``, written in
    its compatibility form (no ligatures or full-width letters) without invisible
    characters, so that no name can pass for another on a page or in the audit trail."""
    name = name.strip()
    if not _USERNAME.match(name) or unicodedata.normalize("NFKC", name) != name \
            or any(unicodedata.category(c) in ("Cc", "Cf") for c in name):
        raise ValueError(f"bad username {name[:100]!r}: 1-100 letters, digits and . _ - @, "
                         "no spaces, invisible or look-alike characters")
    return name


def _people_roles(roles: Iterable[str]) -> list[str]:
    """A person's roles: never ``robot``, which only a robot's token carries."""
    checked = parse_roles(roles)
    if Role.ROBOT.value in checked:
        raise ConfigError("the robot role is a robot token's, never a person's: give the "
                          "person the roles of their work, and a robot a token "
                          "(finbots tokens create NAME --kind robot)")
    return checked
