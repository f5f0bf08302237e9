"""Memory of many quiet rooms: what one followed room costs, replayed in batches.

Usage: python -m bench.rooms_memory ROOMS [SECONDS]  -> one JSON line on stdout.

ROOMS rooms, each a quiet broadcast (about one event every 5 s: joins, leaves,
likes, comments, product views and clicks, an order now and then) for SECONDS
of stream time (default 300: five 60 s windows), offered in batches of 20,000
events as a replay reads them, with `max_rooms` raised to ROOMS. RSS is read
before the engine is built and after the last tick; the difference over ROOMS
is what a room costs. Memory should grow with rooms x window, not with the
ticks a batch spans.
"""

from __future__ import annotations

import gc
import json
import random
import sys
import time
from typing import Any

from monitor.cli import tune_gc
from monitor.config import load_config
from monitor.events import validate
from monitor.runs import build_engine

from .memory_probe import rss_mb

T0 = 1_800_000_000_000
BATCH = 20_000
MEAN_GAP_MS = 5_000  # one event every 5 s per room


def stream(rooms: int, seconds: int, seed: int = 7) -> list[dict[str, Any]]:
    """The rooms' events in ts order (each room's users and products are its own)."""
    rng = random.Random(seed)
    events: list[dict[str, Any]] = []
    end = T0 + seconds * 1000
    for index in range(rooms):
        room = f"room-{index:05d}"
        ts = T0 + rng.randrange(MEAN_GAP_MS)
        online: list[str] = []
        serial = 0
        while ts < end:
            roll = rng.random()
            if roll < 0.3 or not online:
                serial += 1
                user = f"{room}-u{serial}"
                online.append(user)
                events.append({"type": "viewer_join", "room": room, "ts": ts, "user": user})
            elif roll < 0.5:
                user = online.pop(rng.randrange(len(online)))
                events.append({"type": "viewer_leave", "room": room, "ts": ts, "user": user})
            elif roll < 0.65:
                events.append({"type": "like", "room": room, "ts": ts, "user": rng.choice(online), "count": 1})
            elif roll < 0.75:
                events.append({"type": "comment", "room": room, "ts": ts, "user": rng.choice(online),
                               "text": "harga berapa kak?"})
            elif roll < 0.9:
                events.append({"type": "product_impression", "room": room, "ts": ts,
                               "product": f"sku-{rng.randrange(8)}", "count": 1})
            elif roll < 0.98:
                events.append({"type": "product_click", "room": room, "ts": ts, "user": rng.choice(online),
                               "product": f"sku-{rng.randrange(8)}"})
            else:
                events.append({"type": "order", "room": room, "ts": ts, "user": rng.choice(online),
                               "product": f"sku-{rng.randrange(8)}", "amount": 99_000.0, "quantity": 1})
            ts += 1 + int(rng.expovariate(1 / MEAN_GAP_MS))
    events.sort(key=lambda event: event["ts"])
    return events


def main(rooms: int, seconds: int = 300) -> dict[str, Any]:
    tune_gc()
    items = [validate(event) for event in stream(rooms, seconds)]
    config = load_config()
    config = config.model_copy(update={"input": config.input.model_copy(update={"max_rooms": rooms})})
    gc.collect()
    before = rss_mb()
    engine = build_engine(config)
    started = time.perf_counter()
    ticks = 0
    for at in range(0, len(items), BATCH):
        engine.offer_batch(items[at:at + BATCH])
        while engine.due():  # released in steps, as the pipeline does
            ticks += len(engine.advance(max_ticks=64))
    ticks += len(engine.finish())
    elapsed = time.perf_counter() - started
    gc.collect()  # the events stay alive: the difference is the engine's
    after = rss_mb()
    return {
        "rooms": len(engine.rooms),
        "events": engine.totals.events,
        "ticks": ticks,
        "seconds": elapsed,
        "engine_mb": after - before,
        "kb_per_room": (after - before) * 1024 / max(1, len(engine.rooms)),
    }


if __name__ == "__main__":
    seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    print(json.dumps(main(int(sys.argv[1]), seconds)))
