"""`livemon report` on a 4-hour, 5-million-event recording: time and peak memory."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .workloads import SMOKE, Workload

ROOT = Path(__file__).resolve().parent.parent
REPORT_4H = Workload("report_4h", "4-hour recording, ~5M events", "normal", 4 * 3600, 11.6)


def one_run(path: Path, scratch: Path) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of one `livemon report` process."""
    config = scratch / "config.toml"
    text = (ROOT / "config.toml").read_text().replace('dir = ""', f'dir = "{scratch / "history"}"', 1)
    config.write_text(text)
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "monitor", "report", str(path), "--out", str(scratch / "out"), "--config", str(config)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT,
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if status:
        error = process.stderr.read().decode() if process.stderr is not None else ""
        raise RuntimeError(f"report failed: {error[-2000:]}")
    return elapsed, usage.ru_maxrss / 1024


def section(runs: int, smoke: bool = False, log=print) -> list[str]:
    workload = SMOKE if smoke else REPORT_4H
    facts = workload.ensure(log)
    seconds, peaks = [], []
    for index in range(runs):
        with tempfile.TemporaryDirectory() as scratch:
            elapsed, peak = one_run(workload.path, Path(scratch))
        seconds.append(elapsed)
        peaks.append(peak)
        log(f"  report [{index + 1}/{runs}]: {elapsed:.1f} s, peak {peak:.0f} MB")
    return [
        f"## Post-session report — {workload.description}",
        "",
        f"`livemon report` (HTML, CSV, Parquet, summary) on {facts['events']:,} events "
        f"({facts['bytes'] / 2**20:.0f} MiB JSON Lines). Target: under a minute, flat memory.",
        "",
        "| measure | median | min | max |",
        "|---|---|---|---|",
        f"| wall time | {statistics.median(seconds):.1f} s | {min(seconds):.1f} | {max(seconds):.1f} |",
        f"| peak RSS | {statistics.median(peaks):.0f} MB | {min(peaks):.0f} | {max(peaks):.0f} |",
        f"| events/s | {facts['events'] / statistics.median(seconds):,.0f} | | |",
        "",
    ]
