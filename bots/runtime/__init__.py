"""The bots runtime: the SDK every finbots bot uses.

``Bot`` defines a bot; ``RunContext`` is what it gets for a run: a step recorder,
vault credentials, a lazily started browser with one ``AppSession`` per target
application, and ``transaction()`` per work item.
"""

from bots.runtime.app_session import AppSession
from bots.runtime.bot import Bot
from bots.runtime.browser import BrowserSession, shutdown_browser
from bots.runtime.chromium import find_chromium, launch_args
from bots.runtime.context import RunContext
from bots.runtime.errors import (
    ApplicationFailure,
    BotFailure,
    BusinessFailure,
    SelectorError,
    UnexpectedDialogError,
)
from bots.runtime.redact import MASK, Redactor
from bots.runtime.selectors import AppSelectors, SelectorSpec, load_selectors
from bots.runtime.sinks import ItemSink, MemorySink, RunSink, StepSink
from bots.runtime.steps import Step, StepRecorder
from bots.runtime.transaction import Transaction
from bots.runtime.vault import Credential, Vault, ensure_key

__all__ = [
    "MASK",
    "AppSelectors",
    "AppSession",
    "ApplicationFailure",
    "Bot",
    "BotFailure",
    "BrowserSession",
    "BusinessFailure",
    "Credential",
    "ItemSink",
    "MemorySink",
    "Redactor",
    "RunContext",
    "RunSink",
    "SelectorError",
    "SelectorSpec",
    "Step",
    "StepRecorder",
    "StepSink",
    "Transaction",
    "UnexpectedDialogError",
    "Vault",
    "ensure_key",
    "find_chromium",
    "launch_args",
    "load_selectors",
    "shutdown_browser",
]
