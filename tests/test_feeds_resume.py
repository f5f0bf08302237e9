"""A watcher whose connection is cut resumes where it was: nothing lost, or the loss counted exactly."""

from __future__ import annotations

import asyncio

import orjson

from feeds.server import EventServer
from feeds.websocket_client import WebSocketSource

from .feeds_support import T, event, until


def message(index: int, events: int = 1) -> str:
    """One event, or a batch array of `events`, numbered so a gap or a twin shows."""
    items = [event("like", T + index * 10 + k, user=f"u{index}-{k}") for k in range(events)]
    return items[0] if events == 1 else "[" + ",".join(items) + "]"


class Watcher:
    """The real client, reading into a list."""

    def __init__(self, url: str) -> None:
        self.source = WebSocketSource(url, backoff_first_s=0.05, backoff_max_s=0.2)
        self.received: list[str] = []
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for batch in self.source.batches():
            self.received.extend(batch)

    async def close(self) -> None:
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)


def cut(server: EventServer) -> None:
    """Drop the watcher's connection as a network fault would (no closing handshake); the server lives on."""
    (client,) = server.clients
    client.connection.transport.abort()


async def test_a_cut_connection_resumes_with_nothing_lost_or_twice():
    server = EventServer(port=0)
    await server.start()
    watcher = Watcher(server.url)
    await server.wait_for_clients(1)
    published = []
    for index in range(600):
        published.append(message(index, events=1 + index % 3))
        server.publish(published[-1], 1 + index % 3)
        if index == 200:
            cut(server)  # mid-stream: what follows is published while the watcher is away
        if index % 20 == 0:
            await asyncio.sleep(0.005)
    await until(lambda: len(watcher.received) >= len(published), timeout=10, what="every message")
    await asyncio.sleep(0.05)  # a twin, if any, would arrive now
    assert watcher.received == published
    assert watcher.source.connections == 2
    assert (watcher.source.lost_messages, watcher.source.lost_events) == (0, 0)
    await watcher.close()
    await server.close()


async def test_what_the_buffer_no_longer_holds_is_counted_exactly():
    server = EventServer(port=0, replay_messages=5)
    await server.start()
    watcher = Watcher(server.url)
    await server.wait_for_clients(1)
    before = [message(index) for index in range(10)]
    for text in before:
        server.publish(text)
    await until(lambda: watcher.received == before, what="the messages before the cut")

    cut(server)
    sizes = [1 + index % 4 for index in range(20)]  # 1, 2, 3, 4, 1, ... events per message
    gap = [message(100 + index, size) for index, size in enumerate(sizes)]
    for text, size in zip(gap, sizes):  # no await: all of it is published before the watcher can return
        server.publish(text, size)
    await until(lambda: watcher.source.connections == 2, what="the reconnection")
    after = [message(200 + index) for index in range(3)]
    for text in after:
        server.publish(text)
    await until(lambda: len(watcher.received) == 10 + 5 + 3, what="the buffered tail and the new messages")

    assert watcher.received == before + gap[-5:] + after  # the buffer's last five, then live
    assert watcher.source.lost_messages == 15
    assert watcher.source.lost_events == sum(sizes[:15])
    await watcher.close()
    await server.close()


async def test_a_client_that_does_not_resume_sees_the_events_unchanged():
    """The sequence travels in the handshake headers only: an old client gets the same bytes."""
    from websockets.asyncio.client import connect

    server = EventServer(port=0)
    await server.start()
    async with connect(server.url) as plain:
        await server.wait_for_clients(1)
        server.publish(message(1))
        server.publish(b"\x00binary")
        assert await plain.recv() == message(1)
        assert await plain.recv() == b"\x00binary"
        assert plain.response.headers["Livemon-Next"] == "1"
    await server.close()
    assert orjson.loads(message(1))["type"] == "like"
