"""``finbots new bot``: a working bot package written from templates.

The templates (``templates/*.tmpl``, package data) are :class:`string.Template` text; the
placeholders are the names of :class:`BotNames`. :func:`write_bot` renders them into a
new folder and returns the files it wrote.
"""

from orchestrator.scaffold.names import BotNames, bot_names
from orchestrator.scaffold.render import FILES, write_bot

__all__ = ["FILES", "BotNames", "bot_names", "write_bot"]
