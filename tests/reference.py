"""A brute-force reading of the metric contract, written independently of the engine.

Every number is recomputed from scratch at every tick from the full list of
accepted events: slow, obvious, and therefore a good judge of the incremental code.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

INTERACTIONS = {"like", "comment", "share", "follow"}


@dataclass
class Settings:
    tick_ms: int = 1000
    window_ms: int = 60_000
    lateness_ms: int = 2000
    horizon_ms: int = 60_000


def tick_of(ts: float, tick_ms: int) -> int:
    return math.ceil(ts / tick_ms) * tick_ms


def accept(events: list[dict], s: Settings) -> tuple[list[dict], int, int]:
    """Which events take effect (replay mode, watermark from event time only).

    An event is late when a tick at or after its own has already been produced;
    ticks are produced up to the watermark before each arrival.
    """
    accepted, late, duplicates = [], 0, 0
    seen: set = set()
    max_ts = None
    first_tick = None  # smallest tick among accepted events so far
    last_produced = None
    for event in events:
        if max_ts is not None and first_tick is not None:
            watermark = max_ts - s.lateness_ms
            floor_tick = math.floor(watermark / s.tick_ms) * s.tick_ms
            if floor_tick >= first_tick:
                last_produced = floor_tick if last_produced is None else max(last_produced, floor_tick)
        tick = tick_of(event["ts"], s.tick_ms)
        if last_produced is not None and tick <= last_produced:
            late += 1
            continue
        keys = []
        if event.get("id") is not None:
            keys.append((event["room"], "id", event["id"]))
        if event.get("order_id") is not None:
            keys.append((event["room"], "order", event["order_id"]))
        if any(key in seen for key in keys):
            duplicates += 1
            continue
        seen.update(keys)
        accepted.append(event)
        max_ts = event["ts"] if max_ts is None else max(max_ts, event["ts"])
        first_tick = tick if first_tick is None else min(first_tick, tick)
    return accepted, late, duplicates


def visits(events: list[dict]) -> list[tuple[str, float, float | None]]:
    """(user, join, leave) per entry, applying the ignore rules for joins and leaves."""
    online: dict[str, int] = {}
    out: list[list] = []
    for event in events:
        if event["type"] == "viewer_join":
            if event["user"] not in online:
                online[event["user"]] = len(out)
                out.append([event["user"], event["ts"], None])
        elif event["type"] == "viewer_leave":
            index = online.pop(event["user"], None)
            if index is not None:
                out[index][2] = event["ts"]
    return [tuple(v) for v in out]


def metrics_at(events: list[dict], t: int, s: Settings) -> dict:
    """Every metric of one room at tick t; `events` are the room's accepted events in ts order."""
    W, H = s.window_ms, s.horizon_ms
    upto = [e for e in events if e["ts"] <= t]
    window = [e for e in upto if e["ts"] > t - W]

    def total(kind, field=None):
        return sum((e.get(field, 1) if field else 1) for e in window if e["type"] == kind)

    def amount_sum(kind, field):
        return sum(e.get(field, 0.0) for e in window if e["type"] == kind)

    vs = visits(upto)
    snapshots = [e for e in upto if e["type"] == "viewer_count"]
    if snapshots:
        viewers = snapshots[-1]["count"]
        in_force_at_start = 0
        for e in snapshots:
            if e["ts"] <= t - W:
                in_force_at_start = e["count"]
        in_window = max([in_force_at_start] + [e["count"] for e in snapshots if e["ts"] > t - W])
        # integrate the step function over (t - W, t]
        seconds_ms = 0.0
        level, since = in_force_at_start, t - W
        for e in snapshots:
            if e["ts"] > t - W:
                seconds_ms += level * (e["ts"] - since)
                level, since = e["count"], e["ts"]
        seconds_ms += level * (t - since)
        retention = None
    else:
        viewers = sum(1 for _, j, l in vs if j <= t and (l is None or l > t))
        in_window = len({u for u, j, l in vs if j <= t and (l is None or l > t - W)})
        seconds_ms = 0.0
        for _, j, l in vs:
            start, end = max(j, t - W), min(l if l is not None else t, t)
            if end > start:
                seconds_ms += end - start
        cohort = [(j, l) for _, j, l in vs if t - W - H < j <= t - H]
        kept = sum(1 for j, l in cohort if l is None or l > j + H)
        retention = kept / len(cohort) if cohort else None
    viewer_seconds = seconds_ms / 1000
    entries = sum(1 for _, j, _l in vs if t - W < j <= t)
    impressions = total("live_impression", "count")
    p_imp = total("product_impression", "count")
    clicks = total("product_click")
    orders = total("order")
    gmv = amount_sum("order", "amount")
    interacting = {e["user"] for e in window if e["type"] in INTERACTIONS and e.get("user") is not None}
    all_orders = [e for e in upto if e["type"] == "order"]
    return {
        "viewers": viewers,
        "viewers_in_window": in_window,
        "viewer_seconds": viewer_seconds,
        "impressions": impressions,
        "entries": entries,
        "exits": sum(1 for _, _j, l in vs if l is not None and t - W < l <= t),
        "likes": total("like", "count"),
        "comments": total("comment"),
        "shares": total("share"),
        "follows": total("follow"),
        "product_impressions": p_imp,
        "product_clicks": clicks,
        "orders": orders,
        "units": total("order", "quantity"),
        "gmv": gmv,
        "access_rate": entries / impressions if impressions else None,
        "avg_watch_s": viewer_seconds / entries if entries else None,
        "retention": retention,
        "interaction_rate": len(interacting) / in_window if in_window else None,
        "ctr": clicks / p_imp if p_imp else None,
        "click_to_order": orders / clicks if clicks else None,
        "aov": gmv / orders if orders else None,
        "gpm": gmv * 1000 / entries if entries else None,
        "gmv_total": sum(e.get("amount", 0.0) for e in all_orders),
        "orders_total": len(all_orders),
        "entries_total": len(vs),
        "duration_s": (t - events[0]["ts"]) / 1000,
    }


