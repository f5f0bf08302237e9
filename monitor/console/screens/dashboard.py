"""The dashboard: one tab per room, redrawn from the sink on a 4 Hz timer; the run's end summed up at the bottom."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Footer, TabbedContent, TabPane

from ... import formatting, words
from ..bindings import localize_bindings
from ..i18n import tr
from ..messages import Drawn
from ..state import RoomView
from ..view import FEED_TONES, Header, clock, speed_text
from ..widgets.header import EndSummary, StatusHeader
from ..widgets.progress import Progress, ReplayProgress
from ..widgets.room import RoomDashboard

REFRESH_HZ = 4
CHART_EVERY = 4  # charts redraw once a second: plotext is the costly part of a frame


class DashboardScreen(Screen[None]):
    DEFAULT_CSS = """
    DashboardScreen TabbedContent { height: 1fr; }
    DashboardScreen TabPane { padding: 0; }
    DashboardScreen ContentTab.-critical { color: $error; text-style: bold; }
    DashboardScreen ContentTab.-warning { color: $warning; text-style: bold; }
    DashboardScreen ContentTab.-info { color: $primary; }
    """

    BINDINGS = [  # the alert keys first: a narrow footer keeps its left end
        Binding("a", "ack", "Ack"),
        Binding("m", "mute", "Mute"),
        Binding("u", "unmute", "Unmute"),
        Binding("space", "toggle_pause", "Pause"),
        Binding("plus,equals_sign", "faster", "Faster", key_display="+"),
        Binding("minus", "slower", "Slower", key_display="-"),
        Binding("left", "seek(-60)", "-1 min", priority=True),
        Binding("right", "seek(60)", "+1 min", priority=True),
        Binding("s", "sort_products", "Sort"),
        Binding("left_square_bracket", "room(-1)", "Room", show=False),
        Binding("right_square_bracket", "room(1)", "Room", show=False),
        *(Binding(str(n), f"room_at({n})", f"Room {n}", show=False) for n in range(1, 10)),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._panes: dict[str, str] = {}  # room -> pane id (room names are not valid ids)
        self._tab_state: dict[str, str | None] = {}
        self._seen: tuple | None = None
        self._frames = 0
        self._charted_sink = 0

    def compose(self) -> ComposeResult:
        yield StatusHeader()
        yield TabbedContent(id="rooms")
        yield EndSummary()
        yield ReplayProgress()
        yield Footer()

    def on_mount(self) -> None:
        self.set_interval(1 / REFRESH_HZ, self.redraw)
        self.watch(self.app, "lang", self._relabel, init=True)

    def _relabel(self, lang: str) -> None:
        localize_bindings(self, lang)
        self.redraw(force=True)

    # ------------------------------------------------------------ drawing

    @property
    def active_room(self) -> RoomView | None:
        pane = self.query_one(TabbedContent).active_pane
        if pane is None:
            return None
        try:
            return self.app.sink.rooms.get(pane.query_one(RoomDashboard).room)
        except NoMatches:
            return None

    def redraw(self, force: bool = False) -> None:
        """Draw the newest state; skip the frame when nothing changed."""
        app = self.app
        sink = app.sink
        self._frames += 1
        seen = (id(sink), sink.version, app.lang, app.rules_version, app.paused, app.speed, app.seek_target,
                app.span, self.query_one(TabbedContent).active, self._marks_version(), app.engine is None)
        added = self._add_rooms()
        if (seen == self._seen and not force and not added) or not (self.is_current or force):
            return
        self._seen = seen
        with app.batch_update():
            room = self.active_room
            self.query_one(StatusHeader).header = self._header(room)
            self.query_one(ReplayProgress).progress = self._progress()
            self.query_one(EndSummary).lines = app.end_summary(room)
            self._colour_tabs()
            if room is not None:
                pane = self.query_one(TabbedContent).active_pane
                charts = force or self._frames % CHART_EVERY == 0 or id(sink) != self._charted_sink
                self._charted_sink = id(sink)  # a new sink (after a seek) gets its charts at once
                try:
                    if not pane.query_one(RoomDashboard).show(
                        room, app.config.rules, app.lang, app.timezone, charts=charts, targets=app.config.benchmarks,
                        topics=app.config.questions.topics, classify=app.classify,
                    ):
                        self._seen = None  # charts wait for their frame: come back even if nothing else changes
                except NoMatches:  # the pane is still mounting: draw again next frame
                    self._seen = None
        if added:
            self._seen = None
            self.call_after_refresh(self.redraw, True)  # draw the new room as soon as its pane is mounted
        self.post_message(Drawn(
            "dashboard", id(sink), sink.version, sink.position, sink.status, ended=sink.summary is not None,
            complete=room is not None and self._seen is not None, lang=app.lang, room=room.name if room else None,
        ))

    def _marks_version(self) -> int:
        return sum(view.alerts_version for view in self.app.sink.rooms.values())

    def _add_rooms(self) -> bool:
        tabs = self.query_one(TabbedContent)
        added = False
        for name, view in self.app.sink.rooms.items():
            if name in self._panes or view.snapshot is None:
                continue
            pane_id = f"room-{len(self._panes) + 1}"
            self._panes[name] = pane_id
            tabs.add_pane(TabPane(Content(name), RoomDashboard(name), id=pane_id))  # Content: a room name is not markup
            added = True
        return added

    def _colour_tabs(self) -> None:
        tabs = self.query_one(TabbedContent)
        for name, pane_id in self._panes.items():
            view = self.app.sink.rooms.get(name)
            worst = view.worst() if view is not None else None
            if self._tab_state.get(name, "") == worst:
                continue
            self._tab_state[name] = worst
            try:
                tab = tabs.get_tab(pane_id)
            except Exception:  # not mounted yet; next frame
                self._tab_state.pop(name, None)
                continue
            if not tab.size.width:  # not laid out yet: a relabel now would measure its underline at width 0
                self._tab_state.pop(name, None)
                self._seen = None  # come back next frame even if nothing else changes
                continue
            for severity in ("critical", "warning", "info"):
                tab.set_class(worst == severity, f"-{severity}")
            tab.label = Content.assemble(("● ", "") if worst else ("", ""), name)

    def _header(self, room: RoomView | None) -> Header:
        app, lang, tz = self.app, self.app.lang, self.app.timezone
        sink, engine = app.sink, app.engine
        snapshot = room.snapshot if room is not None else None
        if app.live:
            feed = sink.status or "connecting"
        else:
            feed = "ended" if sink.status == "ended" else "error" if sink.status == "error" else "replay"
        if app.live:
            speed = f"● {tr('live', lang).upper()}"
        elif app.seek_target is not None:
            speed = f"{tr('seeking', lang)} → {clock(app.seek_target, tz, lang)}"
        elif app.paused:
            speed = f"⏸ {tr('paused', lang)} ({speed_text(app.speed, lang)})"
        else:
            speed = "▶ " + speed_text(app.speed, lang)
        counts = ""
        if engine is not None:
            totals = engine.totals
            counts = (
                f"{formatting.number(totals.events, lang)} {tr('events', lang)} · "
                f"{formatting.number(sum(totals.rejected.values()), lang)} {tr('rejected', lang)} · "
                f"{formatting.number(totals.late, lang)} {tr('late', lang)}"
            )
        return Header(
            room=room.name if room is not None else "",
            source=app.source_name,
            feed=tr("broadcast_ended" if app.live and feed == "ended" else feed, lang)
            + (f": {tr(sink.detail, lang)}" if sink.detail and feed in ("disconnected", "error") else ""),
            feed_tone=FEED_TONES.get(feed, "warn"),
            clock=clock(snapshot.t if snapshot else sink.position, tz, lang),
            elapsed=f"{tr('elapsed', lang)} {formatting.duration(snapshot.metric('duration_s') if snapshot else None, lang)}",
            speed=speed,
            paused=app.paused,
            counts=counts,
        )

    def _progress(self) -> Progress | None:
        app = self.app
        if app.live:
            return None
        lang, tz = app.lang, app.timezone
        position = app.seek_target if app.seek_target is not None else app.sink.position
        if app.span is None:
            return Progress(None, clock(position, tz, lang), "")
        first, last = app.span
        fraction = 1.0 if last <= first else ((position or first) - first) / (last - first)
        return Progress(fraction, clock(position, tz, lang), clock(last, tz, lang))

    # ------------------------------------------------------------ actions

    REPLAY_ACTIONS = frozenset({"toggle_pause", "faster", "slower", "seek"})

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A live feed has no replay keys: hide them from the footer."""
        if action in self.REPLAY_ACTIONS and self.app.replay_path is None:
            return False
        return True

    def action_sort_products(self) -> None:
        pane = self.query_one(TabbedContent).active_pane
        if pane is not None:
            try:
                pane.query_one(RoomDashboard).sort_products()
            except NoMatches:
                return
            self.redraw(force=True)

    def action_toggle_pause(self) -> None:
        self.app.toggle_pause()
        self.redraw(force=True)  # the header says so at once, not on the next frame

    def action_faster(self) -> None:
        self.app.change_speed(1)
        self.redraw(force=True)

    def action_slower(self) -> None:
        self.app.change_speed(-1)
        self.redraw(force=True)

    def action_seek(self, seconds: int) -> None:
        self.app.seek_by(seconds)

    def _selected(self):
        room = self.active_room
        if room is None or not room.alerts:
            return room, None
        pane = self.query_one(TabbedContent).active_pane
        seq = pane.query_one(RoomDashboard).selected_alert
        entry = next((entry for entry in room.alerts if entry.seq == seq), None) if seq is not None else None
        return room, entry or room.alerts[0]

    def action_ack(self) -> None:
        room, entry = self._selected()
        if entry is None:
            self.notify(tr("no_alert_selected", self.app.lang), severity="warning")
            return
        room.ack(entry)
        self.notify(tr("acked_alert", self.app.lang, rule=self._rule_name(entry.alert.rule)))
        self.redraw(force=True)

    def action_mute(self) -> None:
        room, entry = self._selected()
        if entry is None:
            self.notify(tr("no_alert_selected", self.app.lang), severity="warning")
            return
        room.mute(entry.alert.rule)
        self.notify(tr("muted_rule", self.app.lang, rule=self._rule_name(entry.alert.rule)))
        self.redraw(force=True)

    def action_unmute(self) -> None:
        """Unmute the rule highlighted in the muted list (the one ending soonest unless another is picked)."""
        room = self.active_room
        pane = self.query_one(TabbedContent).active_pane
        rule = pane.query_one(RoomDashboard).selected_mute if room is not None and pane is not None else None
        if rule is None or not room.is_muted(rule):
            self.notify(tr("nothing_muted", self.app.lang), severity="warning")
            return
        room.unmute(rule)
        self.notify(tr("unmuted_rule", self.app.lang, rule=self._rule_name(rule)))
        self.redraw(force=True)

    def _rule_name(self, rule: str) -> str:
        return words.rule(rule, self.app.config.rules, self.app.lang)

    def action_room(self, step: int) -> None:
        panes = list(self._panes.values())
        if not panes:
            return
        tabs = self.query_one(TabbedContent)
        index = panes.index(tabs.active) if tabs.active in panes else 0
        tabs.active = panes[(index + step) % len(panes)]
        self.redraw(force=True)

    def action_room_at(self, number: int) -> None:
        panes = list(self._panes.values())
        if 0 < number <= len(panes):
            self.query_one(TabbedContent).active = panes[number - 1]
            self.redraw(force=True)
