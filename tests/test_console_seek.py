"""The console's seek starts from a checkpoint: it reads only the file after it, and plays on as a straight replay.

A seek rebuilds in a worker thread (monitor/console/replay.py `rebuild`): the
Pilot test plays a session to its end (checkpoints taken as it plays), seeks
back and counts the batches the seek read. The property test seeks to random
targets with a store filled by earlier seeks and plays on from each: every
record after the target is the one a straight replay of the file gives, and
the state shown at the target is the straight replay's state there.
"""

from __future__ import annotations

import random

import orjson
import pytest

from feeds.files import FileSource, read_batches
from monitor.config import load_config
from monitor.console.replay import ReplaySource, rebuild, replay_checkpoints
from monitor.console.view import SHOWN_BASELINES
from monitor.events import parse_lines
from monitor.runs import build_engine
from monitor.sinks import alert_record, metrics_record

from .console_session import T0, drive, make_app, session_events

MINUTE = 60_000


@pytest.fixture(scope="module")
def long_session():
    return session_events(20, drop_at_min=8, recover_at_min=12, rooms=("toko-batik", "toko-kain"))


async def test_a_seek_back_reads_the_file_from_a_checkpoint_not_from_its_start(tmp_path, long_session):
    app = make_app(tmp_path, long_session, speed=None)
    async with drive(app, size=(160, 48)) as console:
        await console.ended()
        total = sum(1 for _ in read_batches(tmp_path / "session.jsonl"))
        assert total >= 5 and len(app.checkpoints) >= 3  # taken while it played
        await console.seek(T0 + 17 * MINUTE)
        seek = app.last_seek
        assert seek.restored is not None and T0 + 10 * MINUTE < seek.restored < T0 + 17 * MINUTE
        assert 0 < seek.batches < total / 2  # it read on from the checkpoint, not the file from its start
        shown = {name: view.snapshot.values for name, view in app.sink.rooms.items()}
    # what a seek without any checkpoint (the whole file from its start) shows there
    fresh = rebuild(app.config, app.source, T0 + 17 * MINUTE)
    assert fresh.restored is None and fresh.batches > seek.batches
    assert shown == {name: view.snapshot.values for name, view in fresh.sink.rooms.items()}


def tick_records(ticks) -> list[tuple[int, bytes]]:
    """(tick, record) of each room's metrics, alerts and the rules' baselines shown."""
    out = []
    for tick in ticks:
        for room_tick in tick.rooms:
            out.append((tick.t, orjson.dumps(metrics_record(room_tick.snapshot))))
            out += [(tick.t, orjson.dumps(alert_record(alert))) for alert in room_tick.alerts]
            out.append((tick.t, orjson.dumps(room_tick.usual)))
    return out


def straight_replay(path, config) -> tuple[list[tuple[int, bytes]], dict, bytes]:
    """A straight replay of the file: its records, each room's snapshot at each tick, its summary."""
    engine = build_engine(config, shown_baselines=SHOWN_BASELINES)
    out, snapshots = [], {}
    for batch in [*read_batches(path), None]:
        ticks = engine.finish() if batch is None else (engine.offer_batch(parse_lines(batch)), engine.advance())[1]
        out += tick_records(ticks)
        snapshots.update({(tick.t, room.snapshot.room): room.snapshot.values for tick in ticks for room in tick.rooms})
    return out, snapshots, orjson.dumps(engine.summary())


async def played_on(seek) -> tuple[list[tuple[int, bytes]], bytes]:
    """What the new pipeline computes after the seek's target, from the seek's state and the rest of the file."""
    engine, out = seek.engine, []
    async for batch in seek.source.batches():
        engine.offer_batch(parse_lines(batch))
        out += tick_records(engine.advance())
    out += tick_records(engine.finish())
    return out, orjson.dumps(engine.summary())


@pytest.mark.parametrize("seed", range(3))
async def test_seek_then_play_gives_the_records_of_a_straight_replay(tmp_path, long_session, seed):
    rng = random.Random(seed)
    path = tmp_path / "session.jsonl"
    lines = [orjson.dumps(event) for event in long_session]
    for _ in range(40):  # a little disorder, repeats and bad lines: the checkpoints carry what they leave behind
        at = rng.randrange(len(lines))
        lines.insert(rng.randrange(max(0, at - 50), at + 1), rng.choice([lines[at], b"{not json", b'{"type": "x"}']))
    path.write_bytes(b"\n".join(lines) + b"\n")
    config = load_config("monitor/default_config.toml")
    straight, snapshots, summary = straight_replay(path, config)
    ticks = sorted({t for t, _ in straight})
    store, file, restored = replay_checkpoints(), FileSource(path), 0
    for _ in range(8):  # forward and back; each seek adds the checkpoints it passes
        target = rng.choice([rng.randrange(T0 - MINUTE, T0 + 21 * MINUTE), rng.choice(ticks)])
        seek = rebuild(config, file, target, checkpoints=store)
        restored += seek.restored is not None
        at = seek.sink.position
        if at is not None:  # the state shown at the target is the straight replay's there
            assert at > min(target, ticks[-1]) - config.engine.tick_s * 1000  # the tick the target lies in
            for name, view in seek.sink.rooms.items():
                assert view.snapshot.values == snapshots[(view.snapshot.t, name)]
        later, its_summary = await played_on(seek)
        assert later == [(t, record) for t, record in straight if at is None or t > at]
        assert its_summary == summary
    assert restored >= 2 and len(store) >= 3  # most seeks started from a checkpoint
