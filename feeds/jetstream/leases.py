"""Which worker runs which partition: leases in a JetStream key-value bucket.

Why leases: a partition must have exactly one reader at a time, or one
room's events would be split between two engines. JetStream has no consumer
group that guarantees that (several clients on one pull consumer share its
messages), so ownership is a key `partition.<k>` in a bucket whose entries
expire after `ttl_s`: `create` takes a free partition (the server refuses it
when the key exists), `update(last=revision)` renews it (refused once the
lease expired and another worker took it), so the server does the
compare-and-set and nothing runs beside NATS. Workers also keep a
`worker.<id>` key alive, so each can count the live workers and take its
fair share. A worker killed without a word loses its keys after `ttl_s`.
"""

from __future__ import annotations

import logging
import re

from nats.js import JetStreamContext
from nats.js.errors import BucketNotFoundError, KeyNotFoundError, KeyWrongLastSequenceError, NoKeysError
from nats.js.kv import KeyValue

log = logging.getLogger("livemon.worker")

BUCKET = "livemon-leases"
_KEY_UNSAFE = re.compile(r"[^-_=a-zA-Z0-9]")


class Leases:
    """This worker's leases: partition -> the revision that proves it still holds it."""

    def __init__(self, kv: KeyValue, worker_id: str, ttl_s: float) -> None:
        self.kv = kv
        self.worker_id = _KEY_UNSAFE.sub("-", worker_id)
        self.ttl_s = ttl_s
        self.held: dict[int, int] = {}

    @classmethod
    async def open(cls, js: JetStreamContext, worker_id: str, ttl_s: float) -> "Leases":
        """The shared bucket; the first worker creates it (its TTL then holds for everyone)."""
        try:
            kv = await js.key_value(BUCKET)
            status = await kv.status()
            ttl_s = status.ttl or ttl_s
        except BucketNotFoundError:
            kv = await js.create_key_value(bucket=BUCKET, ttl=ttl_s, history=1)
        return cls(kv, worker_id, ttl_s)

    async def heartbeat(self) -> None:
        await self.kv.put(f"worker.{self.worker_id}", b"")

    async def live_workers(self) -> int:
        try:
            keys = await self.kv.keys()
        except NoKeysError:
            return 1
        return max(1, sum(1 for key in keys if key.startswith("worker.")))

    async def take(self, partition: int) -> bool:
        try:
            self.held[partition] = await self.kv.create(f"partition.{partition}", self.worker_id.encode())
        except KeyWrongLastSequenceError:
            return False
        return True

    async def renew(self, partition: int) -> bool:
        try:
            self.held[partition] = await self.kv.update(
                f"partition.{partition}", self.worker_id.encode(), last=self.held[partition]
            )
        except KeyWrongLastSequenceError:
            del self.held[partition]
            return False
        return True

    async def release(self, partition: int) -> None:
        revision = self.held.pop(partition, None)
        if revision is not None:
            try:
                await self.kv.delete(f"partition.{partition}", last=revision)
            except KeyWrongLastSequenceError:
                pass  # it had expired and someone else holds it now

    async def leave(self) -> None:
        for partition in list(self.held):
            await self.release(partition)
        try:
            await self.kv.delete(f"worker.{self.worker_id}")
        except KeyNotFoundError:
            pass

    async def owners(self) -> dict[int, str]:
        """Partition -> worker id, as the bucket says now (for tests and logs)."""
        out = {}
        try:
            keys = await self.kv.keys()
        except NoKeysError:
            return out
        for key in keys:
            if key.startswith("partition."):
                try:
                    entry = await self.kv.get(key)
                except KeyNotFoundError:
                    continue
                out[int(key.split(".", 1)[1])] = (entry.value or b"").decode()
        return out
