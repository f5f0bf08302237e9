"""The dashboard's look pinned at a fixed replay position, in both languages.

Deterministic: a fixed session file named relative to the working directory,
paused at a fixed event time, clocks shown in UTC, nothing from the wall clock.
"""

from __future__ import annotations

import shutil
import time

import pytest

from feeds.files import FileSource
from monitor.config import DEFAULT_CONFIG, load_config
from monitor.console.app import LivemonApp

from .console_session import T0, seek_paused, session_events, write_session

POSITION = T0 + 10 * 60_000 + 30_000  # 2 minutes after the retention drop began: its alert is firing


@pytest.fixture
def utc(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def dashboard(tmp_path, monkeypatch, lang: str) -> LivemonApp:
    monkeypatch.chdir(tmp_path)
    shutil.copy(DEFAULT_CONFIG, "config.toml")
    write_session(tmp_path / "session.jsonl", session_events(12, drop_at_min=8))
    config = load_config("config.toml").model_copy(update={"lang": lang})
    return LivemonApp(config, source=FileSource("session.jsonl"), speed=1.0, config_path="config.toml")


@pytest.mark.parametrize("lang", ["id", "en"])
def test_dashboard_snapshot(snap_compare, tmp_path, monkeypatch, utc, lang):
    app = dashboard(tmp_path, monkeypatch, lang)

    async def run_before(pilot) -> None:
        await seek_paused(pilot, app, POSITION)

    assert snap_compare(app, terminal_size=(160, 48), run_before=run_before)
