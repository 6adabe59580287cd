"""The audit trail holds against someone with access to the database alone.

Records are hashed with a key kept outside the database, every record is hashed in the
transaction that writes it, and the newest record is anchored in a checkpoint file: an
unhashed, edited, forged or cut-off record is named by ``finbots audit verify`` on SQLite
and PostgreSQL, without a head kept by hand, and an ordinary append never repairs one.
"""

from __future__ import annotations

import json
import multiprocessing
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from bots.runtime.errors import AuditChainError, ConfigError
from orchestrator.cli import app
from orchestrator.store import Store
from orchestrator.store.acting import acting_via_token
from orchestrator.store.audit_anchor import advance_checkpoint, database_id, read_checkpoint
from orchestrator.store.audit_chain import GENESIS, chain_hash, keyed_hash
from orchestrator.store.audit_key import load_audit_key
from orchestrator.store.models import AuditRecord

# Spawned children re-import the writer by module name, with this process's sys.path.
sys.path.insert(0, str(Path(__file__).parent))
from audit_writer import write_records

runner = CliRunner()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path,
           monkeypatch: pytest.MonkeyPatch) -> str:
    """An empty store's URL, once per backend; the CLI and the tests share it and the home."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'finbots.db'}"
    else:
        url = request.getfixturevalue("empty_pg_url")  # tests/conftest.py
    for var in ("FINBOTS_AUDIT_KEY", "FINBOTS_AUDIT_KEY_FILE", "FINBOTS_AUDIT_HEAD_FILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("FINBOTS_HOME", str(tmp_path))
    monkeypatch.setenv("FINBOTS_DB_URL", url)
    monkeypatch.setenv("FINBOTS_ACTOR", "tester")
    return url


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = Store(db_url)
    try:
        yield s
    finally:
        s.close()


def _trail(store: Store, n: int = 5) -> list[int]:
    return [store.record_audit(f"user{i}", "item.retry", f"item:{i}", {"amount": f"{i}.50"}).id
            or 0 for i in range(n)]


def _sql(store: Store, statement: str, **params: object) -> None:
    with store.engine.begin() as conn:
        conn.execute(text(statement), params)


def _verify(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["audit", "verify", *args])
    return result.exit_code, result.output


def _kinds(store: Store) -> list[tuple[int, str]]:
    return [(p.id, p.kind) for p in store.verify_audit()]


def _insert(store: Store, rid: int, prev: str | None, digest: str | None,
            actor: str = "mallory") -> None:
    """A row written with SQL; the store's own appends go on after it (as on SQLite)."""
    _sql(store, "INSERT INTO audit_record (id, at, actor, action, target, details, prev_hash, "
                "hash) VALUES (:i, '2026-03-04 05:06:07.000000', :a, 'item.delete', "
                "'item:99', '{}', :p, :h)", i=rid, a=actor, p=prev, h=digest)
    if store.dialect == "postgresql":
        _sql(store, "SELECT setval(pg_get_serial_sequence('audit_record', 'id'), "
                    "(SELECT MAX(id) FROM audit_record))")


def _plain(rid: int, prev: str, actor: str = "mallory") -> str:
    """The hash a writer without the key would compute for the row :func:`_insert` writes."""
    import datetime as dt

    row = AuditRecord(id=rid, at=dt.datetime(2026, 3, 4, 5, 6, 7, tzinfo=dt.UTC), actor=actor,
                      action="item.delete", target="item:99", details={})
    return chain_hash(prev, row)


def test_unhashed_row_then_an_append_is_named(store: Store) -> None:
    ids = _trail(store, 3)
    _insert(store, ids[-1] + 1, None, None)
    appended = store.record_audit("alice", "item.add", "item:7")
    assert _kinds(store) == [(ids[-1] + 1, "unchained")]
    row = next(r for r in store.iter_audit() if r.id == ids[-1] + 1)
    assert row.hash is None and row.prev_hash is None  # the append did not hash it
    assert appended.prev_hash == store.list_audit(limit=1, offset=2)[0].hash
    code, out = _verify()
    assert code == 1 and f"record {ids[-1] + 1}: unchained" in out and "no hash" in out


def test_edited_last_row_is_found(store: Store) -> None:
    ids = _trail(store)
    _sql(store, "UPDATE audit_record SET details = :d WHERE id = :i",
         d=json.dumps({"amount": "0.01"}), i=ids[-1])
    assert _kinds(store) == [(ids[-1], "edited")]
    last = store.list_audit(limit=1)[0]
    # with a fresh plain hash: not keyed, and not the hash the checkpoint holds
    _sql(store, "UPDATE audit_record SET hash = :h WHERE id = :i",
         h=chain_hash(last.prev_hash or "", last), i=ids[-1])
    assert _kinds(store) == [(ids[-1], "forged"), (ids[-1], "rewritten")]
    # with a hash keyed by a guessed key
    _sql(store, "UPDATE audit_record SET hash = :h WHERE id = :i",
         h=keyed_hash(b"g" * 32, last.prev_hash or "", last), i=ids[-1])
    assert _kinds(store) == [(ids[-1], "edited"), (ids[-1], "rewritten")]
    code, out = _verify()
    assert code == 1 and f"record {ids[-1]}: edited" in out


