"""`livemon worker`: the one engine, per partition of the LIVEMON stream.

How a partition runs. Its durable pull consumer `livemon-p<k>` reads the
partition's rooms and the stream's clock in stream order (one sequence for
the whole stream), so the engine sees its events between the same clock
messages as the single-process engine sees the whole stream between its
batches, and advances to the same watermark there (feeds/jetstream/clock.py):
every room gets the snapshots and alerts of `livemon replay FILE --headless`.

Acks. The consumer acks all up to a message (AckPolicy.ALL). A message is
acked once every tick that contains one of its events has been computed and
the records of all ticks computed so far are stored on the output stream.
So the ack floor F means: everything up to F is counted and published.

Takeover. The new owner reads F and the partition's newest checkpoint
(feeds/jetstream/checkpoints.py: the engine's whole state after stream
sequence S, monitor/checkpoint.py), restores it, recreates the consumer from
S + 1 and runs the same engine on: up to F silently (those records are
stored already), then publishing; the messages after F are the ones the dead
worker had not acked, now delivered to the new owner, in order. Without a
checkpoint (none yet, another stream, another config) it starts from the
stream's start, as the engine state is then rebuilt from the log itself.
Records the dead worker had published after its last ack are computed again,
byte for byte, and carry the same `Nats-Msg-Id`, so the output stream's
duplicate window drops them.

Checkpoints. An owner stores one every `CHECKPOINT_EVERY_S` of event time,
only where every record it has computed is stored on the output stream (after
the publish acks of a pull, before the next): so whatever S a successor
starts from, the records of the ticks before it exist, and it computes the
rest exactly as a straight run would (the engine is deterministic; a
checkpoint is restored only under the same config, and the stream's
creation time says it is the same stream).

Duplicates. A message delivered again while its owner lives (ack wait
expired) is skipped by its stream sequence; a repeated event `id` is the
engine's own dedupe; records published twice are dropped by message id.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import socket
import time
import uuid
import zlib
from collections import deque
from typing import Any, Callable

import nats
import orjson
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from feeds.jetstream.checkpoints import CheckpointBucket
from feeds.jetstream.clock import decode
from feeds.jetstream.leases import Leases
from feeds.jetstream.subjects import (
    ALERTS, CONTROL, END, METRICS, PRODUCTS, STREAM, connect, ensure_streams, partition_filter, room_token,
    summary_subject,
)

from .alert_text import AlertWords
from .checkpoint import Checkpoint, restore, save
from .config import Config
from .engine import Tick
from .runs import build_engine
from .events import Event, parse_message
from .metrics import Snapshot
from .sinks import ProductsCadence, alert_record, metrics_record, products_record

log = logging.getLogger("livemon.worker")

FETCH = 256  # messages per pull
FETCH_WAIT_S = 1.0
ACK_WAIT_S = 60.0
YIELD_S = 0.05  # longest stretch of engine work between two looks at the event loop
_CONTROL_PREFIX = CONTROL[:-1]
CHECKPOINT_EVERY_S = 120  # event time between two checkpoints of a partition


class Partition:
    """One partition's rooms through the engine, message by message in stream order (no I/O).

    The publisher admitted every event on the stream already (monitor/clock.py);
    the partition folds its rooms' events and produces the ticks each clock
    message releases, so it needs no clock of its own.
    """

    def __init__(self, config: Config, *, partition: int = 0) -> None:
        self.engine = build_engine(config)
        self.partition = partition
        self.last_seq = 0
        self.ended = False
        self.folded = 0
        self.cadence = ProductsCadence()  # which ticks carry a products record (as the headless writer)
        self.stream_counts: dict[str, Any] = {}  # the publisher's counts, from the end of the stream
        self._waiting: deque[tuple[Any, float]] = deque()  # (ack token, highest tick of its events)

    def take(self, seq: int, subject: str, data: bytes, token: Any = None) -> list[Tick]:
        """One message; returns the ticks it released (a clock message releases them)."""
        if seq <= self.last_seq:
            return []  # delivered again: already counted
        self.last_seq = seq
        engine = self.engine
        if subject.startswith(_CONTROL_PREFIX):
            self._waiting.append((token, -math.inf))
            reading, counts = decode(data)
            if subject == END:
                self.ended = True
                self.stream_counts = counts
                # the single engine's finish(): every tick up to the stream's last event's tick
                return engine.release(reading.last if reading.last is not None else reading.released)
            return engine.release(reading.released)
        events = [item for item in parse_message(data) if type(item) is Event]
        engine.fold(events)
        self.folded += len(events)
        top = max((event.ts for event in events), default=-math.inf)
        self._waiting.append((token, engine.tick_of(top) if top > -math.inf else -math.inf))
        return []

    def acked_through(self) -> Any:
        """The token of the last message whose ticks are all computed, all before it too (or None)."""
        next_tick = self.engine.next_tick
        done = None
        waiting = self._waiting
        while waiting:
            token, top = waiting[0]
            if not (self.ended or top == -math.inf or (next_tick is not None and top < next_tick)):
                break
            done = waiting.popleft()[0]
        return done

    def checkpoint(self, stream: str) -> Checkpoint:
        """The state after the last message taken (call it once its ticks' records are stored)."""
        return save(self.engine, position=(stream, self.last_seq),
                    extra=(self.last_seq, self.folded, self.cadence, self.ended, self.stream_counts))

    @classmethod
    def restored(cls, config: Config, checkpoint: Checkpoint, *, partition: int) -> "Partition":
        """The partition as it was at the checkpoint (CheckpointMismatch under another config)."""
        state = cls(config, partition=partition)
        state.last_seq, state.folded, state.cadence, state.ended, state.stream_counts = restore(checkpoint, state.engine)
        return state

    def summary(self) -> dict:
        """This partition's part of the run summary; partition 0 carries the stream's own counts."""
        summary = self.engine.summary()
        summary["events"] = self.folded
        if self.partition == 0:
            summary.update(late=self.stream_counts.get("late", 0),
                           duplicates=self.stream_counts.get("duplicates", 0),
                           rejected=self.stream_counts.get("rejected", {}))
        return summary


class PartitionRunner:
    """Takes over partition k, rebuilds it from the stream, then follows it and publishes."""

    def __init__(self, js: JetStreamContext, config: Config, partition: int, partitions: int,
                 lang: str | None = None, *, checkpoint_every_s: float = CHECKPOINT_EVERY_S) -> None:
        self.js = js
        self.config = config
        self.partition = partition
        self.partitions = partitions
        self.words = AlertWords(config.rules, lang or config.lang)  # published alerts carry their message
        self.durable = f"livemon-p{partition}"
        self.checkpoint_every_ms = checkpoint_every_s * 1000
        self.started_after = 0  # the stream sequence the state started from (a checkpoint's, or 0)
        self.floor = 0  # the last owner's ack floor: the records up to it are stored already
        self.read = 0  # messages this owner read (its consumer starts after the checkpoint)
        self.reread = 0  # of them, the ones the last owner had acked (their records are stored already)
        self.checkpoints = 0  # checkpoints stored by this owner

    async def run(self) -> None:
        bucket = await CheckpointBucket.open(self.js)
        stream = str((await self.js.stream_info(STREAM)).created)
        state = await self._restored(bucket, stream)
        self.started_after = state.last_seq
        floor = self.floor = await self._take_over(state.last_seq)
        subscription = await self.js.pull_subscribe_bind(durable=self.durable, stream=STREAM)
        delivered = 0  # the consumer's delivery sequence: every delivery to us is numbered
        next_checkpoint = self._next_checkpoint(state)
        log.info("partition %d: rebuilding up to stream sequence %d from stream sequence %d%s", self.partition,
                 floor, state.last_seq, " (its checkpoint)" if state.last_seq else "")
        try:
            while True:
                try:
                    messages = await subscription.fetch(FETCH, timeout=FETCH_WAIT_S)
                except (nats.errors.TimeoutError, asyncio.TimeoutError):
                    messages = []
                if asyncio.current_task().cancelling():  # nats-py's fetch swallows a cancel (a timeout, or messages)
                    raise asyncio.CancelledError
                acks: list[asyncio.Future] = []
                resumed = time.monotonic()
                for message in messages:
                    sequence = message.metadata.sequence
                    if sequence.consumer != delivered + 1:  # a delivery never reached us: an AckAll would skip it
                        raise RuntimeError(f"delivery {delivered + 1} of partition {self.partition} went missing")
                    delivered, seq = sequence.consumer, sequence.stream
                    ended = state.ended
                    ticks = state.take(seq, message.subject, message.data, message)
                    if seq > floor:
                        if ticks:
                            await self._publish(ticks, acks, state.cadence.due)
                        if state.ended and not ended:
                            await self._publish_summary(state, acks)
                    else:  # stored already: only the products cadence follows it
                        self.reread += 1
                        for tick in ticks:
                            for room_tick in tick.rooms:
                                state.cadence.due(room_tick.snapshot)
                    if time.monotonic() - resumed > YIELD_S:  # a long rebuild must not starve the lease renewals
                        await asyncio.sleep(0)
                        resumed = time.monotonic()
                self.read = delivered
                if acks:
                    await asyncio.gather(*acks)  # stored: now the inputs may be acked
                done = state.acked_through()
                if done is not None:
                    await done.ack()
                tick = state.engine.next_tick
                if tick is not None and tick >= next_checkpoint:  # every record computed so far is stored
                    await bucket.save(self.partition, state.checkpoint(stream))
                    self.checkpoints += 1
                    next_checkpoint = self._next_checkpoint(state)
        finally:
            await subscription.unsubscribe()

    async def _restored(self, bucket: CheckpointBucket, stream: str) -> Partition:
        """The partition at its newest checkpoint, or new (no usable checkpoint: rebuilt from the stream)."""
        checkpoint = await bucket.load(self.partition, stream)
        if checkpoint is not None:
            try:
                return Partition.restored(self.config, checkpoint, partition=self.partition)
            except Exception as error:  # noqa: BLE001 - another config or another livemon: the stream is the log
                log.warning("partition %d: its checkpoint cannot be restored (%s); rebuilding from the stream",
                            self.partition, error)
        return Partition(self.config, partition=self.partition)

    def _next_checkpoint(self, state: Partition) -> float:
        """The first tick of the next interval of event time (the state's own interval has its checkpoint)."""
        tick = state.engine.next_tick
        every = self.checkpoint_every_ms
        return every if tick is None else (tick // every + 1) * every

    async def _take_over(self, after: int) -> int:
        """Read how far the last owner got, and restart the consumer after stream sequence `after`."""
        floor = 0
        try:
            info = await self.js.consumer_info(STREAM, self.durable)
            floor = info.ack_floor.stream_seq if info.ack_floor else 0
            await self.js.delete_consumer(STREAM, self.durable)
        except NotFoundError:
            pass
        await self.js.add_consumer(STREAM, ConsumerConfig(
            durable_name=self.durable,
            filter_subjects=[partition_filter(self.partition), CONTROL],
            deliver_policy=DeliverPolicy.BY_START_SEQUENCE if after else DeliverPolicy.ALL,
            opt_start_seq=after + 1 if after else None,
            ack_policy=AckPolicy.ALL,
            ack_wait=ACK_WAIT_S,
            max_ack_pending=20_000,
        ))
        return floor

    async def _publish(self, ticks: list[Tick], acks: list[asyncio.Future], due: Callable[[Snapshot], bool]) -> None:
        publish = self.js.publish_async
        dumps = orjson.dumps
        for tick in ticks:
            for room_tick in tick.rooms:
                snapshot = room_tick.snapshot
                token = room_token(snapshot.room)
                acks.append(await publish(
                    f"{METRICS}.{token}", dumps(metrics_record(snapshot)),
                    headers={"Nats-Msg-Id": f"m.{token}.{snapshot.t}"},
                ))
                for alert in room_tick.alerts:
                    acks.append(await publish(
                        f"{ALERTS}.{token}", dumps(alert_record(alert, self.words)),
                        headers={"Nats-Msg-Id": f"a.{token}.{alert.t}.{alert.rule}.{alert.state}"},
                    ))
                if due(snapshot):
                    await self._publish_products(snapshot, acks)

    async def _publish_products(self, snapshot: Snapshot, acks: list[asyncio.Future]) -> None:
        token = room_token(snapshot.room)
        acks.append(await self.js.publish_async(
            f"{PRODUCTS}.{token}", orjson.dumps(products_record(snapshot)),
            headers={"Nats-Msg-Id": f"p.{token}.{snapshot.t}"},
        ))

    async def _publish_summary(self, state: Partition, acks: list[asyncio.Future]) -> None:
        for snapshot in state.cadence.leftovers():  # each room's last products, as the headless writer ends
            await self._publish_products(snapshot, acks)
        summary = state.summary()
        summary.update(partition=self.partition, partitions=self.partitions)
        acks.append(await self.js.publish_async(
            summary_subject(self.partition), orjson.dumps(summary),
            headers={"Nats-Msg-Id": f"s.{self.partition}"},
        ))


class Worker:
    """Holds leases on partitions (one fixed index, or a fair share) and runs each one."""

    def __init__(self, js: JetStreamContext, config: Config, partitions: int, *, index: int | None = None,
                 lease_ttl_s: float = 10.0, lang: str | None = None, worker_id: str | None = None) -> None:
        if index is not None and not 0 <= index < partitions:
            raise ValueError(f"--index must be in 0..{partitions - 1}")
        self.js = js
        self.config = config
        self.partitions = partitions
        self.index = index
        self.lease_ttl_s = lease_ttl_s
        self.lang = lang
        self.worker_id = worker_id or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.runners: dict[int, asyncio.Task] = {}
        self.leases: Leases | None = None

    async def run(self, stop: asyncio.Event) -> None:
        self.leases = await Leases.open(self.js, self.worker_id, self.lease_ttl_s)
        log.info("worker %s: %s", self.leases.worker_id,
                 f"partition {self.index} of {self.partitions}" if self.index is not None
                 else f"sharing {self.partitions} partitions")
        try:
            while not stop.is_set():
                await self._balance()
                try:
                    await asyncio.wait_for(stop.wait(), self.leases.ttl_s / 3)
                except asyncio.TimeoutError:
                    pass
        finally:
            for partition in list(self.runners):
                await self._stop(partition)
            await self.leases.leave()

    async def _balance(self) -> None:
        leases = self.leases
        await leases.heartbeat()
        for partition in list(leases.held):
            runner = self.runners.get(partition)
            if runner is not None and runner.done():
                error = None if runner.cancelled() else runner.exception()
                log.warning("partition %d: stopped (%s); handing it back", partition, error)
                await self._stop(partition)
                await leases.release(partition)
            elif not await leases.renew(partition):
                log.warning("partition %d: lease lost; stopping it", partition)
                await self._stop(partition)
        if self.index is not None:
            wanted, candidates = 1, [self.index]
        else:
            wanted = math.ceil(self.partitions / await leases.live_workers())
            while len(leases.held) > wanted:
                partition = max(leases.held)
                log.info("partition %d: handed over to balance the workers", partition)
                await self._stop(partition)
                await leases.release(partition)
            start = zlib.crc32(leases.worker_id.encode()) % self.partitions  # spread the first picks
            candidates = [(start + offset) % self.partitions for offset in range(self.partitions)]
        for partition in candidates:
            if len(leases.held) >= wanted:
                break
            if partition not in leases.held and await leases.take(partition):
                log.info("partition %d: taken by %s", partition, leases.worker_id)
                runner = PartitionRunner(self.js, self.config, partition, self.partitions, self.lang)
                self.runners[partition] = asyncio.create_task(runner.run(), name=f"partition-{partition}")

    async def _stop(self, partition: int) -> None:
        runner = self.runners.pop(partition, None)
        if runner is not None:
            runner.cancel()
            await asyncio.gather(runner, return_exceptions=True)


async def run_worker(url: str, config: Config, partitions: int, *, index: int | None, lease_ttl_s: float,
                     lang: str | None, stop: asyncio.Event) -> None:
    """Connect, make sure the streams exist, and run until `stop` is set."""
    connection = await connect(url, "livemon-worker")
    try:
        js = connection.jetstream()
        await ensure_streams(js, partitions)
        await Worker(js, config, partitions, index=index, lease_ttl_s=lease_ttl_s, lang=lang).run(stop)
    finally:
        await connection.drain()
