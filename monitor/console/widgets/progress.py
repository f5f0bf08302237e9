"""How far the replay is through its file, by event time."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

BAR = 60


@dataclass(frozen=True, slots=True)
class Progress:
    fraction: float | None  # None: the file's span is not known yet
    position: str
    end: str


class ReplayProgress(Static):
    DEFAULT_CSS = """
    ReplayProgress {
        height: 1;
        padding: 0 1;
        background: $panel;
    }
    """

    progress: reactive[Progress | None] = reactive(None)

    def watch_progress(self, progress: Progress | None) -> None:
        self.display = progress is not None
        if progress is None:
            return
        text = Text(no_wrap=True)
        text.append(progress.position + " ", style="bold")
        if progress.fraction is None:
            text.append("·" * BAR, style="dim")
        else:
            filled = round(max(0.0, min(1.0, progress.fraction)) * BAR)
            text.append("━" * filled, style="cyan")
            text.append("━" * (BAR - filled), style="dim")
            text.append(f" {progress.fraction * 100:3.0f}%")
        text.append(" " + progress.end, style="dim")
        self.update(text)
