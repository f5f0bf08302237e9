"""`[history] baseline_from_history`: the room's past medians reach the engine's rules."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from monitor.baselines import past_baselines
from monitor.config import load_config

ROOT = Path(__file__).resolve().parent.parent


def test_off_by_default():
    assert past_baselines(load_config(ROOT / "config.toml")) is None


def test_on_it_reads_the_rooms_medians_from_the_history(tmp_path):
    from feeds.simulator import write_session

    session = tmp_path / "past.jsonl"
    write_session(session, "normal", 300, seed=3)
    config_path = tmp_path / "config.toml"
    text = (ROOT / "config.toml").read_text()
    text = text.replace('dir = ""', f'dir = "{tmp_path / "history"}"', 1)
    text = text.replace("baseline_from_history = false", "baseline_from_history = true", 1)
    config_path.write_text(text)
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "report", str(session), "--out", str(tmp_path / "out"), "--config", str(config_path)],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    medians = past_baselines(load_config(config_path))("toko-batik")
    assert 0.02 < medians["ctr"] < 0.2
    assert medians["viewers"] > 50
    assert all(value is None for value in past_baselines(load_config(config_path))("no-such-room").values())
