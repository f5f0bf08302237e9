"""The top line (room, source, feed state, event-time clock, elapsed, speed) and the run's end, summed up."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from ..view import Header

_TONES = {"ok": "green", "warn": "yellow", "bad": "bold red"}


class StatusHeader(Static):
    DEFAULT_CSS = """
    StatusHeader {
        height: 1;
        background: $panel;
        color: $foreground;
        padding: 0 1;
    }
    StatusHeader.-paused {
        background: $warning-muted;
    }
    """

    header: reactive[Header | None] = reactive(None)

    def watch_header(self, header: Header | None) -> None:
        self.set_class(bool(header and header.paused), "-paused")
        self.update(self.render_header(header))

    @staticmethod
    def render_header(header: Header | None) -> Text:
        if header is None:
            return Text("livemon")
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append("● ", style=_TONES.get(header.feed_tone, ""))
        text.append(header.room or "–", style="bold")  # room names come from the feed: plain text
        text.append("  │  ", style="dim")
        text.append(header.source, style="dim")
        text.append("  │  ", style="dim")
        text.append(header.feed, style=_TONES.get(header.feed_tone, ""))
        text.append("  │  ", style="dim")
        text.append(f"⏲ {header.clock}", style="bold")
        text.append(f"  {header.elapsed}")
        text.append("  │  ", style="dim")
        text.append(header.speed, style="bold reverse" if header.paused else "bold")
        if header.counts:
            text.append("  │  ", style="dim")
            text.append(header.counts, style="dim")
        return text


class EndSummary(Static):
    """Shown once the run has ended: what the broadcast came to and the exact `livemon report` command."""

    DEFAULT_CSS = """
    EndSummary {
        height: auto;
        padding: 0 1;
        background: $primary-muted;
        color: $text;
        display: none;
    }
    EndSummary.-ended { display: block; }
    """

    lines: reactive[tuple[str, ...]] = reactive(())

    def watch_lines(self, lines: tuple[str, ...]) -> None:
        self.set_class(bool(lines), "-ended")
        text = Text()
        for index, line in enumerate(lines):
            if index:
                text.append("\n")
            text.append(line, style="bold" if index else "")  # a path is plain text, never markup
        self.update(text)
