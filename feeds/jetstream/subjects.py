"""Names on the wire and the two streams, so publisher, workers and watchers agree.

Events go to `livemon.events.<room>`. The `LIVEMON` stream stores them as
`livemon.events.<room>.<partition>`: the server computes the partition from
the room (a subject transform with `partition()`), so one room always lands
in one partition, in order, and a worker's durable consumer filters on its
partition without knowing the rooms. Control messages (the stream's clock,
the end of the stream) go to `livemon.control.*` in the same stream, so every
partition reads them in the same total order as its events.

Workers publish to `LIVEMON_OUT`: `livemon.metrics.<room>`,
`livemon.alerts.<room>`, `livemon.products.<room>` (the headless records) and `livemon.summary.<p>`
(a partition's run summary at the end of the stream). Its duplicate window
drops the records a worker that takes over a partition publishes again.
"""

from __future__ import annotations

import asyncio
import logging
import re
from urllib.parse import unquote

import nats
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, StreamConfig, SubjectTransform
from nats.js.errors import NotFoundError

log = logging.getLogger("livemon.jetstream")

STREAM = "LIVEMON"
OUTPUT = "LIVEMON_OUT"
EVENTS = "livemon.events"
CONTROL = "livemon.control.>"
CLOCK = "livemon.control.clock"
END = "livemon.control.end"
METRICS = "livemon.metrics"
ALERTS = "livemon.alerts"
PRODUCTS = "livemon.products"
SUMMARY = "livemon.summary"
DEFAULT_URL = "nats://127.0.0.1:4222"
DEFAULT_PARTITIONS = 8
CONNECT_S = 5.0
#: How long the output stream remembers record ids: a takeover must republish within it.
DUPLICATE_WINDOW_S = 600.0

_UNSAFE = re.compile(r"[^A-Za-z0-9_\-]")


class NatsSetupError(ValueError):
    """The server or its streams are not what livemon needs: one line for the user."""


def room_token(room: str) -> str:
    """A room as one subject token ('.', '*', '>', spaces and non-ASCII escaped)."""
    escaped = _UNSAFE.sub(lambda match: "".join(f"%{byte:02X}" for byte in match[0].encode()), room)
    return escaped or "%"


def room_of_token(token: str) -> str:
    return "" if token == "%" else unquote(token)


def event_subject(room: str) -> str:
    return f"{EVENTS}.{room_token(room)}"


def partition_filter(partition: int) -> str:
    return f"{EVENTS}.*.{partition}"


def metrics_subject(room: str) -> str:
    return f"{METRICS}.{room_token(room)}"


def alerts_subject(room: str) -> str:
    return f"{ALERTS}.{room_token(room)}"


def summary_subject(partition: int) -> str:
    return f"{SUMMARY}.{partition}"


async def connect(url: str, name: str) -> nats.NATS:
    """A connection that retries at start and says in one line why it cannot connect."""

    async def quiet(error: Exception) -> None:
        log.debug("nats: %s", error)

    try:  # once connected, reconnect forever; the first connection gets CONNECT_S
        return await asyncio.wait_for(nats.connect(
            url, name=name, error_cb=quiet, connect_timeout=2, max_reconnect_attempts=-1, reconnect_time_wait=0.5,
        ), CONNECT_S)
    except (OSError, asyncio.TimeoutError, nats.errors.NoServersError) as error:
        raise NatsSetupError(f"cannot connect to {url}: {str(error) or 'no answer in %g s' % CONNECT_S}") from None


def events_config(partitions: int) -> StreamConfig:
    return StreamConfig(
        name=STREAM,
        description=f"livemon events, {partitions} partitions",
        subjects=[f"{EVENTS}.*", CONTROL],
        subject_transform=SubjectTransform(
            src=f"{EVENTS}.*", dest=f"{EVENTS}.{{{{wildcard(1)}}}}.{{{{partition({partitions},1)}}}}"
        ),
        metadata={"livemon_partitions": str(partitions)},
        discard=DiscardPolicy.OLD,
    )


def output_config() -> StreamConfig:
    return StreamConfig(
        name=OUTPUT,
        description="livemon snapshots, alerts and partition summaries",
        subjects=[f"{METRICS}.*", f"{ALERTS}.*", f"{PRODUCTS}.*", f"{SUMMARY}.*"],
        duplicate_window=DUPLICATE_WINDOW_S,
    )


async def ensure_streams(js: JetStreamContext, partitions: int) -> None:
    """Create both streams if missing; refuse a stream cut into another number of partitions."""
    if partitions < 1:
        raise NatsSetupError("--partitions must be >= 1")
    try:
        info = await js.stream_info(STREAM)
    except NotFoundError:
        await js.add_stream(events_config(partitions))
    else:
        have = stream_partitions(info.config)
        if have != partitions:
            raise NatsSetupError(
                f"stream {STREAM} has {have} partitions, not {partitions}: use --partitions {have} "
                f"(or delete the stream to start a session with another count)"
            )
    try:
        await js.stream_info(OUTPUT)
    except NotFoundError:
        await js.add_stream(output_config())


def stream_partitions(config: StreamConfig) -> int | None:
    """The partition count the events stream was created with."""
    value = (config.metadata or {}).get("livemon_partitions")
    return int(value) if value and value.isdigit() else None
