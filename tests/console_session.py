"""A small hand-made broadcast for the console tests (deterministic, seconds to build), and how tests drive it.

Viewers join at a steady rate and mostly stay; from `drop_at_min` on (until
`recover_at_min`, if given), new viewers leave within half a minute, so the
retention of the shipped rules drops (the `retention_drop` story of the
seller guide) and, after the recovery, comes back. `shelf` adds products
with exact rates (views a second, CTR, C_O), so a product that lags the
room's is known in advance.

Tests wait on the console's own messages (`run_test(message_hook=...)`: the
screens' Drawn frames, the app's config messages) and on its workers
(`app.workers.wait_for_complete`), never on time: `drive()` opens a console
that way, with animations off (`animation_level = "none"`: a tab's underline
never caught half-way).
"""

from __future__ import annotations

import asyncio
import random
import shutil
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import orjson

from feeds.files import FileSource
from monitor.config import DEFAULT_CONFIG, load_config

T0 = 1_763_802_000_000  # 2025-11-22 09:00:00 UTC


@dataclass(frozen=True, slots=True)
class Product:
    """A product on the shelf with exact rates: `views` product views a second, then `ctr` and `c_o`."""

    name: str
    views: int
    ctr: float
    c_o: float


def session_events(minutes: int = 15, *, drop_at_min: float | None = None, recover_at_min: float | None = None,
                   rooms: tuple[str, ...] = ("toko-batik",),
                   seed: int = 7, comments: tuple[str, ...] = ("merah kak", "hijau!", "berapa harganya?", "ready size M?"),
                   shelf: tuple[Product, ...] = (), pin_at_s: int = 120) -> list[dict]:
    rng = random.Random(seed)
    shelf_rng = random.Random(seed + 1)  # the shelf's own draws: the rest of the session stays as it was without one
    events: list[dict] = []
    for room in rooms:
        clicks = {product.name: 0.0 for product in shelf}  # fractional clicks and orders carried to the next second
        orders = {product.name: 0.0 for product in shelf}
        sold = 0
        online: dict[str, int] = {}  # user -> leave ts
        serial = 0
        for _ in range(300):  # the room is already warm when the recording starts
            serial += 1
            user = f"u{serial}"
            online[user] = T0 + rng.randrange(1_000, 240_000)
            events.append({"type": "viewer_join", "ts": T0, "room": room, "user": user})
        events.append({"type": "live_impression", "ts": T0, "room": room, "count": 3000})
        for second in range(minutes * 60):
            now = T0 + second * 1000
            dropping = drop_at_min is not None and drop_at_min * 60 <= second < (recover_at_min or minutes) * 60
            for user, leave in list(online.items()):
                if leave <= now:
                    del online[user]
                    events.append({"type": "viewer_leave", "ts": leave, "room": room, "user": user})
            for _ in range(2):
                serial += 1
                user = f"u{serial}"
                joined = now + rng.randrange(1000)
                stay = rng.randrange(5_000, 30_000) if dropping and rng.random() < 0.75 else rng.randrange(60_000, 240_000)
                online[user] = joined + stay
                events.append({"type": "viewer_join", "ts": joined, "room": room, "user": user})
            events.append({"type": "live_impression", "ts": now + 1, "room": room, "count": 12})
            events.append({"type": "product_impression", "ts": now + 2, "room": room, "product": "sku-1", "count": 4})
            viewers = list(online)
            if viewers:
                for _ in range(3):
                    events.append({"type": "like", "ts": now + 3, "room": room, "user": rng.choice(viewers), "count": 2})
                if second % 2 == 0:
                    events.append({"type": "comment", "ts": now + 4, "room": room, "user": rng.choice(viewers),
                                   "text": rng.choice(comments)})
                if second % 3 == 0:
                    events.append({"type": "product_click", "ts": now + 5, "room": room, "product": "sku-1", "user": rng.choice(viewers)})
                if second % 15 == 0:
                    events.append({"type": "order", "ts": now + 6, "room": room, "product": "sku-1", "user": rng.choice(viewers),
                                   "amount": 129_000, "order_id": f"{room}-o{second}"})
            if second == 120:
                events.append({"type": "host_action", "ts": now + 7, "room": room, "action": "pin_product", "note": "sku-1",
                               "product": "sku-1"})
            for product in shelf:
                events.append({"type": "product_impression", "ts": now + 8, "room": room, "product": product.name,
                               "count": product.views})
                clicks[product.name] += product.views * product.ctr
                while clicks[product.name] >= 1 and viewers:
                    clicks[product.name] -= 1
                    orders[product.name] += product.c_o
                    events.append({"type": "product_click", "ts": now + 9, "room": room, "product": product.name,
                                   "user": shelf_rng.choice(viewers)})
                while orders[product.name] >= 1 and viewers:
                    orders[product.name] -= 1
                    sold += 1
                    events.append({"type": "order", "ts": now + 10, "room": room, "product": product.name,
                                   "user": shelf_rng.choice(viewers), "amount": 99_000, "order_id": f"{room}-shelf-{sold}"})
            if shelf and second == pin_at_s:
                events.append({"type": "host_action", "ts": now + 11, "room": room, "action": "pin_product",
                               "note": shelf[0].name, "product": shelf[0].name})
    events.sort(key=lambda event: event["ts"])
    return events


