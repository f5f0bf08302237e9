"""The funnel of the window: impressions -> entries -> product views -> clicks -> orders, each step's rate named."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from ..view import FunnelStep

BAR_WIDTH = 12


class FunnelView(Static):
    DEFAULT_CSS = """
    FunnelView {
        height: 8;
        border: round $primary-muted;
        border-title-color: $text-muted;
        padding: 0 1;
    }
    """

    steps: reactive[tuple[FunnelStep, ...]] = reactive(())

    def watch_steps(self, steps: tuple[FunnelStep, ...]) -> None:
        table = Table.grid(padding=(0, 1))
        table.add_column(width=16, no_wrap=True)
        table.add_column(width=7, justify="right", no_wrap=True)
        table.add_column(width=BAR_WIDTH, no_wrap=True)
        table.add_column(no_wrap=True)
        for step in steps:
            filled = round(step.share * BAR_WIDTH)
            bar = Text("█" * filled, style="cyan")
            bar.append("░" * (BAR_WIDTH - filled), style="dim")
            table.add_row(step.label, Text(step.count, style="bold"), bar, Text(f"→ {step.rate}" if step.rate else "", style="yellow"))
        self.update(table)
