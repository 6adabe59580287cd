"""The bots runtime: the SDK every finbots bot uses.

``Bot`` defines a bot; ``RunContext`` is what it gets for a run: a step recorder,
vault credentials, a lazily started browser with one ``AppSession`` per target
application, work queues (``ctx.queue(name)``: items claimed under a lease, exception
cases opened for failed items), the bot's persistent state (``ctx.state(namespace)``) and
mailboxes (``ctx.mail(credential)``: send with SMTP, read with IMAP).

The names below are imported on first use: a command that needs one part of the SDK
(``finbots match`` needs its errors and its quick exit) does not pay for the browser,
the mail clients and the rest.
"""

# The imports below are for type checkers only: at run time ``__getattr__`` finds each
# public name (``__all__``) in the module ``_EXPORTS`` gives.
# ruff: noqa: F401
# (no names but the SDK's own at module level: ``dir(bots.runtime)`` is the public surface)
import importlib as _importlib
import typing as _typing

if _typing.TYPE_CHECKING:
    from bots.runtime.app_session import AppSession
    from bots.runtime.bot import Bot, QueueSpec
    from bots.runtime.bot_config import ConfigDocument, ConfigSpec
    from bots.runtime.browser import BrowserSession, shutdown_browser
    from bots.runtime.cases import (
        RETRY,
        CaseType,
        Evidence,
        Field,
        PreparedResolution,
        Resolution,
    )
    from bots.runtime.chromium import find_chromium, launch_args
    from bots.runtime.context import RunContext
    from bots.runtime.errors import (
        ApplicationFailure,
        BotFailure,
        BusinessFailure,
        HttpStatusError,
        SelectorError,
        UnexpectedDialogError,
    )
    from bots.runtime.learned import Learned, LearnedBackend, LearnedRule
    from bots.runtime.mail import Mailbox, MailClient, MailSettings
    from bots.runtime.mail_memory import MemoryMailbox
    from bots.runtime.mail_message import Attachment, MailMessage
    from bots.runtime.memory import MemoryBackend
    from bots.runtime.queues import (
        AuditBackend,
        AuditLookup,
        BotBackend,
        CaseBackend,
        Item,
        NewItem,
        QueueBackend,
        WorkQueue,
    )
    from bots.runtime.reads import Row
    from bots.runtime.records import Record, Records, RecordsBackend
    from bots.runtime.redact import MASK, Redactor
    from bots.runtime.selectors import AppSelectors, SelectorSpec, load_selectors
    from bots.runtime.sinks import ItemSink, MemorySink, RunSink, StepSink
    from bots.runtime.state import BotState, StateBackend
    from bots.runtime.steps import Step, StepRecorder
    from bots.runtime.transaction import Transaction
    from bots.runtime.vault import Credential, Vault, ensure_key

#: each public name -> the module that defines it
_EXPORTS: dict[str, str] = {
    "AppSession": "bots.runtime.app_session",
    "Bot": "bots.runtime.bot",
    "QueueSpec": "bots.runtime.bot",
    "ConfigDocument": "bots.runtime.bot_config",
    "ConfigSpec": "bots.runtime.bot_config",
    "BrowserSession": "bots.runtime.browser",
    "shutdown_browser": "bots.runtime.browser",
    "RETRY": "bots.runtime.cases",
    "CaseType": "bots.runtime.cases",
    "Evidence": "bots.runtime.cases",
    "Field": "bots.runtime.cases",
    "PreparedResolution": "bots.runtime.cases",
    "Resolution": "bots.runtime.cases",
    "find_chromium": "bots.runtime.chromium",
    "launch_args": "bots.runtime.chromium",
    "RunContext": "bots.runtime.context",
    "ApplicationFailure": "bots.runtime.errors",
    "BotFailure": "bots.runtime.errors",
    "BusinessFailure": "bots.runtime.errors",
    "HttpStatusError": "bots.runtime.errors",
    "SelectorError": "bots.runtime.errors",
    "UnexpectedDialogError": "bots.runtime.errors",
    "Learned": "bots.runtime.learned",
    "LearnedBackend": "bots.runtime.learned",
    "LearnedRule": "bots.runtime.learned",
    "Mailbox": "bots.runtime.mail",
    "MailClient": "bots.runtime.mail",
    "MailSettings": "bots.runtime.mail",
    "MemoryMailbox": "bots.runtime.mail_memory",
    "Attachment": "bots.runtime.mail_message",
    "MailMessage": "bots.runtime.mail_message",
    "MemoryBackend": "bots.runtime.memory",
    "AuditBackend": "bots.runtime.queues",
    "AuditLookup": "bots.runtime.queues",
    "BotBackend": "bots.runtime.queues",
    "CaseBackend": "bots.runtime.queues",
    "Item": "bots.runtime.queues",
    "NewItem": "bots.runtime.queues",
    "QueueBackend": "bots.runtime.queues",
    "WorkQueue": "bots.runtime.queues",
    "Row": "bots.runtime.reads",
    "Record": "bots.runtime.records",
    "Records": "bots.runtime.records",
    "RecordsBackend": "bots.runtime.records",
    "MASK": "bots.runtime.redact",
    "Redactor": "bots.runtime.redact",
    "AppSelectors": "bots.runtime.selectors",
    "SelectorSpec": "bots.runtime.selectors",
    "load_selectors": "bots.runtime.selectors",
    "ItemSink": "bots.runtime.sinks",
    "MemorySink": "bots.runtime.sinks",
    "RunSink": "bots.runtime.sinks",
    "StepSink": "bots.runtime.sinks",
    "BotState": "bots.runtime.state",
    "StateBackend": "bots.runtime.state",
    "Step": "bots.runtime.steps",
    "StepRecorder": "bots.runtime.steps",
    "Transaction": "bots.runtime.transaction",
    "Credential": "bots.runtime.vault",
    "Vault": "bots.runtime.vault",
    "ensure_key": "bots.runtime.vault",
}

__all__ = sorted(_EXPORTS, key=str.lower)


def __getattr__(name: str) -> _typing.Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(_importlib.import_module(module), name)
    globals()[name] = value  # found once: later uses do not come back here
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
