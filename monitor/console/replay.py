"""Replay controls that need the file: speeds, the time span, and seeking.

Seeking rebuilds the engine from the start of the file up to the target in a
plain loop (no pacing, no console), in a worker thread; the rest of the file
then continues through a new pipeline. The engine is deterministic, so the
rebuilt state is the state a straight replay would have had there.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, AsyncIterator, Callable, Iterator

from feeds.files import read_batches

from ..config import Config
from ..engine import Engine
from ..runs import build_engine
from .view import SHOWN_BASELINES
from ..events import Event, parse_input, parse_lines
from .state import ConsoleSink

SPEEDS: tuple[float | None, ...] = (1.0, 2.0, 5.0, 10.0, 30.0, None)  # None: as fast as possible


def step_speed(speed: float | None, step: int) -> float | None:
    """The next speed up (+1) or down (-1) from `speed`, which may be off the ladder."""
    rank = len(SPEEDS) - 1 if speed is None else sum(1 for s in SPEEDS[:-1] if s < speed)
    if speed is not None and step > 0 and speed not in SPEEDS:
        rank -= 1  # 3x goes up to 5x, not 10x
    return SPEEDS[max(0, min(len(SPEEDS) - 1, rank + step))]


def time_span(path: str | Path, cancelled: Callable[[], bool] = lambda: False) -> tuple[float, float] | None:
    """First and last event time of a file (the progress bar's ends); None if it holds no event."""
    first = last = None
    for batch in read_batches(path):
        for item in parse_lines(batch):
            if type(item) is Event:
                if first is None:
                    first = item.ts
                if last is None or item.ts > last:
                    last = item.ts
        if cancelled():
            return None
    return None if first is None else (first, last)


class ResumedFile:
    """The part of a file after a seek, as a pipeline source."""

    def __init__(self, name: str, head: list[Any], rest: Iterator[list[Any]]) -> None:
        self.name = name
        self._head = head
        self._rest = rest

    async def batches(self) -> AsyncIterator[list[Any]]:
        if self._head:
            yield self._head
        for batch in self._rest:
            yield batch


@dataclass
class Rebuilt:
    engine: Engine
    sink: ConsoleSink
    source: ResumedFile
    target: float


def rebuild(
    config: Config,
    path: str | Path,
    target: float,
    *,
    room: str | None = None,
    lang: str | None = None,
    name: str | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> Rebuilt | None:
    """Feed the file into a fresh engine until its watermark reaches `target` (None if cancelled)."""
    engine = build_engine(config, room=room, shown_baselines=SHOWN_BASELINES)
    sink = ConsoleSink(room=room)
    batches = read_batches(path)
    name = name or str(path)
    lateness = engine.lateness_ms
    for batch in batches:
        items = parse_lines(batch)
        top = max((item.ts for item in items if type(item) is Event), default=None)
        if top is None or top - lateness < target:  # the whole batch lies before the target: take it at once
            sink.on_events(items)
            engine.offer_batch(items)
            sink.on_ticks(engine.advance())
            if cancelled():
                return None
            continue
        for index, raw in enumerate(batch):
            watermark = engine.watermark
            if watermark is not None and watermark >= target:
                sink.on_ticks(engine.advance())
                return Rebuilt(engine, sink, ResumedFile(name, batch[index:], batches), target)
            items = parse_input(raw)
            sink.on_events(items)
            for item in items:
                engine.offer(item)
        sink.on_ticks(engine.advance())
        if cancelled():
            return None
    # the target lies past the end: the new pipeline finds nothing left and finishes
    return Rebuilt(engine, sink, ResumedFile(name, [], iter(())), target)
