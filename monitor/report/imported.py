"""`livemon report` on TikTok Seller Center exports: our numbers from the orders, TikTok's beside them.

- `livemon report all-orders.xlsx`: the All Order export's orders go through
  the one pipeline and engine, like a recording, so orders, units, GMV and AOV
  per minute are the engine's. The broadcast is taken to run from the first
  order to the end of the last order's minute.
- `livemon report all-orders.xlsx --session live-analysis.xlsx`: the LIVE in
  the Live Analysis export that holds the most of the orders sets the
  broadcast: from its Launched Time to Launched Time + Duration + 1 minute
  (both are given to the minute), marked by `live_start` / `live_end` host
  actions; orders outside it are left out and counted. TikTok's values fill
  the headline where the orders tell us nothing (views, clicks, CTR, C_O, ...)
  and stand beside ours where both exist.
- `livemon report live-analysis.xlsx`: TikTok's values only. The latest LIVE
  of the file is reported; every LIVE of the file is kept in the history, so
  one download fills it and `--compare` has something to compare with.

Which values are TikTok's is kept (`Imported.tiktok`) and shown on every
tile, in the terminal and in summary.json (`rooms[].platform`). Values
neither export has (live impressions, exits, retention, ...) are null, never
zero; an order export's minute rows keep only the order columns, so an
imported session never drags the room's history medians to zero.

The run of an order export differs from a recording's in two settings: the
rules are those on order values (a file has no feed to go stale), and
`max_skew_s` spans the whole export, since a quiet LIVE can go longer than
five minutes without an order and the clock would otherwise hold those
orders as outliers.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from html import escape
from pathlib import Path
from zoneinfo import ZoneInfo

from feeds.seller_center import (
    MINUTE_MS, ExportError, ImportedOrder, LiveSession, is_export, minute_end, order_batches, read_orders,
    read_sessions, read_sheet, ALL_ORDER, LIVE_ANALYSIS,
)

from .. import formatting
from ..config import Config
from feeds.dead_letters import DeadLetterFile
from .clock import Clock
from .export import _iso
from .history import History
from .progress import ReadProgress
from .run import Run, run_file
from .session import HEADLINE, RoomSession
from .words import shown, word

log = logging.getLogger("livemon.seller_center")

SOURCE = "tiktok-seller-center"
DEFAULT_ROOM = "default"  # the events contract's room when none is named
FROM_ORDERS = frozenset({"orders", "units", "gmv", "aov", "alerts"})  # headline values the orders give us
#: What an order export's minute row keeps; every other value of the row is unknown (null).
_ORDER_MINUTE = frozenset({"room", "minute", "t", "alerts", "host_actions",
                           "orders", "units", "gmv", "aov", "gmv_total", "orders_total", "duration_s"})
_ORDER_RULES = frozenset({"orders", "units", "gmv", "aov", "gmv_total", "orders_total"})
_SHOWN_ERRORS = 20

#: TikTok's values beside ours, in funnel order; the last three have no metric of ours.
BESIDE = (
    "duration_s", "entries", "unique_viewers", "avg_watch_s", "likes", "comments", "shares",
    "product_impressions", "product_clicks", "ctr", "orders", "click_to_order", "units", "gmv", "aov", "gpm",
    "customers", "avg_price",
)


@dataclass
class Imported:
    """What the exports added to a run: TikTok's numbers, which values are whose, what was left out."""

    room: str
    order_file: str | None = None
    session_file: str | None = None
    live: LiveSession | None = None  # TikTok's numbers of the reported LIVE
    lives: list[LiveSession] = field(default_factory=list)  # every LIVE of the session export
    window: tuple[float, float] | None = None  # the broadcast as reported: (start, end]
    ours: frozenset[str] = frozenset()  # headline values livemon computed
    tiktok: frozenset[str] = frozenset()  # headline values that are TikTok's (or made from them)
    ours_values: dict = field(default_factory=dict)  # our headline values, before TikTok's filled the rest
    orders: int = 0  # orders read
    lines: int = 0  # order lines read
    cancelled: int = 0
    cancelled_gmv: float = 0.0
    outside: int = 0  # orders outside the LIVE's window
    rejected: int = 0  # orders or LIVE rows that could not be read
    more_sessions: list[RoomSession] = field(default_factory=list)  # other LIVEs of the file, kept in the history

    def as_dict(self) -> dict:
        live = self.live
        return {
            "source": SOURCE,
            "order_file": self.order_file,
            "session_file": self.session_file,
            "live": None if live is None else {
                "start": _iso(live.start_ms), "start_ms": live.start_ms, "duration_s": live.duration_s,
                "creator": live.creator, "currency": live.currency, "values": live.values,
            },
            "tiktok": sorted(self.tiktok),
            "ours": sorted(self.ours),
            "window": None if self.window is None else {"start_ms": self.window[0], "end_ms": self.window[1]},
            "orders": {
                "read": self.orders, "lines": self.lines, "cancelled": self.cancelled,
                "cancelled_gmv": self.cancelled_gmv, "outside_window": self.outside, "rejected": self.rejected,
            } if self.order_file else None,
            "sessions_in_file": len(self.lives),
        }


