"""`livemon serve`: publish events on a websocket to every connected monitor.

The server fans each message out to every client through a bounded queue per
client. Publishing never waits: a client whose queue overflows is dropped
(closed with 1013, "try again later"), so one stalled monitor can neither slow
the others nor grow an unbounded buffer; it reconnects and sees the gap.

When the content ends (a served file is over, a simulation has run its
length), `close()` first lets every client receive what was published, then
closes with 1000 and the reason `end of stream`, which tells our client the
feed is over. Stopping the server otherwise (`end_of_stream=False`, SIGINT)
closes with 1001 "going away", and clients keep trying to reconnect.

A client that reconnects resumes where it was cut (docs/feed-protocol.md):
the server numbers its messages (one sequence per server run), keeps the last
ones in a replay buffer bounded by count and bytes, and a client that names
the last number it saw in the `Livemon-Resume` header of its handshake gets
everything after it. The numbers travel in the handshake's response headers,
never in the messages, so the events on the wire stay exactly as published.
What the buffer no longer holds is counted (messages and events) and told to
the client in the same headers.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
import time
from array import array
from collections import deque
from http import HTTPStatus
from pathlib import Path
from ssl import SSLContext
from typing import Iterable, Iterator
from weakref import WeakKeyDictionary

import orjson
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.frames import CloseCode
from websockets.http11 import Request, Response

from monitor.events import BadTimestamp, Rejection, parse_ts
from monitor.progress import SourceProgress
from monitor.pipeline import Pacer

from .files import read_batches
from .protocol import END_OF_STREAM, LOST_EVENTS, LOST_MESSAGES, NEXT, RESUME, RUN

log = logging.getLogger("livemon.server")

_END = object()  # queued after the last message of a feed that ended


class _Client:
    """One connected monitor: its connection, what it missed, its queue of unsent messages, its sender."""

    __slots__ = ("connection", "backlog", "queue", "sender")

    def __init__(self, connection: ServerConnection, size: int, backlog: list) -> None:
        self.connection = connection
        self.backlog = backlog  # buffered messages after its resume point, sent before the queue
        self.queue: asyncio.Queue = asyncio.Queue(size)
        self.sender: asyncio.Task | None = None


class ReplayBuffer:
    """The server run's last messages, bounded by count and bytes, and how many events every message held.

    The event count per sequence (8 bytes a message, for the whole run) is
    what lets a client that comes back too late learn exactly how many events
    it lost, not just how many messages.
    """

    def __init__(self, max_messages: int, max_bytes: int) -> None:
        self.max_messages = max_messages
        self.max_bytes = max_bytes
        self.run = secrets.token_hex(8)
        self.last = 0  # sequence of the newest message
        self.events = 0  # events published so far
        self._events_before = array("q")  # [seq - 1]: events published before message seq
        self._kept: deque[tuple[int, str | bytes, int]] = deque()  # (seq, message, size)
        self._bytes = 0

    def add(self, message: str | bytes, events: int) -> None:
        self.last += 1
        self._events_before.append(self.events)
        self.events += events
        size = len(message)
        self._kept.append((self.last, message, size))
        self._bytes += size
        while self._kept and (len(self._kept) > self.max_messages or self._bytes > self.max_bytes):
            self._bytes -= self._kept.popleft()[2]

    @property
    def oldest(self) -> int:
        """The sequence of the oldest message kept (last + 1 when none is)."""
        return self._kept[0][0] if self._kept else self.last + 1

    def events_before(self, seq: int) -> int:
        return self._events_before[seq - 1] if seq <= self.last else self.events

    def resume_point(self, asked: str | None) -> tuple[int, int, int]:
        """(next sequence to send, messages lost, events lost) for a client's `Livemon-Resume` value."""
        run, _, last = (asked or "new").partition(":")
        if run == "new" or not last.isdigit():
            return self.last + 1, 0, 0
        wanted = int(last) + 1 if run == self.run else 1  # a new run: all of it was missed
        wanted = min(wanted, self.last + 1)
        start = max(wanted, self.oldest)
        return start, start - wanted, self.events_before(start) - self.events_before(wanted)

    def since(self, seq: int) -> list[str | bytes] | None:
        """Messages from `seq` on, or None when some of them are gone already."""
        if seq < self.oldest:
            return None
        return [message for number, message, _ in self._kept if number >= seq]


