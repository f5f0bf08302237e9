"""TikTok Shop's order status webhook (ORDER_STATUS_CHANGE, type 1), received on our side.

Optional: the poller finds every order anyway; a notification only makes a new
order show up before the next poll and tells us of cancellations. TikTok
needs an HTTPS domain it can reach, so in production a reverse proxy or a
tunnel forwards to this receiver, which binds 127.0.0.1 unless told otherwise.

Each request is checked before anything else: `Authorization` must be the
lowercase hex HMAC-SHA256 of app key + raw body, keyed with the app secret
(sources.md), compared in constant time. The answer (200) goes out at once,
well within TikTok's 3 s; the work is queued for the event loop. The payload
has no timestamp inside the signature, so a replayed or retried
notification is recognised by its `tts_notification_id` and taken once.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import threading
from collections import OrderedDict
from typing import Callable

import orjson

from .http_server import LocalHTTPServer, QuietHandler

log = logging.getLogger("livemon.tiktok_shop")

MAX_NOTIFICATION_BYTES = 64 << 10
_REMEMBERED_IDS = 100_000  # notification ids kept for dedupe (TikTok's last retry comes after 12 h)


def webhook_signature(app_key: str, app_secret: str, body: bytes) -> str:
    """The `Authorization` value TikTok Shop sends with a notification (sources.md)."""
    return hmac.new(app_secret.encode(), app_key.encode() + body, hashlib.sha256).hexdigest()


class WebhookReceiver:
    """Takes signed ORDER_STATUS_CHANGE notifications and hands each new one to `deliver` on the loop."""

    def __init__(
        self,
        app_key: str,
        app_secret: str,
        deliver: Callable[[dict], None],
        *,
        host: str = "127.0.0.1",
        port: int = 8766,
        path: str = "/tiktok-shop/webhook",
    ) -> None:
        self.app_key = app_key
        self.app_secret = app_secret
        self.deliver = deliver
        self.path = path
        self.received = 0  # notifications taken
        self.duplicates = 0  # notification ids seen before (TikTok retries, replays)
        self.bad_signatures = 0
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()  # requests are judged in several server threads
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server = LocalHTTPServer(self._handler(), host, port)

    @property
    def url(self) -> str:
        return self._server.url + self.path

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._server.start()

    def stop(self) -> None:
        self._server.stop()

    def judge(self, body: bytes, authorization: str) -> int:
        """The HTTP status for one notification; a new valid one is handed to `deliver`. Runs in the server thread."""
        expected = webhook_signature(self.app_key, self.app_secret, body)
        if not hmac.compare_digest(expected.encode(), authorization.strip().lower().encode()):
            self.bad_signatures += 1
            log.warning("tiktok-shop webhook: a notification with a wrong signature was refused (%d so far)",
                        self.bad_signatures)
            return 401
        try:
            notification = orjson.loads(body)
        except orjson.JSONDecodeError:
            return 400
        if not isinstance(notification, dict):
            return 400
        key = str(notification.get("tts_notification_id") or "")
        with self._lock:
            if key and key in self._seen:
                self.duplicates += 1
                return 200
            if key:
                self._seen[key] = None
                if len(self._seen) > _REMEMBERED_IDS:
                    self._seen.popitem(last=False)
            self.received += 1
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self.deliver, notification)
        return 200

    def _handler(self) -> type[QuietHandler]:
        receiver = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                if self.path.split("?", 1)[0] != receiver.path:
                    self.answer(404, b'{"error":"not found"}')
                    return
                body = self.body(MAX_NOTIFICATION_BYTES)
                if body is None:
                    return
                status = receiver.judge(body, self.headers.get("Authorization", ""))
                self.answer(status, b'{"code":0}' if status == 200 else b'{"error":"refused"}')

        return Handler