def wanted(path: str | Path, session: str | Path | None) -> bool:
    """Whether `livemon report` reads Seller Center exports (not a recording)."""
    return is_export(path) or session is not None


def run_import(path: str | Path, config: Config, *, room: str | None = None, session: str | Path | None = None,
               progress: ReadProgress | None = None) -> Run:
    """A report's run from an All Order export (and a Live Analysis export), or from a Live Analysis export alone."""
    path = Path(path)
    if not is_export(path):
        raise ExportError(f"--session goes with an {ALL_ORDER} export (.xlsx), not with {path.name}")
    zone = ZoneInfo(config.display.timezone)
    if read_sheet(path).kind == LIVE_ANALYSIS:
        if session is not None:
            raise ExportError(f"{path.name} is a Live Analysis export; --session goes with an All Order export")
        return _sessions_run(path, config, room, zone)
    return _orders_run(path, config, room, session, zone, progress)


# ---------------------------------------------------------------- All Order (+ Live Analysis)


def _orders_run(path: Path, config: Config, room: str | None, session: str | Path | None, zone: ZoneInfo,
                progress: ReadProgress | None) -> Run:
    export = read_orders(path, zone)
    lives = read_sessions(session, zone) if session is not None else None
    live = _covering(lives.sessions, export.orders, path, Path(session)) if lives is not None else None
    name = room or (live.creator if live else None) or DEFAULT_ROOM
    orders = export.orders
    start = end = None
    if live is not None:
        window = (live.start_ms, live.start_ms + live.duration_s * 1000 + MINUTE_MS)
        orders = [order for order in orders if window[0] < order.ts <= window[1]]
        lives_file, lang = Path(session).name, config.lang
        start = _marker(window[0] + 1, "live_start",  # 1 ms in: the first minute is the LIVE's own
                        word("live_start_note", lang).format(file=lives_file), name)
        end = _marker(window[1], "live_end", word("live_end_note", lang).format(file=lives_file), name)
    elif orders:
        window = (orders[0].ts, minute_end(orders[-1].ts))
        end = _marker(window[1], "orders_end", word("orders_end_note", config.lang).format(file=path.name), name)
    else:
        window = None
    _warn(export.rejected + (lives.rejected if lives else []), lives.problems if lives else [])
    span = window[1] - window[0] if window else 0
    run = run_file(path, _order_config(config, span), progress=progress or ReadProgress(path, enabled=False),
                   batches=order_batches(orders, export.rejected, name, start=start, end=end))
    ours = FROM_ORDERS | (frozenset() if live else {"duration_s"})
    imported = Imported(
        name, order_file=path.name, session_file=Path(session).name if session else None, live=live,
        lives=lives.sessions if lives else [], window=window, ours=ours, orders=len(orders),
        lines=sum(order.lines for order in orders), cancelled=sum(order.cancelled for order in orders),
        cancelled_gmv=sum(order.amount for order in orders if order.cancelled),
        outside=len(export.orders) - len(orders), rejected=len(export.rejected) + (len(lives.rejected) if lives else 0),
    )
    for reported in run.sessions:
        if live is not None:  # the LIVE's own start (not the marker's 1 ms): one history entry per LIVE
            reported.start_ms = live.start_ms
        for row in reported.minutes:
            for key in row:
                if key not in _ORDER_MINUTE:
                    row[key] = None
        imported.ours_values = {name: reported.headline[name] for name in ours}
        reported.headline, imported.tiktok = filled_headline(reported.headline, ours, live)
    run.imported = imported
    return run


