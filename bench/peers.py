"""What a user would otherwise run on the same events and 60 s windows.

- polars: an analyst's straightforward per-tick recomputation (filter the
  window, group, count; the online set from each user's last join/leave).
- bytewax: a streaming engine's sliding windows (60 s long, sliding by 1 s),
  folding the same counts and distinct interacting users per room.

Usage: python -m bench.peers polars|bytewax|livemon FILE  -> one JSON line.
Each reports events per second over the whole file.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from datetime import datetime, timedelta, timezone

import orjson

WINDOW_MS = 60_000
INTERACTIONS = ["like", "comment", "share", "follow"]


def polars_per_tick(path: str) -> dict:
    import polars as pl

    started = time.perf_counter()
    frame = pl.read_ndjson(path, infer_schema_length=None).sort("ts")
    first, last = int(frame["ts"].min()), int(frame["ts"].max())  # type: ignore[arg-type]  # a column of numbers
    ticks = range(-(-first // 1000) * 1000, -(-last // 1000) * 1000 + 1, 1000)
    viewer_events = frame.filter(pl.col("type").is_in(["viewer_join", "viewer_leave"]))
    rows = 0
    for t in ticks:
        window = frame.filter((pl.col("ts") > t - WINDOW_MS) & (pl.col("ts") <= t))
        counts = window.group_by("room", "type").agg(
            events=pl.len(), count=pl.col("count").sum(), amount=pl.col("amount").sum()
        )
        interacting = (
            window.filter(pl.col("type").is_in(INTERACTIONS) & pl.col("user").is_not_null())
            .group_by("room").agg(users=pl.col("user").n_unique())
        )
        online = (
            viewer_events.filter(pl.col("ts") <= t)
            .group_by("room", "user").agg(pl.col("type").last())
            .filter(pl.col("type") == "viewer_join")
            .group_by("room").agg(viewers=pl.len())
        )
        rows += counts.height + interacting.height + online.height
    elapsed = time.perf_counter() - started
    return {"events_per_s": frame.height / elapsed, "events": frame.height, "ticks": len(ticks), "seconds": elapsed}


def bytewax_sliding(path: str) -> dict:
    from bytewax import operators as op
    from bytewax.dataflow import Dataflow
    from bytewax.operators import windowing as win
    from bytewax.testing import TestingSink, TestingSource, run_main

    with open(path, "rb") as handle:
        events = [orjson.loads(line) for line in handle]
    first = events[0]["ts"]
    align = datetime.fromtimestamp(first // 1000, tz=timezone.utc)
    clock: win.EventClock[dict] = win.EventClock(
        lambda e: datetime.fromtimestamp(e["ts"] / 1000, tz=timezone.utc),
        wait_for_system_duration=timedelta(seconds=2),
    )
    windower = win.SlidingWindower(length=timedelta(seconds=60), offset=timedelta(seconds=1), align_to=align)

    def fold(state, event):
        kind = event["type"]
        state["counts"][kind] = state["counts"].get(kind, 0) + event.get("count", 1)
        if kind == "order":
            state["gmv"] += event.get("amount", 0)
        if kind in INTERACTIONS and event.get("user"):
            state["users"].add(event["user"])
        return state

    def merge(a, b):
        for kind, n in b["counts"].items():
            a["counts"][kind] = a["counts"].get(kind, 0) + n
        a["gmv"] += b["gmv"]
        a["users"] |= b["users"]
        return a

    out: list = []
    flow = Dataflow("livemon_peer")
    stream = op.input("in", flow, TestingSource(events, batch_size=10_000))
    keyed = op.key_on("room", stream, lambda e: e.get("room", "default"))
    windows = win.fold_window(
        "window", keyed, clock, windower, lambda: {"counts": {}, "gmv": 0, "users": set()}, fold, merge
    )
    snapshots = op.map("read", windows.down, lambda kv: (kv[0], kv[1][0], len(kv[1][1]["users"])))
    op.output("out", snapshots, TestingSink(out))
    started = time.perf_counter()
    run_main(flow)
    elapsed = time.perf_counter() - started
    return {"events_per_s": len(events) / elapsed, "events": len(events), "windows": len(out), "seconds": elapsed}


def livemon_in_process(path: str) -> dict:
    """Our engine on the same slice, in one process, output discarded."""
    from bench.memory_probe import main
    import asyncio

    from bench.measures import count_lines

    result = asyncio.run(main(path, 1))
    events = count_lines(Path(path))
    return {"events_per_s": events / result["seconds"], "events": events, "seconds": result["seconds"]}


PEERS = {"polars": polars_per_tick, "bytewax": bytewax_sliding, "livemon": livemon_in_process}

if __name__ == "__main__":
    print(json.dumps(PEERS[sys.argv[1]](sys.argv[2])))
