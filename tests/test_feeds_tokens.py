"""Tokens come from LIVEMON_TOKEN or a file, never argv; a refused token stops `watch` once; no token is ever shown."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path

import orjson

from feeds.server import EventServer
from feeds.websocket_client import WebSocketSource

from .feeds_support import T, until
from .test_feeds_cli import ROOT, livemon, session_events

SERVER_SECRET = "srv-7f3a9c1e-rahasia-toko"
WRONG_SECRET = "wrong-51d2b8e0-salah"


def env_with(token: str | None) -> dict:
    env = {key: value for key, value in os.environ.items() if key != "LIVEMON_TOKEN"}
    if token is not None:
        env["LIVEMON_TOKEN"] = token
    return env


def no_secret_in(*texts: bytes | str) -> bool:
    joined = "".join(text.decode("utf-8", "replace") if isinstance(text, bytes) else text for text in texts)
    return SERVER_SECRET not in joined and WRONG_SECRET not in joined


def test_a_refused_token_stops_watch_with_one_line_and_no_secret_anywhere(tmp_path):
    session = tmp_path / "session.jsonl"
    session.write_bytes(b"\n".join(session_events()[:80]) + b"\n")
    token_file = tmp_path / "token"
    token_file.write_text(SERVER_SECRET + "\n")
    server = livemon("-v", "serve", str(session), "--port", "0", "--speed", "max", "--token-file", str(token_file))
    first = ""
    while "livemon serve:" not in first:  # -v logs may come first
        line = server.stderr.readline().decode()
        assert line, first
        first += line
    url = re.search(r"ws://\S+", first).group()

    refused = subprocess.run([sys.executable, "-m", "monitor", "watch", url, "--headless"], cwd=ROOT,
                             capture_output=True, env=env_with(WRONG_SECRET), timeout=30)
    assert refused.returncode == 2
    assert refused.stderr.decode().strip().splitlines() == [f"livemon watch: {url}: the server refused the token (HTTP 401)"]

    recording = tmp_path / "watched.jsonl"
    allowed = subprocess.run([sys.executable, "-m", "monitor", "-v", "watch", url, "--headless", "--record", str(recording),
                              "--save-history", "--config", str(config(tmp_path))],
                             cwd=ROOT, capture_output=True, env=env_with(SERVER_SECRET), timeout=30)
    assert allowed.returncode == 0, allowed.stderr.decode()
    assert orjson.loads(allowed.stdout.splitlines()[-1])["events"] > 0
    out, errors = server.communicate(timeout=10)
    assert server.returncode == 0
    history = b"".join(path.read_bytes() for path in (tmp_path / "history").rglob("*") if path.is_file())
    assert history  # the session was kept
    assert no_secret_in(first, out, errors, refused.stdout, refused.stderr, allowed.stdout, allowed.stderr,
                        recording.read_bytes(), history)


def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text((ROOT / "config.toml").read_text().replace('dir = ""', f'dir = "{tmp_path / "history"}"', 1))
    return path


def test_a_token_on_the_command_line_is_refused_without_being_echoed():
    for verb in (["watch", "ws://127.0.0.1:9"], ["serve", "--simulate", "normal"]):
        done = subprocess.run([sys.executable, "-m", "monitor", *verb, "--token", WRONG_SECRET], cwd=ROOT,
                              capture_output=True, text=True, env=env_with(None), timeout=30)
        assert done.returncode == 2
        [line] = done.stderr.strip().splitlines()
        assert "LIVEMON_TOKEN" in line and "--token-file" in line and no_secret_in(line)


def test_serve_on_a_host_beyond_loopback_without_a_token_warns_first():
    done = subprocess.run([sys.executable, "-m", "monitor", "serve", "--simulate", "normal", "--host", "192.0.2.1",
                           "--port", "0"], cwd=ROOT, capture_output=True, text=True, env=env_with(None), timeout=30)
    warning, failure = done.stderr.strip().splitlines()  # TEST-NET-1 is no address of this machine: it cannot bind
    assert "192.0.2.1" in warning and "no token" in warning and "LIVEMON_TOKEN" in warning
    assert done.returncode == 2 and "cannot listen" in failure


async def test_other_refusals_keep_retrying():
    """Only 401 and 403 end the source: a server that answers 503 now may take the client later."""

    async def unavailable(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        await writer.drain()
        writer.close()

    busy = await asyncio.start_server(unavailable, "127.0.0.1", 0)
    port = busy.sockets[0].getsockname()[1]
    source = WebSocketSource(f"ws://127.0.0.1:{port}", backoff_first_s=0.02, backoff_max_s=0.05)
    details = []
    source.on_status = lambda state, detail="": details.append(detail)
    reading = asyncio.ensure_future(anext(source.batches()))
    await until(lambda: sum("HTTP 503" in detail for detail in details) >= 3, what="several tries")
    assert not reading.done() and source.refused is None
    busy.close()
    await busy.wait_closed()

    server = EventServer(port=port)  # the same port now takes it
    await server.start()
    await server.wait_for_clients(1)
    server.publish(orjson.dumps({"type": "like", "ts": T}).decode())
    assert await asyncio.wait_for(reading, 5)
    await server.close()


async def test_a_refused_token_ends_the_source():
    server = EventServer(port=0, token=SERVER_SECRET)
    await server.start()
    source = WebSocketSource(server.url, token=WRONG_SECRET, backoff_first_s=0.02, backoff_max_s=0.05)
    assert [batch async for batch in source.batches()] == []
    assert source.refused.endswith("the server refused the token (HTTP 401)") and no_secret_in(source.refused)
    await server.close()