def _covering(lives: list[LiveSession], orders: list[ImportedOrder], order_path: Path, session_path: Path) -> LiveSession:
    """The LIVE whose window holds the most orders (the latest LIVE when there is no order)."""
    if not lives:
        raise ExportError(f"{session_path.name}: no LIVE session could be read from it")
    if not orders:
        return lives[-1]

    def held(live: LiveSession) -> int:
        end = live.end_ms + MINUTE_MS
        return sum(live.start_ms < order.ts <= end for order in orders)

    best = max(lives, key=held)
    if not held(best):
        raise ExportError(
            f"{session_path.name}: none of its {len(lives)} LIVE sessions covers the orders of {order_path.name} "
            f"({_iso(orders[0].ts)} to {_iso(orders[-1].ts)})"
        )
    return best


def _marker(ts: float, action: str, note: str, room: str) -> dict:
    return {"type": "host_action", "ts": ts, "room": room, "action": action, "note": note}


def _order_config(config: Config, span_ms: float) -> Config:
    """Rules on order values only (a file of orders cannot go stale); the whole export is one stream.

    An order export is the seller's own finished record, read in time order:
    a lone order half an hour before the LIVE is an order, not a clock gone
    wrong, so the outlier guard of a feed (max_skew_s) is widened to the span.
    """
    engine = config.engine.model_copy(update={"max_skew_s": max(config.engine.max_skew_s, span_ms / 1000 + 60)})
    rules = [rule for rule in config.rules if rule.metric in _ORDER_RULES]
    return config.model_copy(update={"engine": engine, "rules": rules})


def filled_headline(headline: dict, ours: frozenset[str], live: LiveSession | None) -> tuple[dict, frozenset[str]]:
    """Our values where we have them, TikTok's where we do not; GPM and AOV from the two when needed."""
    values = {name: headline.get(name) if name in ours else None for name in HEADLINE}
    tiktok = set()
    if live is not None:
        for name, value in (("duration_s", live.duration_s), *live.values.items()):
            if name in values and values[name] is None:
                values[name] = value
                tiktok.add(name)
    gmv, orders, entries = values["gmv"], values["orders"], values["entries"]
    if values["aov"] is None and gmv is not None and orders:
        values["aov"] = gmv / orders
        if {"gmv", "orders"} & tiktok:
            tiktok.add("aov")
    if values["gpm"] is None and gmv is not None and entries:
        values["gpm"] = gmv * 1000 / entries
        if {"gmv", "entries"} & tiktok:
            tiktok.add("gpm")
    return values, frozenset(tiktok)


# ---------------------------------------------------------------- Live Analysis alone


def _sessions_run(path: Path, config: Config, room: str | None, zone: ZoneInfo) -> Run:
    export = read_sessions(path, zone)
    _warn(export.rejected, export.problems)
    if export.rejected and config.input.dead_letter:
        dead = DeadLetterFile(config.input.dead_letter)
        dead.on_rejections(export.rejected, datetime.now(timezone.utc).timestamp() * 1000)
        dead.close({})
    sessions = []
    tiktok: frozenset[str] = frozenset()
    for live in export.sessions:
        headline, tiktok = filled_headline({}, frozenset(), live)
        sessions.append(RoomSession(
            room or live.creator or DEFAULT_ROOM, live.start_ms, round(live.end_ms), config.engine.window_s,
            [], [], [], {}, headline,
        ))
    reported = sessions[-1:]
    summary = {"events": 0, "rejected": dict(Counter(rejection.reason for rejection in export.rejected)),
               "late": 0, "duplicates": 0, "rooms": [session.room for session in reported]}
    latest = export.sessions[-1] if export.sessions else None
    imported = Imported(
        reported[0].room if reported else room or DEFAULT_ROOM, session_file=path.name, live=latest,
        lives=export.sessions, tiktok=tiktok, rejected=len(export.rejected), more_sessions=sessions[:-1],
    )
    return Run(str(path), reported, summary, imported=imported)


def kept_sessions(run: Run, history: History) -> list[RoomSession]:
    """What a report keeps in the history: its sessions, and the other LIVEs of a Live Analysis export.

    A LIVE known only from Live Analysis never replaces the entry of the same
    room and start: one made from the orders (or a recording) holds more.
    """
    imported = run.imported
    if imported is None:
        return run.sessions
    sessions = [*run.sessions, *imported.more_sessions]
    if imported.order_file:
        return sessions
    known = {(past.room, past.start_ms) for past in history.sessions()}
    return [session for session in sessions if (session.room, session.start_ms) not in known]


