"""A small hand-made broadcast for the console tests (deterministic, seconds to build).

Viewers join at a steady rate and mostly stay; from `drop_at_min` on (until
`recover_at_min`, if given), new viewers leave within half a minute, so the
retention of the shipped rules drops (the `retention_drop` story of the
seller guide) and, after the recovery, comes back.
"""

from __future__ import annotations

import random
import shutil
import time
from pathlib import Path

import orjson

from textual.widgets import TabbedContent, Tabs
from textual.widgets._tabs import Underline

from feeds.files import FileSource
from monitor.config import DEFAULT_CONFIG, load_config

T0 = 1_763_802_000_000  # 2025-11-22 09:00:00 UTC


def session_events(minutes: int = 15, *, drop_at_min: float | None = None, recover_at_min: float | None = None,
                   rooms: tuple[str, ...] = ("toko-batik",),
                   seed: int = 7, comments: tuple[str, ...] = ("merah kak", "hijau!", "berapa harganya?", "ready size M?")) -> list[dict]:
    rng = random.Random(seed)
    events: list[dict] = []
    for room in rooms:
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
                events.append({"type": "host_action", "ts": now + 7, "room": room, "action": "pin_product", "note": "sku-1"})
    events.sort(key=lambda event: event["ts"])
    return events


def write_session(path: Path, events: list[dict]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(event) + b"\n" for event in events))
    return path


# ---------------------------------------------------------------- app helpers

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


async def wait_for(pilot, predicate, timeout: float = 10.0) -> None:
    """Let the app run until `predicate()` holds (the pipeline and seeks run on their own)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {predicate}")
        await pilot.pause(0.02)


async def seek_paused(pilot, app, t: float) -> None:
    """Stop the replay at event time `t`, drawn (charts included): a fixed position for assertions and snapshots."""
    from monitor.console.widgets.room import RoomDashboard

    if not app.paused:
        app.toggle_pause()
    app.seek_to(t)
    await wait_for(pilot, lambda: app.seek_target is None and app.sink.position is not None)
    await wait_for(pilot, lambda: app.span is not None)

    def drawn() -> bool:
        app.screen.redraw(force=True)
        room = app.screen.active_room
        pane = app.screen.query_one(TabbedContent).active_pane
        return room is not None and pane.query_one(RoomDashboard).charts_show(room, app.lang)

    await wait_for(pilot, drawn)
    await wait_for(pilot, lambda: tab_underlined(app))
    await pilot.pause()


def tab_underlined(app) -> bool:
    """The active room's tab is underlined where it is: its label changes (● on an alert) slide the line."""
    tabs = app.screen.query_one(Tabs)
    tab = tabs.active_tab
    if tab is None:
        return True
    underline = tabs.query_one(Underline)
    start, end = tab.virtual_region.shrink(tab.styles.gutter).column_span
    return end > start and (underline.highlight_start, underline.highlight_end) == (start, end)
