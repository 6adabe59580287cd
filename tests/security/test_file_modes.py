"""Files holding secrets are readable by finbots' user only, and the default store lives
outside the runs folder the web UI serves files from.

Checked with ``os.stat`` under a permissive umask (022), as a service would run.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from loguru import logger

from bots.runtime.vault import Vault
from bots.runtime.vault_keys import ensure_key
from orchestrator.config import get_settings
from orchestrator.store import Store


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture(autouse=True)
def permissive_umask() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FINBOTS_HOME", str(tmp_path))
    monkeypatch.delenv("FINBOTS_DB_URL", raising=False)
    return tmp_path


def test_the_store_and_its_side_files_are_private(home: Path) -> None:
    settings = get_settings()
    assert settings.db_url == f"sqlite:///{home / 'data' / 'finbots.db'}"
    store = Store.from_settings()
    try:
        store.record_audit("tester", "test.write", "file-modes", {})  # a write: WAL in use
        db = home / "data" / "finbots.db"
        side = [db.with_name(db.name + s) for s in ("-wal", "-shm")]
        assert all(p.exists() for p in side)
        assert [mode(p) for p in (db, *side)] == [0o600, 0o600, 0o600]
        assert mode(db.parent) == 0o700
    finally:
        store.close()
    assert not (home / "runs" / "finbots.db").exists()


def test_a_store_left_open_to_others_is_closed_when_opened(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    sqlite3.connect(db).close()
    os.chmod(db, 0o644)
    os.chmod(tmp_path, 0o755)
    Store(f"sqlite:///{db}").close()
    assert mode(db) == 0o600
    assert mode(tmp_path) == 0o755  # a folder finbots did not make is left as it is


def _old_store_with_wal(db: Path) -> None:
    """A store whose last row is in its -wal only (as a crash or a live server leaves it)."""
    db.parent.mkdir(parents=True)
    scratch = db.parent / "scratch"
    scratch.mkdir()
    live = scratch / db.name
    con = sqlite3.connect(live, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA wal_autocheckpoint=0")
    con.execute("CREATE TABLE note (text TEXT)")
    con.execute("INSERT INTO note VALUES ('kept through the move')")
    for suffix in ("", "-wal", "-shm"):  # copied while open: the row is not in the db file
        shutil.copy(live.with_name(live.name + suffix), db.with_name(db.name + suffix))
    con.close()
    shutil.rmtree(scratch)


def test_an_old_store_in_runs_moves_out_once_with_its_wal(home: Path) -> None:
    old = home / "runs" / "finbots.db"
    _old_store_with_wal(old)
    messages: list[str] = []
    sink = logger.add(lambda m: messages.append(str(m)), level="INFO")
    try:
        settings = get_settings()
        get_settings()  # a second look moves nothing and says nothing
    finally:
        logger.remove(sink)
    new = home / "data" / "finbots.db"
    assert settings.db_url == f"sqlite:///{new}"
    assert not old.exists() and not old.with_name("finbots.db-wal").exists()
    assert new.exists() and new.with_name("finbots.db-wal").exists()
    assert len([m for m in messages if "moved" in m]) == 1
    assert str(old) in messages[0] and str(new) in messages[0]
    con = sqlite3.connect(new)
    assert con.execute("SELECT text FROM note").fetchall() == [("kept through the move",)]
    con.close()
    assert mode(new.parent) == 0o700


def test_an_existing_new_store_is_never_overwritten(home: Path) -> None:
    old, new = home / "runs" / "finbots.db", home / "data" / "finbots.db"
    old.parent.mkdir()
    new.parent.mkdir()
    old.write_bytes(b"old")
    new.write_bytes(b"new")
    get_settings()
    assert old.read_bytes() == b"old" and new.read_bytes() == b"new"


def test_a_store_named_by_url_is_left_where_it_is(home: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    old = home / "runs" / "finbots.db"
    old.parent.mkdir()
    old.write_bytes(b"someone's")
    monkeypatch.setenv("FINBOTS_DB_URL", f"sqlite:///{home / 'elsewhere.db'}")
    get_settings()
    assert old.read_bytes() == b"someone's" and not (home / "data").exists()


def test_the_vault_and_its_master_key_are_private(home: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FINBOTS_MASTER_KEY", raising=False)
    monkeypatch.delenv("FINBOTS_MASTER_KEY_FILE", raising=False)
    monkeypatch.delenv("FINBOTS_VAULT_PATH", raising=False)
    key = ensure_key()
    vault = Vault(key=key)
    vault.set("bank", {"username": "u", "password": "p"})
    folder = home / "credentials"
    assert mode(folder) == 0o700
    assert mode(folder / "master.key") == 0o600
    assert mode(vault.path) == 0o600 and vault.path.parent == folder
    assert mode(vault.path.with_name(vault.path.name + ".lock")) == 0o600
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["master.key", vault.path.name, vault.path.name + ".lock"])


def test_the_audit_key_and_head_checkpoint_are_private(home: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("FINBOTS_AUDIT_KEY", "FINBOTS_AUDIT_KEY_FILE", "FINBOTS_AUDIT_HEAD_FILE"):
        monkeypatch.delenv(var, raising=False)
    store = Store.from_settings()
    try:
        store.record_audit("tester", "test.write", "file-modes", {})
    finally:
        store.close()
    folder = home / "credentials"
    made = {p.name: mode(p) for p in folder.iterdir()}
    assert {"audit.key", "audit.head"} <= set(made), made
    assert set(made.values()) == {0o600}, made
    assert mode(folder) == 0o700


def test_a_runs_folder_and_the_quarantine_are_private(home: Path) -> None:
    """Statements, customers' mails and screenshots of their accounts stay this user's."""
    from bots.cashapp.statements.intake import quarantine
    from bots.runtime.errors import StatementParseError
    from bots.runtime.paths import runs_dir
    from bots.runtime.steps import StepRecorder

    StepRecorder(7, runs_dir() / "7")
    assert mode(runs_dir()) == 0o700 and mode(runs_dir() / "7") == 0o700
    refused = home / "inbox" / "bad.xml"
    refused.parent.mkdir()
    refused.write_text("<Document>")
    moved = quarantine(refused, runs_dir() / "quarantine",
                       StatementParseError("not XML", file="bad.xml"))
    assert mode(runs_dir() / "quarantine") == 0o700 and moved.read_text() == "<Document>"
    open_folder = runs_dir() / "8"
    open_folder.mkdir(mode=0o755)  # left open by an older finbots
    os.chmod(open_folder, 0o755)
    StepRecorder(8, open_folder)
    assert mode(open_folder) == 0o700
