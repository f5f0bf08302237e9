"""Recorded sessions as a source: .jsonl, .jsonl.gz, .csv, .parquet.

JSON Lines are handed on as raw lines, so the one parser judges them. CSV and
Parquet rows (read with polars) are handed on as dicts; empty cells are absent
fields. A recording made by `--record` (lines `{"arrival": ..., "raw": ...}`)
replays its raw messages; a platform frame it kept (`"frame"`, `"b64"`, e.g.
TikTok LIVE) is read again through the feed's adapter when that feed's library
is installed, else its recorded `raw` events are used, never both (frames.py).
A gzip cut short ends the file with a warning, and a leading UTF-8 byte order
mark is read past.

A file that is no recording at all (a directory, a spreadsheet, a PDF, an
image, a log, a corrupt Parquet, a CSV whose rows do not fit its header) is
refused by `check_file` before the run with one line saying what it is
(`UnreadableRecording`, a ValueError: exit status 2). What only shows while
reading (a Parquet page corrupt in the middle) ends the reading; the source
keeps the reason in `error`, and the command exits with it after the run.
"""

from __future__ import annotations

import gzip
import logging
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, AsyncIterator, Iterator, Sequence

import orjson

from monitor.events import JsonLines
from monitor.pipeline import NotARecording

from .recorder import replayed

log = logging.getLogger("livemon.files")

FORMATS = (".jsonl", ".jsonl.gz", ".csv", ".parquet")
BATCH = 2000
BOM = b"\xef\xbb\xbf"


class UnreadableRecording(NotARecording):
    """A file livemon cannot read as a recording (found before or while reading); the message is one line."""


#: Leading bytes of files people mistake for a recording.
_MAGIC = (
    (b"PK\x03\x04", "a zip archive (xlsx, docx, ...)"),
    (b"\xd0\xcf\x11\xe0", "an old Office document (xls, doc)"),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"PAR1", "a Parquet file"),
    (b"\x1f\x8b", "gzip-compressed data"),
)
_HEAD = 64 * 1024  # bytes sniffed at the start of a text recording


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


def check_file(path: str | Path) -> str:
    """The file's format, or UnreadableRecording saying why it is no recording (before any run)."""
    path = Path(path)
    kind = file_format(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    if path.is_dir():
        raise UnreadableRecording(f"{path}: is a directory, not a recording")
    try:
        with open(path, "rb") as handle:
            head = handle.read(_HEAD)
        if kind == ".parquet":
            _check_parquet(path, head)
        elif kind == ".jsonl.gz":
            if not head.startswith(b"\x1f\x8b"):
                raise UnreadableRecording(f"{path}: is {_what(head, 'not gzip-compressed')}, not a .jsonl.gz recording")
            _check_text(path, _gunzip_head(path), kind)
        else:
            _check_text(path, head, kind)
    except OSError as error:
        raise UnreadableRecording(f"{path}: cannot be read: {error.strerror or error}") from None
    return kind


def _what(head: bytes, otherwise: str) -> str:
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return what
    return otherwise


def _gunzip_head(path: Path) -> bytes:
    try:
        with gzip.open(path, "rb") as handle:
            return handle.read1(_HEAD)
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        raise UnreadableRecording(f"{path}: the gzip data is broken at the start ({error})") from None


def _check_text(path: Path, head: bytes, kind: str) -> None:
    """JSON Lines or CSV: UTF-8 text whose first lines look like events (or a header of event fields)."""
    name = kind.lstrip(".").replace(".gz", "")
    what = _what(head, "")
    if what or b"\x00" in head:
        raise UnreadableRecording(f"{path}: is {what or 'binary data'}, not a {kind} recording")
    head = head.removeprefix(BOM)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 3:  # not just a character cut by the end of the head
            raise UnreadableRecording(f"{path}: is not UTF-8 text, not a {kind} recording") from None
    lines = [line.strip() for line in head.splitlines()]
    if len(head) == _HEAD and len(lines) > 1:
        lines.pop()  # cut by the end of the head
    lines = [line for line in lines if line]
    if not lines:
        return  # empty: a recording of nothing
    if kind == ".csv":
        header = {cell.strip().strip('"') for cell in lines[0].decode("utf-8", "replace").split(",")}
        if not {"type", "ts"} <= header:
            raise UnreadableRecording(f"{path}: its first line has no 'type' and 'ts' columns, not a {name} recording")
        _read_csv(path)  # a row that does not fit the header shows only when the whole file is read
    elif not any(_json_value(line) for line in lines):
        raise UnreadableRecording(f"{path}: no line of its start is JSON, not a {name} recording")


def _json_value(line: bytes) -> bool:
    """Whether a line is JSON (an event, a batch, a recorder line); one line longer than the head may be too."""
    if line[:1] not in (b"{", b"["):
        return False
    if len(line) >= _HEAD - 1:
        return True
    try:
        orjson.loads(line)
    except orjson.JSONDecodeError:
        return False
    return True


def _check_parquet(path: Path, head: bytes) -> None:
    import polars as pl

    if not head.startswith(b"PAR1"):
        raise UnreadableRecording(f"{path}: is {_what(head, 'not Parquet data')}, not a .parquet recording")
    try:
        columns = pl.read_parquet_schema(path)
    except pl.exceptions.PolarsError as error:
        raise UnreadableRecording(f"{path}: a broken Parquet file ({_first_line(error)})") from None
    if not {"type", "ts"} <= set(columns):
        raise UnreadableRecording(f"{path}: has no 'type' and 'ts' columns, not a .parquet recording")


def _read_csv(path: Path):
    import polars as pl

    try:
        return pl.read_csv(path, infer_schema=False)
    except pl.exceptions.PolarsError as error:
        raise UnreadableRecording(f"{path}: a CSV that cannot be read ({_first_line(error)})") from None


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0][:160]


