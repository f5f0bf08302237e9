"""`livemon watch TARGET`: the live source a target names, by its scheme.

One table (`OPENERS`) maps a scheme to the function that opens it, so a new
platform is one entry here. Every opener returns a plain `Source` (`name`,
`on_status`, `async def batches()`), which the pipeline runs the same way and
which `--orders` merges with the shop's orders into the same room
(feeds/broadcast.py). `nats://` stays with `livemon watch` itself (it runs
workers' records, not a source).
"""

from __future__ import annotations

import re
from typing import Callable

from monitor.config import Config, TikTokLiveSettings
from monitor.pipeline import Source

from .credentials import credentials

Opener = Callable[..., Source]

_HANDLE = re.compile(r"@?[A-Za-z0-9._]{2,24}")


def open_source(target: str, config: Config, *, room: str | None = None, token: str | None = None,
                cafile: str | None = None, token_given: bool = False) -> Source:
    """The source for `target`; ValueError with one line saying what is wrong.

    `token` and `cafile` are for ws:// feeds (the token read by the caller from the
    environment or a file); `token_given` says the user gave one, for the feeds that take none.
    """
    for prefix, opener in OPENERS.items():
        if target.lower().startswith(prefix):
            return opener(target, config, room=room, token=token, cafile=cafile, token_given=token_given)
    raise ValueError(f"{target!r}: watch a ws:// or wss:// URL, tiktok:@handle, shopee:SESSION_ID or nats://")


def _websocket(target: str, config: Config, *, token: str | None, cafile: str | None, **_: object) -> Source:
    from .websocket_client import WebSocketSource

    return WebSocketSource(target, token=token, cafile=cafile, max_message_bytes=config.input.max_message_bytes)


def _tiktok(target: str, config: Config, *, room: str | None, token_given: bool, cafile: str | None,
            **_: object) -> Source:
    """`tiktok:@handle`; the sign key and a login come from the environment or `[sources.tiktok]`."""
    if token_given or cafile:
        raise ValueError("--token-file and --cafile are for ws:// feeds; a TikTok sign key goes in LIVEMON_TIKTOK_SIGN_KEY")
    handle = target.split(":", 1)[1].strip().removeprefix("//")
    if not _HANDLE.fullmatch(handle):
        raise ValueError(f"{target!r}: a TikTok handle is tiktok:@name (letters, digits, '.' and '_')")
    try:
        from .tiktok import TikTokSource
    except ImportError as error:
        raise ValueError(str(error)) from None
    settings = config.sources.tiktok or TikTokLiveSettings()
    # the room's name: --room when given (so the filter keeps its events), else the handle
    return TikTokSource(handle, room=room, credentials=credentials(config, "tiktok"), offline_poll_s=settings.offline_poll_s)


def _shopee(target: str, config: Config, *, room: str | None, **_: object) -> Source:
    from .broadcast import shopee_source

    return shopee_source(target, config, room=room)


OPENERS: dict[str, Opener] = {
    "ws://": _websocket,
    "wss://": _websocket,
    "tiktok:": _tiktok,
    "shopee:": _shopee,
}
