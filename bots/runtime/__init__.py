"""The bots runtime: the SDK every finbots bot uses.

``Bot`` defines a bot; ``RunContext`` is what it gets for a run: a step recorder,
vault credentials, a lazily started browser with one ``AppSession`` per target
application, work queues (``ctx.queue(name)``: items claimed under a lease, exception
cases opened for failed items), the bot's persistent state (``ctx.state(namespace)``) and
mailboxes (``ctx.mail(credential)``: send with SMTP, read with IMAP).
"""

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

__all__ = [
    "MASK",
    "RETRY",
    "AppSelectors",
    "AppSession",
    "ApplicationFailure",
    "Attachment",
    "AuditBackend",
    "AuditLookup",
    "Bot",
    "BotBackend",
    "BotFailure",
    "BotState",
    "BrowserSession",
    "BusinessFailure",
    "CaseBackend",
    "CaseType",
    "ConfigDocument",
    "ConfigSpec",
    "Credential",
    "Evidence",
    "Field",
    "HttpStatusError",
    "Item",
    "ItemSink",
    "Learned",
    "LearnedBackend",
    "LearnedRule",
    "MailClient",
    "MailMessage",
    "MailSettings",
    "Mailbox",
    "MemoryBackend",
    "MemoryMailbox",
    "MemorySink",
    "NewItem",
    "PreparedResolution",
    "QueueBackend",
    "QueueSpec",
    "Record",
    "Records",
    "RecordsBackend",
    "Redactor",
    "Resolution",
    "Row",
    "RunContext",
    "RunSink",
    "SelectorError",
    "SelectorSpec",
    "StateBackend",
    "Step",
    "StepRecorder",
    "StepSink",
    "Transaction",
    "UnexpectedDialogError",
    "Vault",
    "WorkQueue",
    "ensure_key",
    "find_chromium",
    "launch_args",
    "load_selectors",
    "shutdown_browser",
]
