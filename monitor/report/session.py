"""What a report (and the history) keeps of a run: one row per room and minute.

`SessionCollector` is a sink, so the report, the console and any other run
feed it the ticks of the one engine; no metric is computed a second time.
It holds one snapshot per room and the rows of closed minutes, never every
tick, so a four-hour broadcast costs a few hundred rows.

A minute's row is the room's snapshot at the last tick of that minute: with
the default one-second tick the tick at the minute's end, `(m, m + 60 s]`,
read with the configured window. A room's last row is its last tick (the
stream's end), so the final minute may be partial.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..engine import Tick
from ..metrics import COUNT_NAMES, METRIC_NAMES, Snapshot
from ..rules import FIRING, Alert
from ..sinks import Sink

MINUTE_MS = 60_000

#: Columns of minutes.csv / minutes.parquet, in order.
MINUTE_COLUMNS = ("room", "minute", "t", *METRIC_NAMES, "alerts", "host_actions")

#: Window sums the session totals are tiled from (see `_Tiles`); `retained` and
#: `interacting` are counts read back from rates (rate * denominator is a whole number).
_TILED = (*COUNT_NAMES, "viewer_seconds", "retention_cohort", "retained", "viewers_in_window", "interacting")

#: Headline numbers of a session, in the order the report shows them.
HEADLINE = (
    "duration_s", "peak_viewers", "avg_viewers", "impressions", "entries", "exits", "access_rate",
    "avg_watch_s", "retention", "interaction_rate", "likes", "comments", "shares", "follows",
    "product_impressions", "product_clicks", "ctr", "orders", "click_to_order", "units",
    "gmv", "aov", "gpm", "alerts",
)


@dataclass(slots=True)
class HostAction:
    t: float  # the action's ts
    action: str
    note: str

    def as_dict(self) -> dict:
        return {"t": self.t, "action": self.action, "note": self.note}


@dataclass
class RoomSession:
    """One room's broadcast as the report and the history see it."""

    room: str
    start_ms: float  # the room's first event
    end_ms: int  # its last tick
    window_s: int
    minutes: list[dict]
    alerts: list[Alert]
    host_actions: list[HostAction]
    totals: dict  # session sums of every count
    headline: dict = field(default_factory=dict)

    def full_minutes(self) -> list[dict]:
        """Rows whose window lies wholly inside the broadcast (fair to rank and compare)."""
        return [row for row in self.minutes if row["duration_s"] >= self.window_s]


class _Tiles:
    """Session totals from window sums, without a second count of events.

    The windows ending at the last tick T, at T - window, T - 2*window, ...
    do not overlap and together cover the whole session. So the sums of the
    window counts over every window-th tick are kept, one per phase of the
    tick index; at the end the phase of the last tick holds the totals.
    """

    __slots__ = ("sums", "index")

    def __init__(self, window_ticks: int) -> None:
        self.sums = [[0.0] * len(_TILED) for _ in range(window_ticks)]
        self.index = 0

    def add(self, snapshot: Snapshot) -> None:
        values = snapshot.values
        tile = self.sums[self.index % len(self.sums)]
        for slot, name in enumerate(COUNT_NAMES):
            tile[slot] += values[name]
        base = len(COUNT_NAMES)
        tile[base] += values["viewer_seconds"]
        cohort = snapshot.retention_cohort
        tile[base + 1] += cohort
        retention = values["retention"]
        tile[base + 2] += round(retention * cohort) if retention is not None else 0
        in_window = values["viewers_in_window"]
        tile[base + 3] += in_window
        rate = values["interaction_rate"]
        tile[base + 4] += round(rate * in_window) if rate is not None else 0
        self.index += 1

    def totals(self) -> dict:
        last = self.sums[(self.index - 1) % len(self.sums)]
        return {name: _tidy(value) for name, value in zip(_TILED, last)}


def _tidy(value: float) -> float | int:
    value = round(value, 4)
    return int(value) if float(value).is_integer() else value


