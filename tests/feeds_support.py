"""What the feed tests share: a sink that keeps everything, a short config, polling."""

from __future__ import annotations

import asyncio
import time
from typing import Any, Callable

import orjson

from monitor.config import Config, parse_config
from monitor.sinks import Sink


class Collect(Sink):
    """Keeps every call the pipeline makes, for the test to look at."""

    def __init__(self) -> None:
        self.messages: list[Any] = []
        self.rejections: list = []
        self.snapshots: list = []
        self.alerts: list = []
        self.statuses: list[tuple[str, str]] = []
        self.summary: dict | None = None

    def on_message(self, raw, arrival_ms):
        self.messages.append(raw)

    def on_rejections(self, rejections, arrival_ms):
        self.rejections.extend(rejections)

    def on_ticks(self, ticks):
        for tick in ticks:
            for room_tick in tick.rooms:
                self.snapshots.append(room_tick.snapshot)
                self.alerts.extend(room_tick.alerts)

    def on_status(self, state, detail=""):
        self.statuses.append((state, detail))

    def close(self, summary):
        self.summary = summary

    def states(self) -> list[str]:
        return [state for state, _ in self.statuses]

    def alert_states(self, rule: str) -> list[str]:
        return [alert.state for alert in self.alerts if alert.rule == rule]


def stale_rule(for_s: float = 1) -> dict:
    return {
        "name": "feed_stale", "metric": "events", "kind": "stale", "for_s": for_s, "clear_s": 0,
        "cooldown_s": 0, "severity": "critical",
        "message": {"id": "Tidak ada data {value}", "en": "No data for {value}"},
    }


def short_config(*rules: dict, **engine: Any) -> Config:
    return parse_config({"engine": {"window_s": 10, **engine}, "rules": list(rules)}, "test")


async def until(condition: Callable[[], bool], timeout: float = 5.0, what: str = "") -> None:
    """Wait for a condition that a real network run makes true soon."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or condition}")
        await asyncio.sleep(0.01)


#: An event time inside the contract's range (2025-11-22T09:00:00Z).
T = 1_763_802_000_000


def now_ms() -> int:
    return int(time.time() * 1000)


def event(kind: str, ts: int, **fields: Any) -> str:
    return orjson.dumps({"type": kind, "ts": ts, "room": "toko", **fields}).decode()
