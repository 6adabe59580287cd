"""How a bot reads a credential during a run: scope check, redaction, access log.

Every value handed to the bot is registered with the run's redactor *before* the bot
gets it, so logs, steps, exception messages and traces can never show it. Each read (and
each refused read) is written to the orchestrator's credential access log, as
``bot:<name>`` with the run id, when the run's store keeps one.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Protocol, runtime_checkable

from bots.runtime.errors import VaultError
from bots.runtime.redact import Redactor
from bots.runtime.vault import Credential, Vault

__all__ = ["CredentialLog", "read_for_run"]


@runtime_checkable
class CredentialLog(Protocol):
    """The orchestrator store's vault access log (never values)."""

    def log_credential_access(self, credential: str, action: str, actor: str, *,
                              version: int | None = None, run_id: Any = None,
                              details: dict[str, Any] | None = None) -> Any: ...


def read_for_run(vault: Vault, name: str, *, bot: str | None, run_id: Any,
                 redactor: Redactor, log: object = None,
                 public: Collection[str] = ()) -> Credential:
    """``vault.get`` for a bot's run: scoped to ``bot``, redacted, logged.

    ``public``: fields that are not secrets (a mail server's host and ports: masking them
    would mask every port number and address in the run's steps)."""
    actor = f"bot:{bot}" if bot else "bot:unknown"
    sink = log if isinstance(log, CredentialLog) else None
    try:
        cred = vault.get(name, on_reveal=redactor.add, bot=bot)
    except VaultError as exc:
        if sink is not None:
            sink.log_credential_access(name, "refused", actor, run_id=run_id,
                                       details={"reason": type(exc).__name__})
        raise
    redactor.add_all(cred[f] for f in cred.fields if f not in public)
    if sink is not None:
        sink.log_credential_access(name, "read", actor, version=cred.version, run_id=run_id)
    return cred
