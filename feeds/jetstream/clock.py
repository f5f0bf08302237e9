"""The stream's clock, kept by the publisher and carried to every partition.

Why: the watermark belongs to the whole stream (metrics.md). It decides which
events are late, which are too far ahead (`bad_ts`) and the last tick of
every room, but a worker sees only the rooms of its partitions. So the one
process that sees the whole stream, the publisher, keeps the stream's front
exactly as the single-process engine keeps it (the highest `ts` of the events
it would accept, the live clock between events) and, after every batch the
engine would take at once, puts a control message on the stream:

    livemon.control.clock  {"front": <ms>, "first": <ms>}
    livemon.control.end    {"front": <ms>, "first": <ms>}   (end of stream)

`first` is the lowest accepted `ts`: it tells a partition whether the stream's
first tick has been produced (from then on an event at or behind the
watermark is late, even in a partition that has produced nothing yet). A
worker reads these messages in the same total order as its events (one
stream, one sequence) and advances its engine to the same watermark at the
same points, so every room gets the ticks and the late / bad_ts verdicts of
`livemon replay FILE --headless`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import orjson

from monitor.config import EngineSettings


@dataclass(frozen=True, slots=True)
class ClockReading:
    """One control message: the stream's front, its lowest ts, whether the stream ended."""

    front: float
    first: float
    end: bool = False

    def encode(self) -> bytes:
        return orjson.dumps({"front": self.front, "first": self.first})

    @classmethod
    def decode(cls, data: bytes, *, end: bool) -> "ClockReading":
        record = orjson.loads(data)
        return cls(record["front"], record["first"], end)


class StreamClock:
    """The front of the whole stream, moved as `Engine.offer` / `Engine.advance` move it."""

    def __init__(self, settings: EngineSettings) -> None:
        self.lateness_ms = settings.allowed_lateness_s * 1000
        self.max_skew_ms = settings.max_skew_s * 1000
        self.max_ts: float | None = None
        self.arrival_ms: float | None = None  # wall ms when max_ts arrived (live clock)
        self.clock_ms: float | None = None
        self.first_ts: float | None = None
        self._ahead_limit = math.inf

    def see(self, ts: float, arrival_ms: float | None = None) -> bool:
        """Take one event's ts; False when the engine will reject it as bad_ts (it moves nothing)."""
        if ts > self._ahead_limit:
            return False
        if self.max_ts is None or ts > self.max_ts:
            self.max_ts = ts
            self.arrival_ms = arrival_ms
            if self.clock_ms is None or ts > self.clock_ms:
                self._ahead_limit = ts - self.lateness_ms + self.max_skew_ms
        if self.first_ts is None or ts < self.first_ts:
            self.first_ts = ts
        return True

    def run_on(self, now_ms: float) -> None:
        """Live: the clock runs on with the wall clock since the newest event arrived."""
        if self.max_ts is None or self.arrival_ms is None:
            return
        self.clock_ms = self.max_ts + max(0.0, now_ms - self.arrival_ms)
        self._ahead_limit = self.front - self.lateness_ms + self.max_skew_ms

    @property
    def front(self) -> float | None:
        if self.clock_ms is None or (self.max_ts is not None and self.max_ts > self.clock_ms):
            return self.max_ts
        return self.clock_ms

    def reading(self, *, end: bool = False) -> ClockReading | None:
        if self.front is None:
            return None
        return ClockReading(self.front, self.first_ts, end)

    def resume(self, reading: ClockReading) -> None:
        """A publisher restarted on a stream goes on from the clock its predecessor published."""
        self.max_ts = reading.front
        self.first_ts = reading.first
        self._ahead_limit = reading.front - self.lateness_ms + self.max_skew_ms
