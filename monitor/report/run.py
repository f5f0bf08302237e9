"""Run a recording through the one pipeline and engine, as fast as it reads.

The report sees exactly what `replay --headless --speed max` sees: the same
reader, parser, engine and rules; only the sink differs.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, AsyncIterator, Iterable

from feeds.files import read_batches

from ..config import Config
from ..engine import Engine
from ..pipeline import Pipeline, check_recording
from ..sinks import DeadLetterFile, Sink
from .progress import ReadProgress
from .session import RoomSession, SessionCollector

if TYPE_CHECKING:
    from .imported import Imported


@dataclass
class Run:
    """What a report is built from."""

    source: str
    sessions: list[RoomSession]
    summary: dict  # the engine's run summary
    filtered: int = 0  # events of other rooms when --room was given
    warnings: list[str] = field(default_factory=list)  # e.g. a gzip cut short
    imported: Imported | None = None  # what Seller Center exports added (monitor/report/imported.py)

    @property
    def skipped(self) -> dict:
        """Events that are in no metric, by why."""
        summary = self.summary
        rejected = summary.get("rejected", {})
        counts = {f"rejected:{reason}": count for reason, count in rejected.items()}
        counts["late"] = summary.get("late", 0)
        counts["duplicates"] = summary.get("duplicates", 0)
        return {"total": sum(counts.values()), **{key: value for key, value in counts.items() if value}}


class _ReadingSource:
    """The file's batches, counted by the progress bar as they are read."""

    def __init__(self, path: Path, progress: ReadProgress, batches: Iterable[list[Any]] | None = None) -> None:
        self.path = path
        self.name = str(path)
        self.progress = progress
        self.read = batches

    async def batches(self) -> AsyncIterator[list[Any]]:
        for batch in self.read if self.read is not None else read_batches(self.path):
            self.progress.advance(batch)
            yield batch


class _Warnings(logging.Handler):
    """Keeps what the reader warned about (a cut gzip) for the summary."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def run_file(path: str | Path, config: Config, *, room: str | None = None, progress: ReadProgress | None = None,
             batches: Iterable[list[Any]] | None = None) -> Run:
    """Read a whole recording; bad lines, a cut gzip or rejected events never stop it.

    `batches`: inputs already made from the file (an export's orders) instead of the file's own reading.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    progress = progress or ReadProgress(path)
    engine = Engine(config, room=room)
    collector = SessionCollector(config.engine.window_s, config.engine.tick_s)
    sinks: list[Sink] = [collector]
    if config.input.dead_letter:
        sinks.append(DeadLetterFile(config.input.dead_letter))
    # a short queue keeps the bar close to what the engine has taken, not just read
    pipeline = Pipeline(engine, _ReadingSource(path, progress, batches), sinks, speed=None, queue_size=2)
    warnings = _Warnings()
    reader_log = logging.getLogger("livemon.files")
    reader_log.addHandler(warnings)
    try:
        summary = asyncio.run(pipeline.run())
    finally:
        reader_log.removeHandler(warnings)
        progress.finish()
    check_recording(summary, str(path))
    return Run(str(path), collector.sessions(), summary, engine.totals.filtered, warnings.messages)
