"""The console on what livemon workers publish (`livemon watch nats://...`).

No engine runs here: the workers computed every snapshot and alert, and the
records they published (the headless JSON of cli.md) are turned back into the
ticks the console's sink takes, so the dashboard of a room looks exactly as
it does on a replay. The overview of every room comes first; Enter opens a
room's dashboard, Escape comes back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable

from textual.binding import Binding
from textual.screen import Screen

from .. import catalog
from ..config import Config
from ..engine import RoomTick, Tick
from ..rules import Alert
from .app import ATTENTION_HZ, LivemonApp
from .bindings import localize_bindings
from .screens.dashboard import DashboardScreen
from .screens.overview import OverviewScreen

_NOT_VALUES = frozenset({"kind", "room", "t", "window_s"})
_ALERT_FIELDS = frozenset(Alert.__dataclass_fields__)


@dataclass(slots=True)
class PublishedSnapshot:
    """A room's tick as a worker published it (a headless metrics record): every value computed already."""

    room: str
    t: int
    window_s: int
    values: dict[str, Any]

    def metric(self, name: str) -> Any:
        return self.values.get(name)

    def denominator(self, metric: str) -> float | None:
        """A rate's sample size; one the record does not carry (the retention cohort) was judged by the worker."""
        name = catalog.denominator(metric)
        if name is None:
            return None
        if name in self.values:
            return self.values[name]
        return math.inf if self.values.get(metric) is not None else 0


class RecordTicks:
    """Records of one or many rooms -> ticks, keeping each room's newest snapshot for its alerts."""

    def __init__(self) -> None:
        self.latest: dict[str, PublishedSnapshot] = {}

    def ticks(self, records: Iterable[dict[str, Any]]) -> list[Tick]:
        out: list[Tick] = []
        for record in records:
            kind = record.get("kind")
            if kind == "metrics":
                values = {key: value for key, value in record.items() if key not in _NOT_VALUES}
                snapshot = PublishedSnapshot(record["room"], record["t"], record["window_s"], values)
                self.latest[snapshot.room] = snapshot
                out.append(Tick(snapshot.t, [RoomTick(snapshot, [])]))
            elif kind == "alert":
                snapshot = self.latest.get(record["room"])
                if snapshot is None:
                    continue  # an alert of a tick whose snapshot came before this watcher started
                alert = Alert(**{key: value for key, value in record.items() if key in _ALERT_FIELDS})
                if out and out[-1].rooms[0].snapshot is snapshot:
                    out[-1].rooms[0].alerts.append(alert)
                else:
                    out.append(Tick(snapshot.t, [RoomTick(snapshot, [alert])]))
        return out


class DeskApp(LivemonApp):
    """Every published room: the overview first, a room's dashboard on Enter."""

    BINDINGS = [Binding("escape", "overview", "Overview")]

    def __init__(self, config: Config, feed) -> None:
        super().__init__(config, source=feed, live=True)
        self.feed = feed

    def get_default_screen(self) -> Screen:
        return OverviewScreen()

    def on_mount(self) -> None:
        localize_bindings(self, self.lang)
        self.run_worker(self._follow(), name="records", group="records", exclusive=True)
        self.set_interval(1 / ATTENTION_HZ, self._call_attention)  # the workers' critical alerts ring here too

    async def _follow(self) -> None:
        sink = self.sink
        sink.on_status("connecting", self.feed.name)
        convert = RecordTicks()
        try:
            async for records in self.feed.batches():
                if sink.status != "connected":
                    sink.on_status("connected", self.feed.name)
                sink.on_ticks(convert.ticks(records))
        except Exception as error:  # noqa: BLE001 - the console stays up to say what happened
            sink.on_status("error", str(error)[:80])
            return
        sink.close(self.feed.summary())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "thresholds":
            return False  # the rules run in the workers: edit their config.toml
        return True

    def action_overview(self) -> None:
        while isinstance(self.screen, DashboardScreen) and len(self.screen_stack) > 1:
            self.pop_screen()
