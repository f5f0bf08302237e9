"""The incremental engine against the brute-force reference on random streams."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings, strategies as st

from monitor.config import Config, EngineSettings
from monitor.engine import Engine
from monitor.events import validate
from monitor.products import OTHER

from .reference import Settings, expected_series

TYPES = [
    ("viewer_join", 8), ("viewer_leave", 6), ("live_impression", 3), ("like", 3), ("comment", 3),
    ("share", 1), ("follow", 1), ("product_impression", 3), ("product_click", 3), ("order", 2),
    ("host_action", 1),
]


def random_stream(seed: int, *, rooms=("a", "b"), snapshot_rooms=(), n=400, users=8, jitter_ms=3500) -> list[dict]:
    """Events with out-of-order arrival, late events, duplicates, re-joins and gaps."""
    rng = random.Random(seed)
    kinds = [k for k, w in TYPES for _ in range(w)]
    clock = 1_700_000_000_000 + rng.randrange(1000)
    events = []
    for index in range(n):
        clock += rng.choice([0, 0, 50, 200, 700, 1500, 4000]) + (30_000 if rng.random() < 0.01 else 0)
        room = rng.choice(rooms)
        ts = clock - rng.randrange(jitter_ms) if rng.random() < 0.2 else clock
        kind = rng.choice(kinds)
        if room in snapshot_rooms and rng.random() < 0.3:
            kind = "viewer_count"
        event = {"type": kind, "ts": ts, "room": room}
        user = f"u{rng.randrange(users)}"
        if kind in ("viewer_join", "viewer_leave", "comment", "follow", "share", "product_click", "order"):
            event["user"] = user
        if kind == "like":
            if rng.random() < 0.8:
                event["user"] = user
            event["count"] = rng.randint(1, 20)
        if kind in ("live_impression", "product_impression"):
            event["count"] = rng.randint(1, 30)
        if kind in ("product_impression", "product_click", "order"):
            event["product"] = rng.choice(["sku-1", "sku-2"])
        if kind == "viewer_count":
            event["count"] = rng.randint(0, 500)
        if kind == "order":
            event["quantity"] = rng.randint(1, 3)
            event["amount"] = rng.choice([49_000, 99_500.5, 259_000, 0.1])
            event["order_id"] = f"o{rng.randrange(n // 3)}"  # collisions make duplicates
        if rng.random() < 0.05:
            event["id"] = f"e{rng.randrange(40)}"
        events.append(event)
    return events


def run_engine(events: list[dict], config: Config) -> tuple[dict, dict]:
    engine = Engine(config)
    out = {}
    ticks = []
    for event in events:
        engine.offer(validate(event))
        ticks.extend(engine.advance())
    ticks.extend(engine.finish())
    for tick in ticks:
        for room_tick in tick.rooms:
            key = (room_tick.snapshot.room, room_tick.snapshot.t)
            assert key not in out, f"tick {key} produced twice"
            out[key] = room_tick.snapshot.values
    return out, engine.summary()


def same(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


def check(events: list[dict], engine_settings: EngineSettings) -> None:
    config = Config(engine=engine_settings, rules=[])
    got, summary = run_engine(events, config)
    s = Settings(
        engine_settings.tick_s * 1000, engine_settings.window_s * 1000,
        int(engine_settings.allowed_lateness_s * 1000), engine_settings.retention_horizon_s * 1000,
    )
    want, late, duplicates = expected_series(events, s)
    assert summary["late"] == late
    assert summary["duplicates"] == duplicates
    assert sorted(got) == sorted(want)
    for key, values in want.items():
        for name, value in values.items():
            assert same(got[key][name], value), f"{key} {name}: engine {got[key][name]!r}, reference {value!r}"


DEDUPE_FOREVER = dict(dedupe_horizon_s=10**9, max_skew_s=10**6)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31))
def test_two_rooms_out_of_order_late_and_duplicates(seed):
    check(random_stream(seed), EngineSettings(window_s=20, retention_horizon_s=10, **DEDUPE_FOREVER))


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**31))
def test_snapshot_room_beside_a_join_leave_room(seed):
    events = random_stream(seed, rooms=("snap", "live"), snapshot_rooms=("snap",))
    check(events, EngineSettings(window_s=15, retention_horizon_s=5, **DEDUPE_FOREVER))


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**31))
def test_coarser_ticks_and_default_window(seed):
    events = random_stream(seed, rooms=("x",), n=600, users=20)
    check(events, EngineSettings(tick_s=2, window_s=60, retention_horizon_s=20, allowed_lateness_s=3, **DEDUPE_FOREVER))


def test_swapped_join_and_leave_within_lateness_mean_join_then_leave():
    base = 1_700_000_000_000
    events = [
        {"type": "viewer_join", "ts": base, "room": "r", "user": "a"},
        {"type": "viewer_leave", "ts": base + 1500, "room": "r", "user": "b"},
        {"type": "viewer_join", "ts": base + 1000, "room": "r", "user": "b"},
        {"type": "like", "ts": base + 10_000, "room": "r", "user": "a"},
    ]
    got, summary = run_engine(events, Config(rules=[]))
    assert summary["ignored_leaves"] == 0 and summary["late"] == 0
    assert got[("r", base + 2000)]["viewers"] == 1
    assert got[("r", base + 2000)]["exits"] == 1
    assert got[("r", base + 2000)]["viewers_in_window"] == 2


def product_stream(seed: int, n: int = 500) -> list[dict]:
    """Several products, pins and unpins, out of order and late, in two rooms."""
    rng = random.Random(seed)
    events = random_stream(seed, n=n)
    skus = [f"sku-{k}" for k in range(rng.randint(2, 9))]
    for event in events:
        if "product" in event:
            event["product"] = rng.choice(skus)
        elif event["type"] == "host_action":
            if rng.random() < 0.8:
                event["action"], event["product"] = "pin_product", rng.choice(skus)
            else:
                event["action"] = "unpin_product"
    return events


def product_burst(seed: int, n: int = 300) -> list[dict]:
    """Mostly product events, many per tick and half of them out of order within it: which product's
    first event comes first, and so which products get a line under a small cap, is up to the order.
    Every 50 events two new rooms start: each room is a new race of first events."""
    rng = random.Random(seed)
    skus = [f"sku-{k}" for k in range(rng.randint(2, 8))]
    clock = 1_700_000_000_000 + rng.randrange(1000)
    events = []
    for index in range(n):
        clock += rng.choice([0, 0, 10, 30, 100])
        ts = clock - rng.randrange(900) if rng.random() < 0.5 else clock
        kind = rng.choice(["product_impression"] * 5 + ["product_click"] * 3 + ["order", "host_action", "like"])
        event = {"type": kind, "ts": ts, "room": f"{rng.choice('ab')}{index // 50}", "user": f"u{rng.randrange(5)}"}
        if kind == "host_action":
            event["action"] = "pin_product"
        if kind != "like":
            event["product"] = rng.choice(skus)
        if kind == "product_impression":
            event["count"] = rng.randint(1, 9)
        if kind == "order":
            event.update(quantity=1, amount=rng.choice([10_000, 25_500.5]))
        events.append(event)
    return events


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31), st.integers(1, 6), st.sampled_from([1, 7, 60, 1000]))
def test_products_window_session_and_pins_against_the_reference(seed, cap, batch):
    check_products(product_stream(seed), cap, batch, seed, every=7)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31), st.integers(1, 4), st.sampled_from([1, 5, 40, 1000]))
def test_which_product_has_a_line_is_up_to_ts_not_to_arrival(seed, cap, batch):
    """A batch's later views of a product whose first view waits are counted at once: they must land
    in the line that first view gives (its own, or the one beyond the cap), whatever arrived first."""
    check_products(product_burst(seed), cap, batch, seed, every=1)


def check_products(events: list[dict], cap: int, batch: int, seed: int, every: int) -> None:
    """The engine's product lines, fed `events` in random batches of up to `batch`, against the reference."""
    from .reference import accept, products_at

    engine_settings = EngineSettings(window_s=20, retention_horizon_s=10, max_products=cap, **DEDUPE_FOREVER)
    config = Config(engine=engine_settings, rules=[])
    engine = Engine(config)
    snapshots = {}
    rng = random.Random(seed)
    at = 0
    while at < len(events):
        size = rng.randint(1, batch)
        engine.offer_batch([validate(event) for event in events[at:at + size]])
        at += size
        for tick in engine.advance():
            for room_tick in tick.rooms:
                snapshots[(room_tick.snapshot.room, tick.t)] = room_tick.snapshot
    for tick in engine.finish():
        for room_tick in tick.rooms:
            snapshots[(room_tick.snapshot.room, tick.t)] = room_tick.snapshot
    s = Settings(1000, 20_000, 2000, 10_000)
    accepted, _, _ = accept(events, s)
    ordered = [e for _, e in sorted(enumerate(accepted), key=lambda pair: (pair[1]["ts"], pair[0]))]
    for (room, t), snapshot in list(snapshots.items())[::every]:
        want = products_at([e for e in ordered if e["room"] == room], t, s, cap)
        got = [{"product": line.product, "window": list(line.window), "session": list(line.session),
                "pinned": line.pinned, "pinned_s": line.pinned_s} for line in snapshot.products]
        assert len(got) == len(want), (room, t)
        for mine, theirs in zip(got, want):
            assert mine["product"] == theirs["product"] and mine["pinned"] == theirs["pinned"], (room, t, mine, theirs)
            assert same(mine["pinned_s"], theirs["pinned_s"]), (room, t, mine, theirs)
            for a, b in zip(mine["window"] + mine["session"], theirs["window"] + theirs["session"]):
                assert same(a, b), (room, t, mine, theirs)
        for line in snapshot.products:  # the rates are the catalogue's, on the line's own counts
            clicks, shown = line.get("product_clicks"), line.get("product_impressions")
            assert line.as_dict()["ctr"] == (clicks / shown if shown else None)


