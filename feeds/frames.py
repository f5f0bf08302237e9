"""Raw frames of a platform's own protocol, kept beside our events so a newer mapping can re-read them.

A feed that reads a platform's protocol (TikTok LIVE's protobuf messages)
hands the pipeline one `Frame` per platform message: a list of the raw inputs
its adapter made of it (event dicts, none or several, or one `Rejection` when
the message does not parse) that also carries the message itself. The
pipeline parses the list like decoded rows (`monitor.events.parse_input`).

The recorder writes one line per frame holding both the frame's bytes and the
events made of it (`frame_record`), so nothing is written twice. Replaying
such a line follows one rule (`replayed_frame`): when the feed's library is
installed, the bytes are read again through the feed's current mapping (a
better mapping improves old recordings); without it, the events written at
recording time are used. Either way each frame counts once.
"""

from __future__ import annotations

import base64
import binascii
import importlib
from typing import Any, Callable

import orjson

from monitor.events import REASONS, Rejection

#: (platform message name, its bytes, our room, arrival ms) -> what the feed's adapter makes of it.
FrameReader = Callable[[str, bytes, str, float], "Frame"]

#: Feeds that record frames, and where their reader lives (imported only when a recording needs it).
READERS: dict[str, str] = {"tiktok": "feeds.tiktok:read_frame"}


class Frame(list):
    """One platform message as raw inputs for the pipeline, with the message kept for the recorder."""

    __slots__ = ("feed", "room", "kind", "payload", "ended")

    def __init__(self, inputs: list[Any], *, feed: str, room: str, kind: str, payload: bytes, ended: bool = False) -> None:
        super().__init__(inputs)
        self.feed = feed
        self.room = room
        self.kind = kind  # the platform's name for the message, e.g. WebcastChatMessage
        self.payload = payload
        self.ended = ended  # the platform said the broadcast is over


def frame_reader(feed: Any) -> FrameReader | None:
    """The adapter that reads `feed`'s frames, or None when the feed or its library is not installed."""
    where = READERS.get(feed) if isinstance(feed, str) else None
    if where is None:
        return None
    module, name = where.split(":")
    try:
        return getattr(importlib.import_module(module), name)
    except ImportError:
        return None


def frame_record(frame: Frame, arrival: int) -> dict:
    """The recorder line of one frame: its bytes and what the adapter made of it at the time."""
    record = {
        "arrival": arrival, "feed": frame.feed, "room": frame.room, "frame": frame.kind,
        "b64": base64.b64encode(frame.payload).decode(),
    }
    refused = next((item for item in frame if type(item) is Rejection), None)
    if refused is not None:
        record.update(refused=refused.reason, detail=refused.detail)
    else:
        record["raw"] = orjson.dumps(list(frame)).decode()
    return record


def replayed_frame(record: dict) -> Frame | str | Rejection | None:
    """A recorded frame line as a raw input again: re-read with the feed's library, else the events written then."""
    read = frame_reader(record.get("feed"))
    kind, room, packed = record.get("frame"), record.get("room"), record.get("b64")
    if read is not None and isinstance(kind, str) and isinstance(room, str) and isinstance(packed, str):
        try:
            payload = base64.b64decode(packed, validate=True)
        except (binascii.Error, ValueError):
            payload = None
        if payload is not None:
            arrival = record.get("arrival")
            return read(kind, payload, room, arrival if isinstance(arrival, (int, float)) else 0)
    reason = record.get("refused")
    if reason in REASONS:
        return Rejection(reason, str(record.get("detail", "")), {"frame": kind, "b64": packed})
    raw = record.get("raw")
    return raw if isinstance(raw, str) else None
