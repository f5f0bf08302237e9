"""Live feed: a websocket client that holds on through drops and hostile input.

Broadcasts run for hours over flaky networks, so the source reconnects forever
with exponential backoff and jitter (also when the server is down at start) and
reports its connection state through `on_status`, which the pipeline sets.
Every text message is handed on as received, for the one parser to judge.
What the contract cannot take is handed on as a `Rejection`, so it is counted
and the run goes on: a binary frame (`binary_frame`) and a message over the
size limit (`too_large`; websockets refuses it by closing with 1009 without
buffering it, so the source counts it and reconnects).

A server that closes with code 1000 and the reason `end of stream` says the
feed is over (a served file has ended): the source ends, and so does the run.
A server that refuses the token (HTTP 401 or 403) will refuse it again: the
source ends and keeps the reason in `refused`. Any other close or refusal, or
none, means reconnect.

Reconnecting resumes: the client names the last message it received in the
`Livemon-Resume` handshake header and a livemon server sends what followed
(docs/feed-protocol.md); what the server no longer holds is added to
`lost_messages` and `lost_events`. Against a server that does not number its
messages the source reconnects as before, from the live edge.
"""

from __future__ import annotations

import asyncio
import logging
import random
import ssl
from typing import AsyncIterator, Callable

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus, InvalidURI, WebSocketException
from websockets.frames import CloseCode
from websockets.uri import parse_uri

from monitor.events import Rejection

from .protocol import END_OF_STREAM, LOST_EVENTS, LOST_MESSAGES, NEXT, RESUME, RUN

log = logging.getLogger("livemon.websocket")

def ignore_status(state: str, detail: str = "") -> None:
    """Until a pipeline takes the source, nobody listens to its state."""


class Backoff:
    """Exponential delays with jitter, so many monitors do not reconnect in step."""

    def __init__(self, first_s: float, max_s: float) -> None:
        self.first_s = first_s
        self.max_s = max_s
        self.attempt = 0

    def next(self) -> float:
        ceiling = min(self.max_s, self.first_s * 2 ** min(self.attempt, 32))
        self.attempt += 1
        return random.uniform(ceiling / 2, ceiling)

    def reset(self) -> None:
        self.attempt = 0


