"""`--record FILE`: every raw message as it arrived, valid or not, for replay.

One JSON object per line, appended:

- `{"arrival": <ms>, "raw": "<text>"}` for a message (decoded rows are stored as JSON text);
- `{"arrival": <ms>, "binary": "<base64>"}` for a binary websocket frame;
- `{"arrival": <ms>, "refused": "<reason>", "detail": "..."}` for an input the
  feed refused without receiving it (a message over the size limit);
- `{"arrival": <ms>, "progress": "<source>", "through": <ms, "-inf" or "inf">}`
  for a source's progress (monitor/progress.py), so a replay's clock waits as
  the live one did;
- `{"arrival": <ms>, "feed": "tiktok", "room": "...", "frame": "<message name>",
  "b64": "<its bytes>", "raw": "<JSON array of the events made of it>"}` for a
  platform message (frames.py; `refused` and `detail` instead of `raw` when it
  did not parse). It replays from the bytes when the feed's library is
  installed, else from `raw`: each frame counts once.

Replaying the file (feeds/files.py reads these lines through `replayed`) gives
the same events and the same rejections as the live run. Lines are flushed
within a second of being written and on close, so a kill loses at most the last
second and every complete line replays.
"""

from __future__ import annotations

import asyncio
import base64
import math
import os
from pathlib import Path
from typing import Any

import orjson

from monitor.events import REASONS, Rejection
from monitor.progress import SourceProgress
from monitor.sinks import Sink

from .frames import Frame, frame_record, replayed_frame


class Recorder(Sink):
    """A sink that appends what the feed delivered to a JSON Lines file."""

    def __init__(self, path: str | Path, *, flush_s: float = 1.0) -> None:
        self.path = Path(path)
        self.flush_s = flush_s
        self.lines = 0
        self.file = open(self.path, "ab")
        if self.file.tell() and not _ends_with_newline(self.path):
            self.file.write(b"\n")  # an earlier run was killed mid-line: keep the new lines whole
        self._flush_timer: asyncio.TimerHandle | None = None

    def on_message(self, raw: Any, arrival_ms: float) -> None:
        self.file.write(recorded_line(raw, arrival_ms))
        self.lines += 1
        if self._flush_timer is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # no event loop: nobody would flush later
                self.file.flush()
                return
            self._flush_timer = loop.call_later(self.flush_s, self._flush)

    def _flush(self) -> None:
        self._flush_timer = None
        self.file.flush()

    def close(self, summary: dict) -> None:
        if self._flush_timer is not None:
            self._flush_timer.cancel()
            self._flush_timer = None
        self.file.close()


def recorded_line(raw: Any, arrival_ms: float) -> bytes:
    """The line that keeps one raw input and its arrival time."""
    arrival = round(arrival_ms)
    if type(raw) is Frame:
        record = frame_record(raw, arrival)
    elif type(raw) is Rejection:
        if isinstance(raw.raw, bytes):
            record = {"arrival": arrival, "binary": base64.b64encode(raw.raw).decode()}
        else:
            record = {"arrival": arrival, "refused": raw.reason, "detail": raw.detail}
    elif type(raw) is SourceProgress:
        through = raw.through if math.isfinite(raw.through) else str(raw.through)  # JSON has no infinity
        record = {"arrival": arrival, "progress": raw.source, "through": through}
    elif isinstance(raw, str):
        record = {"arrival": arrival, "raw": raw}
    elif isinstance(raw, bytes):
        record = {"arrival": arrival, "raw": raw.decode("utf-8", "replace")}
    else:
        record = {"arrival": arrival, "raw": orjson.dumps(raw, default=str).decode()}
    return orjson.dumps(record) + b"\n"


def replayed(record: dict) -> str | Frame | Rejection | SourceProgress | None:
    """What a recorded line hands the pipeline again; None if it is no recorder line."""
    if "frame" in record:
        return replayed_frame(record)
    raw = record.get("raw")
    if isinstance(raw, str):
        return raw
    source = record.get("progress")
    if isinstance(source, str):
        through = record.get("through")
        if through in ("inf", "-inf"):
            through = float(through)
        return SourceProgress(source, through) if isinstance(through, (int, float)) else None
    binary = record.get("binary")
    if isinstance(binary, str):
        from .websocket_client import binary_frame

        try:
            return binary_frame(base64.b64decode(binary, validate=True))
        except ValueError:
            return None
    reason = record.get("refused")
    if reason in REASONS:
        return Rejection(reason, str(record.get("detail", "")), None)
    return None


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) == b"\n"
