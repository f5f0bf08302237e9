"""The room's own history as a baseline while a broadcast is too young for one of its own."""

from __future__ import annotations

from typing import Callable

from .config import Config


def past_baselines(config: Config) -> Callable[[str], dict[str, float | None]] | None:
    """What the engine asks per room for its `drop` / `rise` baselines, or None.

    None unless `[history] baseline_from_history` is on (so the report's
    polars-heavy modules are imported only then); otherwise the room's median
    per metric over its last sessions in the history.
    """
    if not config.history.baseline_from_history:
        return None
    from .report.history import History

    history = History.from_config(config)
    return lambda room: history.medians(room)
