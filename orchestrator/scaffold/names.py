"""The names a new bot gets from the one its author chose (``ledger-check``)."""

from __future__ import annotations

import keyword
import re
import sys
from dataclasses import asdict, dataclass

from bots.runtime.errors import ConfigError
from bots.runtime.selectors import url_env_var

__all__ = ["BotNames", "bot_names"]

_NAME = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
#: Module names a bot package must not take: they would shadow the platform's own.
_TAKEN = frozenset({"bots", "orchestrator", "sandbox", "tests", "selectors"})


@dataclass(frozen=True, slots=True)
class BotNames:
    """``name``: the bot's identity (``ledger-check``); ``module``: its Python package
    (``ledger_check``); ``app``: its target application, the selector file's name;
    ``queue``: its work queue; ``title``: for people (``Ledger check``)."""

    name: str
    module: str
    app: str
    queue: str
    title: str
    url_env: str

    def mapping(self) -> dict[str, str]:
        return asdict(self)


def bot_names(name: str) -> BotNames:
    """The names for a new bot called ``name``; ConfigError says what is wrong with it."""
    if not _NAME.fullmatch(name):
        raise ConfigError(f"bot name {name!r}: lower-case letters, digits and single '-' "
                          "between words, starting with a letter (e.g. ledger-check)")
    module = name.replace("-", "_")
    if keyword.iskeyword(module) or module in sys.stdlib_module_names or module in _TAKEN:
        raise ConfigError(f"bot name {name!r}: its module {module!r} would shadow "
                          "another module; choose another name")
    return BotNames(name=name, module=module, app=module, queue=name,
                    title=name.replace("-", " ").capitalize(),
                    url_env=url_env_var(module))
