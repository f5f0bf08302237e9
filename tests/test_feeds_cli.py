"""`livemon serve` and `livemon watch --headless` as separate processes, as a user runs them."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

ROOT = Path(__file__).resolve().parent.parent

CONFIG = """
[engine]
window_s = 10

[[rules]]
name = "feed_stale"
metric = "events"
kind = "stale"
for_s = 3
severity = "critical"
message.id = "Tidak ada data {value}"
message.en = "No data for {value}"

[[rules]]
name = "gmv_stall"
metric = "gmv"
kind = "below"
threshold = 1
for_s = 4
clear_s = 2
severity = "warning"
message.id = "Belum ada pesanan"
message.en = "No orders"
"""


def livemon(*args: str, **options) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "monitor", *args], cwd=ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, **options,
    )


def serve(*args: str) -> tuple[subprocess.Popen, str]:
    """Start `livemon serve` on a free port; return it and its URL."""
    server = livemon("serve", *args, "--port", "0")
    line = server.stderr.readline().decode()
    found = re.search(r"wss?://\S+", line)
    assert found, line
    return server, found.group()


def session_events() -> list[bytes]:
    """40 s of one room, with a 10 s silence, no order for a while, a bad line and a duplicate."""
    start = 1_763_802_000_000
    lines = []
    for index in range(300):
        offset = index * 130
        if 15_000 <= offset < 25_000:
            continue  # the feed goes silent
        kind = ("viewer_join", "like", "comment", "product_impression", "product_click")[index % 5]
        record = {"type": kind, "ts": start + offset, "room": "toko", "user": f"u{index % 23}"}
        if kind.startswith("product"):
            record["product"] = "sku-7"
        if kind == "comment":
            record["text"] = "merah kak"
        lines.append(orjson.dumps(record))
        if index % 9 == 0 and not 8_000 <= offset < 30_000:
            lines.append(orjson.dumps({
                "type": "order", "ts": start + offset, "room": "toko", "product": "sku-7",
                "amount": 125000, "order_id": f"o-{index // 18}",  # every other one repeats an id
            }))
    lines.insert(40, b"{not json")
    return lines


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("cli")
    config = folder / "config.toml"
    config.write_text(CONFIG)
    session = folder / "session.jsonl"
    session.write_bytes(b"\n".join(session_events()) + b"\n")
    return {"config": config, "session": session, "folder": folder}


def replay(path: Path, config: Path) -> list[bytes]:
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "replay", str(path), "--headless", "--speed", "max", "--config", str(config)],
        cwd=ROOT, capture_output=True, check=True,
    )
    return done.stdout.splitlines()


def test_serve_and_watch_give_what_replay_gives(files):
    config, session = str(files["config"]), files["session"]
    recording = files["folder"] / "watched.jsonl"
    server, url = serve(str(session), "--speed", "20", "--config", config)
    watcher = livemon("watch", url, "--headless", "--record", str(recording), "--config", config)
    watched, errors = watcher.communicate(timeout=30)
    assert watcher.returncode == 0, errors.decode()
    assert server.wait(timeout=10) == 0
    expected = replay(session, files["config"])
    kinds = {orjson.loads(line)["kind"] for line in expected}
    assert kinds == {"metrics", "alert", "products", "summary"}  # the session is worth comparing
    assert {orjson.loads(line)["rule"] for line in expected if b'"alert"' in line} == {"feed_stale", "gmv_stall"}
    # the same metrics and alerts, line for line; the summary too (the same rejections, duplicates, late)
    assert watched.splitlines() == expected
    assert replay(recording, files["config"]) == expected


def test_sigterm_ends_watch_with_the_summary(files):
    server, url = serve(str(files["session"]), "--speed", "5", "--config", str(files["config"]))
    watcher = livemon("watch", url, "--headless", "--config", str(files["config"]))
    first = watcher.stdout.readline()  # it runs: ticks are coming
    watcher.send_signal(signal.SIGTERM)
    out, errors = watcher.communicate(timeout=10)
    out = first + out
    server.send_signal(signal.SIGINT)
    assert server.wait(timeout=10) == 0
    assert watcher.returncode == 0, errors.decode()
    last = orjson.loads(out.splitlines()[-1])
    assert last["kind"] == "summary" and last["events"] > 0


def test_a_killed_watch_keeps_what_it_received_over_a_second_before(files):
    """A burst, then a long silence: a kill two seconds into the silence finds the whole burst on disk."""
    burst = session_events()[:60]  # about 8 s of event time: under a second at 10x
    last = orjson.loads(burst[-1])["ts"]
    session = files["folder"] / "burst.jsonl"
    session.write_bytes(b"\n".join([*burst, orjson.dumps({"type": "like", "ts": last + 120_000})]) + b"\n")
    recording = files["folder"] / "killed.jsonl"
    server, url = serve(str(session), "--speed", "10", "--config", str(files["config"]))
    watcher = livemon("watch", url, "--headless", "--record", str(recording), "--config", str(files["config"]))
    deadline = time.monotonic() + 10
    while not (recording.exists() and recording.stat().st_size) and time.monotonic() < deadline:
        time.sleep(0.02)  # the first flush: the feed has begun
    time.sleep(2.5)
    os.kill(watcher.pid, signal.SIGKILL)
    watcher.wait(timeout=5)
    server.send_signal(signal.SIGINT)
    server.wait(timeout=10)
    received = [line for raw in recording.read_bytes().splitlines() for line in events_of(orjson.loads(raw)["raw"])]
    assert received == burst


def events_of(raw: str) -> list[bytes]:
    """The file lines a served message carries (one, or a batch of them)."""
    if raw.startswith("["):
        return [orjson.dumps(item) for item in orjson.loads(raw)]
    return [raw.encode()]


def test_serve_needs_a_file_or_a_scenario():
    done = subprocess.run([sys.executable, "-m", "monitor", "serve"], cwd=ROOT, capture_output=True)
    assert done.returncode == 2
    assert len(done.stderr.decode().strip().splitlines()) == 1


def test_serve_simulate_ends_the_feed_for_its_watchers(files):
    pytest.importorskip("feeds.simulator")
    server, url = serve("--simulate", "normal", "--duration", "20s", "--speed", "40", "--config", str(files["config"]))
    watcher = livemon("watch", url, "--headless", "--config", str(files["config"]))
    out, errors = watcher.communicate(timeout=30)
    assert watcher.returncode == 0, errors.decode()
    assert server.wait(timeout=10) == 0
    records = [orjson.loads(line) for line in out.splitlines()]
    assert records[-1]["kind"] == "summary" and records[-1]["events"] > 0
    assert any(record["kind"] == "metrics" for record in records)
