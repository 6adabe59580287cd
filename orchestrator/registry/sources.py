"""Where bots come from: installed ``finbots.bots`` entry points and bot folders.

Installed bots
    Any installed distribution that declares an entry point in the ``finbots.bots`` group::

        [project.entry-points."finbots.bots"]
        ledger-check = "ledger_check:BOT"

    The value names a :class:`~bots.runtime.Bot` (``module:attr``), or a module whose
    module-level ``BOT`` is one.

Bot folders (``FINBOTS_BOTS_PATH``, folders separated by ``os.pathsep``), without installing
    For each folder, in order:

    1. a folder whose own ``pyproject.toml`` declares ``finbots.bots`` entry points is one
       bot project: those entry points are loaded, with the folder (its ``src/`` when it
       has one) on ``sys.path``;
    2. otherwise each immediate child, by name, except names starting with ``.`` or ``_``,
       ``setup.py``, ``conftest.py`` and tests (``test``, ``tests``, ``test_*``):

       - a sub-folder whose ``pyproject.toml`` declares ``finbots.bots`` entry points is a
         bot project, as in 1 (this is what ``finbots new bot --dir FOLDER`` writes);
       - a package (a sub-folder with ``__init__.py``) or a module (``*.py``) is imported
         with the folder on ``sys.path``; it is a bot when it has a module-level ``BOT``
         that is a :class:`~bots.runtime.Bot`. One without ``BOT`` is not a bot and is
         skipped; one that fails to import, or whose ``BOT`` is something else, is listed
         with its error.

    The folders go on ``sys.path`` of the process that loads the bots; robots' child
    processes inherit ``FINBOTS_BOTS_PATH`` and find the same bots the same way.
"""

from __future__ import annotations

import importlib
import os
import sys
import tomllib
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType

from bots.runtime import Bot
from bots.runtime.errors import ConfigError

__all__ = ["BOTS_PATH_ENV", "ENTRY_POINT_GROUP", "BotSource", "NotABot", "bot_folders",
           "discover_sources", "import_bot", "put_on_sys_path"]

ENTRY_POINT_GROUP = "finbots.bots"
BOTS_PATH_ENV = "FINBOTS_BOTS_PATH"
_SKIPPED = {"setup.py", "conftest.py", "test", "tests"}


class NotABot(LookupError):
    """A folder's module without a module-level ``BOT``: not a bot, skipped."""


@dataclass(frozen=True, slots=True)
class BotSource:
    """One place a bot may come from, loaded only when asked."""

    label: str  # the entry point's or module's name: how a source that fails is listed
    origin: str  # where it was found, for people
    target: str = ""  # ``module:attr`` (``module`` alone: its ``BOT``)
    root: Path | None = None  # the folder to put on sys.path first
    optional: bool = False  # a folder module: without ``BOT`` it is simply not a bot
    problem: str | None = None  # found but unreadable (a broken pyproject.toml)

    def load(self) -> Bot:
        if self.problem is not None:
            raise ConfigError(self.problem)
        return import_bot(self.target, self.root, optional=self.optional)


def bot_folders() -> list[Path]:
    """The folders of ``FINBOTS_BOTS_PATH``, in order (empty entries ignored)."""
    raw = os.environ.get(BOTS_PATH_ENV, "")
    return [Path(part).expanduser() for part in raw.split(os.pathsep) if part.strip()]


def discover_sources() -> list[BotSource]:
    """Every installed entry point, then every bot folder's bots, in order."""
    found = [BotSource(ep.name, _entry_point_origin(ep.name, ep.value,
                                                   getattr(ep, "dist", None)), ep.value)
             for ep in entry_points(group=ENTRY_POINT_GROUP)]
    for folder in bot_folders():
        found += _folder_sources(folder)
    return found


def import_bot(target: str, root: Path | None = None, *, optional: bool = False) -> Bot:
    """The :class:`Bot` ``target`` (``module:attr`` or ``module``) names.

    With ``root``, the module must come from that folder (two folders may not both have a
    module ``bot``). Raises :class:`ConfigError`, or :class:`NotABot` when ``optional``
    and the module has no ``BOT``.
    """
    module_name, _, attr = target.partition(":")
    if root is not None:
        put_on_sys_path(root)
    module = importlib.import_module(module_name)
    if root is not None:
        _check_origin(module, root)
    if not attr and optional and not hasattr(module, "BOT"):
        raise NotABot(module_name)
    if attr and not hasattr(module, attr):
        raise ConfigError(f"module {module_name!r} has no attribute {attr!r}")
    bot = getattr(module, attr or "BOT", None)
    if isinstance(bot, ModuleType):
        bot = getattr(bot, "BOT", None)
    if not isinstance(bot, Bot):
        what = f"{module_name}:{attr}" if attr else f"{module_name}.BOT"
        raise ConfigError(f"{what} is not a bots.runtime.Bot "
                          f"(got {type(bot).__name__})")
    return bot


def put_on_sys_path(folder: Path) -> None:
    """Append ``folder`` to ``sys.path`` once (appended: it never shadows installed code)."""
    text = str(folder.resolve())
    if text not in sys.path:
        sys.path.append(text)


def _check_origin(module: ModuleType, root: Path) -> None:
    file = getattr(module, "__file__", None)
    if file is None:
        return  # a namespace package: nothing to compare
    if not Path(file).resolve().is_relative_to(root.resolve()):
        raise ConfigError(f"module {module.__name__!r} of {root} is shadowed by {file}: "
                          "rename one of them")


def _entry_point_origin(name: str, value: str, dist: object) -> str:
    owner = getattr(dist, "name", None)
    version = getattr(dist, "version", None)
    installed = f"installed {owner} {version}" if owner else "installed"
    return f"entry point {name} = {value} ({installed})"


def _folder_sources(folder: Path) -> list[BotSource]:
    if not folder.is_dir():
        return [BotSource(folder.name or str(folder), f"{BOTS_PATH_ENV} folder {folder}",
                          problem=f"{BOTS_PATH_ENV}: {folder} is not a folder")]
    project = _project_sources(folder)
    if project is not None:
        return project
    found: list[BotSource] = []
    for child in sorted(folder.iterdir()):
        name = child.name
        if name.startswith((".", "_", "test_")) or name in _SKIPPED:
            continue
        if child.is_dir():
            project = _project_sources(child)
            if project is not None:
                found += project
            elif (child / "__init__.py").is_file() and name.isidentifier():
                found.append(_module_source(folder, name, f"package {child}"))
        elif child.suffix == ".py" and child.stem.isidentifier():
            found.append(_module_source(folder, child.stem, f"module {child}"))
    return found


def _module_source(folder: Path, name: str, what: str) -> BotSource:
    return BotSource(name, f"{BOTS_PATH_ENV}: {what}", name, folder, optional=True)


def _project_sources(folder: Path) -> list[BotSource] | None:
    """The entry points a bot project's ``pyproject.toml`` declares (``None``: not one)."""
    pyproject = folder / "pyproject.toml"
    if not pyproject.is_file():
        return None
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return [BotSource(folder.name, f"{BOTS_PATH_ENV}: {pyproject}",
                          problem=f"cannot read {pyproject}: {exc}")]
    declared = data.get("project", {}).get("entry-points", {}).get(ENTRY_POINT_GROUP)
    if not isinstance(declared, dict) or not declared:
        return None
    root = folder / "src" if (folder / "src").is_dir() else folder
    return [BotSource(str(name), f"{BOTS_PATH_ENV}: entry point {name} = {value} "
                      f"({pyproject})", str(value), root)
            for name, value in declared.items()]
