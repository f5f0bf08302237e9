"""Where the time goes: each stage of a headless replay timed on its own, per event.

Usage: python -m bench.stages FILE [EVENTS]  -> one JSON line on stdout.

The first EVENTS lines of FILE (default 600,000) are read into memory once;
then each stage runs over all of them, best of three, in one process with the
CLI's garbage-collector settings: reading the file in blocks, parsing the
blocks, the clock's admission, the engine's fold into ticks (handlers, snapshots,
rules), and the JSON Lines writer on the ticks. The sum is the in-process cost
of a replay without the asyncio pipeline around it.
"""

from __future__ import annotations

import io
import json
import sys
import time
from typing import Any, Callable

from feeds.files import read_batches
from monitor.alert_text import AlertWords
from monitor.cli import tune_gc
from monitor.config import load_config
from monitor.engine import Engine, Tick
from monitor.events import parse_lines
from monitor.runs import build_engine
from monitor.sinks import JsonLinesWriter


def _best(runs: int, measure: Callable[[], float]) -> float:
    return min(measure() for _ in range(runs))


def main(path: str, limit: int = 600_000, runs: int = 3) -> dict[str, Any]:
    tune_gc()
    config = load_config()
    blocks: list[list[Any]] = []
    count = 0
    for block in read_batches(path):
        blocks.append(block)
        count += len(block)
        if count >= limit:
            break
    events = count

    def read() -> float:
        started = time.process_time()
        for _ in _limited(read_batches(path), events):
            pass
        return time.process_time() - started

    def parse() -> float:
        started = time.process_time()
        for block in blocks:
            parse_lines(block)
        return time.process_time() - started

    parsed = [parse_lines(block) for block in blocks]

    def admit() -> float:
        engine = build_engine(config)
        started = time.process_time()
        for items in parsed:
            engine.offer_batch(items)
        return time.process_time() - started

    def admitted() -> Engine:
        engine = build_engine(config)
        for items in parsed:
            engine.offer_batch(items)
        engine.settle()
        return engine

    def fold() -> float:
        engine = admitted()
        last = engine.clock.last_tick
        assert last is not None
        started = time.process_time()
        engine.release(last)
        return time.process_time() - started

    ticks: list[Tick] = []
    engine = admitted()
    last = engine.clock.last_tick
    assert last is not None
    ticks = engine.release(last)

    def write() -> float:
        writer = JsonLinesWriter(AlertWords(config.rules, config.lang), io.BytesIO())
        started = time.process_time()
        for at in range(0, len(ticks), 64):
            writer.on_ticks(ticks[at:at + 64])
        return time.process_time() - started

    stages = {name: _best(runs, measure) / events * 1e6
              for name, measure in (("read", read), ("parse", parse), ("admit", admit), ("fold", fold),
                                    ("write", write))}
    stages["total"] = sum(stages.values())
    return {"events": events, "ticks": len(ticks), "us_per_event": stages}


def _limited(blocks: Any, events: int) -> Any:
    seen = 0
    for block in blocks:
        yield block
        seen += len(block)
        if seen >= events:
            return


if __name__ == "__main__":
    limit = int(sys.argv[2]) if len(sys.argv) > 2 else 600_000
    print(json.dumps(main(sys.argv[1], limit)))