def write_session(path: Path, events: list[dict]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(event) + b"\n" for event in events))
    return path


# ---------------------------------------------------------------- app helpers

SIZE = (160, 48)


def make_app(tmp_path: Path, events: list[dict], *, speed: float | None = 1.0, lang: str | None = None, app_class=None,
             **kwargs):
    """A console on a session file, with its own copy of the shipped config (tests never touch ./config.toml).

    A config.toml already in `tmp_path` is used as it is.
    """
    from monitor.console.app import LivemonApp  # imported late: the pure tests need no Textual

    config_path = tmp_path / "config.toml"
    if not config_path.exists():
        shutil.copy(DEFAULT_CONFIG, config_path)
    config = load_config(config_path)
    if lang:
        config = config.model_copy(update={"lang": lang})
    source = FileSource(write_session(tmp_path / "session.jsonl", events))
    return (app_class or LivemonApp)(config, source=source, speed=speed, config_path=config_path, **kwargs)


class Heard:
    """The console's own messages as they arrive (a `run_test(message_hook=...)`), to wait on."""

    PATIENCE_S = 60.0  # a guard against a test that would otherwise hang; nothing is measured by it

    def __init__(self) -> None:
        self.messages: list = []
        self._arrived = asyncio.Event()

    def hook(self, message) -> None:
        from textual.notifications import Notify

        if type(message).__module__.startswith("monitor.") or isinstance(message, Notify):
            self.messages.append(message)
            self._arrived.set()

    def notifications(self) -> list:
        """The notifications the console has shown so far (Textual's `Notify` messages)."""
        from textual.notifications import Notify

        return [message.notification for message in self.messages if isinstance(message, Notify)]

    async def wait_for(self, kind: type, predicate: Callable = lambda message: True, *, since: int = 0):
        """The first message of `kind` at or after index `since` for which `predicate` holds (waiting for it)."""

        async def arrival():
            index = since
            while True:
                for message in self.messages[index:]:
                    if isinstance(message, kind) and predicate(message):
                        return message
                index = len(self.messages)
                self._arrived.clear()
                await self._arrived.wait()

        return await asyncio.wait_for(arrival(), self.PATIENCE_S)


