"""CLI plugins: ``finbots.cli`` entry points become commands; a broken one is skipped."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from orchestrator.cli.plugins import GROUP, load_plugins

PLUGIN = '''
import typer

app = typer.Typer(no_args_is_help=True, help="Ledger checks.")


@app.command()
def balance(account: str) -> None:
    """Print an account's balance."""
    typer.echo(f"balance of {account}: 12.00")


@app.command()
def close() -> None:
    """Close the period."""
    typer.echo("closed")


def hello(name: str = "world") -> None:
    """Say hello."""
    typer.echo(f"hello {name}")


NOT_A_COMMAND = 42
'''


@pytest.fixture
def plugin_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A plugin module importable from a temporary folder; returns its name."""
    name = f"finbots_plugin_{os.getpid()}_{tmp_path.name}".replace("-", "_")
    (tmp_path / f"{name}.py").write_text(PLUGIN, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    return name


def root() -> typer.Typer:
    app = typer.Typer(no_args_is_help=True)

    @app.command()
    def serve() -> None:
        """A built-in command."""
        typer.echo("serving")

    return app


def point(name: str, value: str) -> EntryPoint:
    return EntryPoint(name=name, value=value, group=GROUP)


def test_a_typer_app_is_a_group_and_a_function_a_command(plugin_module: str) -> None:
    app = root()
    mounted = load_plugins(app, [point("ledger", f"{plugin_module}:app"),
                                 point("hello", f"{plugin_module}:hello")])
    assert mounted == ["ledger", "hello"]
    runner = CliRunner()
    result = runner.invoke(app, ["ledger", "balance", "4711"])
    assert result.exit_code == 0 and "balance of 4711: 12.00" in result.output
    assert runner.invoke(app, ["ledger", "close"]).output.strip() == "closed"
    assert runner.invoke(app, ["hello", "--name", "ana"]).output.strip() == "hello ana"
    listing = runner.invoke(app, ["--help"]).output
    assert "ledger" in listing and "Ledger checks." in listing and "Say hello." in listing


def test_a_broken_plugin_is_skipped_with_one_warning(
        plugin_module: str, capsys: pytest.CaptureFixture[str]) -> None:
    app = root()
    mounted = load_plugins(app, [
        point("missing", "no_such_module_anywhere:app"),
        point("number", f"{plugin_module}:NOT_A_COMMAND"),
        point("serve", f"{plugin_module}:hello"),  # a built-in name is not taken over
        point("ledger", f"{plugin_module}:app"),
    ])
    assert mounted == ["ledger"]
    warnings = capsys.readouterr().err.strip().splitlines()
    assert len(warnings) == 3
    assert "'missing' (no_such_module_anywhere:app)" in warnings[0]
    assert "ModuleNotFoundError" in warnings[0]
    assert "'number'" in warnings[1] and "neither a Typer app nor a function" in warnings[1]
    assert "'serve'" in warnings[2] and "taken" in warnings[2]
    runner = CliRunner()
    assert runner.invoke(app, ["serve"]).output.strip() == "serving"
    assert runner.invoke(app, ["ledger", "close"]).output.strip() == "closed"


def test_installed_entry_points_reach_the_finbots_command(tmp_path: Path) -> None:
    """A package installed in a folder on the path (its dist-info) adds its commands."""
    (tmp_path / "ledger_plugin.py").write_text(PLUGIN, encoding="utf-8")
    dist = tmp_path / "ledger_plugin-0.1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: ledger-plugin\n"
                                   "Version: 0.1.0\n", encoding="utf-8")
    (dist / "entry_points.txt").write_text(textwrap.dedent(f"""\
        [{GROUP}]
        ledger = ledger_plugin:app
        broken = ledger_plugin_gone:app
        """), encoding="utf-8")
    env = {**os.environ,
           "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])}
    ok = subprocess.run([sys.executable, "-m", "orchestrator.cli", "ledger", "balance", "9"],
                        capture_output=True, text=True, env=env, check=False, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert "balance of 9: 12.00" in ok.stdout
    assert "warning" not in ok.stderr  # the broken plugin is not even imported for this
    # the listing loads every plugin: the broken one warns once, the rest are there
    listing = subprocess.run([sys.executable, "-m", "orchestrator.cli", "--help"],
                             capture_output=True, text=True, env=env, check=False, timeout=120)
    assert listing.returncode == 0, listing.stderr
    assert "'broken' (ledger_plugin_gone:app) not loaded" in listing.stderr
    assert "ModuleNotFoundError" in listing.stderr
    assert len([line for line in listing.stderr.splitlines() if "warning" in line]) == 1
    for command in ("ledger", "sandbox", "demo", "statements", "match", "serve"):
        assert command in listing.stdout
    assert "broken" not in listing.stdout
    asked = subprocess.run([sys.executable, "-m", "orchestrator.cli", "broken"],
                           capture_output=True, text=True, env=env, check=False, timeout=120)
    assert asked.returncode == 2 and "'broken' (ledger_plugin_gone:app) not loaded" in asked.stderr


def _python(code: str) -> subprocess.CompletedProcess[str]:
    """``code`` run by a Python process of its own (imports start from nothing)."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, timeout=120)


def test_a_plugin_module_imported_first_does_not_cycle() -> None:
    """A plugin that imports ``orchestrator.cli`` loads cleanly on its own and through it."""
    code = ("import sandbox.demo, bots.cashapp.cli, sandbox.cli\n"
            "from orchestrator.cli import with_plugins\n"
            "import typer.main\n"
            "group = typer.main.get_command(with_plugins())\n"
            "names = {n for n in group.list_commands(None) if group.get_command(None, n)}\n"
            "assert {'demo', 'sandbox', 'statements', 'match', 'queues'} <= names, names\n")
    done = _python(code)
    assert done.returncode == 0, done.stderr
    assert "warning" not in done.stderr


def test_a_command_imports_only_what_it_uses() -> None:
    """``finbots match`` starts without the store's models, the web framework or the
    sandbox: each area is imported when one of its commands runs."""
    code = ("import sys\nsys.argv = ['finbots', 'match', '--help']\n"
            "from orchestrator.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "heavy = ('orchestrator.store.models', 'fastapi', 'sandbox.launcher', 'sqlmodel')\n"
            "print('loaded:', [m for m in heavy if m in sys.modules], file=sys.stderr)\n")
    done = _python(code)
    assert "--open-items" in done.stdout
    assert "loaded: []" in done.stderr, done.stderr


def test_a_mistyped_command_is_told_the_name_it_is_close_to() -> None:
    from orchestrator.cli import app

    result = CliRunner().invoke(app, ["queus", "list"])
    assert result.exit_code == 2
    assert "No such command 'queus'" in result.output and "'queues'" in result.output
