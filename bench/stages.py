"""Where the time goes: each stage of a headless replay timed on its own, per event.

Usage: python -m bench.stages FILE [EVENTS]  -> one JSON line on stdout.

The first EVENTS lines of FILE (default 600,000) are read into memory once;
then each stage runs over all of them, best of three, in one process with the
CLI's garbage-collector settings: reading the file in blocks, parsing the
blocks, the clock's admission, the engine's fold into ticks (handlers, snapshots,
rules), and the JSON Lines writer on the ticks. Then the same stages together
over the whole file, interleaved as a replay runs them (`together`): the
in-process cost of a replay without start-up and the asyncio pipeline.
"""

from __future__ import annotations

import io
import json
import sys
import time
from typing import Any, Callable, Sequence

from feeds.files import read_batches
from monitor.alert_text import AlertWords
from monitor.cli import tune_gc
from monitor.config import load_config
from monitor.engine import Engine, Tick
from monitor.events import JsonLines, parse_lines
from monitor.pipeline import steps
from monitor.runs import build_engine
from monitor.sinks import JsonLinesWriter


def _best(runs: int, measure: Callable[[], float]) -> float:
    return min(measure() for _ in range(runs))


def main(path: str, limit: int = 600_000, runs: int = 3) -> dict[str, Any]:
    tune_gc()
    config = load_config()
    blocks: list[Sequence[Any]] = []
    count = 0
    for block in read_batches(path):
        blocks.append(block)
        count += _lines(block)
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
    whole, whole_events, interleaved = together(path, config)
    return {"events": events, "ticks": len(ticks), "us_per_event": stages,
            "together_us_per_event": whole, "together_events": whole_events, "together_stages": interleaved}


def together(path: str, config: Any) -> tuple[float, int, dict[str, float]]:
    """The stages as a replay runs them, interleaved step by step over the whole file, in one process:
    CPU µs per event, the events, and the µs per event of each stage within it. Later in a long file the
    rooms hold more viewers than in its first blocks, and a step's structs are still in cache when the
    admission and the fold read them: this is the in-process cost a replay of the file pays.

    Each stage's share is its wall time around its calls (a clock read per call and stage, about 10,000
    steps); the shares are scaled to the CPU time of the whole."""
    engine = build_engine(config)
    writer = JsonLinesWriter(AlertWords(config.rules, config.lang), io.BytesIO())
    events = 0
    clock = time.perf_counter
    spent = dict.fromkeys(("read", "parse", "admit", "fold", "write"), 0.0)
    started = time.process_time()
    blocks = iter(read_batches(path))
    while True:
        at = clock()
        block = next(blocks, None)
        spent["read"] += clock() - at
        if block is None:
            break
        for step in steps(block):
            at = clock()
            items = parse_lines(step)
            parsed = clock()
            events += len(items)
            engine.offer_batch(items)
            admitted = clock()
            spent["parse"] += parsed - at
            spent["admit"] += admitted - parsed
            while True:
                at = clock()
                ticks = engine.advance(max_ticks=4096)
                folded = clock()
                spent["fold"] += folded - at
                if not ticks:
                    break
                writer.on_ticks(ticks)
                spent["write"] += clock() - folded
    at = clock()
    ticks = engine.finish()
    folded = clock()
    writer.on_ticks(ticks)
    spent["fold"] += folded - at
    spent["write"] += clock() - folded
    cpu = time.process_time() - started
    per_event = cpu / max(1, events) * 1e6
    wall = sum(spent.values()) or 1.0
    return per_event, events, {name: per_event * seconds / wall for name, seconds in spent.items()}


def _lines(block: Sequence[Any]) -> int:
    """Lines in a block, a file's text not split for it (a replay does not split it either)."""
    return block.text.count(b"\n") + 1 if isinstance(block, JsonLines) else len(block)


def _limited(blocks: Any, events: int) -> Any:
    seen = 0
    for block in blocks:
        yield block
        seen += _lines(block)
        if seen >= events:
            return


if __name__ == "__main__":
    limit = int(sys.argv[2]) if len(sys.argv) > 2 else 600_000
    print(json.dumps(main(sys.argv[1], limit)))