class _RoomState:
    """A room while the run goes on: the open minute's snapshot and the closed rows."""

    def __init__(self, room: str, window_ticks: int) -> None:
        self.room = room
        self.tiles = _Tiles(window_ticks)
        self.first: Snapshot | None = None
        self.latest: Snapshot | None = None
        self.minute_end = 0
        self.rows: list[dict] = []
        self.alerts: list[Alert] = []
        self.actions: list[HostAction] = []
        self.minute_alerts = 0
        self.minute_actions: list[str] = []

    def take(self, snapshot: Snapshot, alerts: list[Alert]) -> None:
        minute_end = -(-snapshot.t // MINUTE_MS) * MINUTE_MS
        if self.latest is None:
            self.first = snapshot
        elif minute_end != self.minute_end:
            self.close_minute()
        self.minute_end = minute_end
        self.latest = snapshot
        self.tiles.add(snapshot)
        if alerts:
            self.alerts.extend(alerts)
            self.minute_alerts += sum(alert.state == FIRING for alert in alerts)

    def act(self, action: HostAction) -> None:
        self.actions.append(action)
        self.minute_actions.append(action.action)

    def close_minute(self) -> None:
        snapshot = self.latest
        row = {"room": self.room, "minute": self.minute_end - MINUTE_MS, "t": snapshot.t}
        row.update(snapshot.values)
        row["alerts"] = self.minute_alerts
        row["host_actions"] = "; ".join(self.minute_actions)
        self.rows.append(row)
        self.minute_alerts = 0
        self.minute_actions = []

    def session(self) -> RoomSession:
        self.close_minute()
        last = self.latest
        start = round(self.first.t - self.first.values["duration_s"] * 1000, 3)  # ts is at most µs-exact
        session = RoomSession(
            self.room, int(start) if start.is_integer() else start, last.t, last.window_s, self.rows, self.alerts, self.actions,
            self.tiles.totals(),
        )
        session.headline = headline(session)
        return session


def headline(session: RoomSession) -> dict:
    """The session's KPIs: session values from the last tick, rates from the session totals.

    Interaction over a session is the interacting viewers of the tiled windows
    over their viewers (a distinct count per session is not something the
    engine keeps), so it reads as "of the people in a window, the share who
    interacted", like the per-minute value.
    """
    totals = session.totals
    last = session.minutes[-1]
    duration = last["duration_s"]
    entries, impressions = totals["entries"], totals["impressions"]
    clicks, product_impressions = totals["product_clicks"], totals["product_impressions"]
    orders, gmv = totals["orders"], totals["gmv"]
    cohort, in_window = totals["retention_cohort"], totals["viewers_in_window"]
    values = {name: totals[name] for name in COUNT_NAMES}
    values.update(
        duration_s=duration,
        peak_viewers=last["peak_viewers"],
        avg_viewers=totals["viewer_seconds"] / duration if duration else None,
        access_rate=entries / impressions if impressions else None,
        avg_watch_s=totals["viewer_seconds"] / entries if entries else None,
        retention=totals["retained"] / cohort if cohort else None,
        interaction_rate=totals["interacting"] / in_window if in_window else None,
        ctr=clicks / product_impressions if product_impressions else None,
        click_to_order=orders / clicks if clicks else None,
        aov=gmv / orders if orders else None,
        gpm=gmv * 1000 / entries if entries else None,
        alerts=sum(alert.state == FIRING for alert in session.alerts),
    )
    return {name: values[name] for name in HEADLINE}


class SessionCollector(Sink):
    """Sink that keeps what a report needs; attach it before the run starts.

    Session totals are tiled from every tick since each room's first, so a
    collector that joins a run halfway (or sees a tick twice) gives wrong totals.
    """

    def __init__(self, window_s: int, tick_s: int) -> None:
        self.window_ticks = max(1, window_s // tick_s)
        self.rooms: dict[str, _RoomState] = {}
        self.summary: dict = {}
        self._sessions: list[RoomSession] | None = None

    def on_ticks(self, ticks: list[Tick]) -> None:
        rooms = self.rooms
        for tick in ticks:
            for room_tick in tick.rooms:
                snapshot = room_tick.snapshot
                state = rooms.get(snapshot.room)
                if state is None:
                    state = rooms[snapshot.room] = _RoomState(snapshot.room, self.window_ticks)
                state.take(snapshot, room_tick.alerts)
            for event in tick.host_actions:
                rooms[event.room].act(HostAction(event.ts, event.action or "", event.note or ""))

    def close(self, summary: dict) -> None:
        self.summary = summary

    def sessions(self) -> list[RoomSession]:
        """Each room's session, rooms by name, once the run has ended."""
        if self._sessions is None:
            self._sessions = [self.rooms[name].session() for name in sorted(self.rooms)]
        return self._sessions
