"""A worker's takeover starts from the partition's checkpoint, on a real nats-server, and loses nothing."""

from __future__ import annotations

import asyncio

import nats
import pytest
from nats.js.api import AckPolicy, ConsumerConfig

from feeds.jetstream.checkpoints import BUCKET, CheckpointBucket
from feeds.jetstream.local import server_binary, stop_processes
from monitor.config import load_config
from monitor.worker import PartitionRunner

from .test_nats import CONFIG, expected, publish, recording, server, watch_everything  # noqa: F401 - fixtures

pytestmark = pytest.mark.skipif(server_binary() is None, reason="nats-server is not installed")


async def wait_until(predicate, timeout_s: float = 30.0) -> None:
    for _ in range(int(timeout_s / 0.05)):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {predicate}")


async def partition_sequences(js, partition: int) -> list[int]:
    """The stream sequences a partition's consumer reads: its rooms' events and every control message."""
    from feeds.jetstream.subjects import CONTROL, partition_filter

    subscription = await js.pull_subscribe("", stream="LIVEMON", config=ConsumerConfig(
        filter_subjects=[partition_filter(partition), CONTROL], ack_policy=AckPolicy.NONE))
    sequences: list[int] = []
    try:
        while True:
            try:
                messages = await subscription.fetch(1000, timeout=1)
            except (nats.errors.TimeoutError, asyncio.TimeoutError):
                return sequences
            sequences += [message.metadata.sequence.stream for message in messages]
    finally:
        await subscription.unsubscribe()


async def test_a_new_owner_restores_the_checkpoint_and_rereads_only_what_follows(server, recording, expected):
    config = load_config(CONFIG)
    feed = publish(server, recording, "--speed", "8")  # four minutes of broadcast in thirty seconds
    connections = []

    async def runner(partition: int, every_s: float = 20) -> tuple[PartitionRunner, asyncio.Task]:
        connection = await nats.connect(server)
        connections.append(connection)
        js = connection.jetstream()
        for _ in range(200):  # the publisher makes the streams
            try:
                await js.stream_info("LIVEMON")
                break
            except Exception:  # noqa: BLE001
                await asyncio.sleep(0.05)
        run = PartitionRunner(js, config, partition, 2, checkpoint_every_s=every_s)
        return run, asyncio.create_task(run.run())

    tasks = []
    try:
        first, first_task = await runner(0)
        other, other_task = await runner(1)
        tasks += [first_task, other_task]
        await wait_until(lambda: first.checkpoints >= 2)
        first_task.cancel()  # the owner dies: no further acks, no further checkpoints
        await asyncio.gather(first_task, return_exceptions=True)
        await connections[0].close()
        assert feed.poll() is None, "the takeover must come in the middle of the stream"
        second, second_task = await runner(0)
        tasks.append(second_task)
        assert await asyncio.to_thread(feed.wait, 60) == 0
        rooms, summary = await asyncio.to_thread(watch_everything, server)
        js = connections[-1].jetstream()
        sequences = await partition_sequences(js, 0)
        bucket = await CheckpointBucket.open(js)
        stream = str((await js.stream_info("LIVEMON")).created)
        newest = await bucket.load(0, stream)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for connection in connections:
            if not connection.is_closed:
                await connection.close()
        stop_processes(feed)
    want_rooms, want_summary = expected
    assert rooms == want_rooms  # byte for byte what one engine gives, nothing lost, nothing twice
    assert (summary["events"], summary["duplicates"], summary["late"]) == (want_summary["events"], 0, 0)
    # the new owner started where the dead one's checkpoint was, not at the stream's start: it read the
    # partition's messages after the checkpoint, and again only those of them the dead owner had acked
    assert second.started_after > 0
    assert second.read == sum(seq > second.started_after for seq in sequences) < len(sequences)
    assert second.reread == sum(second.started_after < seq <= second.floor for seq in sequences)
    assert newest is not None and newest.position[1] >= second.started_after  # it kept checkpointing


async def test_a_checkpoint_of_an_earlier_stream_is_not_used(server):
    """A stream deleted and made anew restarts its sequences: the old checkpoint does not apply."""
    from feeds.jetstream.subjects import ensure_streams
    from monitor.checkpoint import save
    from monitor.runs import build_engine

    connection = await nats.connect(server)
    try:
        js = connection.jetstream()
        await ensure_streams(js, 2)
        bucket = await CheckpointBucket.open(js)
        engine = build_engine(load_config(CONFIG))
        await bucket.save(1, save(engine, position=("an earlier stream", 99)))
        stream = str((await js.stream_info("LIVEMON")).created)
        assert await bucket.load(1, stream) is None
        assert (await bucket.load(1, "an earlier stream")).position == ("an earlier stream", 99)
        await (await js.object_store(BUCKET)).put("partition-1", b"not a checkpoint")
        assert await bucket.load(1, "an earlier stream") is None  # unreadable: rebuilt from the stream
    finally:
        await connection.close()
