"""Replay a workload headless (output to /dev/null) and sample RSS every 10% of its events.

Usage: python -m bench.memory_probe FILE TOTAL_EVENTS  -> one JSON line on stdout.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time

from bench.measures import peak_rss_mb
from feeds.files import FileSource
from monitor.cli import tune_gc
from monitor.alert_text import AlertWords
from monitor.config import load_config
from monitor.engine import Engine
from monitor.runs import build_engine
from monitor.pipeline import Pipeline
from monitor.sinks import JsonLinesWriter, Sink

PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * PAGE / 2**20


class RssSampler(Sink):
    """Samples RSS each time another tenth of the events has been taken in."""

    def __init__(self, engine: Engine, total: int) -> None:
        self.engine = engine
        self.marks = [total * k // 10 for k in range(1, 11)]
        self.samples: list[float] = []

    def on_ticks(self, ticks) -> None:
        while self.marks and self.engine.totals.events >= self.marks[0] * 0.98:
            self.marks.pop(0)
            self.samples.append(round(rss_mb(), 1))


async def main(path: str, total: int) -> dict:
    tune_gc()  # as the command line does
    config = load_config()
    engine = build_engine(config)
    sampler = RssSampler(engine, total)
    with open(os.devnull, "wb") as devnull:
        pipeline = Pipeline(engine, FileSource(path), [JsonLinesWriter(AlertWords(config.rules, config.lang), devnull), sampler], speed=None)
        started = time.perf_counter()
        summary = await pipeline.run()
        elapsed = time.perf_counter() - started
    return {
        "events_per_s": summary["events"] / elapsed,
        "seconds": elapsed,
        "rss_mb": sampler.samples,
        "peak_rss_mb": peak_rss_mb(),
        "events": summary["events"],
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(sys.argv[1], int(sys.argv[2])))))
