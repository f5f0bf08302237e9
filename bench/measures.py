"""One function per measure; each returns the numbers of one run.

Everything that can run in its own process does, so one measure's memory or
warm caches never flatter the next.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def peak_rss_mb() -> float:
    """This process's own peak RSS (VmHWM) in MB.

    Not ru_maxrss: on Linux a child's starts from its parent's high-water mark at the fork,
    so the bench runner's own size would be read as the child's.
    """
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def count_lines(path: Path) -> int:
    with open(path, "rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))


def slice_file(source: Path, target: Path, events: int) -> Path:
    """The first `events` lines of a workload (peers that are slow run on this)."""
    if not target.exists():
        with open(source, "rb") as src, open(target, "wb") as out:
            out.writelines(itertools.islice(src, events))
    return target


def replay_throughput(path: Path, events: int, *, to_devnull: bool) -> float:
    """Whole pipeline, `livemon replay --headless --speed max`, events per second."""
    command = [PYTHON, "-m", "monitor", "replay", str(path), "--headless", "--speed", "max"]
    started = time.perf_counter()
    if to_devnull:
        with open(os.devnull, "wb") as sink:
            subprocess.run(command, stdout=sink, check=True, cwd=ROOT)
    else:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, cwd=ROOT)
        assert process.stdout is not None
        while process.stdout.read(1 << 20):
            pass
        if process.wait():
            raise RuntimeError("replay failed")
    return events / (time.perf_counter() - started)


def replay_startup(empty: Path) -> float:
    """Seconds `livemon replay --headless` takes on a file of no events: start-up and shut-down alone."""
    empty.write_bytes(b"")
    started = time.perf_counter()
    subprocess.run([PYTHON, "-m", "monitor", "replay", str(empty), "--headless"], stdout=subprocess.DEVNULL,
                   check=True, cwd=ROOT)
    return time.perf_counter() - started


_ORJSON_FLOOR = """
import sys, time, orjson
loads = orjson.loads
started = time.perf_counter()
n = 0
with open(sys.argv[1], "rb") as handle:
    for line in handle:
        loads(line)
        n += 1
print(n / (time.perf_counter() - started))
"""


def orjson_floor(path: Path) -> float:
    """Reading the file and orjson-parsing each line, nothing else: the physical floor."""
    out = subprocess.run([PYTHON, "-c", _ORJSON_FLOOR, str(path)], capture_output=True, text=True, check=True)
    return float(out.stdout)


def in_process(module: str, *args: str) -> dict:
    """Run `python -m bench.<module> args` and read its one JSON line."""
    out = subprocess.run(
        [PYTHON, "-m", f"bench.{module}", *args], capture_output=True, text=True, cwd=ROOT
    )
    if out.returncode:
        raise RuntimeError(f"bench.{module} failed: {out.stderr.strip()[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])
