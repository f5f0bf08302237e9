"""Past broadcasts on disk, so a session is judged against the room's own history.

Layout: `<dir>/<room>/<start>-<source>.json` holds a session's headline
numbers (a couple of KB; what `livemon history` lists and `--compare` reads)
and the `.parquet` beside it its per-minute rows (read only for the history
median). Room names come from the feed, so they are data, never a path:
`<room>` is a readable slug of the name plus a hash of it (`room_folder`;
`..`, an empty name, 300 characters or names differing only by case all get
a folder of their own inside the history), and the real name is kept inside
the file. `<start>` is the room's first event time in UTC and `<source>` a
short hash of the recording or URL: room, start and source are the key, so
reporting the same recording again replaces its entry instead of adding a
twin, while two recordings that start at the same moment keep one each.

Why files and not SQLite or DuckDB: a session is written once and never
updated, and the questions asked are "list this room's sessions" and "the
median of the last few", which a directory walk and polars answer in
milliseconds for years of broadcasts. No new dependency, no schema to
migrate, each entry is readable and can be copied, backed up or deleted on
its own, and a write is a temp file plus rename, so a crash never leaves half
a session.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

import orjson

from ..config import Config
from ..catalog import NAMES as METRIC_NAMES
from .session import RoomSession

FORMAT = 1

log = logging.getLogger("livemon.history")


def default_dir() -> Path:
    data = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data) / "livemon" / "history"


@dataclass(frozen=True)
class PastSession:
    room: str
    start_ms: float
    end_ms: float
    window_s: int
    source: str
    saved_at: str
    headline: dict
    path: Path  # the .json file

    @property
    def minutes_path(self) -> Path:
        return self.path.with_suffix(".parquet")


def _stamp(ms: float) -> str:
    """File name of a start time: sortable, readable, millisecond exact."""
    moment = datetime.fromtimestamp(ms / 1000, timezone.utc)
    return moment.strftime("%Y%m%dT%H%M%S") + f".{int(ms) % 1000:03d}Z"


def _short_hash(text: str, length: int) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:length]


def room_folder(room: str) -> str:
    """The folder of a room: a readable ASCII slug (at most 40 characters) and a hash of the exact name."""
    ascii_name = unicodedata.normalize("NFKD", room).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:40].strip("-") or "room"
    return f"{slug}-{_short_hash(room, 12)}"


def session_name(start_ms: float, source: str) -> str:
    """The file name (without suffix) of a session: its start, then which recording or feed it came from."""
    return f"{_stamp(start_ms)}-{_short_hash(source, 8)}"


def _write_atomic(path: Path, data: bytes) -> None:
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class History:
    def __init__(self, directory: str | Path) -> None:
        self.dir = Path(directory).expanduser()

    @classmethod
    def from_config(cls, config: Config) -> "History":
        return cls(config.history.dir or default_dir())

    # ------------------------------------------------------------ write

    def save(self, session: RoomSession, source: str) -> Path:
        """Keep a session (replacing an earlier save of the same room, start and source)."""
        from .export import minutes_frame

        folder = self.dir / room_folder(session.room)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / (session_name(session.start_ms, source) + ".json")
        record = {
            "format": FORMAT,
            "room": session.room,
            "start_ms": session.start_ms,
            "end_ms": session.end_ms,
            "window_s": session.window_s,
            "source": source,
            "saved_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "headline": session.headline,
        }
        rows = io.BytesIO()
        minutes_frame(session.minutes).write_parquet(rows)
        _write_atomic(path.with_suffix(".parquet"), rows.getvalue())  # first: a listed session has its rows
        _write_atomic(path, orjson.dumps(record, option=orjson.OPT_INDENT_2))
        return path

    def save_all(self, sessions: list[RoomSession], source: str) -> list[Path]:
        """What a report, a replay or a watched broadcast calls at its end.

        A disk that refuses the write costs the history entry, not the run:
        one warning, and the report or the summary still comes.
        """
        saved = []
        for session in sessions:
            try:
                saved.append(self.save(session, source))
            except OSError as error:
                log.warning("%s: cannot keep the session in the history (%s); the run goes on",
                            self.dir, error.strerror or error)
                break
        return saved

    # ------------------------------------------------------------ read

    def sessions(self, room: str | None = None) -> list[PastSession]:
        """Saved sessions (of one room, or all), oldest first."""
        if not self.dir.is_dir():
            return []
        folders = self._folders(room) if room is not None else sorted(self.dir.iterdir())
        found = []
        for folder in folders:
            if not folder.is_dir():
                continue
            for path in sorted(folder.glob("*.json")):
                past = _load(path)
                if past is not None and (room is None or past.room == room):
                    found.append(past)
        found.sort(key=lambda past: (past.start_ms, past.room))
        return found

    def _folders(self, room: str) -> list[Path]:
        """The room's folder, and the percent-encoded one of the first layout when that was a safe name."""
        folders = [self.dir / room_folder(room)]
        legacy = quote(room, safe="")
        if legacy not in ("", ".", "..") and len(legacy) <= 200:
            folders.append(self.dir / legacy)
        return folders

    def medians(self, room: str, *, last: int = 10, before_ms: float | None = None) -> dict[str, float | None]:
        """The room's own history median per metric, over the minutes of its last sessions.

        Minutes whose window reaches back before the broadcast began are left out,
        so the median reads like the `drop` rules' baseline (a median of tick
        values). For the console's "baseline from history" while a broadcast is young.
        """
        import polars as pl

        past = [p for p in self.sessions(room) if before_ms is None or p.start_ms < before_ms][-last:]
        frames = []
        for session in past:
            if session.minutes_path.exists():
                frame = pl.read_parquet(session.minutes_path)
                frames.append(frame.filter(pl.col("duration_s") >= session.window_s).select(METRIC_NAMES))
        if not frames:
            return {name: None for name in METRIC_NAMES}
        medians = pl.concat(frames, how="vertical_relaxed").select(pl.all().cast(pl.Float64).median()).row(0, named=True)
        return {name: medians[name] for name in METRIC_NAMES}


def _load(path: Path) -> PastSession | None:
    try:
        record = orjson.loads(path.read_bytes())
        if not isinstance(record["room"], str):
            return None
        return PastSession(
            room=record["room"], start_ms=record["start_ms"], end_ms=record["end_ms"],
            window_s=record["window_s"], source=record.get("source", ""),
            saved_at=record.get("saved_at", ""), headline=record["headline"], path=path,
        )
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError):
        return None  # a foreign or damaged file is not a session

