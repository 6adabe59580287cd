"""Run logs: one file per run, records of another run kept out, secrets redacted, and the
process's run-log sink put back after someone removed it."""

from __future__ import annotations

from pathlib import Path

from loguru import logger

from bots.runtime import logs
from bots.runtime.logs import RunLog
from bots.runtime.redact import Redactor


def _open(tmp_path: Path, run_id: int, secret: str = "") -> RunLog:
    redactor = Redactor()
    if secret:
        redactor.add(secret)
    return RunLog(run_id, tmp_path / str(run_id), redactor)


def test_two_runs_in_one_process_keep_their_own_lines(tmp_path: Path) -> None:
    first, second = _open(tmp_path, 1), _open(tmp_path, 2)
    try:
        first.logger.info("posting payment P-1")
        second.logger.info("posting payment P-2")
        logger.info("robot-wide note")
        second.logger.debug("detail of run 2")
    finally:
        first.close()
        second.close()
    one, two = first.path.read_text(), second.path.read_text()
    assert "P-1" in one and "P-2" not in one and "detail of run 2" not in one
    assert "P-2" in two and "P-1" not in two and "detail of run 2" in two
    assert "robot-wide note" in one and "robot-wide note" in two
    assert " | INFO     | " in one


def test_a_closed_run_gets_no_more_lines(tmp_path: Path) -> None:
    run = _open(tmp_path, 3)
    run.logger.info("before close")
    run.close()
    logger.info("after close")
    text = run.path.read_text()
    assert "before close" in text and "after close" not in text


def test_secrets_are_redacted_in_the_file(tmp_path: Path) -> None:
    run = _open(tmp_path, 4, secret="hunter2-pass")
    try:
        run.logger.info("signing in with hunter2-pass")
    finally:
        run.close()
    text = run.path.read_text()
    assert "signing in with" in text and "hunter2-pass" not in text


def test_the_sink_comes_back_after_it_was_removed(tmp_path: Path) -> None:
    logs.prepare()
    assert logs._FILES.handler is not None
    logger.remove(logs._FILES.handler)  # what a command that resets loguru does to it
    run = _open(tmp_path, 5)
    try:
        run.logger.info("still written")
    finally:
        run.close()
    assert "still written" in run.path.read_text()
