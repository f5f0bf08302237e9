"""A small HTTP server in a background thread (the webhook receiver; the tests' fake APIs).

`http.server` parses requests (and refuses malformed ones) so we do not; a
thread keeps its blocking loop off the event loop. Binds 127.0.0.1 unless told
otherwise; port 0 takes a free port.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that answers with JSON bodies and logs nothing (the query may hold secrets)."""

    protocol_version = "HTTP/1.1"
    timeout = 10  # seconds a client may take to send its request

    def log_message(self, format: str, *args) -> None:
        """http.server would print each request line, query string included, on stderr."""

    def answer(self, status: int, body: bytes = b"{}", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def body(self, limit: int) -> bytes | None:
        """The request body, or None (after answering 411 / 413) when it has no length or is too large."""
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            self.answer(411, b'{"error":"length required"}')
            return None
        if int(length) > limit:
            self.close_connection = True
            self.answer(413, b'{"error":"too large"}')
            return None
        return self.rfile.read(int(length))


class LocalHTTPServer:
    """`ThreadingHTTPServer` running `handler` until `stop()`."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], host: str = "127.0.0.1", port: int = 0) -> None:
        self.server = ThreadingHTTPServer((host, port), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "LocalHTTPServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def __enter__(self) -> "LocalHTTPServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
