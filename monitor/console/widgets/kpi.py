"""KPI tiles: the value, its trend against the baseline, greyed on a small sample, marked while its alert fires."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Grid
from textual.reactive import reactive
from textual.widgets import Static

from ..view import KPIS, Reading

_TONE_STYLE = {"up": "green", "down": "red", "flat": "dim", "": "dim"}


class KpiTile(Static):
    DEFAULT_CSS = """
    KpiTile {
        height: 4;
        border: round $primary-muted;
        border-title-color: $text-muted;
        padding: 0 1;
    }
    KpiTile.-target-met {
        border-subtitle-color: $success;
    }
    KpiTile.-target-missed {
        border-subtitle-color: $error;
    }
    KpiTile.-unreliable {
        color: $text-disabled;
        border: round $panel-lighten-1;
    }
    KpiTile.-alerting {
        border: heavy $error;
        border-title-color: $error;
        border-title-style: bold;
    }
    KpiTile.-alerting.-alert-warning {
        border: heavy $warning;
        border-title-color: $warning;
    }
    KpiTile.-alerting.-alert-info {
        border: heavy $primary;
        border-title-color: $primary;
    }
    KpiTile.-alerting.-acknowledged {
        border: round $error-muted;
        border-title-color: $text-muted;
        border-title-style: none;
    }
    """

    reading: reactive[Reading | None] = reactive(None)

    def watch_reading(self, reading: Reading | None) -> None:
        if reading is None:
            return
        self.border_title = f"⚠ {reading.label}" if reading.alert else reading.label
        self.border_subtitle = reading.target
        self.set_class(not reading.reliable, "-unreliable")
        self.set_class(bool(reading.alert), "-alerting")  # until the alert resolves, acknowledged or not
        for severity in ("warning", "info"):
            self.set_class(reading.alert == severity, f"-alert-{severity}")
        self.set_class(reading.alert_seen, "-acknowledged")
        self.set_class(reading.target_met is True, "-target-met")
        self.set_class(reading.target_met is False, "-target-missed")
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(reading.value, style="bold" if reading.reliable else "")
        text.append("\n")
        text.append(reading.trend, style=_TONE_STYLE[reading.tone] if reading.reliable else "")
        self.update(text)


class KpiGrid(Grid):
    DEFAULT_CSS = """
    KpiGrid {
        grid-size: 6 2;
        grid-gutter: 0 1;
        height: 8;
    }
    """

    def compose(self) -> ComposeResult:
        for kpi in KPIS:
            yield KpiTile(id=f"kpi-{kpi.key}", classes="kpi")

    def show(self, readings: tuple[Reading, ...]) -> None:
        for tile, reading in zip(self.query(KpiTile), readings):
            tile.reading = reading
