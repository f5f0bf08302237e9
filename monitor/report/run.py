"""Run a recording through the one pipeline and engine, as fast as it reads.

The report sees exactly what `replay --headless --speed max` sees: the same
reader, parser, engine and rules; only the sink differs.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, AsyncIterator, Iterable, Sequence

from feeds.dead_letters import DeadLetterFile
from feeds.files import FileSource, UnreadableRecording

from ..config import Config
from ..runs import build_engine
from ..pipeline import Pipeline, check_recording
from ..sinks import Sink
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

    def __init__(self, name: str, progress: ReadProgress, source: FileSource | None,
                 batches: Iterable[list[Any]] | None = None) -> None:
        self.name = name
        self.progress = progress
        self.source = source
        self.read = batches

    async def batches(self) -> AsyncIterator[Sequence[Any]]:
        if self.read is not None:
            for batch in self.read:
                self.progress.advance(batch)
                yield batch
            return
        assert self.source is not None
        async for batch in self.source.batches():
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
    source = FileSource(path) if batches is None else None  # what is no recording is refused here, before the run
    progress = progress or ReadProgress(path, lang=config.lang)
    engine = build_engine(config, room=room)
    collector = SessionCollector(config.engine.window_s, config.engine.tick_s)
    sinks: list[Sink] = [collector]
    if config.input.dead_letter:
        sinks.append(DeadLetterFile(config.input.dead_letter))
    # a short queue keeps the bar close to what the engine has taken, not just read
    pipeline = Pipeline(engine, _ReadingSource(str(path), progress, source, batches), sinks, speed=None, queue_size=2)
    warnings = _Warnings()
    reader_log = logging.getLogger("livemon.files")
    reader_log.addHandler(warnings)
    try:
        summary = asyncio.run(pipeline.run())
    finally:
        reader_log.removeHandler(warnings)
        progress.finish()
    if source is not None and source.error:
        raise UnreadableRecording(source.error)
    check_recording(summary, str(path))
    return Run(str(path), collector.sessions(), summary, engine.totals.filtered, warnings.messages)