class WebSocketSource:
    """A `ws://` or `wss://` feed for the pipeline; a batch is whatever arrived since the last one."""

    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        cafile: str | None = None,
        max_message_bytes: int = 1 << 20,
        backoff_max_s: float = 10.0,
        backoff_first_s: float = 0.2,
    ) -> None:
        try:
            secure = parse_uri(url).secure
        except InvalidURI:
            raise ValueError(f"{url!r} is not a ws:// or wss:// URL") from None
        if cafile and not secure:
            raise ValueError("a CA file needs a wss:// URL")
        self.url = url
        self.name = url
        self.on_status: Callable[[str, str], None] = ignore_status
        self.max_message_bytes = max_message_bytes
        self.backoff_first_s = backoff_first_s
        self.backoff_max_s = backoff_max_s
        self.connections = 0  # successful connections so far; more than one means the feed had gaps
        self.lost_messages = 0  # messages sent while disconnected that the server no longer held
        self.lost_events = 0  # the events in them
        self.refused: str | None = None  # why the server will not let this client in (a wrong token)
        self._run: str | None = None  # the server run the sequence numbers belong to
        self._next: int | None = None  # the sequence of the next message; None: the server does not number them
        self._headers: dict[str, str] = {}
        self._options: dict = {
            "max_size": max_message_bytes,
            "open_timeout": 10,
            "ping_interval": 10,  # a half-open connection is noticed within ~20 s
            "ping_timeout": 10,
            "close_timeout": 2,
        }
        if token:
            self._headers["Authorization"] = f"Bearer {token}"
        if cafile:
            self._options["ssl"] = ssl.create_default_context(cafile=cafile)

    async def batches(self) -> AsyncIterator[list]:
        backoff = Backoff(self.backoff_first_s, self.backoff_max_s)
        while True:
            self.on_status("connecting", self.url)
            try:
                connection = await connect(self.url, additional_headers=self._handshake(), **self._options)
            except (OSError, TimeoutError, WebSocketException) as error:
                if isinstance(error, InvalidStatus) and error.response.status_code in (401, 403):
                    self.refused = f"{self.url}: the server refused the token (HTTP {error.response.status_code})"
                    self.on_status("disconnected", f"{self.refused}; not retrying")
                    return
                await self._pause(backoff, _why_not_connected(error))
                continue
            backoff.reset()
            self.connections += 1
            self.on_status("connected", self._resumed(connection.response.headers))
            async with connection:
                try:
                    async for batch in _drained(connection):
                        if self._next is not None:
                            self._next += len(batch)  # one input per frame, binary ones included
                        yield batch
                except ConnectionClosed as closed:
                    if closed.sent is not None and closed.sent.code == CloseCode.MESSAGE_TOO_BIG:
                        if self._next is not None:
                            self._next += 1  # the refused frame: resume after it, or it comes again
                        yield [Rejection(
                            "too_large",
                            f"message over max_message_bytes ({self.max_message_bytes}); the connection was reopened",
                            None,
                        )]
                    received = closed.rcvd
                    if received is not None and received.code == CloseCode.NORMAL_CLOSURE and received.reason == END_OF_STREAM:
                        log.info("%s: the server ended the feed", self.url)
                        return
                    why = _why_closed(closed)
            await self._pause(backoff, why)

    def _handshake(self) -> dict[str, str]:
        """The headers of the next connection: the token, and where to resume."""
        resume = "new" if self._next is None else f"{self._run}:{self._next - 1}"
        return {**self._headers, RESUME: resume}

    def _resumed(self, headers) -> str:
        """Take the server's resume point; the status detail says what the gap cost."""
        run, start = headers.get(RUN), headers.get(NEXT, "")
        if run is None or not start.isdigit():  # a server that does not number its messages
            self._run = self._next = None
            return self.url
        self._run, self._next = run, int(start)
        messages, events = int(headers.get(LOST_MESSAGES, "0")), int(headers.get(LOST_EVENTS, "0"))
        if not messages:
            return self.url
        self.lost_messages += messages
        self.lost_events += events
        log.warning("%s: reconnected; %d events (%d messages) sent during the gap are gone", self.url, events, messages)
        return f"{self.url}; {events} events lost in the gap"

    async def _pause(self, backoff: Backoff, why: str) -> None:
        delay = backoff.next()
        self.on_status("disconnected", f"{why}; retry in {delay:.1f}s")
        log.warning("%s: %s; retry in %.1fs", self.url, why, delay)
        await asyncio.sleep(delay)


#: Messages read ahead while the pipeline is busy; beyond this the socket is left
#: unread, so TCP and the server's per-client queue push back.
READ_AHEAD = 1000


async def _drained(connection) -> AsyncIterator[list]:
    """Yield every message that arrived since the last batch was taken (one or many).

    Under load the pipeline then takes hundreds of messages per step instead of
    one; when idle, a batch is a single message and goes out at once. Raises
    the reader's ConnectionClosed after the messages received before it.
    """
    buffer: list = []
    arrived = asyncio.Event()
    room = asyncio.Event()
    room.set()
    ended: list[ConnectionClosed] = []

    async def read() -> None:
        try:
            while True:
                await room.wait()
                message = await connection.recv()
                buffer.append(message if type(message) is str else binary_frame(message))
                arrived.set()
                if len(buffer) >= READ_AHEAD:
                    room.clear()
        except ConnectionClosed as closed:
            ended.append(closed)
            arrived.set()

    reader = asyncio.create_task(read())
    try:
        while True:
            await arrived.wait()
            arrived.clear()
            if buffer:
                batch = buffer[:]
                buffer.clear()
                room.set()
                yield batch
            if ended and not buffer:
                raise ended[0]
    finally:
        reader.cancel()


def binary_frame(data: bytes) -> Rejection:
    """Events are text: a binary frame is refused before parsing."""
    return Rejection("binary_frame", f"binary websocket frame of {len(data)} bytes; events are sent as text", data)


def _why_not_connected(error: Exception) -> str:
    if isinstance(error, InvalidStatus):
        return f"server refused: HTTP {error.response.status_code}"
    return f"cannot connect: {error or type(error).__name__}"


def _why_closed(closed: ConnectionClosed) -> str:
    frame = closed.rcvd or closed.sent
    if frame is None:
        return "connection lost"
    return f"connection closed ({frame.code}{': ' + frame.reason if frame.reason else ''})"
