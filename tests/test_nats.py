"""publish -> JetStream -> workers -> watch, on a real nats-server, equals `livemon replay --headless`."""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from feeds.jetstream.local import nats_server, server_binary, stop_processes

pytestmark = pytest.mark.skipif(server_binary() is None, reason="nats-server is not installed")

ROOT = Path(__file__).resolve().parent.parent
CONFIG = str(ROOT / "monitor" / "default_config.toml")


def livemon(*args: str, log: Path | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "monitor", *args], cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=open(log, "wb") if log else subprocess.DEVNULL,
    )


def per_room(output: bytes) -> tuple[dict, dict]:
    rooms: dict = {}
    summary = None
    for line in output.splitlines():
        record = orjson.loads(line)
        if record["kind"] == "summary":
            summary = record
        else:
            rooms.setdefault(record["room"], []).append(record)
    return rooms, summary


@pytest.fixture(scope="module")
def recording(tmp_path_factory) -> Path:
    from feeds.simulator import write_session

    path = tmp_path_factory.mktemp("nats") / "four_rooms.jsonl"
    write_session(path, "retention_drop", 240, seed=7, rooms=4)  # 2 partitions: three rooms and one
    return path


@pytest.fixture(scope="module")
def expected(recording) -> tuple[dict, dict]:
    result = subprocess.run(
        [sys.executable, "-m", "monitor", "replay", str(recording), "--headless", "--speed", "max", "--config", CONFIG],
        capture_output=True, cwd=ROOT, check=True,
    )
    rooms, summary = per_room(result.stdout)
    assert len(rooms) == 4 and any(r["kind"] == "alert" for records in rooms.values() for r in records)
    return rooms, summary


@pytest.fixture
def server(tmp_path):
    with nats_server(tmp_path) as url:
        yield url


def publish(url: str, recording: Path, *options: str) -> subprocess.Popen:
    return livemon("publish", str(recording), "--nats", url, "--partitions", "2", "--config", CONFIG, *options)


def watch_everything(url: str) -> tuple[dict, dict]:
    """`watch --headless --history all` ends once every partition has published its summary."""
    result = subprocess.run(
        [sys.executable, "-m", "monitor", "watch", url, "--headless", "--history", "all"],
        capture_output=True, cwd=ROOT, timeout=90,
    )
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    return per_room(result.stdout)


async def rooms_by_partition(url: str) -> dict[int, set[str]]:
    import nats

    connection = await nats.connect(url)
    try:
        info = await connection.jetstream().stream_info("LIVEMON", subjects_filter="livemon.events.>")
    finally:
        await connection.close()
    out: dict[int, set[str]] = {}
    for subject in info.state.subjects or {}:
        _, _, room, partition = subject.split(".")
        out.setdefault(int(partition), set()).add(room)
    return out


def test_two_workers_give_what_replay_gives(server, recording, expected):
    assert publish(server, recording, "--speed", "max").wait(60) == 0
    workers = [
        livemon("worker", "--nats", server, "--partitions", "2", "--index", str(index), "--config", CONFIG)
        for index in (0, 1)
    ]
    try:
        rooms, summary = watch_everything(server)
    finally:
        stop_processes(*workers)
    want_rooms, want_summary = expected
    assert rooms == want_rooms
    assert summary["events"] == want_summary["events"]
    assert summary["duplicates"] == 0 and summary["partitions_ended"] == 2
    spread = asyncio.run(rooms_by_partition(server))
    assert len(spread) == 2, f"both workers must have rooms: {spread}"


async def leases(url: str) -> dict[int, str]:
    import nats

    from feeds.jetstream.leases import BUCKET, Leases

    connection = await nats.connect(url)
    try:
        js = connection.jetstream()
        return await Leases(await js.key_value(BUCKET), "test", 1).owners()
    except Exception:
        return {}
    finally:
        await connection.close()


async def ack_floor(url: str, partition: int) -> int:
    import nats

    connection = await nats.connect(url)
    try:
        info = await connection.jetstream().consumer_info("LIVEMON", f"livemon-p{partition}")
        return info.ack_floor.stream_seq if info.ack_floor else 0
    except Exception:
        return 0
    finally:
        await connection.close()


async def test_a_killed_worker_loses_nothing_and_counts_nothing_twice(server, recording, expected, tmp_path):
    shared = ("worker", "--nats", server, "--partitions", "2", "--lease-ttl", "2", "--config", CONFIG)
    victim = livemon("-v", *shared, log=tmp_path / "victim.log")
    survivor = livemon("-v", *shared, log=tmp_path / "survivor.log")
    feed = None
    try:
        for _ in range(150):  # the first worker up takes both partitions, then hands one over
            owners = await leases(server)
            if len(set(owners.values())) == 2:
                break
            await asyncio.sleep(0.1)
        else:
            pytest.fail(f"the workers did not share the partitions: {owners}")
        mine = [p for p, owner in owners.items() if f"-{victim.pid}-" in owner]
        assert len(mine) == 1
        feed = publish(server, recording, "--speed", "60")  # four minutes of broadcast in four seconds
        for _ in range(200):
            if await ack_floor(server, mine[0]) > 0:
                break
            await asyncio.sleep(0.05)
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        assert feed.poll() is None, "the kill must come in the middle of the stream"
        assert feed.wait(60) == 0
        rooms, summary = watch_everything(server)
    finally:
        stop_processes(survivor, victim, *([feed] if feed else []))
    want_rooms, want_summary = expected
    assert rooms == want_rooms
    assert (summary["events"], summary["duplicates"], summary["late"]) == (want_summary["events"], 0, 0)
    log = (tmp_path / "survivor.log").read_text()
    assert f"partition {mine[0]}: taken" in log, log
    floors = [int(n) for n in re.findall(rf"partition {mine[0]}: rebuilding up to stream sequence (\d+)", log)]
    assert floors and floors[-1] > 0, log  # it took over in the middle, from what the victim had acked
    assert await rooms_by_partition(server) and mine[0] in await rooms_by_partition(server)


def test_publish_follows_a_live_websocket_feed(server, recording, expected):
    """`publish ws://...` keeps the live clock running between messages; the served file still replays the same."""
    serve = subprocess.Popen(
        [sys.executable, "-m", "monitor", "serve", str(recording), "--speed", "60", "--port", "0", "--config", CONFIG],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    worker = livemon("worker", "--nats", server, "--partitions", "2", "--config", CONFIG)
    try:
        url = re.search(r"wss?://\S+", serve.stderr.readline().decode()).group()
        feed = livemon("publish", url, "--nats", server, "--partitions", "2", "--config", CONFIG)
        assert feed.wait(60) == 0  # the server's end of stream ends the publisher, and the stream
        rooms, summary = watch_everything(server)
    finally:
        stop_processes(worker, serve)
    want_rooms, want_summary = expected
    assert rooms == want_rooms
    assert summary["events"] == want_summary["events"]