class EventServer:
    """Fan-out of event messages to every connected client."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 8765,
        token: str | None = None,
        queue_per_client: int = 1024,
        *,
        ssl: SSLContext | None = None,
        close_timeout_s: float = 2.0,
        replay_messages: int = 10_000,
        replay_bytes: int = 16 << 20,
    ) -> None:
        self.host = host
        self.port = port  # the bound port once started (port 0: any free one)
        self.token = token
        self.queue_per_client = queue_per_client
        self.ssl = ssl
        self.close_timeout_s = close_timeout_s
        self.clients: set[_Client] = set()
        self.dropped = 0  # clients dropped for falling behind
        self.replay = ReplayBuffer(replay_messages, replay_bytes)
        # a handshake's resume point, until its handler runs (a handshake that fails leaves nothing behind)
        self._starts: WeakKeyDictionary[ServerConnection, int] = WeakKeyDictionary()
        self._server: Server | None = None
        self._joined = asyncio.Condition()
        self._closing: set[asyncio.Task] = set()

    @property
    def url(self) -> str:
        return f"{'wss' if self.ssl else 'ws'}://{self.host}:{self.port}"

    async def start(self) -> None:
        self._server = await serve(
            self._handle,
            self.host,
            self.port,
            process_request=self._authorize if self.token else None,
            process_response=self._resume,
            ssl=self.ssl,
            compression=None,  # per-client deflate would compress every message once per client
            max_size=64 * 1024,  # monitors only listen
            close_timeout=self.close_timeout_s,
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def wait_for_clients(self, count: int = 1) -> None:
        """Wait until `count` clients are connected (a served file starts for its first watcher)."""
        async with self._joined:
            await self._joined.wait_for(lambda: len(self.clients) >= count)

    def publish(self, message: str | bytes, events: int = 1) -> None:
        """Queue one message (text: events; bytes go out as a binary frame) for every client.

        `events` is how many inputs it carries (a batch array holds many), for
        the count a client that comes back too late is told it lost.
        """
        self.replay.add(message, events)
        for client in list(self.clients):
            try:
                client.queue.put_nowait(message)
            except asyncio.QueueFull:
                self._drop(client)

    async def close(self, *, end_of_stream: bool = True) -> None:
        """Stop serving; with `end_of_stream`, deliver what was published and say the feed is over."""
        if self._server is None:
            return
        if end_of_stream:
            for client in list(self.clients):
                try:
                    client.queue.put_nowait(_END)
                except asyncio.QueueFull:
                    self._drop(client)
            senders = [client.sender for client in self.clients if client.sender is not None]
            if senders:
                await asyncio.wait(senders, timeout=self.close_timeout_s * 2)
        self._server.close()
        try:
            async with asyncio.timeout(self.close_timeout_s * 2):
                await self._server.wait_closed()
        except TimeoutError:  # a client that stopped reading cannot take a close frame
            self.abort()
            await self._server.wait_closed()
        self._server = None

    def abort(self) -> None:
        """Drop every connection at once, as a crash would (no closing handshake)."""
        if self._server is None:
            return
        self._server.close(close_connections=False)
        for client in list(self.clients):
            client.connection.transport.abort()

    # ------------------------------------------------------------ per client

    def _authorize(self, connection: ServerConnection, request: Request) -> Response | None:
        given = request.headers.get("Authorization", "").encode()
        if not hmac.compare_digest(given, f"Bearer {self.token}".encode()):
            return connection.respond(HTTPStatus.UNAUTHORIZED, "a valid bearer token is required\n")
        return None

    def _resume(self, connection: ServerConnection, request: Request, response: Response) -> None:
        """Say in the handshake where this connection starts, and what its client lost since its last message."""
        if response.status_code != HTTPStatus.SWITCHING_PROTOCOLS:  # refused (a wrong token): nothing to say
            return
        start, lost_messages, lost_events = self.replay.resume_point(request.headers.get(RESUME))
        self._starts[connection] = start
        response.headers[RUN] = self.replay.run
        response.headers[NEXT] = str(start)
        response.headers[LOST_MESSAGES] = str(lost_messages)
        response.headers[LOST_EVENTS] = str(lost_events)

    async def _handle(self, connection: ServerConnection) -> None:
        backlog = self.replay.since(self._starts.pop(connection, self.replay.last + 1))
        if backlog is None:  # gone from the buffer since the handshake said otherwise: ask it to come again
            await connection.close(CloseCode.TRY_AGAIN_LATER, "the resume point is gone; reconnect")
            return
        client = _Client(connection, self.queue_per_client, backlog)
        self.clients.add(client)  # from here on `publish` queues for it: nothing falls between backlog and queue
        client.sender = asyncio.create_task(self._send(client))
        async with self._joined:
            self._joined.notify_all()
        try:
            async for _ in connection:  # monitors send nothing; this notices the close
                pass
        except ConnectionClosed:
            pass
        finally:
            self.clients.discard(client)
            client.sender.cancel()

    @staticmethod
    async def _send(client: _Client) -> None:
        connection, queue = client.connection, client.queue
        try:
            backlog, client.backlog = client.backlog, []
            for message in backlog:
                await connection.send(message)
            while True:
                message = await queue.get()
                if message is _END:
                    await connection.close(CloseCode.NORMAL_CLOSURE, END_OF_STREAM)
                    return
                await connection.send(message)
        except ConnectionClosed:
            pass

    def _drop(self, client: _Client) -> None:
        self.clients.discard(client)
        self.dropped += 1
        log.warning("dropped %s: more than %d messages behind", client.connection.remote_address, self.queue_per_client)
        task = asyncio.create_task(self._close_slow(client.connection))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def _close_slow(self, connection: ServerConnection) -> None:
        try:
            async with asyncio.timeout(self.close_timeout_s):
                await connection.close(CloseCode.TRY_AGAIN_LATER, "too slow: dropped behind the feed")
        except TimeoutError:  # it does not read, so it cannot take the close frame either
            connection.transport.abort()


# ---------------------------------------------------------------- content


async def serve_file(server: EventServer, path: str | Path, speed: float | None, batch: int = 100) -> int:
    """Publish a recorded session paced by event time at `speed`; return the messages sent.

    Lines go out as they are written, so the monitors judge the same input a
    replay would; events due at the same moment go out together as one JSON
    array of at most `batch` events.
    """
    return await _publish_paced(server, _file_messages(path), speed, batch)


async def serve_simulation(
    server: EventServer, scenario: str, speed: float | None, seed: int, duration_s: float, batch: int = 100
) -> int:
    """Publish a simulated broadcast that starts now (its event time runs at `speed`)."""
    from .simulator import generate

    events = generate(scenario, duration_s, seed=seed, rooms=1, start_ms=int(time.time() * 1000))
    return await _publish_paced(
        server, ((event["ts"], orjson.dumps(event).decode(), True, 1) for event in events), speed, batch
    )


Message = tuple[object, str | bytes, bool, int]  # (ts or None, message, one event that may join a batch, inputs it holds)


def _file_messages(path: str | Path) -> Iterator[Message]:
    for rows in read_batches(path):
        for row in rows:
            if type(row) is Rejection:  # a recording's refused input: replay what can be replayed
                if isinstance(row.raw, bytes):
                    yield None, row.raw, False, 1
                continue
            if type(row) is SourceProgress:  # a recorded source's progress: no message of the wire contract
                continue
            if isinstance(row, dict):  # CSV / Parquet row: an empty cell is an absent field, as in replay
                present = {key: value for key, value in row.items() if value is not None}
                yield present.get("ts"), orjson.dumps(present, default=str).decode(), True, 1
                continue
            text = row if isinstance(row, str) else row.decode("utf-8", "replace")
            try:
                decoded = orjson.loads(row)
            except orjson.JSONDecodeError:
                yield None, text, False, 1
                continue
            if type(decoded) is dict:
                yield decoded.get("ts"), text, True, 1
            elif type(decoded) is list and decoded and type(decoded[0]) is dict:
                yield decoded[0].get("ts"), text, False, len(decoded)
            else:
                yield None, text, False, len(decoded) if type(decoded) is list else 1


async def _publish_paced(server: EventServer, messages: Iterable[Message], speed: float | None, batch: int) -> int:
    pacer = Pacer(speed)
    pending: list[str] = []
    sent = 0

    def flush() -> None:
        nonlocal sent
        if pending:
            server.publish(pending[0] if len(pending) == 1 else "[" + ",".join(pending) + "]", len(pending))
            pending.clear()
            sent += 1

    for ts, message, one_event, inputs in messages:
        try:
            wait = pacer.delay(parse_ts(ts)) if ts is not None else 0.0
        except BadTimestamp:
            wait = 0.0
        if wait > 0.001:
            flush()
            await asyncio.sleep(wait)
        if one_event:
            pending.append(message)
            if len(pending) >= batch:
                flush()
                await asyncio.sleep(0)  # let the senders run between bursts
        else:
            flush()
            server.publish(message, inputs)
            sent += 1
    flush()
    return sent
