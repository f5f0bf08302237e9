"""`--save-history`: a replayed (or watched) session lands in the history like a reported one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from monitor.config import load_config
from monitor.report import History

ROOT = Path(__file__).resolve().parent.parent


def livemon(*args):
    return subprocess.run([sys.executable, "-m", "monitor", *args], capture_output=True, text=True, cwd=ROOT)


def test_replay_headless_save_history(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text((ROOT / "config.toml").read_text().replace('dir = ""', f'dir = "{tmp_path / "h"}"', 1))
    done = livemon("replay", str(ROOT / "samples" / "sample_30m.jsonl.gz"), "--headless", "--speed", "max",
                   "--save-history", "--config", str(config))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1].startswith('{"kind":"summary"')  # stdout stays JSON Lines only
    assert "1 session(s) saved" in done.stderr
    [session] = History.from_config(load_config(config)).sessions("toko-batik")
    assert session.end_ms - session.start_ms > 29 * 60 * 1000
    listed = livemon("history", "--config", str(config))
    assert listed.returncode == 0 and "toko-batik" in listed.stdout


def test_save_history_needs_headless_on_a_replay(tmp_path):
    done = livemon("replay", str(ROOT / "samples" / "sample_30m.jsonl.gz"), "--save-history")
    assert done.returncode == 2 and "--headless" in done.stderr
