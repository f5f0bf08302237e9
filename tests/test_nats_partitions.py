"""Partitions driven by the publisher's clock give what one engine gives (no server).

The publisher writes to a stand-in for JetStream that keeps the messages in
order; each partition reads its rooms' messages and every clock message, as
its filtered consumer would. Streams with disorder, late events, repeated
events, rooms starting late and batches of every size must give every room
the snapshots, alerts, late and duplicate counts of the single engine.
"""

from __future__ import annotations

import asyncio
import random
import zlib

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.jetstream.publisher import Publisher
from feeds.jetstream.subjects import EVENTS
from monitor.config import load_config, parse_config
from monitor.engine import Engine
from monitor.events import parse_lines
from monitor.sinks import alert_record, metrics_record
from monitor.worker import Partition

from .test_metrics_reference import random_stream

CONFIG = load_config("monitor/default_config.toml")


class StoredStream:
    """What the publisher needs of JetStream: messages kept in the order they were published."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, bytes]] = []

    async def publish_async(self, subject: str, payload: bytes, headers=None):
        self.messages.append((subject, payload))
        done = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done

    async def get_last_msg(self, stream: str, subject: str):
        from nats.js.errors import NotFoundError

        raise NotFoundError()


def records_of(ticks, out: dict) -> None:
    for tick in ticks:
        for room_tick in tick.rooms:
            out.setdefault(room_tick.snapshot.room, []).append(metrics_record(room_tick.snapshot))
            out[room_tick.snapshot.room] += [alert_record(alert) for alert in room_tick.alerts]


def single_engine(batches, config) -> tuple[dict, dict]:
    """What `livemon replay --headless --speed max` does with these batches."""
    engine = Engine(config)
    out: dict = {}
    for batch in batches:
        engine.offer_batch(parse_lines(batch))
        records_of(engine.advance(), out)
    records_of(engine.finish(), out)
    return out, engine.summary()


def partitioned(batches, config, partitions: int) -> tuple[dict, dict]:
    stream = StoredStream()

    async def publish():
        publisher = Publisher(stream, config)
        for batch in batches:
            await publisher.take(batch)
        await publisher.end()

    asyncio.run(publish())
    runs = [Partition(config, partition=index) for index in range(partitions)]
    out: dict = {}
    for seq, (subject, payload) in enumerate(stream.messages, 1):
        if subject.startswith(EVENTS):
            chosen = [runs[zlib.crc32(subject.encode()) % partitions]]
        else:
            chosen = runs
        for run in chosen:
            records_of(run.take(seq, subject, payload), out)
            assert run.take(seq, subject, payload) == []  # delivered again: not counted twice
    totals = {"events": 0, "late": 0, "duplicates": 0}
    for run in runs:
        assert run.ended
        summary = run.summary()
        for key in totals:
            totals[key] += summary[key]
    return out, totals


def hostile_stream(seed: int) -> list[bytes]:
    """Four rooms, out of order, late events, retransmitted events, one room that starts late."""
    rng = random.Random(seed)
    events = random_stream(seed, rooms=("a", "b", "c"), n=500, users=10)
    for index, event in enumerate(events):  # ids and order ids unique, then real retransmissions
        if "id" in event:
            event["id"] = f"e{index}"
        if "order_id" in event:
            event["order_id"] = f"o{index}"
    for _ in range(15):
        at = rng.randrange(1, len(events))
        events.insert(at + rng.randrange(0, 30), dict(events[at], id=events[at].get("id", f"r{at}")))
        events[at].setdefault("id", f"r{at}")
    late_start = len(events) // 2
    for event in events[late_start:late_start + 3]:  # room d begins behind the stream's watermark
        events.append(dict(event, room="d", ts=event["ts"] - 20_000))
    return [orjson.dumps(event) for event in events]


def cut(lines: list[bytes], seed: int) -> list[list[bytes]]:
    rng = random.Random(seed)
    batches, at = [], 0
    while at < len(lines):
        size = rng.choice([1, 2, 7, 40, 300])
        batches.append(lines[at:at + size])
        at += size
    return batches


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**31), st.sampled_from([1, 2, 3, 5]))
def test_partitions_give_what_one_engine_gives(seed, partitions):
    config = parse_config({"engine": {"window_s": 20, "retention_horizon_s": 10}}, "test").model_copy(
        update={"rules": CONFIG.rules, "questions": CONFIG.questions}
    )
    batches = cut(hostile_stream(seed), seed)
    want, summary = single_engine(batches, config)
    got, totals = partitioned(batches, config, partitions)
    assert got == want
    assert totals == {key: summary[key] for key in totals}


def test_a_simulated_session_with_alerts_is_the_same_in_three_partitions():
    from feeds.simulator import generate

    lines = [orjson.dumps(e) for e in generate("retention_drop", 240, seed=3, rooms=3)]
    batches = [lines[at:at + 2000] for at in range(0, len(lines), 2000)]
    want, summary = single_engine(batches, CONFIG)
    assert sum(record["kind"] == "alert" for records in want.values() for record in records) >= 3
    got, totals = partitioned(batches, CONFIG, 3)
    assert got == want
    assert totals["events"] == summary["events"]
