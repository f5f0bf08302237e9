"""`livemon report` on a 4-hour, 5-million-event recording: time and peak memory."""

from __future__ import annotations

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
    peak = scratch / "peak_rss_mb"
    started = time.perf_counter()
    process = subprocess.run(
        [sys.executable, "-m", "bench.peak", str(peak),
         "monitor", "report", str(path), "--out", str(scratch / "out"), "--config", str(config)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT,
    )
    elapsed = time.perf_counter() - started
    if process.returncode:
        raise RuntimeError(f"report failed: {process.stderr.decode()[-2000:]}")
    return elapsed, float(peak.read_text())


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
