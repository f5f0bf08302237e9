"""Engine behaviour beyond the metric values: live clock, bounded memory, back-pressure."""

from __future__ import annotations

import random

import orjson

from monitor.config import Config, load_config
from monitor.engine import Engine
from monitor.events import validate
from monitor.pipeline import Pipeline
from monitor.sinks import Sink

T0 = 1_800_000_000_000


def event(kind, second, **fields):
    return validate({"type": kind, "ts": T0 + int(second * 1000), "room": fields.pop("room", "r"), **fields})


def test_live_clock_moves_windows_on_and_notices_a_silent_feed():
    engine = Engine(load_config(), live=True)
    # live: an event near the wall clock starts the stream's clock at once
    engine.offer(event("viewer_join", 0, user="a"), arrival_ms=T0 + 5)
    engine.offer(event("like", 1, user="a"), arrival_ms=T0 + 1_000)
    assert engine.advance(T0 + 1_000) == []  # watermark still behind the first tick
    # 40 s of wall time pass with no event: the stream clock runs on
    ticks = engine.advance(T0 + 41_000)
    assert [t.t for t in ticks] == [T0 + i * 1000 for i in range(0, 40)]
    stale = [a for t in ticks for rt in t.rooms for a in rt.alerts if a.rule == "feed_stale"]
    assert [(a.state, a.t) for a in stale] == [("firing", T0 + 31_000)]
    # an event arrives again: the rule resolves at its tick
    engine.offer(event("like", 42, user="a"), arrival_ms=T0 + 42_000)
    ticks = engine.advance(T0 + 45_000)
    resolved = [a for t in ticks for rt in t.rooms for a in rt.alerts if a.rule == "feed_stale"]
    assert [a.state for a in resolved] == ["resolved"]


def test_skewed_producer_is_taken_on_its_own_time():
    """A feed whose clock is hours behind ours starts once its first events agree, then runs on (live mode)."""
    engine = Engine(Config(rules=[]), live=True)
    wall = T0 + 3 * 3600_000
    for second in range(5):  # confirm_events = 5: far from the wall clock, so they must agree first
        engine.offer(event("like", second * 0.1, user="a"), arrival_ms=wall)
    ticks = engine.advance(wall + 10_000)
    assert ticks and ticks[0].t == T0 and ticks[-1].t == T0 + 8000


def test_far_future_event_waits_and_does_not_move_the_watermark():
    engine = Engine(Config(rules=[]))
    for second in range(5):
        engine.offer(event("viewer_join", second * 0.1, user=f"a{second}"))
    assert engine.offer(event("like", 10_000)) == []  # held: nothing confirms it yet
    engine.offer(event("like", 5))
    assert engine.clock.max_ts == T0 + 5000
    rejected = engine.settle()
    assert [r.reason for r in rejected] == ["bad_ts"]
    assert engine.summary()["rejected"] == {"bad_ts": 1}


def test_memory_is_bounded_by_the_window_not_the_session():
    """Two hours of churning viewers: every structure stays the size of its window."""
    rng = random.Random(1)
    config = load_config()
    engine = Engine(config)
    online: list[str] = []
    next_user = 0
    sizes = []
    for second in range(2 * 3600):
        for _ in range(5):
            user = f"u{next_user}"
            next_user += 1
            online.append(user)
            engine.offer(event("viewer_join", second + rng.random() * 0.9, user=user, id=f"j{user}"))
        while len(online) > 300:
            user = online.pop(rng.randrange(len(online)))
            engine.offer(event("viewer_leave", second + 0.95, user=user))
        engine.offer(event("like", second + 0.7, user=rng.choice(online), count=3))
        engine.offer(event("order", second + 0.8, product="p", amount=1000, order_id=f"o{second}"))
        engine.advance()
        if second % 600 == 599:
            room = engine.rooms["r"]
            sizes.append((
                len(room.online), len(room.awaiting_horizon), len(room.recent_leavers),
                len(room.interacting), len(engine.admission._seen), len(room.sums._history),
            ))
    first, last = sizes[0], sizes[-1]
    assert next_user == 36_000
    assert last[0] <= 300 and last[1] <= 5 * 61 and last[2] <= 5 * 61
    assert last[4] <= 2 * (config.engine.dedupe_horizon_s + 5) * 6  # ids and order ids of the horizon only
    assert last[5] == config.engine.window_s
    assert all(abs(a - b) <= max(10, 0.1 * a) for a, b in zip(first, last)), (first, last)


class CountingSource:
    """Yields batches as fast as it may and records how full the queue was."""

    name = "counting"

    def __init__(self, pipeline_ref: list) -> None:
        self.pipeline_ref = pipeline_ref
        self.depths: list[int] = []

    async def batches(self):
        for index in range(300):
            self.depths.append(self.pipeline_ref[0].queue.qsize())
            yield [f'{{"type": "like", "ts": {T0 + index * 1000}, "user": "a"}}'.encode()] * 50


class SlowSink(Sink):
    def __init__(self) -> None:
        self.ticks = 0

    def on_ticks(self, ticks) -> None:
        self.ticks += len(ticks)
        import time

        time.sleep(0.001)  # a slow consumer: the source must wait for it


async def test_bounded_queue_makes_a_fast_source_wait():
    ref: list = []
    source = CountingSource(ref)
    sink = SlowSink()
    pipeline = Pipeline(Engine(Config(rules=[])), source, [sink], speed=None, queue_size=4)
    ref.append(pipeline)
    summary = await pipeline.run()
    assert summary["events"] == 300 * 50
    assert max(source.depths) <= 4
    assert sink.ticks == 300


def test_the_engines_state_pickles_and_goes_on_as_the_engine_it_came_from():
    """Checkpoints pickle the engine's attributes; compiled (mypyc) classes pickle through their
    `__reduce__`, the pure ones as plain Python: both give the ticks the first engine gives."""
    import pickle

    from monitor.events import parse_lines
    from monitor.runs import build_engine

    from .test_metrics_reference import random_stream

    config = load_config().model_copy(update={"input": load_config().input.model_copy(update={"max_rooms": 10})})
    events = random_stream(3, n=1500)
    lines = [orjson.dumps(event) for event in events]
    first, later = parse_lines(lines[:700]), parse_lines(lines[700:])
    engine = build_engine(config)
    engine.offer_batch(first)
    engine.advance()
    state = engine.__getstate__()
    if isinstance(state, tuple):  # a class with slots and a dict (not the engine today)
        state = state[1]
    from_config = ("config", "settings", "classify", "past_baselines")
    data = pickle.dumps({name: value for name, value in state.items() if name not in from_config})
    copy = build_engine(config)
    restored = pickle.loads(data)
    if hasattr(type(copy), "__setstate__"):  # compiled: no __dict__
        merged = copy.__getstate__()
        merged.update(restored)
        copy.__setstate__(merged)
    else:
        vars(copy).update(restored)

    def rest(engine: Engine) -> list:
        engine.offer_batch(later)
        ticks = engine.advance() + engine.finish()
        return [(tick.t, [(room.snapshot.values, room.snapshot.products, room.alerts) for room in tick.rooms])
                for tick in ticks]

    ours = rest(engine)
    assert ours and ours == rest(copy)
