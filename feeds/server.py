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
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from http import HTTPStatus
from pathlib import Path
from ssl import SSLContext
from typing import Iterable, Iterator

import orjson
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.frames import CloseCode
from websockets.http11 import Request, Response

from monitor.events import BadTimestamp, Rejection, parse_ts
from monitor.progress import SourceProgress
from monitor.pipeline import Pacer

from .files import read_batches
from .websocket_client import END_OF_STREAM

log = logging.getLogger("livemon.server")

_END = object()  # queued after the last message of a feed that ended


class _Client:
    """One connected monitor: its connection, its queue of unsent messages, its sender."""

    __slots__ = ("connection", "queue", "sender")

    def __init__(self, connection: ServerConnection, size: int) -> None:
        self.connection = connection
        self.queue: asyncio.Queue = asyncio.Queue(size)
        self.sender: asyncio.Task | None = None


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
    ) -> None:
        self.host = host
        self.port = port  # the bound port once started (port 0: any free one)
        self.token = token
        self.queue_per_client = queue_per_client
        self.ssl = ssl
        self.close_timeout_s = close_timeout_s
        self.clients: set[_Client] = set()
        self.dropped = 0  # clients dropped for falling behind
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

    def publish(self, message: str | bytes) -> None:
        """Queue one message (text: events; bytes go out as a binary frame) for every client."""
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

    async def _handle(self, connection: ServerConnection) -> None:
        client = _Client(connection, self.queue_per_client)
        self.clients.add(client)
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
    return await _publish_paced(server, ((event["ts"], orjson.dumps(event).decode(), True) for event in events), speed, batch)


Message = tuple[object, str | bytes, bool]  # (ts or None, message, whether it is one event that may join a batch)


def _file_messages(path: str | Path) -> Iterator[Message]:
    for rows in read_batches(path):
        for row in rows:
            if type(row) is Rejection:  # a recording's refused input: replay what can be replayed
                if isinstance(row.raw, bytes):
                    yield None, row.raw, False
                continue
            if type(row) is SourceProgress:  # a recorded source's progress: no message of the wire contract
                continue
            if isinstance(row, dict):  # CSV / Parquet row: an empty cell is an absent field, as in replay
                present = {key: value for key, value in row.items() if value is not None}
                yield present.get("ts"), orjson.dumps(present, default=str).decode(), True
                continue
            text = row if isinstance(row, str) else row.decode("utf-8", "replace")
            try:
                decoded = orjson.loads(row)
            except orjson.JSONDecodeError:
                yield None, text, False
                continue
            if type(decoded) is dict:
                yield decoded.get("ts"), text, True
            elif type(decoded) is list and decoded and type(decoded[0]) is dict:
                yield decoded[0].get("ts"), text, False
            else:
                yield None, text, False


async def _publish_paced(server: EventServer, messages: Iterable[Message], speed: float | None, batch: int) -> int:
    pacer = Pacer(speed)
    pending: list[str] = []
    sent = 0

    def flush() -> None:
        nonlocal sent
        if pending:
            server.publish(pending[0] if len(pending) == 1 else "[" + ",".join(pending) + "]")
            pending.clear()
            sent += 1

    for ts, message, one_event in messages:
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
            server.publish(message)
            sent += 1
    flush()
    return sent
