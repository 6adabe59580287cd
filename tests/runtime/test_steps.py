from __future__ import annotations

import json
from pathlib import Path

import pytest

from bots.runtime import MemorySink, Redactor, StepRecorder


class FakePage:
    def __init__(self) -> None:
        self.shots: list[Path] = []

    def capture(self, path: Path) -> None:
        path.write_bytes(b"png")
        self.shots.append(path)


def test_failure_screenshots_redacts_and_reraises(tmp_path: Path) -> None:
    sink, redactor, page = MemorySink(), Redactor(), FakePage()
    redactor.add("hunter22")
    rec = StepRecorder(7, tmp_path, sink, redactor)
    rec.current = page
    with rec.step("login", app="bank", data={"pw": "hunter22"}, rule="r1") as st:
        st.note("typed")
    with pytest.raises(ValueError, match="hunter22"), rec.step("post", app="erp") as st:
        raise ValueError("server said hunter22 is wrong")
    with rec.step("maybe", app="erp") as st:
        st.skip("nothing to do")
    ok, failed, skipped = sink.steps
    assert ok["data"] == {"pw": "***"} and ok["outcome"] == "ok" and ok["message"] == "typed"
    assert failed["outcome"] == "failed"
    assert failed["message"] == "ValueError: server said *** is wrong"
    assert failed["evidence"] == "screenshots/0002-failed-post.png"
    assert (tmp_path / failed["evidence"]).read_bytes() == b"png"
    assert skipped["outcome"] == "skipped" and skipped["evidence"] is None
    lines = [json.loads(x) for x in (tmp_path / "steps.jsonl").read_text().splitlines()]
    assert [x["seq"] for x in lines] == [1, 2, 3]
    assert all(x["run_id"] == 7 for x in sink.steps)
    assert "hunter22" not in (tmp_path / "steps.jsonl").read_text()


def test_sink_error_does_not_lose_the_step(tmp_path: Path) -> None:
    class Broken:
        def add_step(self, run_id: object, **fields: object) -> int:
            raise RuntimeError("db down")

    rec = StepRecorder("r", tmp_path, Broken())
    with rec.step("x"):
        pass
    assert len((tmp_path / "steps.jsonl").read_text().splitlines()) == 1