class Console:
    """A running console (Pilot) and what it said (Heard)."""

    def __init__(self, app, pilot, heard: Heard) -> None:
        self.app, self.pilot, self.heard = app, pilot, heard

    async def press(self, *keys: str) -> None:
        await self.pilot.press(*keys)
        await self.pilot.pause()

    async def workers(self) -> None:
        """Every worker but the pipeline's done (a seek's rebuild, the file's span, a save, a reload)."""
        await self.pilot.pause()  # a worker just asked for has started
        app = self.app
        others = [worker for worker in app.workers if worker.group != "pipeline"]
        if others:  # (an empty list would mean every worker, the pipeline's too)
            await app.workers.wait_for_complete(others)

    async def drawn(self, predicate: Callable = lambda frame: True, *, since: int = 0):
        """The next complete frame of the current sink that satisfies `predicate`, then the screen settled."""
        from monitor.console.messages import Drawn

        app = self.app
        frame = await self.heard.wait_for(
            Drawn, lambda m: m.complete and m.sink == id(app.sink) and m.lang == app.lang and predicate(m), since=since)
        await self.pilot.wait_for_scheduled_animations()
        return frame

    async def seek(self, t: float) -> None:
        """Stop the replay at event time `t`, drawn (charts included): a fixed position for assertions and snapshots."""
        app = self.app
        if not app.paused:
            app.toggle_pause()
        app.seek_to(t)
        await self.workers()
        await self.drawn(lambda frame: frame.position == app.sink.position)

    async def settled(self, tries: int = 20) -> str:
        """The screen once it stops changing (an SVG screenshot): two screenshots in a row alike.

        A widget finishes some work when its queue runs empty (a DataTable measures
        its rows on Idle), so one wait can catch it half-way on a loaded machine;
        waiting until the screen is the same twice does not depend on timing.
        """
        app, previous = self.app, None
        for _ in range(tries):
            await self.pilot.wait_for_scheduled_animations()
            svg = app.export_screenshot(title=app.title, simplify=True)
            if svg == previous:
                return svg
            previous = svg
        raise AssertionError(f"the screen kept changing over {tries} looks")

    async def ended(self):
        """The run has ended and its end is drawn."""
        return await self.drawn(lambda frame: frame.ended)


async def wait_for(pilot, predicate, timeout: float = 10.0) -> None:
    """Let the app run until `predicate()` holds (polling: kept for tests/test_nats_console.py; the console's own
    tests wait on its messages and workers through `drive`)."""
    import time

    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {predicate}")
        await pilot.pause(0.02)


@asynccontextmanager
async def drive(app, size: tuple[int, int] = SIZE, **kwargs):
    heard = Heard()
    app.animation_level = "none"
    async with app.run_test(size=size, message_hook=heard.hook, **kwargs) as pilot:
        yield Console(app, pilot, heard)


# ---------------------------------------------------------------- what the screen says

def svg_text(svg: str) -> str:
    """The text of an SVG screenshot, without its markup."""
    import html
    import re

    return html.unescape(re.sub(r"<[^>]+>", "", svg)).replace("\xa0", " ")


def screen_text(app) -> str:
    """The text on the screen now."""
    return svg_text(app.export_screenshot())


#: English words a screen in Indonesian must not show (the words of the English screens; feed text aside).
ENGLISH = (
    "Viewers", "Entries", "Retention", "Interaction", "Comments", "Orders", "Alerts", "Alert", "Funnel", "Products",
    "Product", "Questions", "Pinned", "Advice", "Pause", "Paused", "Faster", "Slower", "Thresholds", "Threshold",
    "Language", "Help", "Quit", "Overview", "Sort", "Open", "Back", "Close", "Cancel", "Save", "Discard", "palette",
    "Theme", "Screenshot", "Keys", "space", "Search", "replay", "connected", "connecting", "elapsed", "events",
    "rejected", "late", "acknowledged", "muted", "unmute", "firing", "resolved", "All clear", "usual", "Rule",
    "Metric", "Kind", "Severity", "Enabled", "Room", "Time", "Worst", "sorted", "small sample", "per entry",
    "yet", "PAUSED", "CRITICAL", "WARNING", "FIRING", "ended", "finished", "Report", "Not recorded", "waiting", "last", "room:",
)


def raw_ids(config) -> set[str]:
    """The ids of the code no screen may show in Indonesian: rules, metrics, severities, host actions, the 'other' line."""
    from monitor import catalog, products, words

    ids = {rule.name for rule in config.rules}
    ids |= {name for name in catalog.NAMES if "_" in name}
    ids |= {catalog.TOPIC_PREFIX + topic.name for topic in config.questions.topics}
    ids |= {name for name in words.HOST_ACTIONS if "_" in name} | {"critical", "warning", products.OTHER, "C_O"}
    return ids


def not_indonesian(app, text: str | None = None) -> list[str]:
    """What an Indonesian screen shows that it must not: raw ids and English words (empty when clean).

    The palette names the language switch in both languages on purpose.
    """
    import re

    text = screen_text(app) if text is None else text
    text = text.replace("Bahasa / Language", "")
    found = [word for word in raw_ids(app.config) if re.search(rf"(?<![\w*]){re.escape(word)}(?![\w*])", text)]
    found += [word for word in ENGLISH if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text)]
    return sorted(found)
