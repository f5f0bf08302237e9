"""Checkpoints: an engine restored from one computes exactly what a straight run computes from there.

Random streams (disorder, late events, repeated ids and order ids, jumps far
ahead that are held, rooms that start late) and simulated sessions whose rules
fire, cut into batches of random sizes; a checkpoint at a random batch
boundary (sometimes a chain of them), restored into a new engine that is fed
the rest cut differently: every later record (metrics, alerts, products) and
the summary must be byte-identical to the straight run's.
"""

from __future__ import annotations

import pickle
import random
import struct
import subprocess
import sys

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.checkpoint import FORMAT, Checkpoint, CheckpointMismatch, Checkpoints, fingerprint, restore, save
from monitor.config import load_config, parse_config
from monitor.engine import Engine
from monitor.events import parse_lines
from monitor.rules import FIRING, INACTIVE, PENDING, RESOLVED
from monitor.runs import build_engine
from monitor.sinks import ProductsCadence, alert_record, metrics_record, products_record

from .test_compiled import ROOT, _env, needs_build
from .test_metrics_reference import random_stream
from .test_nats_partitions import cut as cut_seeded
from .test_nats_partitions import hostile_stream

CONFIG = load_config("monitor/default_config.toml")
#: small windows and a short skew so a few hundred events hold far events, fire and resolve rules
SMALL = parse_config({"engine": {"window_s": 20, "retention_horizon_s": 10, "max_skew_s": 10,
                                 "confirm_events": 3, "dedupe_horizon_s": 300}}, "test").model_copy(
    update={"rules": [rule.model_copy(update={"min_baseline_ticks": 5, "for_s": 2, "clear_s": 3, "cooldown_s": 5,
                                              "min_sample": 1})
                      for rule in CONFIG.rules],
            "questions": CONFIG.questions})


def records(ticks, cadence: ProductsCadence) -> list[bytes]:
    """The headless writer's records of these ticks, as bytes."""
    out = []
    for tick in ticks:
        for room_tick in tick.rooms:
            snapshot = room_tick.snapshot
            out.append(orjson.dumps(metrics_record(snapshot)))
            out += [orjson.dumps(alert_record(alert)) for alert in room_tick.alerts]
            out.append(orjson.dumps(room_tick.usual))
            if cadence.due(snapshot):
                out.append(orjson.dumps(products_record(snapshot)))
    return out


def cut(lines: list[bytes], rng: random.Random) -> list[list[bytes]]:
    return cut_seeded(lines, rng.randrange(2**31))


def new_engine(config) -> Engine:
    return build_engine(config, shown_baselines=("retention", "ctr", "viewers"))


def feed(engine: Engine, batches, cadence: ProductsCadence, out: list[bytes]) -> None:
    for batch in batches:
        engine.offer_batch(parse_lines(batch))
        out += records(engine.advance(), cadence)


def finish(engine: Engine, cadence: ProductsCadence, out: list[bytes]) -> bytes:
    out += records(engine.finish(), cadence)
    out += [orjson.dumps(products_record(snapshot)) for snapshot in cadence.leftovers()]
    return orjson.dumps(engine.summary())


def straight_and_restored(lines: list[bytes], config, seed: int, hops: int = 1) -> None:
    """Run straight; run with `hops` checkpoints restored on the way; compare everything after each."""
    rng = random.Random(seed)
    batches = cut(lines, rng)
    engine, cadence, straight = new_engine(config), ProductsCadence(), []
    produced_by = []  # records out after each batch
    for batch in batches:
        feed(engine, [batch], cadence, straight)
        produced_by.append(len(straight))
    straight_summary = finish(engine, cadence, straight)

    at = 0
    engine, cadence, got = new_engine(config), ProductsCadence(), []
    for _ in range(hops):
        stop = rng.randrange(at, len(batches) + 1)
        feed(engine, batches[at:stop], cadence, got)
        at = stop
        checkpoint = save(engine, position=at, extra=cadence)
        if rng.random() < 0.5:  # through the bytes a worker stores
            checkpoint = Checkpoint.from_bytes(checkpoint.to_bytes())
        engine = new_engine(config)
        cadence = restore(checkpoint, engine)
        assert checkpoint.position == at
        assert got == straight[:len(got)]
    rest = [line for batch in batches[at:] for line in batch]
    feed(engine, cut(rest, rng), cadence, got)  # cut differently: batching must not matter
    assert finish(engine, cadence, got) == straight_summary
    assert got == straight


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31), st.integers(1, 3))
def test_a_restored_engine_goes_on_as_a_straight_run(seed, hops):
    lines = [orjson.dumps(event) for event in random_stream(seed, rooms=("a", "b", "c"), n=500, users=10)]
    straight_and_restored(lines, SMALL, seed, hops)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**31))
def test_late_rooms_repeats_and_held_events_survive_a_checkpoint(seed):
    straight_and_restored(hostile_stream(seed), SMALL, seed, hops=2)


@pytest.fixture(scope="module")
def simulated() -> list[bytes]:
    from feeds.simulator import generate

    return [orjson.dumps(event) for event in generate("retention_drop", 240, seed=5, rooms=2)]


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 2**31))
def test_simulated_sessions_with_alerts_continue_byte_for_byte(simulated, seed):
    straight_and_restored(simulated, CONFIG, seed, hops=2)


