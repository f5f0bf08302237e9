"""The websocket feed against a real server on 127.0.0.1: drops, hostile input, fan-out."""

from __future__ import annotations

import asyncio
import shutil
import socket
import ssl
import subprocess
import time
from collections import Counter

import orjson
import pytest
from websockets.asyncio.client import connect

from feeds.files import read_batches
from feeds.recorder import Recorder
from feeds.server import EventServer
from feeds.websocket_client import WebSocketSource
from monitor.engine import Engine
from monitor.pipeline import Pipeline

from .feeds_support import Collect, event, now_ms, short_config, stale_rule, until


def recorded(path) -> list:
    return [raw for batch in read_batches(path) for raw in batch]


async def test_server_killed_mid_stream_reconnect_recording_and_stale_alert(tmp_path):
    server = EventServer(port=0)
    await server.start()
    port = server.port
    source = WebSocketSource(server.url, backoff_first_s=0.05, backoff_max_s=0.3)
    sink = Collect()
    path = tmp_path / "rec.jsonl"
    pipeline = Pipeline(
        Engine(short_config(stale_rule(for_s=1), allowed_lateness_s=0.5), live=True), source,
        [sink, Recorder(path)],
    )
    run = asyncio.create_task(pipeline.run())
    await server.wait_for_clients(1)

    before = []
    for index in range(10):
        before.append(event("like", now_ms(), user=f"u{index}"))
        server.publish(before[-1])
        await asyncio.sleep(0.02)
    await until(lambda: len(sink.messages) == 10, what="the messages before the cut")
    server.abort()  # a crash: no closing handshake
    await server.close(end_of_stream=False)

    await until(lambda: "firing" in sink.alert_states("feed_stale"), timeout=6, what="the stale alert")
    assert "disconnected" in sink.states()
    # on disk within a second, while the recorder is still open: a kill now loses nothing received
    await until(lambda: recorded(path) == before, timeout=2, what="the recording to hold every message")

    server = EventServer(port=port)  # the same server comes back
    await server.start()
    await server.wait_for_clients(1)
    after = []
    for index in range(5):
        after.append(event("comment", now_ms(), user=f"v{index}", text="lagi kak"))
        server.publish(after[-1])
        await asyncio.sleep(0.02)
    await until(lambda: len(sink.messages) == 15, what="the messages after the restart")
    await until(lambda: sink.alert_states("feed_stale") == ["firing", "resolved"], timeout=4, what="the resolve")

    pipeline.stop()
    summary = await run
    await server.close()
    assert source.connections == 2
    assert summary["events"] == 15 and summary["rejected"] == {} and summary["late"] == 0
    assert recorded(path) == before + after


async def test_server_down_at_start_is_waited_for():
    with socket.socket() as probe:  # a port nobody listens on yet
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    source = WebSocketSource(f"ws://127.0.0.1:{port}", backoff_first_s=0.05, backoff_max_s=0.2)
    states = []
    source.on_status = lambda state, detail="": states.append(state)
    batches = source.batches()
    first = asyncio.ensure_future(anext(batches))
    await until(lambda: states.count("disconnected") >= 2, what="failed attempts")
    server = EventServer(port=port)
    await server.start()
    await server.wait_for_clients(1)
    message = event("like", now_ms())
    server.publish(message)
    assert await asyncio.wait_for(first, 5) == [message]
    await batches.aclose()
    await server.close()
    assert states[-1] == "connected"


async def test_hostile_input_is_counted_and_valid_events_pass_exactly_once():
    server = EventServer(port=0)
    await server.start()
    source = WebSocketSource(server.url, backoff_first_s=0.05, backoff_max_s=0.2)
    sink = Collect()
    pipeline = Pipeline(Engine(short_config(), live=True), source, [sink])
    run = asyncio.create_task(pipeline.run())
    await server.wait_for_clients(1)

    sent = 0  # messages published
    valid = 0  # valid events among them

    def send(message) -> None:
        nonlocal sent
        server.publish(message)
        sent += 1

    def send_valid(kind: str, **fields) -> str:
        """Valid events run 5 s behind the wall clock, in step with the live stream clock."""
        nonlocal valid
        text = event(kind, now_ms() - 5000, **fields)
        send(text)
        valid += 1
        return text

    # open the stream 10 s back, so ticks are out before the far-past event arrives
    send(event("viewer_join", now_ms() - 10_000, user="u0"))
    valid += 1
    send_valid("viewer_join", user="u1")
    await until(lambda: sink.snapshots, what="the first tick")

    order = send_valid("order", user="u1", product="sku-7", amount=259000, order_id="o-1")
    send(order)  # the same order again: a duplicate
    send("this is not json {")
    send(b"\x00\x01\x02 binary junk")
    send(event("like", now_ms()).encode())  # even valid JSON is refused in a binary frame
    send("[" * 5000 + "]" * 5000)  # nested deeper than any parser should follow
    send(event("like", now_ms() - 5000, count="5"))  # wrong type
    send(event("order", now_ms() - 5000, product=123))  # wrong type
    send(event("order", now_ms() - 5000, product="sku-7", amount=-1000))  # negative amount
    send(event("like", now_ms() + 10 * 86_400_000))  # ten days ahead
    send(event("like", now_ms() - 10 * 86_400_000))  # ten days back: late, still recorded
    send("[%s, %s]" % (event("like", now_ms() - 5000, user="u1"), event("teleport", now_ms() - 5000)))
    valid += 1  # the like in that batch
    send_valid("comment", user="u1", text="[bold red]boom[/] \x1b[2J\x1b]0;pwned\x07 <script>alert(1)</script> {value}")
    await until(lambda: len(sink.messages) == sent, what="every message so far")

    connection_before = set(server.clients)
    send("x" * (10 << 20))  # 10 MiB: refused by size, the connection is reopened
    await until(lambda: server.clients and not server.clients & connection_before, what="the reconnection")
    send_valid("like", user="u2", count=3)
    await until(lambda: len(sink.messages) == sent, what="every message")

    pipeline.stop()
    summary = await run
    await server.close()
    assert summary["rejected"] == {
        "invalid_json": 2, "binary_frame": 2, "too_large": 1, "bad_value": 3, "bad_ts": 1, "unknown_type": 1,
    }
    assert summary["duplicates"] == 1
    assert summary["late"] == 1
    assert summary["events"] == valid  # every valid event counted exactly once
    assert Counter(rejection.reason for rejection in sink.rejections) == Counter(summary["rejected"])
    assert source.connections == 2


