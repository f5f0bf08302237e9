"""The one way to make an engine from a config.

Every run (headless replay and watch, the console and its seeks, the report,
a NATS worker) builds its engine here, so an option of the config (the
room's past sessions as a baseline, and whatever comes next) applies to all
of them alike instead of to the ones that remembered it.
"""

from __future__ import annotations

from .baselines import past_baselines
from .config import Config
from .engine import Engine


def build_engine(config: Config, *, room: str | None = None, live: bool = False,
                 shown_baselines: tuple[str, ...] = ()) -> Engine:
    """An engine for `config`: only this room (`room`), live (the wall clock runs the clock on), and the
    metrics a screen shows "vs biasanya" (`shown_baselines`: the rules' own baselines of them)."""
    return Engine(config, room=room, live=live, past_baselines=past_baselines(config), shown_baselines=shown_baselines)