def test_the_token_acted_through_is_covered_by_the_hash(store: Store) -> None:
    with acting_via_token("nightly-sync"):
        via = store.record_audit("alice", "item.retry", "item:1")
    store.record_audit("alice", "item.retry", "item:2")
    assert via.via_token == "nightly-sync" and store.verify_audit() == []
    _sql(store, "UPDATE audit_record SET via_token = NULL WHERE id = :i", i=via.id)
    assert _kinds(store) == [(via.id, "edited")]


def test_tail_cut_is_found_without_a_head(store: Store) -> None:
    ids = _trail(store)
    assert _verify()[0] == 0
    _sql(store, "DELETE FROM audit_record WHERE id >= :i", i=ids[3])
    code, out = _verify()
    assert code == 1 and f"record {ids[-1]}: cut" in out and "cut off the end" in out
    assert f"ends at record {ids[2]}" in out
    _sql(store, "DELETE FROM audit_record")
    assert _kinds(store) == [(ids[-1], "cut")]
    assert "the trail is empty" in _verify()[1]


def test_a_restored_database_is_accepted_only_when_reset(store: Store) -> None:
    ids = _trail(store)
    _sql(store, "DELETE FROM audit_record WHERE id > :i", i=ids[1])  # the backup's state
    store.record_audit("alice", "item.add", "item:1")  # appending does not hide the cut
    # (SQLite reuses the ids: the trail ends before the checkpoint; PostgreSQL does not)
    assert _kinds(store) in ([(ids[-1], "cut")], [(ids[-1], "removed")])
    code, out = _verify()
    assert code == 1 and "cut off the end" in out
    result = runner.invoke(app, ["audit", "checkpoint", "--reset", "--yes"])
    assert result.exit_code == 0, result.output
    assert f"record {ids[-1]}" in result.output and "checkpoint reset" in result.output
    assert _verify()[0] == 0
    reset = store.list_audit(limit=1)[0]
    assert (reset.action, reset.actor) == ("audit.checkpoint_reset", "tester")
    assert reset.details == {"previous_id": ids[-1], "previous_hash": reset.details[
        "previous_hash"]} and len(reset.details["previous_hash"]) == 64


def test_cut_and_rewritten_tail_is_found(store: Store) -> None:
    ids = _trail(store)
    _sql(store, "DELETE FROM audit_record WHERE id = :i", i=ids[-1])
    prev = store.list_audit(limit=1)[0].hash or ""
    _insert(store, ids[-1], prev, _plain(ids[-1], prev))  # same id, new plain-hashed row
    assert _kinds(store) == [(ids[-1], "forged"), (ids[-1], "rewritten")]
    store.record_audit("alice", "item.add", "item:8")  # the checkpoint does not move on
    assert _kinds(store) == [(ids[-1], "forged"), (ids[-1], "rewritten")]


def test_row_appended_with_a_plain_sha256_is_found(store: Store) -> None:
    ids = _trail(store)
    prev = store.list_audit(limit=1)[0].hash or ""
    forged = ids[-1] + 1
    _insert(store, forged, prev, _plain(forged, prev))
    code, out = _verify()
    assert code == 1 and f"record {forged}: forged" in out
    # an ordinary append after it chains on, and repairs nothing
    after = store.record_audit("alice", "item.add", "item:8")
    assert after.prev_hash == _plain(forged, prev)
    assert _kinds(store) == [(forged, "forged")]


def test_append_after_an_edited_row_repairs_nothing(store: Store) -> None:
    ids = _trail(store, 3)
    _sql(store, "UPDATE audit_record SET actor = 'mallory' WHERE id = :i", i=ids[-1])
    store.record_audit("alice", "item.add", "item:8")
    store.record_audit("alice", "item.add", "item:9")
    assert _kinds(store) == [(ids[-1], "edited")]


