"""A progress bar on stderr while a recording is read, from the bytes taken so far.

Only drawn when stderr is a terminal (a log file or CI gets no carriage
returns), and at most ten times a second, so it costs nothing per event.
In the report's language, like the rest of what `livemon report` prints.
"""

from __future__ import annotations

import os
import struct
import sys
import time
from pathlib import Path
from typing import IO, Any

from feeds.files import file_format

from .. import formatting

_WIDTH = 30
#: reading, lines, rows
_WORDS = {"id": ("membaca", "baris", "baris"), "en": ("reading", "lines", "rows")}


def expected_size(path: str | Path) -> tuple[int | None, str]:
    """What the reader will get through, and its unit: bytes of text, or rows."""
    kind = file_format(path)
    size = os.path.getsize(path)
    if kind == ".jsonl":
        return size, "bytes"
    if kind == ".jsonl.gz":
        # the gzip trailer holds the uncompressed length (mod 4 GiB); a cut file has none
        with open(path, "rb") as handle:
            handle.seek(max(0, size - 4))
            tail = handle.read(4)
        if len(tail) == 4:
            length = struct.unpack("<I", tail)[0]
            if length >= size:
                return length, "bytes"
        return None, "bytes"
    if kind == ".parquet":
        import polars as pl

        return pl.scan_parquet(path).select(pl.len()).collect().item(), "rows"
    return None, "rows"


class ReadProgress:
    def __init__(self, path: str | Path, stream: IO[str] | None = None, enabled: bool | None = None,
                 lang: str = "id") -> None:
        self.lang = lang
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.total, self.unit = expected_size(path) if self.enabled else (None, "rows")
        self.done = 0
        self.items = 0
        self.started = time.monotonic()
        self._drawn = 0.0

    def advance(self, batch: list[Any]) -> None:
        """Count a batch the reader handed on (lines of text or rows)."""
        if not self.enabled:
            return
        self.items += len(batch)
        if self.unit == "bytes":
            try:
                self.done += sum(map(len, batch)) + len(batch)  # each line lost its newline
            except TypeError:  # a recorded rejection among the lines
                self.done += sum(len(item) + 1 for item in batch if isinstance(item, (bytes, str)))
        else:
            self.done += len(batch)
        now = time.monotonic()
        if now - self._drawn >= 0.1:
            self._drawn = now
            self.draw(now)

    def draw(self, now: float) -> None:
        lang = self.lang
        reading, lines, rows = _WORDS[lang]
        elapsed = formatting.duration(now - self.started, lang)
        count = f"{formatting.number(self.items, lang)} {lines if self.unit == 'bytes' else rows}"
        if self.total and self.done <= self.total:
            share = self.done / self.total
            filled = int(share * _WIDTH)
            bar = "#" * filled + "-" * (_WIDTH - filled)
            text = f"{reading} [{bar}] {share * 100:3.0f}%  {count}  {elapsed}"
        else:
            text = f"{reading} {count}  {elapsed}"
        self.stream.write("\r" + text + "\x1b[K")
        self.stream.flush()

    def finish(self) -> None:
        if self.enabled:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
