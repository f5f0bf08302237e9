"""A stand-in for TikTok's web endpoints, the sign server and the webcast websocket, on 127.0.0.1.

The real TikTokLive client runs against it unchanged: the library's own
settings object (`WebDefaults`) points it here (`point_library_at`). One
websockets server answers the plain HTTP requests (room page, live check,
room info, the sign server's fetch) through `process_request` and the
webcast push stream as a websocket. What it answers is the `Script`; what it
was asked is kept in `requests` and `ws_cookies` for the tests to check.
"""

from __future__ import annotations

import asyncio
import http
import json
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from TikTokLive.client.web.web_settings import WebDefaults
from TikTokLive.proto import ProtoMessageFetchResult, ProtoMessageFetchResultBaseProtoMessage
from websockets.asyncio.server import serve
from websockets.datastructures import Headers
from websockets.http11 import Response

from .tiktok_frames import Frame, push_frame

ROOM_ID = "7300000000000000001"


@dataclass
class Script:
    """What the stand-in answers. Each websocket connection sends its list of push messages, then
    closes unless the messages end the broadcast (then the client closes)."""

    handle: str = "toko.batik"
    offline_checks: int = 0  # live checks answered "offline" before the host goes live
    rate_limited: int = 0  # sign requests answered 429 before one succeeds
    rate_limit_reset_in_s: int = 120
    age_restricted: bool = False
    session_id: str | None = None  # an age-restricted room opens to a logged-in client (this sessionid)
    sign_key: str | None = None  # the sign server wants this X-Api-Key (None: any)
    initial: list[Frame] = field(default_factory=list)  # messages in the sign server's first fetch result
    connections: list[list[list[Frame]]] = field(default_factory=list)
    unknown_user: bool = False
    hold_end: asyncio.Event | None = None  # the message that ends the broadcast waits for this