def test_the_checkpoint_holds_rule_states_held_events_and_pending_ticks():
    """The random streams above reach every state a checkpoint must carry (so the comparisons mean something)."""
    seen_states, held, pending, seen_ids = set(), 0, 0, 0
    for seed in range(30):
        engine = new_engine(SMALL)
        for batch in cut([orjson.dumps(event) for event in random_stream(seed, rooms=("a", "b"), n=500)],
                         random.Random(seed)):
            engine.offer_batch(parse_lines(batch))
            engine.advance()
            copy = new_engine(SMALL)
            restore(save(engine), copy)
            seen_states |= {state.state for alerts in copy.room_alerts.values() for state in alerts.states.values()}
            held = max(held, len(copy.admission._held))
            pending = max(pending, sum(map(len, copy._pending.values())))
            seen_ids = max(seen_ids, len(copy.admission._seen))
    assert {INACTIVE, PENDING, FIRING, RESOLVED} <= seen_states
    assert held and pending and seen_ids


def test_a_checkpoint_of_another_config_is_not_restored():
    engine = new_engine(SMALL)
    engine.offer_batch(parse_lines([orjson.dumps(event) for event in random_stream(1, n=200)]))
    engine.advance()
    checkpoint = save(engine)
    other = CONFIG.model_copy(update={"rules": CONFIG.rules[:-1]})
    with pytest.raises(CheckpointMismatch):
        restore(checkpoint, new_engine(other))
    edited = new_engine(SMALL)
    edited.set_rules(SMALL.rules[1:])  # the rules edited in the console: another fingerprint
    assert fingerprint(edited) != fingerprint(new_engine(SMALL))
    header = pickle.dumps((FORMAT + 1, 0, None, None, checkpoint.fingerprint, 0))
    with pytest.raises(CheckpointMismatch):  # written by a livemon whose state had another shape
        Checkpoint.from_bytes(struct.pack(">I", len(header)) + header + checkpoint.data)


def fake(released: float, size: int, print_: str = "x") -> Checkpoint:
    return Checkpoint(released, released - 2000, None, print_, b"\0" * size, size)


def test_the_store_keeps_one_per_interval_and_thins_out_under_its_budget():
    store = Checkpoints(60_000, 10_000)
    for minute in range(40):
        store.add(fake(minute * 60_000, 1000))
        assert store.bytes <= 10_000
    kept = [checkpoint.released for checkpoint in store]
    assert store.bytes == 1000 * len(kept) and len(kept) >= 5
    gaps = {b - a for a, b in zip(kept, kept[1:])}
    assert gaps == {store.every_ms} and store.every_ms > 60_000  # evenly spaced, wider
    assert store.before(kept[2] - 2000, "x").released == kept[1]  # watermark == target is not before it
    assert store.before(kept[2] - 1999, "x").released == kept[2]
    assert store.before(kept[0] - 2000, "x") is None and store.before(10**12, "y") is None
    store.add(fake(10**9, 1000, "y"))  # another config: the old ones can never be restored
    assert [checkpoint.fingerprint for checkpoint in store] == ["y"]


def test_due_once_per_interval_of_event_time():
    engine = new_engine(CONFIG)
    store = Checkpoints(30_000, 10**9)
    assert not store.due(engine)  # nothing released yet
    lines = [orjson.dumps(event) for event in random_stream(3, n=800)]
    taken = []
    for batch in cut(lines, random.Random(3)):
        engine.offer_batch(parse_lines(batch))
        engine.advance()
        if store.due(engine):
            store.add(save(engine))
            taken.append(engine.clock.released)
    slots = [released // 30_000 for released in taken]
    assert len(slots) == len(set(slots)) >= 3 and slots == sorted(slots)


@needs_build
def test_checkpoints_hold_on_the_pure_path_too():
    """Compiled, the core's classes pickle through their __reduce__; pure, as plain Python: both restore exactly."""
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
         "tests/test_checkpoint.py", "-k", "not pure_path and not compiled_core"],
        capture_output=True, text=True, cwd=ROOT, env=_env(pure=True),
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "[100%]" in result.stdout  # the tests ran (none collected would fail above)


@needs_build
def test_a_checkpoint_of_the_compiled_core_is_refused_by_a_pure_one(tmp_path):
    """A worker's checkpoint may be restored by another livemon: one that runs pure rebuilds instead."""
    engine = new_engine(CONFIG)
    engine.offer_batch(parse_lines([orjson.dumps(event) for event in random_stream(2, n=300)]))
    engine.advance()
    (tmp_path / "checkpoint").write_bytes(save(engine, position=7).to_bytes())
    script = ("import sys; from pathlib import Path; from monitor.checkpoint import *; "
              "from tests.test_checkpoint import CONFIG, new_engine\n"
              "try:\n    restore(Checkpoint.from_bytes(Path(sys.argv[1]).read_bytes()), new_engine(CONFIG))\n"
              "except CheckpointMismatch:\n    print('refused')\n")
    result = subprocess.run([sys.executable, "-c", script, str(tmp_path / "checkpoint")],
                            capture_output=True, text=True, cwd=ROOT, env=_env(pure=True))
    assert result.stdout.strip() == "refused", result.stderr[-2000:]
