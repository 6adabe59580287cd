"""Seed data for web tests: a failed run with real files, many runs, items and cases."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import struct
import zipfile
import zlib
from decimal import Decimal
from pathlib import Path

from bots.runtime.errors import DuplicateError
from orchestrator.scheduler import schedules as scheduling
from orchestrator.store import Store, utcnow

__all__ = ["png", "seed_cases", "seed_failed_run", "seed_fleet", "write_log"]


def png(width: int = 320, height: int = 200, rgb: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    """A real PNG: a coloured rectangle with a white band (so a viewer has something)."""
    rows = []
    for y in range(height):
        colour = (255, 255, 255) if height // 3 < y < height // 3 + 20 else rgb
        rows.append(b"\x00" + bytes(colour) * width)
    raw = zlib.compress(b"".join(rows), 6)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw)
            + chunk(b"IEND", b""))


def write_log(path: Path, lines: int, error_every: int = 0) -> None:
    """A loguru-formatted log of ``lines`` lines; every ``error_every``-th is an ERROR."""
    path.parent.mkdir(parents=True, exist_ok=True)
    t0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with path.open("w", encoding="utf-8") as fh:
        for n in range(1, lines + 1):
            level = "ERROR" if error_every and n % error_every == 0 else "INFO"
            stamp = (t0 + dt.timedelta(milliseconds=n)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
            fh.write(f"{stamp}Z | {level:<8} | bots.demo:{n % 400} | line {n}: "
                     f"{'posting failed' if level == 'ERROR' else 'working'} item {n}\n")


def seed_failed_run(store: Store, runs: Path, bot: str = "payment-posting",
                    log_lines: int = 40) -> int:
    """A failed run: 4 steps (the 3rd failed, with a PNG), a log, a trace; returns its id."""
    store.register_bot(bot, "1.4.0", "posts payments", ["legacy_erp"])
    run = store.start_run(bot, {"format": "camt053"}, host="robot-host", pid=4242)
    assert run.id is not None
    folder = runs / str(run.id)
    (folder / "screenshots").mkdir(parents=True, exist_ok=True)
    (folder / "screenshots" / "0003-failed-post.png").write_bytes(png())
    (folder / "screenshots" / "0002-checkpoint.png").write_bytes(png(rgb=(40, 120, 200)))
    t0 = utcnow() - dt.timedelta(minutes=3)
    steps = [
        dict(action="login", app="legacy_erp", selector="login.submit", outcome="ok",
             duration_ms=850, message="signed in", data={"user": "bot", "password": "***"}),
        dict(action="lookup", app="legacy_erp", selector="payments.search", outcome="ok",
             duration_ms=420, data={"bank_ref": "NWB-2026-0042"}, rule="idempotency: look up "
             "the bank reference first", evidence="screenshots/0002-checkpoint.png"),
        dict(action="post", app="legacy_erp", selector="posting.submit", outcome="failed",
             duration_ms=15012, data={"invoice": "INV-1007", "amount": "1250.00"},
             rule="exact match", message="Timeout 15000ms exceeded waiting for #post-ok",
             evidence="screenshots/0003-failed-post.png"),
        dict(action="logout", app="legacy_erp", outcome="skipped", duration_ms=0),
    ]
    for n, step in enumerate(steps):
        step["started_at"] = t0 + dt.timedelta(seconds=5 * n)
    store.add_steps(run.id, steps)
    with (folder / "steps.jsonl").open("w") as fh:
        for n, step in enumerate(steps, 1):
            fh.write(json.dumps({"seq": n, **step}, default=str) + "\n")
    write_log(folder / "bot.log", log_lines, error_every=log_lines // 2 or 1)
    with zipfile.ZipFile(folder / "trace.zip", "w") as zf:
        zf.writestr("trace.trace", "{}\n")
    store.finish_run(run.id, "failed", {"items_ok": 3, "items_failed": 1},
                     error="ApplicationFailure ERP_TIMEOUT: posting INV-1007 timed out")
    return run.id


def seed_cases(store: Store, run_id: int, n: int = 3, reason: str = "UNMATCHED") -> None:
    for i in range(n):
        store.open_case(run_id=run_id, item_id=None, reference=f"WEB-{reason}-{run_id}-{i}",
                        reason_code=reason, summary="no invoice matched",
                        amount=Decimal("99.50"))


def _shift(store: Store, model: type, record_id: int, **times: dt.datetime) -> None:
    """Move a record's timestamps (seeding history the store would only write live)."""
    from sqlmodel import Session

    with Session(store.engine) as s:
        record = s.get(model, record_id)
        for name, value in times.items():
            setattr(record, name, value)
        s.add(record)
        s.commit()