@pytest.mark.parametrize("sku_b_earlier", [False, True])
def test_a_products_earliest_view_decides_its_line_whatever_arrives_first(sku_b_earlier):
    """Cap 1: sku-b's view arrives first but sku-a's is earlier, so sku-a has the line and sku-b counts
    beyond it, unless a yet earlier view of sku-b comes; the views after a held one of their product
    are counted at once, in the line their product gets."""
    base = 1_700_000_000_000
    view = lambda ms, sku, count: {"type": "product_impression", "ts": base + ms, "room": "r", "product": sku,
                                   "count": count}
    events = [view(500, "sku-b", 1), view(600, "sku-b", 2), view(200, "sku-a", 4), view(500, "sku-a", 8),
              view(200, "sku-a", 16), *([view(100, "sku-b", 32)] if sku_b_earlier else []), view(900, "sku-b", 64)]
    engine = Engine(Config(engine=EngineSettings(max_products=1), rules=[]))
    engine.offer_batch([validate(event) for event in events])
    (part,) = engine._parts[base + 1000].values()
    assert part.later_views == {"sku-b": [2 + 64, 0], "sku-a": [8 + 16, 0]}  # sku-b's 100 comes before the 500 held
    lines = {line.product: line.window[0] for line in engine.finish()[0].rooms[0].snapshot.products}
    if sku_b_earlier:
        assert lines == {"sku-b": 1 + 2 + 32 + 64, OTHER: 4 + 8 + 16}
    else:
        assert lines == {"sku-a": 4 + 8 + 16, OTHER: 1 + 2 + 64}


