"""The audit trail is a keyed hash chain: edits, removals and reorderings are found and named.

The head checkpoint and forged or unhashed records: test_audit_anchor.py.
"""

from __future__ import annotations

import csv
import itertools
import json
import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from orchestrator.cli import app
from orchestrator.store import Store
from orchestrator.store.audit_chain import GENESIS, chain_hash, keyed_hash
from orchestrator.store.audit_key import load_audit_key

runner = CliRunner()


def _trail(store: Store, n: int = 5) -> list[int]:
    return [store.record_audit(f"user{i}", "item.retry", f"item:{i}", {"amount": f"{i}.50"}).id
            or 0 for i in range(n)]


def _verify() -> tuple[int, str]:
    result = runner.invoke(app, ["audit", "verify"])
    return result.exit_code, result.output


def _sql(store: Store, statement: str, **params: object) -> None:
    with store.engine.begin() as conn:
        conn.execute(text(statement), params)


def test_intact_chain_verifies(store: Store) -> None:
    ids = _trail(store)
    records = list(store.iter_audit())
    assert records[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(records))
    key = load_audit_key()
    assert key is not None
    assert all(r.hash == keyed_hash(key, r.prev_hash or "", r) for r in records)
    assert not any(r.hash == chain_hash(r.prev_hash or "", r) for r in records)
    code, out = _verify()
    assert code == 0 and "intact: 5 records" in out
    assert store.audit_head() == (5, records[-1].hash) and ids == [r.id for r in records]


def test_edited_record_is_named(store: Store) -> None:
    ids = _trail(store)
    _sql(store, "UPDATE audit_record SET details = :d WHERE id = :i",
         d=json.dumps({"amount": "9999.00"}), i=ids[2])
    code, out = _verify()
    assert code == 1 and f"record {ids[2]}: edited" in out
    assert [p.id for p in store.verify_audit()] == [ids[2]]


def test_edit_with_a_recomputed_hash_is_still_found(store: Store) -> None:
    ids = _trail(store)
    _sql(store, "UPDATE audit_record SET actor = 'someone-else', hash = :h WHERE id = :i",
         h="f" * 64, i=ids[1])
    problems = store.verify_audit()
    assert [(p.id, p.kind) for p in problems] == [(ids[1], "edited"), (ids[2], "removed")]
    # a rewrite of record 1 with a plain hash is no hash of finbots', and breaks the link
    rewritten = next(r for r in store.iter_audit() if r.id == ids[1])
    _sql(store, "UPDATE audit_record SET hash = :h WHERE id = :i",
         h=chain_hash(rewritten.prev_hash or "", rewritten), i=ids[1])
    assert [(p.id, p.kind) for p in store.verify_audit()] == [(ids[1], "forged"),
                                                               (ids[2], "removed")]


def test_removed_record_is_found(store: Store) -> None:
    ids = _trail(store)
    _sql(store, "DELETE FROM audit_record WHERE id = :i", i=ids[3])
    code, out = _verify()
    assert code == 1 and f"record {ids[4]}: removed" in out
    _sql(store, "DELETE FROM audit_record WHERE id = :i", i=ids[0])
    assert [(p.id, p.kind) for p in store.verify_audit()] == [(ids[1], "removed"),
                                                               (ids[4], "removed")]


def test_cut_off_newest_records_are_found_with_the_head(store: Store) -> None:
    _trail(store)
    head = store.audit_head()[1] or ""
    store.record_audit("x", "item.add", "item:9")
    assert runner.invoke(app, ["audit", "verify", "--head", head]).exit_code == 0
    _sql(store, "DELETE FROM audit_record WHERE id >= (SELECT MAX(id) - 1 FROM audit_record)")
    result = runner.invoke(app, ["audit", "verify", "--head", head])
    assert result.exit_code == 1 and "cut off the end" in result.output


def test_swapped_records_are_found(store: Store) -> None:
    ids = _trail(store)
    a, b = ids[1], ids[2]
    _sql(store, "UPDATE audit_record SET id = -1 WHERE id = :a", a=a)
    _sql(store, "UPDATE audit_record SET id = :a WHERE id = :b", a=a, b=b)
    _sql(store, "UPDATE audit_record SET id = :b WHERE id = -1", b=b)
    code, out = _verify()
    assert code == 1 and f"record {a}: reordered" in out
    problems = store.verify_audit()
    assert problems and problems[0].id == a


def test_swapped_contents_are_found(store: Store) -> None:
    ids = _trail(store)
    _sql(store, "UPDATE audit_record SET actor = CASE id WHEN :a THEN 'user2' ELSE 'user1' END "
                "WHERE id IN (:a, :b)", a=ids[1], b=ids[2])
    assert [p.id for p in store.verify_audit()] == [ids[1], ids[2]]


def test_unhashed_records_are_named_and_never_join_the_chain(store: Store) -> None:
    ids = _trail(store, 2)
    _sql(store, "INSERT INTO audit_record (at, actor, action, target, details) "
                "VALUES ('2026-01-02 03:04:05.000000', 'old', 'item.add', 'item:1', '{}')")
    assert [p.kind for p in store.verify_audit()] == ["unchained"]
    new = store.record_audit("new", "item.add", "item:2")
    unhashed = ids[-1] + 1
    assert [(p.id, p.kind) for p in store.verify_audit()] == [(unhashed, "unchained")]
    row = next(r for r in store.iter_audit() if r.id == unhashed)
    assert row.hash is None and row.prev_hash is None
    assert new.prev_hash == next(r.hash for r in store.iter_audit() if r.id == ids[-1])
    code, out = _verify()
    assert code == 1 and f"record {unhashed}: unchained" in out


def test_export_csv(store: Store, tmp_path: Path) -> None:
    _trail(store, 3)
    store.record_audit("=HYPERLINK(\"x\")", "auth.login_failed", "user:=cmd", {})
    out = runner.invoke(app, ["audit", "export", "--csv", str(tmp_path / "a.csv")])
    assert out.exit_code == 0 and "exported 4 audit records" in out.output
    rows = list(csv.DictReader((tmp_path / "a.csv").open(encoding="utf-8")))
    assert [r["id"] for r in rows] == ["1", "2", "3", "4"]
    assert rows[3]["actor"].startswith("'=") and rows[3]["target"] == "user:=cmd"
    assert rows[0]["details"] == '{"amount": "0.50"}' and len(rows[0]["hash"]) == 64


def _hammer(store: Store, threads: int = 4, each: int = 10) -> None:
    def work(n: int) -> None:
        for i in range(each):
            store.record_audit(f"t{n}", "item.add", f"item:{n}-{i}")

    pool = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()


def test_concurrent_writers_keep_one_chain_sqlite(store: Store) -> None:
    _hammer(store)
    assert store.audit_head()[0] == 40 and store.verify_audit() == []


@pytest.mark.postgres
def test_concurrent_writers_keep_one_chain_postgres(empty_pg_url: str, db_path: Path) -> None:
    store = Store(empty_pg_url)
    try:
        _hammer(store)
        assert store.audit_head()[0] == 40 and store.verify_audit() == []
        first = store.list_audit(limit=1)[0]
        with store.engine.begin() as conn:
            conn.execute(text("UPDATE audit_record SET target = 'x' WHERE id = :i"),
                         {"i": first.id})
        assert [p.id for p in store.verify_audit()] == [first.id]
    finally:
        store.close()