@dataclass(frozen=True, slots=True)
class FilePosition:
    """Where a batch starts in a file: a byte offset in its (uncompressed) text, or a row of a table.

    `recording` says whether the file's lines are recorder lines (judged by the first line, which a
    reader that starts later never sees).
    """

    offset: int = 0
    recording: bool | None = None


def read_batches(path: str | Path, batch: int = BATCH) -> Iterator[Sequence[Any]]:
    """Blocking reader: lists of raw lines (JSON Lines) or row dicts (CSV, Parquet)."""
    for lines, _ in read_from(path, batch=batch):
        yield lines


def read_from(path: str | Path, start: FilePosition | None = None, *,
              batch: int = BATCH) -> Iterator[tuple[Sequence[Any], FilePosition]]:
    """`read_batches` from `start` on (what comes before it is not parsed), each batch with where the next starts.

    A checkpoint keeps the position after its last batch, so a seek reads on from there.
    """
    kind = file_format(path)
    start = start or FilePosition()
    if kind in (".jsonl", ".jsonl.gz"):
        yield from _json_lines(path, kind == ".jsonl.gz", batch, start)
    else:
        import polars as pl

        if kind == ".csv":
            frame = _read_csv(Path(path))
            convert = _typed_csv_row
        else:
            try:
                frame = pl.read_parquet(path)
            except pl.exceptions.PolarsError as error:
                raise UnreadableRecording(f"{path}: a broken Parquet file ({_first_line(error)})") from None
            convert = None
        row = start.offset
        for chunk in frame.slice(row).iter_slices(batch):
            rows = chunk.to_dicts()
            row += len(rows)
            yield ([convert(one) for one in rows] if convert else rows), FilePosition(row)


def _json_lines(path: str | Path, gzipped: bool, batch: int,
                start: FilePosition) -> Iterator[tuple[Sequence[Any], FilePosition]]:
    """Lines in blocks of about `batch`; a recording (judged by its first line) gives its raw messages.

    Each block comes with the byte offset after its last line (in the uncompressed text); a gzip
    file started at an offset is decompressed up to it, never parsed.
    """
    opener = gzip.open if gzipped else open
    block = max(1, batch) * 200  # bytes per read: ~batch lines of a typical event
    rest = b""
    recording = start.recording
    first = start.offset == 0
    read = start.offset  # bytes of the text read so far
    try:
        with opener(path, "rb") as handle:
            if start.offset:
                handle.seek(start.offset)
            while True:
                data = handle.read1(block)  # read1: a cut gzip loses only the broken tail
                if not data:
                    break
                read += len(data)
                if first:
                    data, first = data.removeprefix(BOM), False
                chunk = rest + data
                cut = chunk.rfind(b"\n")
                if cut < 0:
                    rest = chunk
                    continue
                lines, rest = JsonLines(chunk[:cut]), chunk[cut + 1:]
                if recording is None and lines.lines:
                    recording = lines.lines[0].startswith(b'{"arrival"')
                if recording:
                    if lines.lines:
                        yield _from_recording(lines.lines), FilePosition(read - len(rest), True)
                elif lines.text and not lines.text.isspace():  # split into lines only if someone asks
                    yield lines, FilePosition(read - len(rest), recording)
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        log.warning("%s: compressed data ends early (%s); read what was complete", path, error)
    if rest and not rest.isspace():
        if recording is None:
            recording = rest.startswith(b'{"arrival"')
        yield (_from_recording([rest]) if recording else [rest]), FilePosition(read, recording)


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
        check_file(self.path)
        self.error: str | None = None  # why reading stopped before the end, if it did

    async def batches(self) -> AsyncIterator[Sequence[Any]]:
        try:
            for batch in read_batches(self.path):
                yield batch
        except UnreadableRecording as error:  # the command says it once the run has ended
            self.error = str(error)
        except OSError as error:
            self.error = f"{self.path}: cannot be read: {error.strerror or error}"
