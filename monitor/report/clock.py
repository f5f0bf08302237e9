"""Event times as the report writes them: on the broadcast's clock, never on this machine's.

A recording made in Jakarta and reported on a laptop in Berlin still says the
host pinned a product at 19.05.30: `[display] timezone` (default
Asia/Jakarta) is where every time of the report, its terminal text and the
history listing is read, and the page names that zone once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from .. import formatting
from ..config import Config, DisplaySettings


@dataclass(frozen=True)
class Clock:
    """The broadcast's time zone and the report's language: what a time needs to be written."""

    zone: ZoneInfo
    lang: str

    @classmethod
    def of(cls, config: Config, lang: str | None = None) -> "Clock":
        return cls(ZoneInfo(config.display.timezone), lang or config.lang)

    @classmethod
    def default(cls, lang: str) -> "Clock":
        """The shipped zone, for a caller that has no config at hand."""
        return cls(ZoneInfo(DisplaySettings().timezone), lang)

    def time(self, ms: float) -> str:
        """`19.05.30` (`19:05:30` in English): `formatting.clock_time`."""
        return formatting.clock_time(ms, self.zone, self.lang)

    def when(self, ms: float) -> str:
        """`2026-11-22 19.05.30`: the day in the zone (ISO, the same in both languages), then the time."""
        return f"{self._moment(ms):%Y-%m-%d} {self.time(ms)}"

    def zone_name(self, ms: float) -> str:
        """`Asia/Jakarta (WIB)`; a zone without a short name shows its offset (`UTC+05:30`)."""
        moment = self._moment(ms)
        short = moment.tzname() or ""
        if not short.isalpha():
            offset = moment.strftime("%z")
            short = f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"
        return f"{self.zone.key} ({short})" if short != self.zone.key else short

    def offset_ms(self, ms: float) -> float:
        """How far the zone's clock is ahead of UTC at `ms` (charts put their labels on its round minutes)."""
        offset = self._moment(ms).utcoffset()
        return offset.total_seconds() * 1000 if offset is not None else 0.0

    def _moment(self, ms: float) -> datetime:
        return datetime.fromtimestamp(ms / 1000, self.zone)
