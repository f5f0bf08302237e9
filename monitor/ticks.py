"""What the engine hands out at each tick: per room its snapshot, alerts and usual values.

Plain Python classes, outside the compiled modules (setup.py): the engine
makes them, and others make them too from what they read — the console's
NATS desk builds a `RoomTick` around a snapshot a worker published (any object
that reads like a `Snapshot`), which a compiled class would refuse.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .events import Event
from .metrics import Snapshot
from .rules import Alert


@dataclass(slots=True)
class RoomTick:
    snapshot: Snapshot
    alerts: list[Alert]
    usual: dict[str, float | None] = field(default_factory=dict)  # the rules' baselines of the shown metrics


@dataclass(slots=True)
class Tick:
    """Everything computed at one tick: per room (ascending name) its snapshot and alerts."""

    t: int
    rooms: list[RoomTick]
    host_actions: list[Event] = field(default_factory=list)
