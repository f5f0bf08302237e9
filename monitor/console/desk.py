"""The console on what livemon workers publish (`livemon watch nats://...`).

No engine runs here: the workers computed every snapshot and alert, and the
records they published (the headless JSON of cli.md) are turned back into the
ticks the console's sink takes, so the dashboard of a room looks exactly as
it does on a replay. The per-product lines come from the `products` records
(once a minute of event time) and stay with the room's snapshots until the
next one, so the product panel works here too. The overview of every room
comes first; Enter opens a room's dashboard, Escape comes back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterable

from textual.binding import Binding
from textual.screen import Screen

from .. import catalog
from ..config import Config
from ..engine import RoomTick, Tick
from ..products import COUNTERS as PRODUCT_COUNTERS, ProductLine
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
    products: tuple[ProductLine, ...] = field(default=())  # from the room's latest products record

    def metric(self, name: str) -> Any:
        return self.values.get(name)

    @property
    def topics(self) -> dict[str, int]:
        """Questions per topic in the window, from the record's `questions_<topic>` values."""
        prefix = catalog.TOPIC_PREFIX
        return {name[len(prefix):]: value for name, value in self.values.items() if name.startswith(prefix)}

    def denominator(self, metric: str) -> float | None:
        """A rate's sample size; one the record does not carry (the retention cohort) was judged by the worker."""
        name = catalog.denominator(metric)
        if name is None:
            return None
        if name in self.values:
            return self.values[name]
        return math.inf if self.values.get(metric) is not None else 0


def _count(value: Any) -> float:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) else 0


def product_lines(items: Any) -> tuple[ProductLine, ...]:
    """The products of a products record (ProductLine.as_dict each) back into lines; a malformed item is left out."""
    lines = []
    for item in items if isinstance(items, list) else ():
        if not isinstance(item, dict) or not isinstance(item.get("product"), str):
            continue
        session = item.get("session") if isinstance(item.get("session"), dict) else {}
        lines.append(ProductLine(
            item["product"],
            tuple(_count(item.get(name)) for name in PRODUCT_COUNTERS),
            tuple(_count(session.get(name)) for name in PRODUCT_COUNTERS),
            item.get("pinned") is True,
            float(_count(item.get("pinned_s"))),
        ))
    return tuple(lines)


class RecordTicks:
    """Records of one or many rooms -> ticks, keeping each room's newest snapshot for its alerts and products."""

    def __init__(self) -> None:
        self.latest: dict[str, PublishedSnapshot] = {}
        self.products: dict[str, tuple[ProductLine, ...]] = {}  # room -> its latest products record's lines

    def ticks(self, records: Iterable[dict[str, Any]]) -> list[Tick]:
        out: list[Tick] = []
        for record in records:
            kind = record.get("kind")
            if kind == "products":
                lines = product_lines(record.get("products"))
                self.products[record["room"]] = lines
                snapshot = self.latest.get(record["room"])
                if snapshot is not None and snapshot.t == record.get("t"):
                    snapshot.products = lines  # the record of the tick just taken: its panel shows them at once
            elif kind == "metrics":
                values = {key: value for key, value in record.items() if key not in _NOT_VALUES}
                snapshot = PublishedSnapshot(record["room"], record["t"], record["window_s"], values,
                                             self.products.get(record["room"], ()))
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
