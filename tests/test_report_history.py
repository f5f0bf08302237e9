"""The session history: saving, listing, `--compare`, and the room's own median."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from monitor.config import DEFAULT_CONFIG
from monitor.report import History, build_report
from monitor.report.compare import parse_choice, pick
from monitor.report.history import PastSession
from monitor.report.run import run_file

from .test_report import ROOM, T0, config, known_session, write_jsonl  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parent.parent
DAY = 86_400_000


def livemon(*args, cwd) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "monitor", *map(str, args)], capture_output=True, cwd=cwd, text=True)
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture
def workdir(tmp_path) -> Path:
    """A directory whose config.toml is the shipped one with the history kept inside it."""
    text = DEFAULT_CONFIG.read_text()
    assert 'dir = ""' in text
    (tmp_path / "config.toml").write_text(text.replace('dir = ""', f'dir = "{tmp_path / "history"}"', 1))
    return tmp_path


def simulated(workdir: Path) -> None:
    """A normal broadcast, then a day later one whose product CTR falls (hand-built without the simulator)."""
    try:
        from feeds.simulator import write_session
    except ImportError:
        write_jsonl(workdir / "normal.jsonl", known_session(T0))
        write_jsonl(workdir / "ctr_drop.jsonl", known_session(T0 + DAY, clicks=(5, 1, 1)))
        return
    write_session(workdir / "normal.jsonl", "normal", 600, seed=3, start="2026-11-21T19:00:00+07:00")
    write_session(workdir / "ctr_drop.jsonl", "ctr_drop", 600, seed=3, start="2026-11-22T19:00:00+07:00")


def test_compare_last_shows_the_ctr_fall_of_a_ctr_drop_broadcast(workdir):
    simulated(workdir)
    livemon("report", "normal.jsonl", "--out", "r1", "--lang", "en", cwd=workdir)
    result = livemon("report", "ctr_drop.jsonl", "--out", "r2", "--compare", "last", "--lang", "en", cwd=workdir)

    (ctr_line,) = [line for line in result.stdout.splitlines() if line.strip().startswith("Product CTR")]
    this, past, change = ctr_line.split()[-3:]
    assert float(this.rstrip("%")) < float(past.rstrip("%"))
    assert change.startswith("-")

    summary = orjson.loads((workdir / "r2" / "summary.json").read_bytes())
    compared = summary["rooms"][0]["compare"]
    assert len(compared["past"]) == 1 and compared["past"][0]["source"].endswith("normal.jsonl")
    ctr = next(row for row in compared["rows"] if row["metric"] == "ctr")
    assert ctr["change"] < -0.2  # half the session at 30% of the usual CTR (hand-built: 7 clicks, not 12)
    html = (workdir / "r2" / "report.html").read_text()
    assert '<table class="compare">' in html and '<tr data-metric="ctr">' in html

    listing = livemon("history", "--lang", "en", cwd=workdir).stdout.splitlines()
    assert [line.split()[0] for line in listing[2:]] == ["toko-batik", "toko-batik"]
    assert "normal.jsonl" in listing[2] and "ctr_drop.jsonl" in listing[3]


def test_reporting_the_same_recording_again_replaces_its_entry(tmp_path, config):
    path = write_jsonl(tmp_path / "s.jsonl", known_session())
    build_report(path, config, tmp_path / "a")
    build_report(path, config, tmp_path / "b")
    (saved,) = History(config.history.dir).sessions()
    assert saved.room == ROOM and saved.start_ms == T0 + 1000
    assert saved.headline["orders"] == 3
    assert sorted(p.suffix for p in saved.path.parent.iterdir()) == [".json", ".parquet"]


def test_history_median_per_metric_uses_whole_windows_of_the_last_sessions(tmp_path, config):
    history = History(tmp_path / "h")
    for day, clicks in ((0, (5, 4, 3)), (1, (9, 8, 7)), (2, (2, 2, 2))):
        path = write_jsonl(tmp_path / f"d{day}.jsonl", known_session(T0 + day * DAY, clicks))
        history.save_all(run_file(path, config).sessions, str(path))
    # minute 0 of each session has a window reaching before the broadcast: left out
    assert history.medians(ROOM, last=1)["ctr"] == 2 / 50
    assert history.medians(ROOM, last=2)["product_clicks"] == 4.5  # of 8, 7, 2, 2
    medians = history.medians(ROOM)
    assert medians["product_clicks"] == 3.5  # of 4, 3, 8, 7, 2, 2
    assert medians["retention"] == 0.5 and medians["entries"] == 10
    assert history.medians(ROOM, before_ms=T0 + DAY)["product_clicks"] == 3.5  # of 4, 3
    assert history.medians("no-such-room")["ctr"] is None


def _past(day: int, gpm: float | None) -> PastSession:
    start = T0 + day * DAY
    return PastSession(ROOM, start, start + 3_600_000, 60, f"d{day}.jsonl", "", {"gpm": gpm}, Path(f"{day}.json"))


def test_pick_takes_earlier_sessions_only():
    past = [_past(0, 5.0), _past(1, 9.0), _past(2, None), _past(3, 7.0), _past(4, 99.0)]
    this = past[4].start_ms
    assert pick(past, "last", this) == [past[3]]
    assert pick(past, 2, this) == [past[2], past[3]]
    assert pick(past, 10, this) == past[:4]
    assert pick(past, "best", this) == [past[1]]  # by GPM; the later session with 99 is not "past"
    assert pick(past, "last", past[0].start_ms) == []
    assert pick(past, "best", past[0].start_ms) == []


@pytest.mark.parametrize("text, choice", [("last", "last"), ("BEST", "best"), ("3", 3)])
def test_compare_choices(text, choice):
    assert parse_choice(text) == choice


@pytest.mark.parametrize("text", ["0", "-1", "first", ""])
def test_bad_compare_choices_are_refused(text):
    with pytest.raises(ValueError):
        parse_choice(text)


def test_a_damaged_history_file_is_skipped(tmp_path, config):
    history = History(tmp_path / "h")
    path = write_jsonl(tmp_path / "s.jsonl", known_session())
    [saved] = history.save_all(run_file(path, config).sessions, str(path))
    (saved.parent / "junk.json").write_text("{not json")
    (saved.parent / "foreign.json").write_text('{"room": ["not", "a", "name"], "start_ms": 1}')
    assert len(history.sessions()) == 1 and len(history.sessions(ROOM)) == 1


def test_a_replayed_session_is_kept_the_way_the_console_would(tmp_path, config):
    """The console's path: a SessionCollector among its sinks, `save_all` at the end."""
    from feeds.files import FileSource
    from monitor.engine import Engine
    from monitor.pipeline import Pipeline
    from monitor.report import SessionCollector

    path = write_jsonl(tmp_path / "s.jsonl", known_session())
    collector = SessionCollector(config.engine.window_s, config.engine.tick_s)
    asyncio.run(Pipeline(Engine(config), FileSource(path), [collector], speed=None).run())
    history = History(tmp_path / "console")
    history.save_all(collector.sessions(), "ws://127.0.0.1:8765")
    (kept,) = history.sessions(ROOM)
    reported = build_report(path, config, tmp_path / "out").run.sessions[0]
    assert kept.headline == reported.headline and kept.source == "ws://127.0.0.1:8765"
