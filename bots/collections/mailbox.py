"""The finance mailbox the reminders go out from (the SDK's mail client, ``ctx.mail``)."""

from __future__ import annotations

from typing import Any, Protocol

from bots.runtime import RunContext
from bots.runtime.errors import ConfigError

__all__ = ["Mailbox", "open_mailbox"]


class Mailbox(Protocol):
    """What the bot uses of the SDK's mail client."""

    def send(self, to: str, subject: str, text: str, *, html: str | None = None,
             attachments: list[tuple[str, bytes, str]] | None = None,
             reference: str | None = None, in_reply_to: str | None = None) -> str: ...

    def sent_with_reference(self, reference: str) -> Any: ...


def open_mailbox(ctx: RunContext, credential: str) -> Mailbox:
    opener = getattr(ctx, "mail", None)
    if opener is None:
        raise ConfigError("this finbots has no mail client (ctx.mail): reminders cannot go out")
    return opener(credential)