class StandIn:
    def __init__(self, script: Script) -> None:
        self.script = script
        self.requests: list[tuple[str, dict, dict]] = []  # (path, query, headers)
        self.ws_cookies: list[str] = []
        self.live = script.offline_checks == 0
        self._offline_left = script.offline_checks
        self._rate_limited_left = script.rate_limited
        self._connections = list(script.connections)
        self._initial = list(script.initial)
        self.port = 0
        self._server = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> "StandIn":
        self._server = await serve(self._push, "127.0.0.1", 0, process_request=self._answer,
                                   subprotocols=["echo-protocol"], ping_interval=None)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def close(self) -> None:
        self._server.close()
        await self._server.wait_closed()

    async def __aenter__(self) -> "StandIn":
        return await self.start()

    async def __aexit__(self, *exc) -> None:
        await self.close()

    def asked(self, prefix: str) -> list[tuple[str, dict, dict]]:
        return [request for request in self.requests if request[0].startswith(prefix)]

    # ------------------------------------------------------------ HTTP

    def _answer(self, connection, request) -> Response | None:
        parts = urlsplit(request.path)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        headers = {key.lower(): value for key, value in request.headers.raw_items()}
        path = parts.path
        if path == "/webcast/im/push/":
            return None  # the websocket handshake goes on
        self.requests.append((path, query, headers))
        script = self.script
        if path == f"/@{script.handle}/live":
            if script.unknown_user:
                return _page({})
            return _page({"LiveRoom": {"liveRoomUserInfo": {"user": {
                "roomId": ROOM_ID, "uniqueId": script.handle, "status": 2 if self.live else 4}}}})
        if path == "/api-live/user/room/":  # is_live(): asked while waiting for the host; the room id fallback
            if script.unknown_user:
                return _json({"message": "user_not_found"})
            if self._offline_left > 0:
                self._offline_left -= 1
            self.live = self._offline_left == 0
            return _json({"message": "", "data": {"user": {"roomId": ROOM_ID}, "liveRoom": {"status": 2 if self.live else 4}}})
        if path == "/webcast/room/check_alive/":
            return _json({"data": [{"alive": self.live, "room_id": int(ROOM_ID)}]})
        if path == "/webcast/room/info/":
            # httpx sends the .tiktok.com cookies to TikTok only, not here: the library's login flag stands for them
            opened = script.session_id is not None and query.get("user_is_login") == "true"
            if script.age_restricted and not opened:
                return _json({"data": {"prompts": "This LIVE is age-restricted"}})
            return _json({"data": {"id_str": ROOM_ID, "status": 2, "title": "Batik sore"}})
        if path == "/webcast/fetch":
            return self._sign(headers)
        return _json({"message": "not here"}, 404)

    def _sign(self, headers: dict) -> Response:
        if self.script.sign_key is not None and headers.get("x-api-key") != self.script.sign_key:
            return _json({"message": "bad key"}, 401)
        if self._rate_limited_left > 0:
            self._rate_limited_left -= 1
            reset = int(time.time()) + self.script.rate_limit_reset_in_s
            return _json({"message": "Too many connections", "limit_label": "free"}, 429,
                         [("RateLimit-Remaining", "0"), ("RateLimit-Reset", str(reset))])
        result = ProtoMessageFetchResult(
            cursor="1", push_server=f"ws://127.0.0.1:{self.port}/webcast/im/push/", route_params={"room": ROOM_ID},
            messages=[ProtoMessageFetchResultBaseProtoMessage(method=name, payload=payload)
                      for name, payload in self._initial],
        )
        self._initial = []  # the recent messages come with the first connection only
        body = bytes(result)
        return Response(200, "OK", Headers([("Content-Length", str(len(body))), ("X-Set-TT-Cookie", "ttwid=standin")]), body)

    # ------------------------------------------------------------ the push stream

    async def _push(self, websocket) -> None:
        self.ws_cookies.append(websocket.request.headers.get("Cookie", ""))
        messages = self._connections.pop(0) if self._connections else []
        for frames in messages:
            if self.script.hold_end is not None and any(name == "WebcastControlMessage" for name, _ in frames):
                await self.script.hold_end.wait()
            await websocket.send(push_frame(frames))
            await asyncio.sleep(0.01)
        ends = any(name == "WebcastControlMessage" for frames in messages for name, _ in frames)
        if ends:
            try:
                async for _ in websocket:  # heartbeats until the client leaves
                    pass
            except Exception:
                pass
        else:
            await websocket.close()


def point_library_at(monkeypatch, base: str) -> None:
    """TikTokLive's own settings: TikTok's web, webcast and sign server URLs all go to the stand-in."""
    monkeypatch.setattr(WebDefaults, "tiktok_app_url", base)
    monkeypatch.setattr(WebDefaults, "tiktok_webcast_url", base + "/webcast")
    monkeypatch.setattr(WebDefaults, "tiktok_sign_url", base)
    monkeypatch.delenv("SIGN_API_URL", raising=False)
    monkeypatch.delenv("SIGN_API_KEY", raising=False)


class StandInThread:
    """The stand-in on its own loop in a thread, for a test whose main thread runs the CLI."""

    def __init__(self, script: Script) -> None:
        self.standin = StandIn(script)
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> StandIn:
        self._thread.start()
        self._ready.wait(10)
        return self.standin

    def __exit__(self, *exc) -> None:
        asyncio.run_coroutine_threadsafe(self.standin.close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self.standin.start())
        self._ready.set()
        self._loop.run_forever()


def _json(data: dict, status: int = 200, headers=()) -> Response:
    body = json.dumps(data).encode()
    return Response(status, http.HTTPStatus(status).phrase,
                    Headers([("Content-Type", "application/json"), ("Content-Length", str(len(body))), *headers]), body)


def _page(sigi: dict) -> Response:
    body = f'<html><script id="SIGI_STATE" type="application/json">{json.dumps(sigi)}</script></html>'.encode()
    return Response(200, "OK", Headers([("Content-Type", "text/html"), ("Content-Length", str(len(body)))]), body)
