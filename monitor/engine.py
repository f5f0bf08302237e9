"""The stream engine: watermark, ticks, late and duplicate events, rooms, rules.

Pure: it takes events (and, live, the wall clock as an argument) and returns
ticks. The same events give the same ticks whatever the pacing, because only
event time moves the watermark in replay, and every tick is computed from the
events at or before it in `ts` order.
"""

from __future__ import annotations

import math
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Callable
from operator import attrgetter

from .config import AlertRule, Config, EngineSettings
from .events import Event, Rejection, parse_message
from .metrics import EVENT_HANDLERS, Room, Snapshot
from .rules import Alert, RoomAlerts

ACCEPTED, LATE, DUPLICATE, FILTERED = "accepted", "late", "duplicate", "filtered"
_by_ts = attrgetter("ts")


@dataclass(slots=True)
class RoomTick:
    snapshot: Snapshot
    alerts: list[Alert]


@dataclass(slots=True)
class Tick:
    """Everything computed at one tick: per room (ascending name) its snapshot and alerts."""

    t: int
    rooms: list[RoomTick]
    host_actions: list[Event] = field(default_factory=list)


@dataclass
class RunTotals:
    """What the run summary reports."""

    events: int = 0
    late: int = 0
    duplicates: int = 0
    filtered: int = 0
    rejected: Counter = field(default_factory=Counter)


