"""Where ticks go: the sink interface and the writers that need no console.

The pipeline calls every sink the same way; the console, the headless JSON
Lines writer, the dead-letter file and the recorder (both in feeds/) are all sinks.
"""

from __future__ import annotations

import sys
from typing import IO, Any, Sequence

import orjson

from .alert_text import AlertWords
from .engine import Tick
from .events import Item, Rejection
from .metrics import Snapshot
from .rules import Alert


class Sink:
    """Receives what the pipeline sees; every method is optional."""

    def on_message(self, raw: Any, arrival_ms: float) -> None:
        """A raw message as it arrived, before parsing (recorders)."""

    def on_events(self, items: list[Item]) -> None:
        """Inputs as parsed, before the engine judges them (the console's comment ticker)."""

    def on_rejections(self, rejections: list[Rejection], arrival_ms: float) -> None:
        """Inputs that broke the contract (dead letters)."""

    def on_ticks(self, ticks: list[Tick]) -> None:
        """Ticks the watermark released, in order."""

    def on_batch(self, batch: Sequence[Any]) -> None:
        """A batch was taken and the ticks it released are out: the engine stands between two batches
        (where a replay takes its checkpoints)."""

    def on_status(self, state: str, detail: str = "") -> None:
        """Feed connection state: connecting, connected, disconnected, ended."""

    def close(self, summary: dict) -> None:
        """End of the run, with the summary record."""


def metrics_record(snapshot: Snapshot) -> dict[str, object]:
    record: dict[str, object] = {"kind": "metrics", "room": snapshot.room, "t": snapshot.t, "window_s": snapshot.window_s}
    record.update(snapshot.values)
    return record


def alert_record(alert: Alert, words: AlertWords | None = None) -> dict[str, object]:
    """The alert record of alerts.md, its `message` in the words' language (data only without words)."""
    record: dict[str, object] = {"kind": "alert"}
    record.update(alert.as_dict())
    if words is not None:
        record["message"] = words.message(alert)
    return record


#: Per-product records come once a minute of event time (and at a room's last tick), not every tick.
PRODUCTS_EVERY_MS = 60_000


def products_record(snapshot: Snapshot) -> dict:
    return {"kind": "products", "room": snapshot.room, "t": snapshot.t, "window_s": snapshot.window_s,
            "products": [line.as_dict() for line in snapshot.products]}


class ProductsCadence:
    """Which snapshots get a products record: each minute of event time, and each room's last one at the end."""

    def __init__(self) -> None:
        self._unwritten: dict[str, Snapshot] = {}  # a room's latest snapshot whose products are not out yet

    def due(self, snapshot: Snapshot) -> bool:
        if not snapshot.products:
            return False
        if snapshot.t % PRODUCTS_EVERY_MS == 0:
            self._unwritten.pop(snapshot.room, None)
            return True
        self._unwritten[snapshot.room] = snapshot
        return False

    def leftovers(self) -> list[Snapshot]:
        """At the end: the rooms whose last products were not written, by name."""
        out = [snapshot for _, snapshot in sorted(self._unwritten.items())]
        self._unwritten = {}
        return out


class JsonLinesWriter(Sink):
    """The headless output of cli.md: metrics, alerts, products each minute, then one summary line."""

    def __init__(self, words: AlertWords, stream: IO[bytes] | None = None) -> None:
        self.words = words
        self.stream = stream if stream is not None else sys.stdout.buffer
        self.cadence = ProductsCadence()

    def on_ticks(self, ticks: list[Tick]) -> None:
        lines = []
        dumps = orjson.dumps
        due = self.cadence.due
        for tick in ticks:
            for room_tick in tick.rooms:
                snapshot = room_tick.snapshot
                lines.append(dumps(metrics_record(snapshot)))
                for alert in room_tick.alerts:
                    lines.append(dumps(alert_record(alert, self.words)))
                if due(snapshot):
                    lines.append(dumps(products_record(snapshot)))
        if lines:
            lines.append(b"")
            self.stream.write(b"\n".join(lines))

    def close(self, summary: dict) -> None:
        lines = [orjson.dumps(products_record(snapshot)) for snapshot in self.cadence.leftovers()]
        lines.append(orjson.dumps(summary))
        self.stream.write(b"\n".join(lines) + b"\n")
        self.stream.flush()

