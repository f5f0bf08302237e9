"""A source's progress: the promise that lets one clock combine several sources."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SourceProgress:
    """Source `source` will deliver no more events with `ts <= through` (epoch ms).

    A source that delivers late by design (an order poller sees an order only
    at its next poll) announces itself with `through=-inf` before its first
    event and then moves `through` after each poll; the stream's clock never
    runs ahead of the slowest announced source (monitor/clock.py).
    """

    source: str
    through: float
