"""`livemon replay FILE --headless`: the JSON Lines contract, end to end."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import orjson
import polars as pl
import pytest

from .test_metrics_reference import random_stream

ROOT = Path(__file__).resolve().parent.parent


def replay(path, *args, check=True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "monitor", "replay", str(path), "--headless", *args],
        capture_output=True, cwd=ROOT,
    )
    if check:
        assert result.returncode == 0, result.stderr.decode()
    return result


def lines(result) -> list[dict]:
    return [orjson.loads(line) for line in result.stdout.splitlines()]


def two_minutes(seed=11) -> list[dict]:
    """Two rooms over two minutes, with some disorder, every 100 ms or so."""
    events = random_stream(seed, n=1500, users=30)
    start = events[0]["ts"]
    for index, event in enumerate(events):
        event["ts"] = start + index * 80 + (event["ts"] - start) % 300
    return events


def write_jsonl(path: Path, events: list[dict]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in events))
    return path


@pytest.fixture(scope="module")
def session(tmp_path_factory) -> Path:
    return write_jsonl(tmp_path_factory.mktemp("s") / "two.jsonl", two_minutes())


@pytest.fixture(scope="module")
def at_max(session) -> bytes:
    return replay(session, "--speed", "max").stdout


def test_output_shape_follows_the_contract(at_max):
    records = [orjson.loads(line) for line in at_max.splitlines()]
    assert records[-1]["kind"] == "summary"
    assert set(records[-1]) >= {"events", "rejected", "late", "duplicates", "rooms"}
    metrics = [r for r in records if r["kind"] == "metrics"]
    assert list(metrics[0])[:4] == ["kind", "room", "t", "window_s"]
    by_tick = {}
    for record in metrics:
        by_tick.setdefault(record["t"], []).append(record["room"])
    assert all(rooms == sorted(rooms) for rooms in by_tick.values())
    ticks = sorted(by_tick)
    assert ticks == list(range(ticks[0], ticks[-1] + 1000, 1000))
    assert records[-1]["events"] > 1000


def test_same_bytes_at_speed_max_and_speed_20(session, at_max):
    paced = replay(session, "--speed", "20").stdout
    assert paced == at_max


def test_every_format_gives_the_same_output(tmp_path, session, at_max):
    events = [orjson.loads(line) for line in session.read_bytes().splitlines()]
    gz = tmp_path / "s.jsonl.gz"
    gz.write_bytes(gzip.compress(session.read_bytes()))
    frame = pl.DataFrame(events, infer_schema_length=None)
    frame.write_parquet(tmp_path / "s.parquet")
    frame.write_csv(tmp_path / "s.csv")
    for path in (gz, tmp_path / "s.parquet", tmp_path / "s.csv"):
        assert replay(path, "--speed", "max").stdout == at_max, path.name


MALFORMED = [
    (b"this is not json", "invalid_json"),
    (b"[1]", "not_an_object"),
    (b'{"type": "teleport", "ts": 1700000000000}', "unknown_type"),
    (b'{"type": "viewer_join", "ts": 1700000000000}', "missing_field"),
    (b'{"type": "order", "ts": 1700000000000, "product": "p", "amount": -10}', "bad_value"),
    (b'{"type": "like", "ts": "tuesday"}', "bad_ts"),
    (b'{"type": "like", "ts": 1900000000000}', "bad_ts"),  # far ahead of the stream
]


def test_malformed_lines_of_every_reason_lose_no_valid_event(tmp_path, session, at_max):
    good = session.read_bytes().splitlines()
    mixed = []
    for index, line in enumerate(good):
        mixed.append(line)
        if index % 150 == 75:
            mixed.extend(raw for raw, _ in MALFORMED)
    mixed.append(b'{"type": "like", "ts": 17')  # a truncated last line
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"\n".join(mixed))
    dead = tmp_path / "dead.jsonl"
    config = tmp_path / "config.toml"
    config.write_text((ROOT / "config.toml").read_text().replace('dead_letter = ""', f'dead_letter = "{dead}"'))
    result = replay(path, "--speed", "max", "--config", str(config))
    summary = lines(result)[-1]
    clean_summary = orjson.loads(at_max.splitlines()[-1])
    inserted = len([i for i in range(len(good)) if i % 150 == 75])
    expected = {reason: 0 for _, reason in MALFORMED}
    for _, reason in MALFORMED:
        expected[reason] += inserted
    expected["invalid_json"] += 1
    assert summary["rejected"] == expected
    assert summary["events"] == clean_summary["events"]
    # the metrics and alerts are exactly those of the clean file
    assert result.stdout.splitlines()[:-1] == at_max.splitlines()[:-1]
    dead_letters = [orjson.loads(line) for line in dead.read_bytes().splitlines()]
    assert len(dead_letters) == sum(expected.values())
    assert {d["reason"] for d in dead_letters} == set(expected)


def test_a_gzip_cut_short_replays_what_was_complete(tmp_path, session):
    data = gzip.compress(session.read_bytes())
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) * 2 // 3])
    result = replay(path, "--speed", "max")
    assert lines(result)[-1]["events"] > 500
    assert b"ends early" in result.stderr


def test_unknown_file_type_is_one_line_and_nonzero(tmp_path):
    path = tmp_path / "session.xlsx"
    path.write_text("x")
    result = replay(path, check=False)
    assert result.returncode == 2
    assert result.stdout == b""
    assert len(result.stderr.decode().strip().splitlines()) == 1
