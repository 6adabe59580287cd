"""``ctx.config``: a bot's configuration documents, packaged defaults and saved versions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from bots.runtime import Bot, ConfigDocument, ConfigSpec, MemoryBackend, RunContext
from bots.runtime.bot_config import digest
from bots.runtime.errors import ConfigError


def check_policy(data: dict[str, Any]) -> None:
    if "limit" not in data:
        raise ConfigError("limit: missing")


def make_bot(tmp_path: Path, text: str = "limit: '500.00'\nlevels: [7, 14]\n") -> Bot:
    default = tmp_path / "policy.yaml"
    default.write_text(text)
    return Bot(name="cfg-bot", version="1", config={
        "policy": ConfigSpec(default, validate=check_policy, description="the policy")})


class SavedVersions(MemoryBackend):
    def __init__(self, content: str | None) -> None:
        super().__init__()
        self.content, self.reads = content, 0

    def get_config(self, bot: str, name: str) -> ConfigDocument | None:
        self.reads += 1
        if self.content is None:
            return None
        return ConfigDocument(bot, name, 3, self.content, digest(self.content), "fiona",
                              dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC), "raised")


def test_packaged_default_is_read_and_recorded(tmp_path: Path) -> None:
    bot = make_bot(tmp_path)
    with RunContext("r1", tmp_path / "run", bot=bot) as ctx:
        policy = ctx.config("policy")
        policy["limit"] = "changed"  # a copy: the run's version stays as read
        assert ctx.config("policy") == {"limit": "500.00", "levels": [7, 14]}
        steps = [s for s in ctx.recorder.steps if s.action == "config"]
    assert len(steps) == 1
    assert steps[0].data["version"] == 0 and steps[0].data["origin"] == "packaged default"
    assert bot.describe()["config"] == {"policy": "the policy"}


def test_saved_version_wins_and_is_read_once_per_run(tmp_path: Path) -> None:
    backend = SavedVersions("limit: '900.00'\n")
    with RunContext("r2", tmp_path / "run", bot=make_bot(tmp_path), backend=backend) as ctx:
        assert ctx.config("policy")["limit"] == "900.00"
        backend.content = "limit: '1.00'\n"  # changed meanwhile: this run keeps its version
        assert ctx.config("policy")["limit"] == "900.00"
        doc = ctx.config_document("policy")
    assert backend.reads == 1
    assert doc.version == 3 and "fiona" in doc.origin


def test_saved_version_that_fails_the_check_stops_the_run(tmp_path: Path) -> None:
    backend = SavedVersions("levels: [1]\n")
    with RunContext("r3", tmp_path / "run", bot=make_bot(tmp_path), backend=backend) as ctx, \
            pytest.raises(ConfigError, match=r"policy \(version 3\): limit: missing"):
        ctx.config("policy")


def test_bad_yaml_names_the_line(tmp_path: Path) -> None:
    bot = make_bot(tmp_path, "limit: '1'\nlevels: [7, 14\n")
    with RunContext("r4", tmp_path / "run", bot=bot) as ctx, \
            pytest.raises(ConfigError, match=r"policy.yaml: .*line \d+"):
        ctx.config("policy")


def test_undeclared_document_is_refused(tmp_path: Path) -> None:
    with RunContext("r5", tmp_path / "run", bot=make_bot(tmp_path)) as ctx, \
            pytest.raises(ConfigError, match="declares no configuration document 'dunning'"):
        ctx.config("dunning")
