"""JSON over HTTP for the shop pollers, with the standard library.

A poll is a handful of small requests every few seconds, so `urllib.request`
in a worker thread is enough and adds no dependency. What can go wrong is
sorted for the poller: `refused` (401 / 403: the credentials will not start
working by themselves) against everything worth another try (5xx, 429,
connection errors, a body that is not JSON), with the server's `Retry-After`
when it gave one. No message here carries the URL, whose query may hold a
token (Shopee sends the access token there).
"""

from __future__ import annotations

import asyncio
import email.utils
import time
import urllib.error
import urllib.request
from typing import Any, Callable, Mapping

import orjson

MAX_BODY = 8 << 20  # a response larger than this is not an API answer
MAX_RETRY_AFTER_S = 300.0


class SignedApi:
    """A platform API reached with one set of credentials; requests are signed with the wall clock's time."""

    def __init__(self, credentials: Any, base_url: str, *, clock: Callable[[], float] = time.time,
                 timeout_s: float = 10.0) -> None:
        self.credentials = credentials
        self.base_url = base_url.rstrip("/")
        self.clock = clock
        self.timeout_s = timeout_s


class HttpError(Exception):
    """A request that did not give a usable answer; `status` is None when no HTTP answer came."""

    def __init__(self, detail: str, status: int | None = None, retry_after_s: float | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.retry_after_s = retry_after_s

    @property
    def refused(self) -> bool:
        """The server refused the credentials: retrying with the same ones is pointless."""
        return self.status in (401, 403)


async def fetch_json(
    method: str, url: str, *, headers: Mapping[str, str], body: bytes | None = None, timeout_s: float = 10.0
) -> Any:
    """The decoded JSON answer of a 2xx response; HttpError otherwise."""
    request = urllib.request.Request(url, data=body, method=method, headers=dict(headers))
    try:
        status, response_headers, data = await asyncio.to_thread(_send, request, timeout_s)
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", None) or error
        raise HttpError(f"cannot connect: {reason}") from None
    if status >= 300:
        raise HttpError(f"HTTP {status}{_api_words(data)}", status, retry_after(response_headers.get("Retry-After")))
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        raise HttpError(f"HTTP {status}: the answer is not JSON", status) from None


def _send(request: urllib.request.Request, timeout_s: float) -> tuple[int, Any, bytes]:
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            return response.status, response.headers, response.read(MAX_BODY)
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, error.read(MAX_BODY)


def _api_words(data: bytes) -> str:
    """The platform's own code and message from an error body, when it has them (short)."""
    try:
        body = orjson.loads(data)
    except orjson.JSONDecodeError:
        return ""
    if not isinstance(body, dict):
        return ""
    code = body.get("code", body.get("error"))
    message = body.get("message", "")
    words = " ".join(str(part) for part in (code, message) if part not in (None, ""))
    return f" ({words[:160]})" if words else ""


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header (seconds or an HTTP date), capped; None if absent."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = moment.timestamp() - (time.time() if now is None else now)
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)
