"""A disk that refuses a write (full, quota, gone) costs that file, never the run or its summary.

`/dev/full` accepts the open and refuses every write with ENOSPC, as a full
disk does; a path under a regular file cannot be created at all.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from feeds.dead_letters import DeadLetterFile
from feeds.files import FileSource
from feeds.recorder import Recorder
from monitor.engine import Engine
from monitor.pipeline import Pipeline

from .feeds_support import T, Collect, short_config

ROOT = Path(__file__).resolve().parent.parent
FULL = Path("/dev/full")
needs_full = pytest.mark.skipif(not FULL.exists(), reason="needs /dev/full (Linux)")


def session(path: Path) -> Path:
    """Two minutes of likes with a bad line every tenth line."""
    lines = []
    for index in range(600):
        lines.append(orjson.dumps({"type": "like", "ts": T + index * 200, "room": "toko", "user": f"u{index % 7}"}))
        if index % 10 == 0:
            lines.append(b"{not json")
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


async def run(path: Path, *sinks) -> dict:
    return await Pipeline(Engine(short_config()), FileSource(path), [*sinks], speed=None).run()


@needs_full
@pytest.mark.parametrize("make", [lambda: Recorder(FULL, flush_s=0.01), lambda: DeadLetterFile(FULL)])
async def test_a_full_disk_stops_the_file_with_one_warning_and_the_run_goes_on(tmp_path, caplog, make):
    path = session(tmp_path / "s.jsonl")
    expected = await run(path, Collect())
    writer = make()
    seen = Collect()
    with caplog.at_level(logging.WARNING, logger="livemon"):
        summary = await run(path, seen, writer)
    assert summary == expected and summary["events"] == 600 and summary["rejected"] == {"invalid_json": 60}
    assert writer.failed and "No space left on device" in writer.failed
    warnings = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "goes on" in warnings[0].getMessage()
    assert seen.summary == summary  # every sink after the failed one still closed with the summary


def livemon(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "monitor", *args], capture_output=True, text=True, cwd=cwd)


def config_with(tmp_path: Path, **values: str) -> Path:
    text = (ROOT / "config.toml").read_text()
    for key, value in values.items():
        text = text.replace(f'{key} = ""', f'{key} = "{value}"', 1)
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


@needs_full
def test_replay_with_dead_letters_on_a_full_disk_ends_with_its_summary(tmp_path):
    path = session(tmp_path / "s.jsonl")
    config = config_with(tmp_path, dead_letter=str(FULL))
    done = livemon("replay", str(path), "--headless", "--speed", "max", "--config", str(config), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    summary = orjson.loads(done.stdout.splitlines()[-1])
    assert summary["kind"] == "summary" and summary["events"] == 600 and summary["rejected"] == {"invalid_json": 60}
    assert len(done.stderr.strip().splitlines()) == 1 and "dead letters" in done.stderr


def test_a_history_that_cannot_be_written_costs_the_entry_not_the_run(tmp_path):
    (tmp_path / "a-file").write_text("not a directory")
    config = config_with(tmp_path, dir=str(tmp_path / "a-file" / "history"))
    path = session(tmp_path / "s.jsonl")
    done = livemon("replay", str(path), "--headless", "--speed", "max", "--save-history", "--config", str(config),
                   cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert orjson.loads(done.stdout.splitlines()[-1])["kind"] == "summary"
    assert len(done.stderr.strip().splitlines()) == 1 and "history" in done.stderr
    report = livemon("report", str(path), "--out", "out", "--config", str(config), cwd=tmp_path)
    assert report.returncode == 0, report.stderr
    assert (tmp_path / "out" / "report.html").exists() and "report.html" in report.stdout
    assert "history" in report.stderr


def test_an_output_that_cannot_be_opened_is_refused_before_the_run(tmp_path):
    path = session(tmp_path / "s.jsonl")
    config = config_with(tmp_path, dead_letter=str(tmp_path / "missing" / "dead.jsonl"))
    done = livemon("replay", str(path), "--headless", "--config", str(config), cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1 and "cannot write the dead letters" in done.stderr
