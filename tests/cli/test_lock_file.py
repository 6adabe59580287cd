"""The lock file that set-up installs from keeps up with pyproject.toml."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _check_lock():
    spec = importlib.util.spec_from_file_location("check_lock", ROOT / "scripts" / "check_lock.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_lock_pins_every_requirement_with_hashes() -> None:
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    assert _check_lock().problems(ROOT / "pyproject.toml", ROOT / "requirements.lock") == []
    pins = re.findall(r"^([A-Za-z0-9._-]+)==\S+ \\\n\s+--hash=sha256:[0-9a-f]{64}", lock, re.M)
    assert len(pins) == len(re.findall(r"^[A-Za-z0-9._-]+==", lock, re.M)) > 50


def test_a_dependency_added_without_refreshing_the_lock_is_named(tmp_path: Path) -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    added = '"argon2-cffi>=23",\n    "left-pad-nowhere>=1",\n    "lxml>=999",'
    text = text.replace('"argon2-cffi>=23",', added)
    (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
    found = _check_lock().problems(tmp_path / "pyproject.toml", ROOT / "requirements.lock")
    assert any("left-pad-nowhere is required by pyproject.toml but not pinned" in f for f in found)
    assert any(f.startswith("requirements.lock: lxml==") and "lxml>=999" in f for f in found)
