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
second and every complete line replays. A disk that refuses a write stops the
recording with one warning; the monitor goes on (feeds/appending.py).
"""

from __future__ import annotations

import base64
import json
import math
import os
from pathlib import Path
from typing import Any

import orjson

from monitor.events import REASONS, Rejection, parse_object
from monitor.progress import SourceProgress
from monitor.sinks import Sink

from .appending import AppendFile
from .frames import Frame, frame_record, replayed_frame


class Recorder(Sink):
    """A sink that appends what the feed delivered to a JSON Lines file."""

    def __init__(self, path: str | Path, *, flush_s: float = 1.0) -> None:
        self.path = Path(path)
        self.lines = 0
        self.out = AppendFile(self.path, "recording", flush_s=flush_s)
        if self.out.file.tell() and not _ends_with_newline(self.path):
            self.out.write(b"\n", lines=0)  # an earlier run was killed mid-line: keep the new lines whole

    @property
    def failed(self) -> str | None:
        """Why the recording stopped early, if it did."""
        return self.out.failed

    def on_message(self, raw: Any, arrival_ms: float) -> None:
        self.out.write(recorded_line(raw, arrival_ms))
        self.lines += 1

    def close(self, summary: dict) -> None:
        self.out.close()


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
        try:
            record = {"arrival": arrival, "raw": orjson.dumps(raw, default=str).decode()}
        except (TypeError, orjson.JSONEncodeError):
            record = _unusual_row(raw, arrival)
    return orjson.dumps(record) + b"\n"


def _unusual_row(row: Any, arrival: int) -> dict:
    """A decoded row orjson cannot write (nested too deep, an integer beyond 64 bits).

    Too deep is what the parser refuses: keep its verdict, which replays as the
    same rejection. Anything else the parser took is written by the standard
    library (which writes any integer), so it replays as the same event.
    """
    verdict = parse_object(row)
    if type(verdict) is Rejection:
        return {"arrival": arrival, "refused": verdict.reason, "detail": verdict.detail}
    return {"arrival": arrival, "raw": json.dumps(row, default=str)}


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
