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


class CuttingProxy:
    """A TCP relay on 127.0.0.1 that cuts its first connection once `cut_after` bytes came from upstream."""

    def __init__(self, upstream_port: int, cut_after: int) -> None:
        self.upstream_port = upstream_port
        self.cut_after = cut_after
        self.connections = 0
        self.cut = False
        self.port = 0
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        self._server.close()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        cutting = not self.cut

        async def pipe(source, sink, count: bool) -> None:
            sent = 0
            try:
                while data := await source.read(4096):
                    sink.write(data)
                    await sink.drain()
                    sent += len(data) if count else 0
                    if count and cutting and sent >= self.cut_after and not self.cut:
                        self.cut = True  # a network fault: both sides just stop, no closing handshake
                        writer.transport.abort()
                        up_writer.transport.abort()
                        return
            except (ConnectionError, OSError):
                pass
            finally:
                sink.close()

        await asyncio.gather(pipe(reader, up_writer, False), pipe(up_reader, writer, True))


async def test_serve_and_watch_through_a_cut_give_what_replay_gives(tmp_path):
    """The outage of the user's report: `watch` of a served file loses its connection mid-stream, and no line differs."""
    import re
    import sys

    from .test_feeds_cli import CONFIG, livemon, replay, session_events

    config = tmp_path / "config.toml"
    config.write_text(CONFIG)
    session = tmp_path / "session.jsonl"
    session.write_bytes(b"\n".join(session_events()) + b"\n")
    server = livemon("serve", str(session), "--speed", "20", "--port", "0", "--config", str(config))
    url = re.search(r"ws://\S+", server.stderr.readline().decode()).group()
    proxy = CuttingProxy(int(url.rsplit(":", 1)[1]), cut_after=8_000)
    await proxy.start()
    watcher = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "monitor", "watch", f"ws://127.0.0.1:{proxy.port}", "--headless", "--config", str(config),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=str(config.parent),
    )
    watched, errors = await asyncio.wait_for(watcher.communicate(), 60)
    await proxy.close()
    assert watcher.returncode == 0, errors.decode()
    assert server.wait(timeout=10) == 0
    assert proxy.cut and proxy.connections == 2  # it was cut, and it came back
    assert watched.splitlines() == replay(session, config)
