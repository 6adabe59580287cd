"""Password hashing (argon2id) and generated passwords.

Hashes carry their own parameters; :func:`verify_password` says when a stored hash was made
with other parameters than today's, so the caller can store a fresh one at sign-in.
"""

from __future__ import annotations

import functools
import secrets
import string
import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

__all__ = ["generate_password", "hash_password", "verify_password"]

_HASHER = PasswordHasher()  # argon2id, the library's recommended parameters
_ALPHABET = string.ascii_letters + string.digits

# Verified against when the user does not exist, so an unknown name costs as much time: an
# argon2id hash of a random password nobody kept, made with the library's parameters. Written
# out rather than made at import (every ``finbots`` command imports this module, and one hash
# is a large part of a command's start-up); made afresh only if the parameters have changed.
_DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$0fVAeYzXw2eeGBi/AJfYsA$fCK/LrOyVcyxBm1ukVsZdoCzfkq+6rGbMeMXS4mHuVM"
)


@functools.cache
def _dummy_hash() -> str:
    if _HASHER.check_needs_rehash(_DUMMY_HASH):
        return _HASHER.hash(secrets.token_urlsafe(32))
    return _DUMMY_HASH


#: a person's password: long enough not to be guessed online (a passphrase fits), short
#: enough that hashing it costs what hashing any password costs
MIN_PASSWORD, MAX_PASSWORD = 12, 256


def check_password(password: str) -> str:
    """``password`` when a person may choose it; ValueError saying why not."""
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise ValueError(f"a password has {MIN_PASSWORD} to {MAX_PASSWORD} characters "
                         f"(this one {len(password)}); a passphrase of a few words is fine")
    if any(unicodedata.category(c) == "Cc" for c in password):
        raise ValueError("a password cannot hold control characters")
    return password


def hash_password(password: str, hasher: PasswordHasher | None = None) -> str:
    if not password:
        raise ValueError("a password cannot be empty")
    return (hasher or _HASHER).hash(password)


def verify_password(stored_hash: str | None, password: str,
                    hasher: PasswordHasher | None = None) -> tuple[bool, bool]:
    """``(matches, needs_rehash)``; a missing hash is checked against a dummy (same cost)."""
    h = hasher or _HASHER
    try:
        h.verify(stored_hash or _dummy_hash(), password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False, False
    if stored_hash is None:
        return False, False
    return True, h.check_needs_rehash(stored_hash)


def generate_password(length: int = 20) -> str:
    """A random password of letters and digits (about 119 bits at 20 characters)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))