def test_rows_from_before_the_key_still_verify(store: Store, tmp_path: Path) -> None:
    prev = GENESIS
    for rid in (1, 2, 3):  # as finbots wrote them before the hashes were keyed
        digest = _plain(rid, prev, actor=f"old{rid}")
        _insert(store, rid, prev, digest, actor=f"old{rid}")
        prev = digest
    assert not (tmp_path / "credentials" / "audit.key").exists()
    assert store.verify_audit() == []
    new = store.record_audit("alice", "item.add", "item:1")
    assert new.id == 4 and new.prev_hash == prev
    assert (tmp_path / "credentials" / "audit.key").exists()
    assert _verify()[0] == 0
    # rewriting the old records consistently breaks the link the first keyed one holds
    _sql(store, "DELETE FROM audit_record WHERE id <= 3")
    prev = GENESIS
    for rid in (1, 2, 3):
        digest = _plain(rid, prev)
        _insert(store, rid, prev, digest)
        prev = digest
    assert _kinds(store) == [(4, "removed")]


def test_missing_key_is_said_and_never_replaced(store: Store, tmp_path: Path) -> None:
    _trail(store, 3)
    (tmp_path / "credentials" / "audit.key").unlink()
    with pytest.raises(AuditChainError, match=r"audit\.key"):
        store.record_audit("alice", "item.add", "item:1")
    assert not (tmp_path / "credentials" / "audit.key").exists()
    assert [k for _, k in _kinds(store)] == ["unverifiable"]
    code, out = _verify()
    assert code == 1 and "no audit key" in out


def test_the_key_from_the_environment(store: Store, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "k" * 40
    monkeypatch.setenv("FINBOTS_AUDIT_KEY", secret)
    ids = _trail(store, 2)
    assert not (tmp_path / "credentials" / "audit.key").exists()
    last = store.list_audit(limit=1)[0]
    assert last.hash == keyed_hash(secret.encode(), last.prev_hash or "", last)
    assert _verify()[0] == 0
    monkeypatch.setenv("FINBOTS_AUDIT_KEY", "l" * 40)  # another key: nothing verifies
    assert {k for _, k in _kinds(store)} == {"edited", "checkpoint"}
    monkeypatch.setenv("FINBOTS_AUDIT_KEY", "short-secret")
    with pytest.raises(ConfigError, match="FINBOTS_AUDIT_KEY is too short") as err:
        store.record_audit("alice", "item.add", "item:1")
    assert "short-secret" not in str(err.value)
    code, out = _verify()
    assert code == 1 and "FINBOTS_AUDIT_KEY" in out and "short-secret" not in out
    assert ids


def test_key_and_checkpoint_files(store: Store, tmp_path: Path) -> None:
    ids = _trail(store, 3)
    key_file = tmp_path / "credentials" / "audit.key"
    head_file = tmp_path / "credentials" / "audit.head"
    for path in (key_file, head_file):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = load_audit_key()
    assert key is not None and key.decode() not in head_file.read_text()
    db = database_id(store.engine.url) or ""
    assert "@" not in db or ":" not in db.split("@")[0].split("//")[-1]  # no password
    head = read_checkpoint(db, key)
    assert head is not None and head.authentic
    assert (head.id, head.hash) == (ids[-1], store.audit_head()[1])
    # monotonic: a late writer with an older record does not move it back
    assert not advance_checkpoint(db, key, ids[0], "0" * 64)
    assert read_checkpoint(db, key) == head
    # an edited checkpoint is said, not trusted
    data = json.loads(head_file.read_text())
    data["databases"][db]["id"] = ids[0]
    head_file.write_text(json.dumps(data))
    code, out = _verify()
    assert code == 1 and "does not match its MAC" in out


def test_concurrent_writer_processes_keep_one_intact_chain(store: Store, db_url: str,
                                                           tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    procs = [ctx.Process(target=write_records, args=(db_url, f"w{i}", 15, start))
             for i in range(3)]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    count, newest = store.audit_head()
    assert count == 45 and store.verify_audit() == []
    key = load_audit_key()
    head = read_checkpoint(database_id(store.engine.url) or "", key)
    assert head is not None and head.authentic and head.hash == newest
    code, out = _verify()
    assert code == 0 and "intact: 45 records" in out


def test_a_whole_trail_rewritten_with_plain_hashes_is_not_intact_without_its_checkpoint(
        store: Store, tmp_path: Path) -> None:
    """Someone with the database alone rewrites every record with plain SHA-256 (which
    needs no key, as records older than the key have) and removes the checkpoint file."""
    ids = _trail(store, 4)
    _sql(store, "DELETE FROM audit_record")
    prev = GENESIS
    for rid in ids:
        digest = _plain(rid, prev)
        _insert(store, rid, prev, digest)
        prev = digest
    assert [k for _, k in _kinds(store)] == ["rewritten"]  # the checkpoint names it
    for anchor in (tmp_path / "credentials").glob("audit.head*"):
        anchor.unlink()
    assert _kinds(store) == [(ids[-1], "checkpoint")]
    code, out = _verify()
    assert code == 1 and "no head checkpoint for this database" in out
