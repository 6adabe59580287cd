"""Desktop applications opened through the run context, closed with the run (Xvfb)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bots.runtime import MemorySink, RunContext
from bots.runtime.desktop import DesktopSession
from bots.runtime.desktop.process import stop_apps
from bots.runtime.errors import ConfigError

pytestmark = pytest.mark.desktop

PROBE = Path(__file__).with_name("probe_app.py")
SELECTORS = f"""
app: probe
window_class: FinbotsProbe
launch: [{json.dumps(sys.executable)}, {json.dumps(str(PROBE))}]
windows:
  main: {{title: "^Probe - ", main: true}}
selectors:
  name: {{window: main, verify: true, locators: ["keys=alt+n"]}}
"""


@pytest.fixture
def folder(tmp_path: Path, display: str) -> Iterator[Path]:
    selectors = tmp_path / "selectors"
    selectors.mkdir()
    (selectors / "probe.yaml").write_text(SELECTORS)
    yield selectors
    stop_apps("probe")


def test_the_run_opens_the_app_and_stops_it_when_it_closes(
        folder: Path, tmp_path: Path) -> None:
    sink = MemorySink()
    ctx = RunContext("desk-1", tmp_path / "run", store=sink, selectors_dir=folder,
                     timeout_ms=5000)
    app = ctx.desktop("probe", launch=True, keep_running=False)
    assert isinstance(app, DesktopSession) and ctx.desktop("probe") is app
    assert app.process is not None and app.process.running()
    app.fill("name", "through the context")
    assert app.value("name") == "through the context"
    process = app.process.proc
    ctx.close()
    assert app.closed and process is not None and process.poll() is not None
    assert [s["action"] for s in sink.steps][-1] == "close"
    with pytest.raises(ConfigError, match="the desktop session is closed"):
        app.value("name")


def test_a_kept_app_outlives_the_run_and_serves_the_next(
        folder: Path, tmp_path: Path) -> None:
    with RunContext("desk-2", tmp_path / "r2", selectors_dir=folder, timeout_ms=5000) as ctx:
        first = ctx.desktop("probe", launch=True)
        pid = first.process.pid if first.process else None
    assert first.closed and first.process is not None and first.process.running()
    with RunContext("desk-3", tmp_path / "r3", selectors_dir=folder, timeout_ms=5000) as ctx:
        second = ctx.desktop("probe", launch=True)
        assert second is not first and second.process is not None
        assert second.process.pid == pid  # the same client, not a second one
