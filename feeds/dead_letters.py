"""`[input] dead_letter`: every rejected input with its reason, one JSON object per line.

The file is for finding out what a producer sends wrong, so it keeps the input
as it came (text as text). A value JSON cannot hold (nesting beyond orjson's
255 levels, an integer beyond 64 bits) is written as its kind instead, and a
disk that refuses a write stops the file with one warning (feeds/appending.py).
"""

from __future__ import annotations

from pathlib import Path

import orjson

from monitor.events import Rejection
from monitor.sinks import Sink

from .appending import AppendFile


class DeadLetterFile(Sink):
    """Rejected inputs with their reason, one JSON object per line."""

    def __init__(self, path: str | Path) -> None:
        self.out = AppendFile(path, "dead letters")

    @property
    def failed(self) -> str | None:
        return self.out.failed

    def on_rejections(self, rejections: list[Rejection], arrival_ms: float) -> None:
        self.out.write(b"".join(dead_letter(rejection, arrival_ms) for rejection in rejections), len(rejections))

    def close(self, summary: dict) -> None:
        self.out.close()


def dead_letter(rejection: Rejection, arrival_ms: float) -> bytes:
    raw = rejection.raw
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    record = {"arrival": arrival_ms, "reason": rejection.reason, "detail": rejection.detail, "raw": raw}
    try:
        return orjson.dumps(record, default=str) + b"\n"
    except (TypeError, orjson.JSONEncodeError):
        record["raw"] = f"<{type(raw).__name__} that JSON cannot hold>"
        return orjson.dumps(record) + b"\n"