def seed_fleet(store: Store, bot: str = "invoice-status", tag: str = "F") -> dict[str, int]:
    """History for the dashboard and fleet pages: runs over 14 days, items per bot, open
    cases of every age, resolved cases, robots, a schedule and a queue. Returns counts."""
    from orchestrator.store import ExceptionCase, RunRecord

    now = utcnow()
    store.register_bot(bot, "2.0.1", "updates invoice statuses", ["billing_portal"])
    run_ids = []
    for day in range(14):
        for n in range(day % 3 + 1):
            run = store.start_run(bot, {"batch": f"{tag}{day}-{n}"}, host="host-a")
            assert run.id is not None
            status = "failed" if (day + n) % 4 == 0 else "successful"
            store.finish_run(run.id, status, {"items_ok": 2})
            started = now - dt.timedelta(days=day, minutes=10 + n)
            _shift(store, RunRecord, run.id, started_at=started, created_at=started,
                   finished_at=started + dt.timedelta(minutes=2, seconds=n * 7))
            run_ids.append(run.id)
    queue = f"{bot}-queue"
    store.ensure_queue(queue, max_retries=0)
    ok = failed = 0
    for i in range(10):
        item = store.add_item(queue, f"{tag}-INV-{i:04d}", {"invoice": f"INV-{i}",
                                                            "amount": "10.00"})
        assert item is not None
        claimed = store.claim_item(queue, "robot-1", run_id=run_ids[0])
        assert claimed is not None
        if i % 5 == 4:
            store.fail_item(claimed.id or 0, "business", "UNMATCHED", "no invoice")
            failed += 1
        else:
            store.complete_item(claimed.id or 0, {"status": "paid"})
            ok += 1
    store.add_item(queue, f"{tag}-NEW-1", {"invoice": "INV-new"})
    reasons = ("UNMATCHED", "SHORT_PAYMENT", "DUPLICATE")
    for i, age_days in enumerate((0.2, 0.5, 2, 5, 9, 12)):
        case = store.open_case(run_ids[0], None, f"{tag}-CASE-{i}", reasons[i % 3],
                               "needs a person", amount=Decimal("42.10"))
        created = now - dt.timedelta(days=age_days)
        _shift(store, ExceptionCase, case.id or 0, created_at=created,
               sla_due_at=created + dt.timedelta(hours=48))
    for i, hours in enumerate((2, 6, 30)):
        case = store.open_case(run_ids[0], None, f"{tag}-DONE-{i}", "UNMATCHED", "resolved")
        created = now - dt.timedelta(days=3)
        _shift(store, ExceptionCase, case.id or 0, created_at=created, status="resolved",
               sla_due_at=created + dt.timedelta(hours=24),
               resolved_at=created + dt.timedelta(hours=hours), resolved_by="finance")
    for name, status in (("robot-1", "busy"), ("robot-2", "idle")):
        robot = store.register_robot(f"{tag.lower()}-{name}", "host-a", 1000 + len(name), 2)
        if status == "busy":
            store.heartbeat(robot.name, [run_ids[0]])
    with contextlib.suppress(DuplicateError):
        scheduling.add_schedule(store, f"{tag.lower()}-morning-{bot}", bot, "cron",
                                {"cron": "0 7 * * mon-fri"}, timezone="Europe/Berlin")
    return {"runs": len(run_ids), "items_ok": ok, "items_failed": failed, "open_cases": 6}
