"""Where ticks go: the sink interface and the writers that need no console.

The pipeline calls every sink the same way; the console, the headless JSON
Lines writer, the dead-letter file and the recorder (both in feeds/) are all sinks.
"""

from __future__ import annotations

import sys
from typing import IO, Any

import orjson

from .alert_text import AlertWords
from .engine import Tick
from .events import Event, Rejection
from .metrics import Snapshot
from .rules import Alert


class Sink:
    """Receives what the pipeline sees; every method is optional."""

    def on_message(self, raw: Any, arrival_ms: float) -> None:
        """A raw message as it arrived, before parsing (recorders)."""

    def on_events(self, items: list[Event | Rejection]) -> None:
        """Inputs as parsed, before the engine judges them (the console's comment ticker)."""

    def on_rejections(self, rejections: list[Rejection], arrival_ms: float) -> None:
        """Inputs that broke the contract (dead letters)."""

    def on_ticks(self, ticks: list[Tick]) -> None:
        """Ticks the watermark released, in order."""

    def on_status(self, state: str, detail: str = "") -> None:
        """Feed connection state: connecting, connected, disconnected, ended."""

    def close(self, summary: dict) -> None:
        """End of the run, with the summary record."""


def metrics_record(snapshot: Snapshot) -> dict:
    record = {"kind": "metrics", "room": snapshot.room, "t": snapshot.t, "window_s": snapshot.window_s}
    record.update(snapshot.values)
    return record


def alert_record(alert: Alert, words: AlertWords | None = None) -> dict:
    """The alert record of alerts.md, its `message` in the words' language (data only without words)."""
    record = {"kind": "alert"}
    record.update(alert.as_dict())
    if words is not None:
        record["message"] = words.message(alert)
    return record


#: Per-product records come once a minute of event time (and at a room's last tick), not every tick.
PRODUCTS_EVERY_MS = 60_000


def products_record(snapshot: Snapshot) -> dict:
    return {"kind": "products", "room": snapshot.room, "t": snapshot.t, "window_s": snapshot.window_s,
            "products": [line.as_dict() for line in snapshot.products]}


class JsonLinesWriter(Sink):
    """The headless output of cli.md: metrics, alerts, products each minute, then one summary line."""

    def __init__(self, words: AlertWords, stream: IO[bytes] | None = None) -> None:
        self.words = words
        self.stream = stream if stream is not None else sys.stdout.buffer
        self._unwritten: dict[str, Snapshot] = {}  # a room's latest snapshot whose products are not out yet

    def on_ticks(self, ticks: list[Tick]) -> None:
        lines = []
        dumps = orjson.dumps
        unwritten = self._unwritten
        for tick in ticks:
            on_the_minute = tick.t % PRODUCTS_EVERY_MS == 0
            for room_tick in tick.rooms:
                snapshot = room_tick.snapshot
                lines.append(dumps(metrics_record(snapshot)))
                for alert in room_tick.alerts:
                    lines.append(dumps(alert_record(alert, self.words)))
                if snapshot.products:
                    if on_the_minute:
                        lines.append(dumps(products_record(snapshot)))
                        unwritten.pop(snapshot.room, None)
                    else:
                        unwritten[snapshot.room] = snapshot
        if lines:
            lines.append(b"")
            self.stream.write(b"\n".join(lines))

    def close(self, summary: dict) -> None:
        lines = [orjson.dumps(products_record(snapshot)) for _, snapshot in sorted(self._unwritten.items())]
        lines.append(orjson.dumps(summary))
        self.stream.write(b"\n".join(lines) + b"\n")
        self.stream.flush()