class Engine:
    def __init__(
        self,
        config: Config,
        *,
        room: str | None = None,
        lang: str | None = None,
        past_baselines: Callable[[str], dict[str, float | None]] | None = None,
    ) -> None:
        self.config = config
        settings: EngineSettings = config.engine
        self.settings = settings
        self.lang = lang or config.lang
        self.room_filter = room
        # a room's median per metric from its earlier broadcasts (the history), asked once per room
        self.past_baselines = past_baselines
        self.tick_ms = settings.tick_s * 1000
        self.window_ms = settings.window_s * 1000
        self.lateness_ms = settings.allowed_lateness_s * 1000
        self.max_skew_ms = settings.max_skew_s * 1000
        self.horizon_ms = settings.retention_horizon_s * 1000
        self.dedupe_ms = settings.dedupe_horizon_s * 1000
        self.rules: list[AlertRule] = list(config.rules)
        self.totals = RunTotals()
        self.rooms: dict[str, Room] = {}
        self.room_alerts: dict[str, RoomAlerts] = {}
        self.max_ts: float | None = None
        self.max_ts_arrival: float | None = None  # wall ms when max_ts arrived (live clock)
        self.clock_ms: float | None = None
        self.next_tick: int | None = None
        self._pending: dict[int, list[Event]] = {}
        self._ahead_limit = math.inf  # events beyond this ts are rejected as bad_ts (max_skew_s)
        self._produced_before = -math.inf  # events whose tick is below this are late
        self._seen: dict[tuple[str, str], float] = {}
        self._seen_order: deque[tuple[float, tuple[str, str]]] = deque()

    # ------------------------------------------------------------ input

    def tick_of(self, ts: float) -> int:
        tick = self.tick_ms
        return -(-int(math.ceil(ts)) // tick) * tick

    @property
    def front(self) -> float | None:
        """The stream's clock: the highest ts seen, or the live clock when it is ahead."""
        if self.clock_ms is None or (self.max_ts is not None and self.max_ts > self.clock_ms):
            return self.max_ts
        return self.clock_ms

    @property
    def watermark(self) -> float | None:
        front = self.front
        return None if front is None else front - self.lateness_ms

    def offer(self, item: Event | Rejection, arrival_ms: float | None = None) -> str | Rejection:
        """Take one parsed item; return what became of it."""
        totals = self.totals
        if type(item) is Rejection:
            totals.rejected[item.reason] += 1
            return item
        event = item
        ts = event.ts
        if ts > self._ahead_limit:
            watermark = self.watermark
            rejection = Rejection(
                "bad_ts", f"ts is {(ts - watermark) / 1000:.0f}s ahead of the stream (max_skew_s {self.settings.max_skew_s:g})",
                event.as_dict(),
            )
            totals.rejected["bad_ts"] += 1
            return rejection
        if self.room_filter is not None and event.room != self.room_filter:
            totals.filtered += 1
            return FILTERED
        tick_ms = self.tick_ms
        tick = -(-ts // tick_ms) * tick_ms if type(ts) is int else self.tick_of(ts)
        if tick < self._produced_before:
            totals.late += 1
            return LATE
        if event.id is not None or (event.order_id is not None and event.type == "order"):
            if self._is_duplicate(event):
                totals.duplicates += 1
                return DUPLICATE
        if self.max_ts is None or ts > self.max_ts:
            self.max_ts = ts
            self.max_ts_arrival = arrival_ms
            if self.clock_ms is None or ts > self.clock_ms:
                self._ahead_limit = ts - self.lateness_ms + self.max_skew_ms
        bucket = self._pending.get(tick)
        if bucket is None:
            self._pending[tick] = [event]
        else:
            bucket.append(event)
        totals.events += 1
        return ACCEPTED

    def offer_batch(self, items: list[Event | Rejection], arrival_ms: float | None = None) -> list[Rejection]:
        """`offer` for many items: the common case inline, anything unusual through `offer`.

        The inline part repeats `offer`'s tail on purpose (a call per event costs
        ~4% of a replay); tests/test_headless.py holds the two equal byte for byte
        (paced replays go through `offer`, full-speed ones through here).
        """
        rejections = []
        pending = self._pending
        tick_ms = self.tick_ms
        room_filter = self.room_filter
        accepted = 0
        offer = self.offer
        for item in items:
            if (
                type(item) is not Event or item.id is not None or room_filter is not None
                or type(item.ts) is not int or item.ts > self._ahead_limit
                or (item.type == "order" and item.order_id is not None)
            ):
                outcome = offer(item, arrival_ms)
                if type(outcome) is Rejection:
                    rejections.append(outcome)
                continue
            ts = item.ts
            tick = -(-ts // tick_ms) * tick_ms
            if tick < self._produced_before:
                self.totals.late += 1
                continue
            if self.max_ts is None or ts > self.max_ts:
                self.max_ts = ts
                self.max_ts_arrival = arrival_ms
                if self.clock_ms is None or ts > self.clock_ms:
                    self._ahead_limit = ts - self.lateness_ms + self.max_skew_ms
            bucket = pending.get(tick)
            if bucket is None:
                pending[tick] = [item]
            else:
                bucket.append(item)
            accepted += 1
        self.totals.events += accepted
        return rejections

    def offer_raw(self, raw: str | bytes, arrival_ms: float | None = None) -> list[Rejection]:
        """Parse a message (one event or a batch) and offer each; return the rejections."""
        rejections = []
        for item in parse_message(raw):
            outcome = self.offer(item, arrival_ms)
            if type(outcome) is Rejection:
                rejections.append(outcome)
        return rejections

    def _move_ahead_limit(self) -> None:
        self._ahead_limit = self.watermark + self.max_skew_ms

    def _is_duplicate(self, event: Event) -> bool:
        seen = self._seen
        keys = []
        if event.id is not None:
            keys.append((event.room, "id:" + event.id))
        if event.order_id is not None and event.type == "order":
            keys.append((event.room, "order:" + event.order_id))
        if any(key in seen for key in keys):
            return True
        for key in keys:
            seen[key] = event.ts
            self._seen_order.append((event.ts, key))
        return False

    def _forget_old_ids(self, t: int) -> None:
        horizon = t - self.dedupe_ms
        order = self._seen_order
        seen = self._seen
        while order and order[0][0] < horizon:
            ts, key = order.popleft()
            if seen.get(key) == ts:
                del seen[key]

    # ------------------------------------------------------------ clock

    def live_clock(self, now_ms: float) -> float | None:
        """Highest ts seen plus the wall time since it arrived (metrics.md, live mode)."""
        if self.max_ts is None or self.max_ts_arrival is None:
            return self.clock_ms
        return self.max_ts + max(0.0, now_ms - self.max_ts_arrival)

    def advance(self, clock_ms: float | None = None) -> list[Tick]:
        """Produce every tick the watermark has passed."""
        if clock_ms is not None:
            self.clock_ms = clock_ms
            self._move_ahead_limit()
        watermark = self.watermark
        if watermark is None:
            return []
        return self._produce_until(watermark)

    def finish(self) -> list[Tick]:
        """End of stream: produce every tick up to the last event's tick."""
        if self.max_ts is None:
            return []
        return self._produce_until(self.tick_of(self.max_ts))

    def _produce_until(self, limit: float) -> list[Tick]:
        if self.next_tick is None:
            if not self._pending or min(self._pending) > limit:
                return []
            self.next_tick = min(self._pending)
        ticks = []
        step = self.tick_ms
        while self.next_tick <= limit:
            ticks.append(self._produce(self.next_tick))
            self.next_tick += step
        self._produced_before = self.next_tick
        return ticks

    def _produce(self, t: int) -> Tick:
        events = self._pending.pop(t, None)
        host_actions = []
        if events:
            events.sort(key=_by_ts)
            rooms = self.rooms
            handlers = EVENT_HANDLERS
            for event in events:
                room = rooms.get(event.room)
                if room is None:
                    room = self._open_room(event)
                room.last_event_ts = event.ts
                handler = handlers.get(event.type)
                if handler is not None:
                    handler(room, event)
                else:  # host_action: on the timeline, in no metric
                    host_actions.append(event)
        out = []
        lang = self.lang
        for name in sorted(self.rooms):
            snapshot = self.rooms[name].close_tick(t)
            out.append(RoomTick(snapshot, self.room_alerts[name].evaluate(snapshot, lang)))
        if self._seen_order:
            self._forget_old_ids(t)
        return Tick(t, out, host_actions)

    def _open_room(self, event: Event) -> Room:
        room = Room(event.room, event.ts, self.tick_ms, self.window_ms, self.horizon_ms)
        self.rooms[event.room] = room
        past = self.past_baselines(event.room) if self.past_baselines is not None else None
        self.room_alerts[event.room] = RoomAlerts(
            event.room, self.rules, self.window_ms // self.tick_ms, self.settings.tick_s, past
        )
        return room

    # ------------------------------------------------------------ control

    def set_rules(self, rules: list[AlertRule]) -> None:
        """New thresholds take effect at the next tick; states of kept rules survive."""
        self.rules = list(rules)
        for alerts in self.room_alerts.values():
            alerts.set_rules(self.rules)

    def summary(self) -> dict:
        totals = self.totals
        return {
            "kind": "summary",
            "events": totals.events,
            "rejected": dict(sorted(totals.rejected.items())),
            "late": totals.late,
            "duplicates": totals.duplicates,
            "rooms": sorted(self.rooms),
            "ignored_joins": sum(room.ignored.joins for room in self.rooms.values()),
            "ignored_leaves": sum(room.ignored.leaves for room in self.rooms.values()),
        }