def expected_series(raw_events: list[dict], s: Settings) -> tuple[dict, int, int]:
    """{(room, t): metrics} for every tick the contract requires, plus late and duplicate counts."""
    accepted, late, duplicates = accept(raw_events, s)
    ordered = sorted(enumerate(accepted), key=lambda pair: (pair[1]["ts"], pair[0]))
    ordered = [e for _, e in ordered]
    if not ordered:
        return {}, late, duplicates
    last_tick = tick_of(max(e["ts"] for e in ordered), s.tick_ms)
    out = {}
    for room in sorted({e["room"] for e in ordered}):
        room_events = [e for e in ordered if e["room"] == room]
        peak = 0
        t = tick_of(room_events[0]["ts"], s.tick_ms)
        while t <= last_tick:
            values = metrics_at(room_events, t, s)
            peak = max(peak, values["viewers"])
            values["peak_viewers"] = peak
            out[(room, t)] = values
            t += s.tick_ms
    return out, late, duplicates


PRODUCT_COUNTERS = ("product_impressions", "product_clicks", "orders", "units", "gmv")
OTHER = "*other*"


def _product_counts(events: list[dict]) -> list[float]:
    counts = [0, 0, 0, 0, 0.0]
    for e in events:
        if e["type"] == "product_impression":
            counts[0] += e.get("count", 1)
        elif e["type"] == "product_click":
            counts[1] += 1
        elif e["type"] == "order":
            counts[2] += 1
            counts[3] += e.get("quantity", 1)
            counts[4] += e.get("amount", 0.0)
    return counts


def products_at(events: list[dict], t: int, s: Settings, cap: int) -> list[dict]:
    """Every product line of one room at tick t, recomputed from its accepted events in ts order.

    A product gets its own line when it is among the first `cap` products the
    room met (in ts order, pins included); the rest share `OTHER`.
    """
    upto = [e for e in events if e["ts"] <= t]
    own: list[str] = []
    for e in upto:
        name = e.get("product")
        if e["type"] in ("product_impression", "product_click", "order") or (
                e["type"] == "host_action" and e.get("action") == "pin_product" and name):
            if name not in own and len(own) < cap:
                own.append(name)

    def line_of(name: str) -> str:
        return name if name in own else OTHER

    names = sorted({line_of(e["product"]) for e in upto if e.get("product") is not None and (
        e["type"] != "host_action" or e.get("action") == "pin_product")})
    pins = [e for e in upto if e["type"] == "host_action" and e.get("action") in ("pin_product", "unpin_product")]
    pinned_ms: dict[str, float] = {}
    current, since = None, 0.0
    for e in pins:
        if current is not None:
            pinned_ms[current] = pinned_ms.get(current, 0.0) + e["ts"] - since
            current = None
        if e["action"] == "pin_product" and e.get("product"):
            current, since = line_of(e["product"]), e["ts"]
    if current is not None:
        pinned_ms[current] = pinned_ms.get(current, 0.0) + t - since
    out = []
    for name in names:
        mine = [e for e in upto if e.get("product") is not None and e["type"] != "host_action"
                and line_of(e["product"]) == name]
        window = _product_counts([e for e in mine if e["ts"] > t - s.window_ms])
        session = _product_counts(mine)
        out.append({"product": name, "window": window, "session": session,
                    "pinned": name == current, "pinned_s": pinned_ms.get(name, 0.0) / 1000})
    return out
