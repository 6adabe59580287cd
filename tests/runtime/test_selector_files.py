from __future__ import annotations

from pathlib import Path

import pytest

from bots.runtime import load_selectors
from bots.runtime.errors import ConfigError, SelectorError

GOOD = """
app: legacy_erp
version: "4.2"
base_url: http://127.0.0.1:8102/
selectors:
  login.username: ["css=input[name=userid]", "xpath=//form//input[@type='text'][1]"]
  login.password: "css=input[type=password]"
  post.amount:
    frame: ["frame[name=main]"]
    locators: ["css=input[name=amount]"]
    secret: false
  login.pin:
    locators: ["css=#pin"]
    secret: true
"""


def _write(tmp_path: Path, text: str, app: str = "legacy_erp") -> Path:
    (tmp_path / f"{app}.yaml").write_text(text)
    return tmp_path


def test_load_and_resolve_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FINBOTS_LEGACY_ERP_URL", raising=False)
    sel = load_selectors("legacy_erp", _write(tmp_path, GOOD))
    assert sel.base_url == "http://127.0.0.1:8102" and sel.version == "4.2"
    assert sel.spec("login.username").locators[1].startswith("xpath=")
    assert sel.spec("login.password").locators == ("css=input[type=password]",)
    amount = sel.spec("post.amount")
    assert amount.frame == ("frame[name=main]",) and not amount.secret
    assert [s.name for s in sel.secret_specs()] == ["login.pin"]
    with pytest.raises(SelectorError, match=r"legacy_erp: unknown selector name 'post\.nope'"):
        sel.spec("post.nope")


def test_env_overrides_base_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINBOTS_LEGACY_ERP_URL", "http://erp.internal:9000")
    assert load_selectors("legacy_erp", _write(tmp_path, GOOD)).base_url == "http://erp.internal:9000"


def test_directory_from_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINBOTS_SELECTORS_DIR", str(_write(tmp_path, GOOD)))
    assert load_selectors("legacy_erp").app == "legacy_erp"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("app: [", "not valid YAML"),
        ("- a\n- b\n", "top level must be a mapping"),
        ("app: other\nbase_url: http://x\nselectors: {a: [b]}\n", "expected 'legacy_erp'"),
        ("selectors: {a: [b]}\n", "base_url is missing"),
        ("base_url: http://x\nselectors: {}\n", "selectors must be a non-empty mapping"),
        ("base_url: http://x\nselectors: {a: []}\n", "selectors.a must be a non-empty list"),
        ("base_url: http://x\nselectors: {a: {frame: [f]}}\n", "selectors.a.locators is missing"),
        ("base_url: http://x\nselectors: {a: {locators: [x], frames: [f]}}\n", "unknown keys"),
        ("base_url: http://x\nselectors: {a: {locators: [x], secret: yes please}}\n",
         "selectors.a.secret must be true or false"),
        ("base_url: http://x\nselectors: {a: {locators: [x], frame: [1]}}\n",
         "selectors.a.frame must be"),
        ("base_url: http://x\nselectors: {a: {locators: [x], multiple: some}}\n",
         "selectors.a.multiple must be one of strict, first, all"),
        ("base_url: http://x\nselectors: {a: {locators: [x], cells: [c]}}\n",
         "selectors.a.cells must be a mapping"),
        ("base_url: http://x\nselectors: {a: {locators: [x], cells: {c: []}}}\n",
         "selectors.a.cells.c must be a non-empty list"),
        ("base_url: http://x\nselectors: {a: {locators: [x], cells: {c: {multiple: first}}}}\n",
         "selectors.a.cells.c needs locators"),
    ],
)
def test_invalid_files_name_file_and_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, message: str
) -> None:
    monkeypatch.delenv("FINBOTS_LEGACY_ERP_URL", raising=False)
    with pytest.raises(ConfigError, match=message) as err:
        load_selectors("legacy_erp", _write(tmp_path, text))
    assert "legacy_erp.yaml" in str(err.value)


def test_multiple_and_cells(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FINBOTS_LEGACY_ERP_URL", raising=False)
    text = GOOD + """  rows:
    locators: ["css=tr"]
    multiple: all
    cells:
      invoice: "xpath=td[1]"
      amount: {locators: ["css=td.amt", "xpath=td[5]"], multiple: first}
  first.link: {locators: ["css=a"], multiple: first}
"""
    sel = load_selectors("legacy_erp", _write(tmp_path, text))
    rows = sel.spec("rows")
    assert rows.multiple == "all" and [c.name for c in rows.cells] == ["invoice", "amount"]
    amount = rows.cell("amount")
    assert amount is not None and amount.locators == ("css=td.amt", "xpath=td[5]")
    assert amount.multiple == "first" and rows.cells[0].multiple == "strict"
    assert sel.spec("first.link").multiple == "first"
    assert sel.spec("login.username").multiple == "strict" and not sel.spec("login.pin").cells


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no selectors for app 'billing_portal'"):
        load_selectors("billing_portal", tmp_path)
