"""Room names come from the feed: data for the history, the terminal and spreadsheets, never a path or a command."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

from monitor.report import History, build_report, terminal_text
from monitor.report.build import history_text

from .test_report import config, known_session, write_jsonl  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parent.parent

HOSTILE = ["..", ".", "", "/etc/passwd", "r" * 300, "nul\x00room", "toko-batik 🎉 тест", "Toko", "toko", "../../escape"]
TERMINAL = "\x1b[31mred\x1b]0;pwned\x07 \u202eevil\u202c\r\nnext"


def every_room(names: list[str]) -> list[dict]:
    """The same session in every room, interleaved in time as one feed would send them."""
    return sorted((event for name in names for event in known_session(room=name)), key=lambda event: event["ts"])


def test_hostile_room_names_stay_inside_the_history_each_in_its_own_folder(tmp_path, config):
    path = write_jsonl(tmp_path / "session.jsonl", every_room(HOSTILE))
    report = build_report(path, config, tmp_path / "out")
    history = Path(config.history.dir)
    assert len(report.saved) == len(HOSTILE)
    assert sorted(entry.name for entry in tmp_path.iterdir()) == ["history", "out", "session.jsonl"]
    for saved in report.saved:
        assert saved.resolve().parent.parent == history.resolve()  # <dir>/<room folder>/<session>.json
        assert len(saved.parent.name) <= 60 and len(saved.name) < 60
    assert len({saved.parent for saved in report.saved}) == len(HOSTILE)  # "Toko" and "toko" too
    kept = History(history)
    assert sorted(past.room for past in kept.sessions()) == sorted(HOSTILE)  # the real names, from inside the files
    for name in HOSTILE:
        assert [past.room for past in kept.sessions(name)] == [name]


def test_two_recordings_that_start_together_keep_an_entry_each(tmp_path, config):
    first = write_jsonl(tmp_path / "a.jsonl", known_session())
    second = write_jsonl(tmp_path / "b.jsonl", known_session(clicks=(1, 1, 1)))
    build_report(first, config, tmp_path / "out")
    build_report(second, config, tmp_path / "out")
    build_report(first, config, tmp_path / "out")  # the same recording again replaces its own entry
    sessions = History(config.history.dir).sessions()
    assert sorted(Path(past.source).name for past in sessions) == ["a.jsonl", "b.jsonl"]
    assert len({past.start_ms for past in sessions}) == 1


def printable(text: str) -> bool:
    return all(line.isprintable() for line in text.splitlines())


def test_names_printed_on_the_terminal_keep_no_escape_control_or_bidi_character(tmp_path, config):
    path = write_jsonl(tmp_path / "session.jsonl", every_room([TERMINAL, "nul\x00room"]))
    report = build_report(path, config, tmp_path / "out", choice="last")
    for text in (terminal_text(report, config), history_text(History(config.history.dir), "en")):
        assert printable(text), text
        assert "redpwned" not in text and "\u202e" not in text and "\x1b" not in text
        assert "red evil" in text and "next" in text  # the words stay, the escapes go


def test_history_command_prints_inert_names(tmp_path):
    history = tmp_path / "history"
    config = tmp_path / "config.toml"
    config.write_text((ROOT / "config.toml").read_text().replace('dir = ""', f'dir = "{history}"', 1))
    write_jsonl(tmp_path / "session.jsonl", every_room([TERMINAL]))
    for args in (["report", "session.jsonl", "--out", "out"], ["history"]):
        done = subprocess.run([sys.executable, "-m", "monitor", *args, "--config", str(config)],
                              capture_output=True, text=True, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert printable(done.stdout) and "red evil" in done.stdout


def test_minutes_csv_neutralises_formulas_but_not_numbers(tmp_path, config):
    rooms = ['=HYPERLINK("http://example.invalid","x")', "@SUM(A1)", "+cmd|' /C calc'!A0", "-5", "\tTAB", "toko"]
    path = write_jsonl(tmp_path / "session.jsonl", every_room(rooms))
    build_report(path, config, tmp_path / "out")
    with open(tmp_path / "out" / "minutes.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    shown = {row["room"] for row in rows}
    assert shown == {"'" + rooms[0], "'@SUM(A1)", "'+cmd|' /C calc'!A0", "-5", "'\tTAB", "toko"}
    numbers = [row["gmv"] for row in rows if row["room"] == "toko"]
    assert numbers == ["100000.0", "200000.0", "300000.0"]  # numeric cells are written as they are
    # the Parquet copy keeps the names exactly
    import polars as pl

    assert set(pl.read_parquet(tmp_path / "out" / "minutes.parquet")["room"]) == set(rooms)
