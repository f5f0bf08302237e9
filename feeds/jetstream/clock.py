"""The stream's clock on the wire: what the publisher tells every partition.

Why: the watermark belongs to the whole stream (docs/metrics.md). It decides
which events are late or far from the stream, and the last tick of every room,
but a worker sees only the rooms of its partitions. So the one process that
sees the whole stream, the publisher, runs the admission of monitor/clock.py
(the same code the single-process engine runs), puts only the accepted events
on the stream, and after every batch a control message saying which ticks are
due:

    livemon.control.clock  {"released": <tick ms>}
    livemon.control.end    {"released": <tick ms>, "last": <tick ms>, "late": N, "duplicates": N, "rejected": {...}}

A worker reads these in the same total order as its events (one stream, one
sequence), folds its rooms' events and produces every tick up to `released`
(at the end, up to `last`), so every room gets the ticks and alerts of
`livemon replay FILE --headless`. The end message carries the publisher's
counts of what it did not put on the stream; partition 0 reports them in its
summary, so the partitions' summaries add up to the run summary.
"""

from __future__ import annotations

import math
from typing import Any

import orjson

from monitor.clock import ClockReading


def encode(reading: ClockReading, totals: dict[str, Any] | None = None) -> bytes:
    record: dict[str, Any] = {"released": reading.released if math.isfinite(reading.released) else None}
    if reading.last is not None:
        record["last"] = reading.last
    if totals:
        record.update(totals)
    return orjson.dumps(record)


def decode(data: bytes) -> tuple[ClockReading, dict[str, Any]]:
    """The reading, and the publisher's counts (only at the end of the stream)."""
    record = orjson.loads(data)
    released = record.pop("released")
    last = record.pop("last", None)
    return ClockReading(-math.inf if released is None else released, last), record
