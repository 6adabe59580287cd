"""The SDK's public names are found on first use, each from the module that defines it.

``import bots.runtime`` no longer imports the browser, the mail clients and the rest: a
command that needs one part (``finbots match``: its errors, its quick exit) starts without
them. Every public name must still be there, and a misspelt one must fail as before.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import bots.runtime as runtime


def test_every_public_name_is_found_where_it_is_defined() -> None:
    assert sorted(runtime.__all__) == sorted(runtime._EXPORTS)
    for name in runtime.__all__:
        value = getattr(runtime, name)
        assert getattr(sys.modules[runtime._EXPORTS[name]], name) is value
    assert set(runtime.__all__) <= set(dir(runtime))


def test_a_name_the_sdk_does_not_have_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'RunContxt'"):
        runtime.RunContxt
    with pytest.raises(ImportError):
        exec("from bots.runtime import RunContxt")


def test_the_sdk_starts_without_the_browser_until_a_bot_needs_it() -> None:
    code = ("import sys\nfrom bots.runtime import quick_exit\nfrom bots.runtime.errors import "
            "StatementError\nassert not any(m.startswith('playwright') for m in sys.modules)\n"
            "from bots.runtime import RunContext\n"
            "assert any(m.startswith('playwright') for m in sys.modules)\nprint('ok')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, timeout=120)
    assert done.stdout.strip() == "ok", done.stderr


def test_the_names_type_checkers_see_are_the_names_found_at_run_time() -> None:
    tree = ast.parse(Path(runtime.__file__).read_text(encoding="utf-8"))
    block = next(node for node in tree.body if isinstance(node, ast.If))
    seen = {alias.name: node.module for node in block.body
            if isinstance(node, ast.ImportFrom) for alias in node.names}
    assert seen == runtime._EXPORTS
