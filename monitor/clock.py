"""The stream's clock: which events take effect, and which ticks are due.

One module decides, for every event in arrival order, what becomes of it, and
which ticks the watermark has released. The engine, the JetStream publisher
and (through the publisher's readings) the worker all use it, so "late",
"far from the stream" and "the last tick" mean the same everywhere. The rule
is stated for users in docs/events.md ("The stream's clock").

An event's outcome depends only on the events that arrived before it (and,
live, on the wall clock), never on how the events were cut into batches: the
watermark, the released tick and the dedupe horizon are moved event by event,
and the engine folds accepted events into ticks only once they are released.

The checks, in order, for one event:

1. Far from the stream (`bad_ts`). The clock starts once enough events agree
   (lie within `max_skew_s` of the first of them: `confirm_events` of them,
   or at least two spanning `confirm_after_s`, as a sparse stream does; live,
   one event within `max_skew_s` of the wall clock is enough); until then
   events are held, and when it starts they are judged again in arrival
   order, an event far from those that started it rejected. After the start,
   an event more than `max_skew_s` ahead of the watermark is held, not taken:
   when enough held events in a row agree (no event was taken between them),
   the jump is real and they take effect; a held event still
   unconfirmed after `confirm_events` events were taken since, or at the end
   of the stream, is rejected. So one event, or a few, can never move or
   freeze the clock, while a real jump or a silence of any length is followed.
   Before the stream's first tick is due, an event more than `max_skew_s`
   behind the newest one is rejected too (after that it is simply late).
2. Late. Tick `t` is released once the watermark passes it: the watermark is
   the highest accepted `ts` minus `allowed_lateness_s` (live, the clock runs
   on with the wall clock since that event arrived), and never ahead of the
   slowest announced source (`SourceProgress`), though never more than
   `max_source_wait_s` behind the front. An event whose tick is released is late.
3. Duplicate: a repeated `id`, or an order's repeated `order_id`, in a room,
   remembered while it lies within `dedupe_horizon_s` of the released tick.
4. Rooms: beyond `max_rooms` rooms, a new room's events are `too_many_rooms`.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable

from .config import EngineSettings
from .events import Event, Rejection
from .progress import SourceProgress

NEVER = -math.inf
_MAX_HELD = 10_000  # held events beyond this are judged at once (the oldest rejected)


def tick_of(ts: float, tick_ms: int) -> int:
    """The first grid point at or after `ts` (an event's tick).

    Most times are whole milliseconds: those are rounded up in integers (exact,
    and no float division); a fraction of a millisecond takes the float path.
    """
    whole = int(ts)
    if whole == ts:
        rest = whole % tick_ms
        return whole if rest == 0 else whole - rest + tick_ms
    return -int(-ts // tick_ms) * tick_ms


@dataclass
class Totals:
    """What became of every input: the run summary's counts."""

    events: int = 0
    late: int = 0
    duplicates: int = 0
    filtered: int = 0
    rejected: Counter[str] = field(default_factory=Counter)


@dataclass(slots=True)
class ClockReading:
    """The clock as a worker needs it: every tick through `released` is due; `last` at the end."""

    released: float
    last: float | None = None  # set once the stream ended: its last event's tick

    def __reduce__(self) -> tuple[Any, ...]:
        return (ClockReading, (self.released, self.last))


class StreamClock:
    """Watermark, released tick, outlier limits: the state the admission checks read."""

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled (engine checkpoints) as its constructor's arguments and its state: compiled, it has no other way."""
        return (StreamClock, (EngineSettings(),), self.__getstate__())

    def __init__(self, settings: EngineSettings, *, live: bool = False) -> None:
        self.tick_ms = settings.tick_s * 1000
        self.lateness_ms = settings.allowed_lateness_s * 1000
        self.skew_ms = settings.max_skew_s * 1000
        self.source_wait_ms = settings.max_source_wait_s * 1000
        self.live = live
        self.started = False  # the clock has a time (its first events agreed)
        self.max_ts = NEVER  # highest accepted ts
        self.arrival_ms: float | None = None  # wall ms when max_ts arrived (live)
        self.live_front = NEVER  # live: max_ts plus the wall time since it arrived
        self.first_tick: float = math.inf  # lowest accepted tick: the stream's first tick
        self.released: float = NEVER  # every tick up to this one is due
        self.ahead_limit: float = NEVER  # events beyond it are held (before the start: every event)
        self.behind_limit: float = NEVER  # before the first tick is due: events under it are far behind
        self.sources: dict[str, float] = {}  # announced sources and how far they delivered
        self.plain = False  # the first tick is due and no source holds the watermark: the admission's short form

    @property
    def front(self) -> float:
        return self.max_ts if self.max_ts >= self.live_front else self.live_front

    @property
    def watermark(self) -> float:
        """Ticks up to here are due: the front minus the lateness, held back for slow sources.

        An announced source holds it at how far it has delivered, but never more
        than `max_source_wait_s` behind the front (a stalled poller must not freeze
        the console; what it delivers later than that is late).
        """
        front = self.front
        watermark = front - self.lateness_ms
        if self.sources:
            slowest = max(min(self.sources.values()), front - self.source_wait_ms)
            if slowest < watermark:
                watermark = slowest
        return watermark

    @property
    def last_tick(self) -> int | None:
        return None if self.max_ts == NEVER else tick_of(self.max_ts, self.tick_ms)

    def start(self) -> None:
        """The clock has a time: limits open until the first accepted event sets them."""
        self.started = True
        self.ahead_limit = math.inf
        self.behind_limit = NEVER

    def accepted(self, ts: float, tick: int, arrival_ms: float | None) -> None:
        """An accepted event moved the front or the first tick."""
        if ts > self.max_ts:
            self.max_ts = ts
            self.arrival_ms = arrival_ms
        if tick < self.first_tick:
            self.first_tick = float(tick)
        self._moved()

    def run_on(self, now_ms: float) -> None:
        """Live: the clock runs on with the wall clock since the newest event arrived."""
        if self.max_ts == NEVER or self.arrival_ms is None:
            return
        self.live_front = max(self.live_front, self.max_ts + max(0.0, now_ms - self.arrival_ms))
        self._moved()

    def progress(self, progress: SourceProgress) -> None:
        """A source says how far it has delivered; it holds the watermark until then."""
        self.sources[progress.source] = max(self.sources.get(progress.source, NEVER), progress.through)
        self._moved()

    def commit(self, max_ts: float, released: float, ahead_limit: float, arrival_ms: float | None) -> None:
        """The admission's loop hands back what it moved in its short form (arrival: None if the front stayed)."""
        self.max_ts = max_ts
        self.released = released
        self.ahead_limit = ahead_limit
        if arrival_ms is not None:
            self.arrival_ms = arrival_ms

    def _moved(self) -> None:
        front = self.front
        if front == NEVER:
            return
        self.ahead_limit = front - self.lateness_ms + self.skew_ms
        watermark = self.watermark
        if self.released == NEVER:
            if self.first_tick > watermark:  # the stream's first tick is not due yet
                self.behind_limit = self.max_ts - self.skew_ms
                return
            self.behind_limit = NEVER
        released = watermark - watermark % self.tick_ms
        if released > self.released:
            self.released = released
        self.plain = not self.sources

    def resume(self, released: float) -> None:
        """Go on from a clock a predecessor left (a publisher restarted mid-stream): its released tick.

        Only the released tick survives a restart, so the front is taken to be
        just past it; events behind it are late, as they were for the predecessor.
        """
        self.start()
        self.first_tick = released
        self.released = released
        self.max_ts = released + self.lateness_ms
        self._moved()

    def reading(self, *, end: bool = False) -> ClockReading:
        return ClockReading(self.released, self.last_tick if end else None)


@dataclass(slots=True)
class _Held:
    event: Event
    accepts_at: int  # the admission's accept count when it was held

    def __reduce__(self) -> tuple[Any, ...]:
        return (_Held, (self.event, self.accepts_at))


class Admission:
    """Judges inputs in arrival order: accepted events out, every other outcome counted.

    `take` returns the accepted events (in the order they took effect) and the
    rejections; the engine folds the accepted ones into ticks once the clock
    releases them, the publisher puts them on the stream.
    """

    def __reduce__(self) -> tuple[Any, ...]:
        return (Admission, (EngineSettings(),), self.__getstate__())

    def __init__(self, settings: EngineSettings, *, room: str | None = None, max_rooms: int = 0,
                 live: bool = False) -> None:
        self.clock = StreamClock(settings, live=live)
        self.totals = Totals()
        self.room_filter = room
        self.max_rooms = max_rooms or math.inf
        self.rooms: set[str] = set()
        self.confirm = settings.confirm_events
        self.confirm_after_ms = settings.confirm_after_s * 1000
        self.confirm_after_ms = settings.confirm_after_s * 1000
        self.dedupe_ms = settings.dedupe_horizon_s * 1000
        self._seen: dict[tuple[str, str], float] = {}
        self._seen_order: list[tuple[float, tuple[str, str]]] = []
        self._seen_start = 0
        self._held: list[_Held] = []  # arrival order
        self._run: list[_Held] = []  # held events in a row that agree (after the start)
        self._groups: list[list[_Held]] = []  # before the start: held events by agreement
        self._accepts = 0  # events accepted while something was held
        self._reoffering = False

    # ------------------------------------------------------------ the hot path

    def take(self, items: Iterable[object], arrival_ms: float | None = None) -> tuple[list[Event], list[Rejection]]:
        """Judge items in arrival order; return (accepted events in the order they took effect, rejections)."""
        accepted: list[Event] = []
        rejections: list[Rejection] = []
        clock = self.clock
        totals = self.totals
        tick_ms = clock.tick_ms
        lateness = clock.lateness_ms
        skew = clock.skew_ms
        room_filter = self.room_filter
        rooms = self.rooms
        taken = 0
        # the clock's state in locals for the loop; written back before anything else reads it
        max_ts, released, ahead, behind = clock.max_ts, clock.released, clock.ahead_limit, clock.behind_limit
        plain, live_front, held = clock.plain, clock.live_front, self._held
        moved = False
        for item in items:
            if type(item) is not Event:
                if type(item) is Rejection:
                    totals.rejected[item.reason] += 1
                    rejections.append(item)
                elif type(item) is SourceProgress:
                    clock.commit(max_ts, released, ahead, arrival_ms if moved else None)
                    clock.progress(item)
                    max_ts, released, ahead, behind, plain = (
                        clock.max_ts, clock.released, clock.ahead_limit, clock.behind_limit, clock.plain)
                continue
            event = item
            if room_filter is not None and event.room != room_filter:
                totals.filtered += 1
                continue
            ts = event.ts
            if ts > ahead or ts < behind:
                clock.commit(max_ts, released, ahead, arrival_ms if moved else None)
                moved = False
                self._far(event, arrival_ms, accepted, rejections)
                max_ts, released, ahead, behind, plain = (
                    clock.max_ts, clock.released, clock.ahead_limit, clock.behind_limit, clock.plain)
                live_front, held = clock.live_front, self._held
                continue
            tick = tick_of(ts, tick_ms)
            if tick <= released:
                totals.late += 1
                continue
            if (event.id is not None or event.order_id is not None) and self._is_duplicate(event, released):
                totals.duplicates += 1
                continue
            if event.room not in rooms:
                if len(rooms) >= self.max_rooms:
                    rejections.append(self._reject(
                        event, "too_many_rooms", f"more than {self.max_rooms} rooms ([input] max_rooms)"))
                    continue
                rooms.add(event.room)
            accepted.append(event)
            taken += 1
            if ts > max_ts and plain and ts >= live_front:
                # the front moved and nothing else holds the watermark: StreamClock._moved() in short
                max_ts = ts
                moved = True
                watermark = ts - lateness
                ahead = watermark + skew
                if watermark >= released + tick_ms:  # the next grid point is due (released is one)
                    released = watermark - watermark % tick_ms
            elif ts > max_ts or tick < clock.first_tick:
                clock.commit(max_ts, released, ahead, arrival_ms if moved else None)
                moved = False
                clock.accepted(ts, tick, arrival_ms)
                max_ts, released, ahead, behind, plain = (
                    clock.max_ts, clock.released, clock.ahead_limit, clock.behind_limit, clock.plain)
            if held:
                clock.commit(max_ts, released, ahead, arrival_ms if moved else None)
                moved = False
                self._after_accept(rejections)
                held = self._held
        clock.commit(max_ts, released, ahead, arrival_ms if moved else None)
        totals.events += taken
        return accepted, rejections

    def _is_duplicate(self, event: Event, released: float) -> bool:
        """A repeated id (or order id) within the dedupe horizon of the released tick."""
        keys = []
        if event.id is not None:
            keys.append((event.room, "id:" + event.id))
        if event.order_id is not None and event.type == "order":
            keys.append((event.room, "order:" + event.order_id))
        if not keys:
            return False
        seen = self._seen
        horizon = released - self.dedupe_ms
        for key in keys:
            when = seen.get(key)
            if when is not None and when >= horizon:
                return True
        for key in keys:
            seen[key] = event.ts
            self._seen_order.append((event.ts, key))
        self._forget(horizon)
        return False

    def _forget(self, horizon: float) -> None:
        """Drop ids older than the horizon (memory only: the check above compares times itself)."""
        order = self._seen_order
        start = self._seen_start
        seen = self._seen
        while start < len(order) and order[start][0] < horizon:
            ts, key = order[start]
            if seen.get(key) == ts:
                del seen[key]
            start += 1
        if start > 4096 and start * 2 > len(order):
            del order[:start]
            start = 0
        self._seen_start = start

    def _reject(self, event: Event, reason: str, detail: str) -> Rejection:
        self.totals.rejected[reason] += 1
        return Rejection(reason, detail, event.as_dict())

    # ------------------------------------------------------------ far from the stream

    def _far(self, event: Event, arrival_ms: float | None, accepted: list[Event], rejections: list[Rejection]) -> None:
        clock = self.clock
        if not clock.started:
            held = self._hold(event, rejections)
            near_wall = clock.live and arrival_ms is not None and abs(event.ts - arrival_ms) <= clock.skew_ms
            group = [held] if near_wall else self._group(held)  # live: the wall clock vouches for it
            if near_wall or self._agreed(group):
                self._start(group, arrival_ms, accepted, rejections)
            return
        if event.ts < clock.behind_limit:
            behind = (clock.max_ts - event.ts) / 1000
            rejections.append(self._reject(event, "bad_ts", f"ts is {behind:.0f}s behind the stream as it starts "
                                                            f"(max_skew_s {clock.skew_ms / 1000:g})"))
            return
        held = self._hold(event, rejections)
        if self._reoffering:
            return  # judged again after a start or a jump: it keeps waiting, alone
        run = self._run
        if run and abs(event.ts - run[0].event.ts) > clock.skew_ms:
            run.clear()
        run.append(held)
        if self._agreed(run):
            self._jump(arrival_ms, accepted, rejections)

    def _agreed(self, group: list[_Held]) -> bool:
        """Enough events agree on a time: `confirm_events` of them, or two or more spanning `confirm_after_s`.

        The span lets a sparse stream (a quiet room, orders alone) follow its
        own pauses; one event never agrees with itself.
        """
        if len(group) >= self.confirm:
            return True
        if len(group) < 2:
            return False
        times = [held.event.ts for held in group]
        return max(times) - min(times) >= self.confirm_after_ms

    def _hold(self, event: Event, rejections: list[Rejection]) -> _Held:
        held = _Held(event, self._accepts)
        self._held.append(held)
        if len(self._held) > _MAX_HELD:  # too many waiting: the oldest is judged now
            oldest = self._held.pop(0)
            self._run = [other for other in self._run if other is not oldest]
            self._groups = [kept for group in self._groups if (kept := [other for other in group if other is not oldest])]
            rejections.append(self._unconfirmed(oldest.event))
        return held

    def _group(self, held: _Held) -> list[_Held]:
        """Before the start: the group of held events this one agrees with."""
        for group in self._groups:
            if abs(held.event.ts - group[0].event.ts) <= self.clock.skew_ms:
                group.append(held)
                return group
        group = [held]
        self._groups.append(group)
        return group

    def _start(self, group: list[_Held], arrival_ms: float | None, accepted: list[Event],
               rejections: list[Rejection]) -> None:
        """The first events agreed: the clock starts, everything held is judged again in arrival order."""
        clock = self.clock
        clock.start()
        low = min(held.event.ts for held in group) - clock.skew_ms
        high = max(held.event.ts for held in group) + clock.skew_ms
        waiting, self._held, self._groups = self._held, [], []
        self._reoffering = True
        try:
            for held in waiting:
                if not low <= held.event.ts <= high:
                    rejections.append(self._reject(
                        held.event, "bad_ts", "ts is far from the events that started the stream "
                                              f"(max_skew_s {clock.skew_ms / 1000:g})"))
                    continue
                self._merge(self.take((held.event,), arrival_ms), accepted, rejections)
        finally:
            self._reoffering = False

    def _jump(self, arrival_ms: float | None, accepted: list[Event], rejections: list[Rejection]) -> None:
        """Events in a row agree on a time far ahead: the stream jumped; they take effect.

        So do the held events on the way there that nothing disputed (no event
        was taken on the old time after them, none lies beyond the new time):
        a sparse stream that jumped twice before either jump was confirmed.
        """
        run, self._run = self._run, []
        top = max(held.event.ts for held in run)
        confirmed = {id(held) for held in run}
        confirmed.update(id(held) for held in self._held
                         if held.accepts_at == self._accepts and held.event.ts <= top)
        taken = [held for held in self._held if id(held) in confirmed]
        self._held = [held for held in self._held if id(held) not in confirmed]
        clock = self.clock
        self._reoffering = True
        try:
            for held in taken:  # in arrival order
                clock.ahead_limit = math.inf  # confirmed: not an outlier any more
                self._merge(self.take((held.event,), arrival_ms), accepted, rejections)
                clock._moved()
        finally:
            self._reoffering = False

    def _after_accept(self, rejections: list[Rejection]) -> None:
        """An event taken on the stream's own time disputes the held ones; old enough ones are rejected."""
        self._accepts += 1
        if not self._reoffering:
            self._run.clear()
        held = self._held
        while held and self._accepts - held[0].accepts_at >= self.confirm:
            oldest = held.pop(0)
            rejections.append(self._unconfirmed(oldest.event))

    def _unconfirmed(self, event: Event) -> Rejection:
        ahead = (event.ts - self.clock.front) / 1000
        return self._reject(event, "bad_ts", f"ts is {ahead:.0f}s ahead of the stream and no later event "
                                             f"confirmed it (max_skew_s {self.clock.skew_ms / 1000:g})")

    @staticmethod
    def _merge(result: tuple[list[Event], list[Rejection]], accepted: list[Event],
               rejections: list[Rejection]) -> None:
        accepted += result[0]
        rejections += result[1]

    # ------------------------------------------------------------ the end

    def settle(self, arrival_ms: float | None = None) -> tuple[list[Event], list[Rejection]]:
        """End of the stream (or of a live run): nothing waits any more.

        Before the start, the largest group of agreeing events starts the clock
        (the first formed, on a tie); after it, every held event was never
        confirmed and is rejected.
        """
        accepted: list[Event] = []
        rejections: list[Rejection] = []
        if not self.clock.started and self._groups:
            best = max(self._groups, key=len)
            self._start(best, arrival_ms, accepted, rejections)
        held, self._held, self._run = self._held, [], []
        for waiting in held:
            rejections.append(self._unconfirmed(waiting.event))
        return accepted, rejections

    def forget_room(self, room: str) -> None:
        """A room closed (silent too long, live): it no longer counts toward `max_rooms`."""
        self.rooms.discard(room)
