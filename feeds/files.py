"""Recorded sessions as a source: .jsonl, .jsonl.gz, .csv, .parquet.

JSON Lines are handed on as raw lines, so the one parser judges them. CSV and
Parquet rows (read with polars) are handed on as dicts; empty cells are absent
fields. A recording made by `--record` (lines `{"arrival": ..., "raw": ...}`)
replays its raw messages; a platform frame it kept (`"frame"`, `"b64"`, e.g.
TikTok LIVE) is read again through the feed's adapter when that feed's library
is installed, else its recorded `raw` events are used, never both (frames.py).
A gzip cut short ends the file with a warning.
"""

from __future__ import annotations

import gzip
import logging
import zlib
from pathlib import Path
from typing import Any, AsyncIterator, Iterator

import orjson

from .recorder import replayed

log = logging.getLogger("livemon.files")

FORMATS = (".jsonl", ".jsonl.gz", ".csv", ".parquet")
BATCH = 2000


def file_format(path: str | Path) -> str:
    name = str(path).lower()
    for suffix in (".jsonl.gz", ".json.gz", ".jsonl", ".ndjson", ".json", ".csv", ".parquet"):
        if name.endswith(suffix):
            return {".json.gz": ".jsonl.gz", ".ndjson": ".jsonl", ".json": ".jsonl"}.get(suffix, suffix)
    raise ValueError(f"{path}: unknown file type (use one of {', '.join(FORMATS)})")


_NUMERIC_COLUMNS = {"count": int, "quantity": int, "amount": float}


def _typed_csv_row(row: dict) -> dict:
    """CSV cells arrive as text; give the numeric fields of the contract their type."""
    out = {}
    for key, value in row.items():
        if value is None or value == "":
            continue
        convert = _NUMERIC_COLUMNS.get(key)
        if convert is not None:
            try:
                value = convert(value)
            except ValueError:
                pass  # the parser rejects it as bad_value
        elif key == "ts":
            try:
                value = int(value)
            except ValueError:
                try:
                    value = float(value)
                except ValueError:
                    pass  # an RFC 3339 string
        out[key] = value
    return out


def _recorded(line: bytes) -> Any:
    """The raw input of a recorder line, or None when the line is a plain event."""
    if not line.startswith(b'{"arrival"'):
        return None
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    return replayed(record) if isinstance(record, dict) else None


def read_batches(path: str | Path, batch: int = BATCH) -> Iterator[list[Any]]:
    """Blocking reader: lists of raw lines (JSON Lines) or row dicts (CSV, Parquet)."""
    kind = file_format(path)
    if kind in (".jsonl", ".jsonl.gz"):
        yield from _json_lines(path, kind == ".jsonl.gz", batch)
    else:
        import polars as pl

        if kind == ".csv":
            frame = pl.read_csv(path, infer_schema=False)
            convert = _typed_csv_row
        else:
            frame = pl.read_parquet(path)
            convert = None
        for chunk in frame.iter_slices(batch):
            rows = chunk.to_dicts()
            yield [convert(row) for row in rows] if convert else rows


def _json_lines(path: str | Path, gzipped: bool, batch: int) -> Iterator[list[Any]]:
    """Lines in blocks of about `batch`; a recording (judged by its first line) gives its raw messages."""
    opener = gzip.open if gzipped else open
    block = max(1, batch) * 200  # bytes per read: ~batch lines of a typical event
    rest = b""
    recording: bool | None = None
    try:
        with opener(path, "rb") as handle:
            while True:
                data = handle.read1(block)  # read1: a cut gzip loses only the broken tail
                if not data:
                    break
                parts = (rest + data).split(b"\n")
                rest = parts.pop()
                lines = [line for line in parts if line and not line.isspace()]
                if recording is None and lines:
                    recording = lines[0].startswith(b'{"arrival"')
                if lines:
                    yield _from_recording(lines) if recording else lines
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        log.warning("%s: compressed data ends early (%s); read what was complete", path, error)
    if rest and not rest.isspace():
        if recording is None:
            recording = rest.startswith(b'{"arrival"')
        yield _from_recording([rest]) if recording else [rest]


def _from_recording(lines: list[bytes]) -> list[Any]:
    out = []
    for line in lines:
        raw = _recorded(line)
        out.append(raw if raw is not None else line)
    return out


class FileSource:
    """A recorded session; the pipeline paces it by event time."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.name = str(path)
        file_format(path)
        if not self.path.exists():
            raise FileNotFoundError(f"{path}: no such file")

    async def batches(self) -> AsyncIterator[list[Any]]:
        for batch in read_batches(self.path):
            yield batch