async def test_two_clients_get_every_event_while_a_stalled_one_is_dropped():
    server = EventServer(port=0, queue_per_client=32)
    await server.start()
    readers = [WebSocketSource(server.url), WebSocketSource(server.url)]
    received: list[list[int]] = [[], []]
    arrived_at: list[float] = [0.0, 0.0]

    async def read(index: int) -> None:
        async for batch in readers[index].batches():
            for message in batch:
                received[index].append(orjson.loads(message)["seq"])
            arrived_at[index] = time.monotonic()

    tasks = [asyncio.create_task(read(0)), asyncio.create_task(read(1))]
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a tiny window, so it fills fast
    sock.connect(("127.0.0.1", server.port))
    sock.setblocking(False)
    stalled = await connect(server.url, sock=sock, max_queue=1)  # never reads
    await server.wait_for_clients(3)

    pad = "x" * 8000
    count = 2000
    for seq in range(count):
        server.publish(orjson.dumps({"type": "like", "ts": seq, "seq": seq, "pad": pad}).decode())
        if seq % 4 == 0:
            await asyncio.sleep(0.001)
    published_at = time.monotonic()
    await until(lambda: len(received[0]) == count and len(received[1]) == count, timeout=10, what="both readers")
    assert received[0] == received[1] == list(range(count))
    assert max(arrived_at) - published_at < 1.0  # the stalled client held nobody back
    assert server.dropped == 1
    await server.close()
    await asyncio.wait_for(asyncio.gather(*tasks), 5)  # end of stream ends both readers
    stalled.transport.abort()


async def test_token_is_required_when_the_server_has_one():
    server = EventServer(port=0, token="rahasia")
    await server.start()
    refused = WebSocketSource(server.url, token="salah", backoff_first_s=0.05, backoff_max_s=0.1)
    details = []
    refused.on_status = lambda state, detail="": details.append(detail)
    attempt = asyncio.ensure_future(anext(refused.batches()))
    await until(lambda: any("HTTP 401" in detail for detail in details), what="a refusal")
    assert not server.clients
    attempt.cancel()

    allowed = WebSocketSource(server.url, token="rahasia")
    batches = allowed.batches()
    first = asyncio.ensure_future(anext(batches))
    await server.wait_for_clients(1)
    server.publish(event("like", 1))
    assert await asyncio.wait_for(first, 5) == [event("like", 1)]
    await batches.aclose()
    await server.close()


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command to make a test certificate")
async def test_wss_with_a_ca_file(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = EventServer(port=0, ssl=context)
    await server.start()
    assert server.url.startswith("wss://")
    source = WebSocketSource(server.url, cafile=str(cert))
    batches = source.batches()
    first = asyncio.ensure_future(anext(batches))
    await server.wait_for_clients(1)
    server.publish(event("share", 5, user="u1"))
    assert await asyncio.wait_for(first, 5) == [event("share", 5, user="u1")]
    await batches.aclose()
    await server.close()


def test_bad_urls_are_refused_at_once():
    with pytest.raises(ValueError):
        WebSocketSource("http://127.0.0.1:8765")
    with pytest.raises(ValueError):
        WebSocketSource("ws://127.0.0.1:8765", cafile="ca.pem")


async def test_a_served_parquet_file_with_empty_cells_gives_what_its_replay_gives(tmp_path):
    import polars as pl

    from feeds.files import FileSource
    from feeds.server import serve_file

    rows = [  # an empty count cell means "count absent" (default 1), not "count null"
        {"type": "like", "ts": 1_000 + i * 200, "room": "toko", "user": f"u{i}", "count": None, "product": None,
         "amount": None}
        for i in range(20)
    ] + [{"type": "order", "ts": 6_000, "room": "toko", "user": "u1", "count": 3, "product": "sku-7", "amount": 99_000.0}]
    path = tmp_path / "session.parquet"
    pl.DataFrame(rows).write_parquet(path)
    replayed = Collect()
    expected = await Pipeline(Engine(short_config()), FileSource(path), [replayed]).run()

    server = EventServer(port=0)
    await server.start()
    watched = Collect()
    pipeline = Pipeline(Engine(short_config(), live=True), WebSocketSource(server.url), [watched])
    run = asyncio.create_task(pipeline.run())
    await server.wait_for_clients(1)
    await serve_file(server, path, speed=None)
    await server.close()  # end of stream ends the watching run
    assert await asyncio.wait_for(run, 5) == expected
    assert expected["events"] == 21 and expected["rejected"] == {}
    assert [s.values for s in watched.snapshots] == [s.values for s in replayed.snapshots]
