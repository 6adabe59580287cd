"""Render the bot templates into a new folder."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from string import Template

from bots.runtime.errors import ConfigError
from orchestrator.scaffold.names import BotNames

__all__ = ["FILES", "write_bot"]

#: template (under ``templates/``) -> the file it becomes, relative to the bot's folder.
FILES: dict[str, str] = {
    "pyproject.toml.tmpl": "pyproject.toml",
    "README.md.tmpl": "README.md",
    "package/__init__.py.tmpl": "${module}/__init__.py",
    "package/bot.py.tmpl": "${module}/bot.py",
    "package/case_types.py.tmpl": "${module}/case_types.py",
    "package/selectors/app.yaml.tmpl": "${module}/selectors/${app}.yaml",
    "app/index.html.tmpl": "app/index.html",
    "tests/test_bot.py.tmpl": "tests/test_bot.py",
}


def _template(name: str) -> Template:
    text = resources.files("orchestrator.scaffold").joinpath("templates", name).read_text(
        encoding="utf-8")
    return Template(text)


def write_bot(names: BotNames, folder: Path) -> list[Path]:
    """Write the bot package ``names`` into ``folder`` (which must not hold files yet)."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ConfigError(f"{folder} exists and is not empty: choose another --dir or name")
    values = names.mapping()
    rendered = {folder / Template(target).substitute(values): _template(template).substitute(values)
                for template, target in FILES.items()}  # every template, before any file
    for path, text in rendered.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return list(rendered)