def _warn(rejections: list, problems: list[str]) -> None:
    """One line per unreadable order or LIVE (the first few), so the seller can find them in the file."""
    lines = [rejection.detail for rejection in rejections] + problems
    for line in lines[:_SHOWN_ERRORS]:
        log.warning("%s", line)
    if len(lines) > _SHOWN_ERRORS:
        log.warning("... and %d more (see [input] dead_letter for every one)", len(lines) - _SHOWN_ERRORS)


# ---------------------------------------------------------------- what the report shows


def _show(metric: str, value, lang: str) -> str:
    if value is not None and metric == "avg_price":
        return formatting.money(value, lang)
    return shown(metric, value, lang)


def platform_html(imported: Imported, clock: Clock) -> str:
    """The section beside the tiles: TikTok's numbers and ours, and what the import left out."""
    lang = clock.lang
    live = imported.live
    files = " · ".join(escape(name) for name in (imported.order_file, imported.session_file) if name)
    out = [f"<h3>{word('platform', lang)}</h3>", f'<p class="muted">{files} · {word("platform_note", lang)}</p>']
    if live is not None:
        mine = imported.ours_values
        head = f"<th>{word('ours', lang)}</th>" if imported.ours else ""
        out.append(f'<table class="platform"><tr><th class="text">{word("metric", lang)}</th>'
                   f"<th>TikTok</th>{head}</tr>")
        theirs = {"duration_s": live.duration_s, **live.values}
        for metric in BESIDE:
            if metric not in theirs and metric not in mine:
                continue
            ours = f"<td>{escape(_show(metric, mine.get(metric), lang))}</td>" if imported.ours else ""
            out.append(f'<tr data-metric="{metric}"><td class="text">{escape(word(metric, lang))}</td>'
                       f"<td>{escape(_show(metric, theirs.get(metric), lang))}</td>{ours}</tr>")
        out.append("</table>")
    if imported.order_file:
        out.append(f'<p class="orders-read">{escape(_orders_line(imported, lang))}</p>')
    if len(imported.lives) > 1:
        out.append(_lives_table(imported, clock))
    return "\n".join(out)


def _orders_line(imported: Imported, lang: str) -> str:
    parts = [f"{word('orders_read', lang)} {formatting.number(imported.orders, lang)}"
             f" ({formatting.number(imported.lines, lang)} {word('order_lines', lang)})",
             f"{word('cancelled', lang)} {formatting.number(imported.cancelled, lang)}"
             f" ({formatting.money(imported.cancelled_gmv, lang)})"]
    if imported.session_file:
        parts.append(f"{word('outside_window', lang)} {formatting.number(imported.outside, lang)}")
    parts.append(f"{word('rejected', lang)} {formatting.number(imported.rejected, lang)}")
    return " · ".join(parts)


def _lives_table(imported: Imported, clock: Clock) -> str:
    lang = clock.lang
    columns = ("duration_s", "entries", "ctr", "click_to_order", "orders", "gmv")
    heads = "".join(f"<th>{escape(word(metric, lang))}</th>" for metric in columns)
    out = [f'<table class="lives"><caption class="text">{word("lives_in_file", lang)}</caption>'
           f'<tr><th class="text">{word("started", lang)}</th>{heads}</tr>']
    for live in imported.lives:
        values = {"duration_s": live.duration_s, **live.values}
        cells = "".join(f"<td>{escape(_show(metric, values.get(metric), lang))}</td>" for metric in columns)
        out.append(f'<tr><td class="text">{clock.when(live.start_ms)}</td>{cells}</tr>')
    out.append("</table>")
    return "".join(out)


def platform_lines(imported: Imported, lang: str) -> list[str]:
    """The terminal's lines: TikTok's numbers (marked), what the import counted."""
    lines = []
    live = imported.live
    if live is not None:
        theirs = {"duration_s": live.duration_s, **live.values}
        shown = [f"{word(metric, lang)} {_show(metric, theirs[metric], lang)}" for metric in BESIDE if metric in theirs]
        lines.append(f"  {word('platform', lang)}: " + " · ".join(shown))
    if imported.order_file:
        lines.append("  " + _orders_line(imported, lang))
    if imported.more_sessions:
        lines.append(f"  {word('lives_in_file', lang)}: {len(imported.lives)} · {word('saved', lang)}")
    return lines

