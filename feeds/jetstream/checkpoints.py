"""A partition's newest checkpoint, kept in a JetStream object store for the worker that takes it over next.

Why an object store: a checkpoint of a busy partition is larger than one
NATS message (max_payload, 1 MB by default), and the object store cuts it
into chunks and writes its description last, so a worker killed while
writing leaves the previous checkpoint in place, whole (the reader checks the
digest too). Object `partition-<k>` of bucket `livemon-checkpoints` holds the
engine's state after stream sequence `seq` of the `LIVEMON` stream created at
`stream` (the stream's creation time: a stream deleted and made anew restarts
its sequences, and its checkpoints no longer apply).

Any owner's checkpoint of a partition is as good as any other's: the engine
is deterministic, so two workers that read the same messages hold the same
state (monitor/worker.py).
"""

from __future__ import annotations

import logging

from nats.js import JetStreamContext
from nats.js.errors import BucketNotFoundError, NotFoundError
from nats.js.object_store import ObjectStore

from monitor.checkpoint import Checkpoint

log = logging.getLogger("livemon.worker")

BUCKET = "livemon-checkpoints"


class CheckpointBucket:
    """Where the partitions' checkpoints live (one object per partition, replaced by each new one)."""

    def __init__(self, store: ObjectStore) -> None:
        self.store = store

    @classmethod
    async def open(cls, js: JetStreamContext) -> "CheckpointBucket":
        try:
            store = await js.object_store(BUCKET)
        except BucketNotFoundError:
            store = await js.create_object_store(BUCKET)
        return cls(store)

    async def load(self, partition: int, stream: str) -> Checkpoint | None:
        """The partition's newest checkpoint of this stream, or None (none yet, another stream, unreadable)."""
        try:
            blob = (await self.store.get(_name(partition))).data
        except NotFoundError:
            return None
        if blob is None:
            return None
        try:
            checkpoint = Checkpoint.from_bytes(blob)
        except Exception as error:  # noqa: BLE001 - whatever the bytes hold, the partition rebuilds from the stream
            log.warning("partition %d: its checkpoint is not usable (%s); rebuilding from the stream", partition, error)
            return None
        if not isinstance(checkpoint.position, tuple) or checkpoint.position[0] != stream:
            return None  # made on an earlier stream of the same name
        return checkpoint

    async def save(self, partition: int, checkpoint: Checkpoint) -> None:
        await self.store.put(_name(partition), checkpoint.to_bytes())


def _name(partition: int) -> str:
    return f"partition-{partition}"