def test_questions_per_topic_against_a_count_of_the_classified_comments():
    from monitor.config import load_config

    config = load_config("monitor/default_config.toml").model_copy(update={"rules": []})
    classify = config.questions.classifier().topics
    texts = ["harga nya brp kak", "ready size L?", "cod bisa ga", "mantap kak", "ongkir ke medan berapa?",
             "kapan restock?", "bahannya adem ga kak", "cara checkout gimana", "halo kak", "ada voucher?"]
    rng = random.Random(5)
    base = 1_700_000_000_000
    events = [{"type": "comment", "room": "r", "ts": base + i * 700, "user": f"u{i % 9}", "text": rng.choice(texts)}
              for i in range(400)]
    engine = Engine(config)
    seen = {}
    for event in events:
        engine.offer(validate(event))
        for tick in engine.advance():
            seen[tick.t] = tick.rooms[0].snapshot
    for tick in engine.finish():
        seen[tick.t] = tick.rooms[0].snapshot
    window = config.engine.window_s * 1000
    for t, snapshot in list(seen.items())[::13]:
        inside = [e for e in events if t - window < e["ts"] <= t]
        asked = [classify(e["text"]) for e in inside]
        assert snapshot.get("questions") == sum(1 for topics in asked if topics)
        for topic in snapshot.topics:
            assert snapshot.get(f"questions_{topic}") == sum(topic in topics for topics in asked), (t, topic)


def test_silent_room_keeps_getting_ticks_until_the_stream_ends():
    base = 1_700_000_000_000
    events = [
        {"type": "viewer_join", "ts": base, "room": "quiet", "user": "a"},
        {"type": "viewer_join", "ts": base, "room": "busy", "user": "a"},
        {"type": "like", "ts": base + 5000, "room": "busy", "user": "a"},
    ]
    got, _ = run_engine(events, Config(rules=[]))
    assert [t for room, t in sorted(got) if room == "quiet"] == [base + i * 1000 for i in range(6)]
    assert got[("quiet", base + 5000)]["viewer_seconds"] == 5.0
