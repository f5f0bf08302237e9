"""Past broadcasts on disk, so a session is judged against the room's own history.

Layout: `<dir>/<room>/<start>.json` holds a session's headline numbers
(a couple of KB; what `livemon history` lists and `--compare` reads) and
`<dir>/<room>/<start>.parquet` its per-minute rows (read only for the
history median). `<room>` is the room name percent-encoded, `<start>` the
room's first event time in UTC; room and start are the key, so reporting the
same recording again replaces its entry instead of adding a twin.

Why files and not SQLite or DuckDB: a session is written once and never
updated, and the questions asked are "list this room's sessions" and "the
median of the last few", which a directory walk and polars answer in
milliseconds for years of broadcasts. No new dependency, no schema to
migrate, each entry is readable and can be copied, backed up or deleted on
its own, and a write is a temp file plus rename, so a crash never leaves half
a session.
"""

from __future__ import annotations

import io
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

import orjson

from ..config import Config
from ..catalog import NAMES as METRIC_NAMES
from .session import RoomSession

FORMAT = 1


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
        """Keep a session (replacing an earlier save of the same room and start)."""
        from .export import minutes_frame

        folder = self.dir / quote(session.room, safe="")
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / (_stamp(session.start_ms) + ".json")
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
        """What a report, a replay or a watched broadcast calls at its end."""
        return [self.save(session, source) for session in sessions]

    # ------------------------------------------------------------ read

    def sessions(self, room: str | None = None) -> list[PastSession]:
        """Saved sessions (of one room, or all), oldest first."""
        if not self.dir.is_dir():
            return []
        folders = [self.dir / quote(room, safe="")] if room is not None else sorted(self.dir.iterdir())
        found = []
        for folder in folders:
            if not folder.is_dir():
                continue
            for path in sorted(folder.glob("*.json")):
                past = _load(path)
                if past is not None:
                    found.append(past)
        found.sort(key=lambda past: (past.start_ms, past.room))
        return found

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
        return PastSession(
            room=record["room"], start_ms=record["start_ms"], end_ms=record["end_ms"],
            window_s=record["window_s"], source=record.get("source", ""),
            saved_at=record.get("saved_at", ""), headline=record["headline"], path=path,
        )
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError):
        return None  # a foreign or damaged file is not a session

