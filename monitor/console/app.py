"""LivemonApp: the engine and pipeline behind a Textual console.

The app owns the run: it builds the Engine and the Pipeline, feeds the
pipeline from a worker on its own loop, and hands a ConsoleSink to the
screens, which redraw from it on a timer. Replay controls, seeking (rebuild in
a thread), rule edits, saving them to the user's config file, the config file
watch and calling the assistant on a new critical alert (bell, desktop
notification) live here as well, so the screens only ask.
"""

from __future__ import annotations

import logging
import shlex
from pathlib import Path
from typing import Callable, Iterable

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.reactive import reactive, var
from textual.screen import Screen
from textual.worker import get_current_worker

from feeds.recorder import Recorder

from .. import words
from ..config import DEFAULT_CONFIG, AlertRule, Config, ConfigError, load_config
from ..engine import Engine
from ..runs import build_engine
from ..pipeline import Pipeline, Source
from ..sinks import Sink
from . import view
from .bindings import localize_bindings
from .i18n import LANGS, tr
from .messages import AssistantCalled, ConfigInvalid, ConfigReloaded, RulesEdited, RulesSaved
from .notify import find_notifier, notification, send
from .replay import Checkpointer, Rebuilt, ReplaySource, rebuild, replay_checkpoints, step_speed, time_span
from .rules_edit import save_rules, save_target
from .screens.dashboard import DashboardScreen
from .screens.help import HelpScreen
from .screens.thresholds import ThresholdsScreen
from .screens.unsaved import UnsavedScreen
from .state import Classify, ConsoleSink, RoomView

log = logging.getLogger("livemon.console")

CONFIG_POLL_S = 1.0
ATTENTION_HZ = 4  # how often new critical alerts are looked for (one bell per look at most)
REPLAY_QUEUE = 64  # batches of a file read ahead


class LivemonApp(App[None]):
    CSS_PATH = Path(__file__).with_name("livemon.tcss")  # absolute: a subclass elsewhere finds it too
    TITLE = "livemon"

    BINDINGS = [
        Binding("t", "thresholds", "Thresholds"),
        Binding("o", "overview", "Overview", show=False),  # every room on one table (screens/overview.py)
        Binding("l", "toggle_lang", "Language"),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("q", "quit", "Quit"),
    ]

    lang: reactive[str] = reactive("id")
    rules_version: var[int] = var(0)
    config_error: var[str] = var("")
    unsaved: var[bool] = var(False)
    saves: var[int] = var(0)  # successful saves (a first save creates the file)

    def __init__(
        self,
        config: Config,
        *,
        source: Source,
        speed: float | None = 1.0,
        room: str | None = None,
        live: bool = False,
        config_path: str | Path | None = None,
        sinks: Iterable[Sink] = (),
    ) -> None:
        super().__init__()
        self.config = config
        self.source = source
        self.source_name = getattr(source, "name", "") or type(source).__name__
        self.speed = None if live else speed
        self.room_filter = room
        self.live = live
        self.config_named = config_path is not None and Path(config_path) != Path("config.toml")  # said in the report command
        self.config_path = save_target(config_path)  # the user's file: watched, and where saves go
        self.saved_rules = list(config.rules)  # the rules as the file has them: discarding edits goes back here
        self._after_save: Callable[[], None] | None = None  # what waits for a save (leaving, quitting)
        self._heard = 0  # the sink's critical firings the assistant has been called for
        self._notifier = find_notifier() if config.console.desktop_notify else None
        self.extra_sinks = list(sinks)  # e.g. the recorder of `watch --record`
        self.recording = next((sink.path for sink in self.extra_sinks if isinstance(sink, Recorder)), None)
        self.replay_path: Path | None = None if live else getattr(source, "path", None)
        self.sink = ConsoleSink(room=room)
        self.engine: Engine | None = None
        self.pipeline: Pipeline | None = None
        self.paused = False
        self.seek_target: float | None = None
        self.checkpoints = replay_checkpoints()  # of this replay's engine state, for seeks (console/replay.py)
        self.last_seek: Rebuilt | None = None
        self.span: tuple[float, float] | None = None
        self._config_stamp = self._stamp()
        self.set_reactive(LivemonApp.lang, config.lang)

    def get_default_screen(self) -> Screen:
        return DashboardScreen()

    def on_mount(self) -> None:
        localize_bindings(self, self.lang)
        engine = build_engine(self.config, room=self.room_filter, live=self.live, shown_baselines=view.SHOWN_BASELINES)
        self._start(engine, self.source if self.replay_path is None else ReplaySource(self.source), self.sink)
        if self.replay_path is not None:
            self._scan_span()
        self.set_interval(CONFIG_POLL_S, self._check_config_file)
        self.set_interval(1 / ATTENTION_HZ, self._call_attention)

    # ------------------------------------------------------------ the run

    def _start(self, engine: Engine, source: Source, sink: ConsoleSink, *, paused: bool = False) -> None:
        self.engine, self.sink = engine, sink
        self._heard = sink.criticals  # what a seek rebuilt happened before: it does not ring
        # a paused replay must not read its whole file ahead into the queue
        queue_size = self.config.input.queue_size if self.live else min(self.config.input.queue_size, REPLAY_QUEUE)
        sinks: list[Sink] = [sink, *self.extra_sinks]
        if isinstance(source, ReplaySource):  # checkpoints as it plays, for the seeks to come
            sinks.append(Checkpointer(self.checkpoints, engine, sink, source))
        pipeline = Pipeline(engine, source, sinks, speed=self.speed, queue_size=queue_size)
        if paused:
            pipeline.pause()
        self.pipeline = pipeline
        self.run_worker(self._drive(pipeline), name="pipeline", group="pipeline", exclusive=True)

    async def _drive(self, pipeline: Pipeline) -> None:
        """The pipeline on the app's loop; an error shows in the header instead of killing the console."""
        try:
            await pipeline.run()
        except Exception as error:  # noqa: BLE001 - the console stays up to show what happened
            log.exception("pipeline failed")
            if pipeline is self.pipeline:
                self.sink.on_status("error", str(error)[:80])
            return
        if pipeline is self.pipeline:
            self._run_ended()

    def _run_ended(self) -> None:
        """The run ended: a live source says why it gave up (a message key); else the report to make is offered."""
        failure = getattr(self.source, "failure", None) if self.live else None
        if failure:
            self.sink.on_status("error", failure)
            return
        command = self.report_command()
        if command is not None:
            self.notify(tr("report_hint" if self.live else "replay_report_hint", self.lang, command=command),
                        timeout=3600, markup=False)

    # ------------------------------------------------------------ what the screens read

    @property
    def timezone(self) -> str:
        """The broadcast's time zone (`[display] timezone`): every clock time on screen is read there."""
        return self.config.display.timezone

    @property
    def classify(self) -> Classify | None:
        """The running engine's question classifier (None without topics): the list shows what it counts."""
        return getattr(self.engine, "classify", None)

    def report_command(self) -> str | None:
        """The exact `livemon report` command for this run: its recording (live) or its file (replay); None without."""
        path = self.recording if self.live else self.replay_path
        if path is None:
            return None
        parts = ["livemon", "report", str(path)]
        if self.config_named:
            parts += ["--config", str(self.config_path)]
        return shlex.join(parts)

    def end_summary(self, room: RoomView | None) -> tuple[str, ...]:
        """The end of the run summed up for `room` (empty while it goes on)."""
        return view.end_summary(room, self.sink.summary, self.report_command(), self.live, self.lang)

    @work(thread=True, exclusive=True, group="span")
    def _scan_span(self) -> None:
        worker = get_current_worker()
        span = time_span(self.replay_path, lambda: worker.is_cancelled)
        if span is not None and not worker.is_cancelled:
            self.call_from_thread(setattr, self, "span", span)

    # ------------------------------------------------------------ replay controls

    def _replay_only(self) -> bool:
        if self.replay_path is None:
            self.notify(tr("live_no_replay", self.lang), severity="warning")
            return False
        return True

    def toggle_pause(self) -> None:
        if not self._replay_only():
            return
        self.paused = not self.paused
        if self.pipeline is not None:
            if self.paused:
                self.pipeline.pause()
            else:
                self.pipeline.resume()

    def change_speed(self, step: int) -> None:
        if not self._replay_only():
            return
        self.speed = step_speed(self.speed, step)
        if self.pipeline is not None:
            self.pipeline.set_speed(self.speed)

    def seek_by(self, seconds: float) -> None:
        if not self._replay_only():
            return
        base = self.seek_target if self.seek_target is not None else self.sink.position
        if base is None:
            base = self.span[0] if self.span else None
        if base is not None:
            self.seek_to(base + seconds * 1000)

    def seek_to(self, target: float) -> None:
        """Stop feeding the screen, rebuild the state at `target` off the loop, then go on from there."""
        if self.span is not None:
            target = max(self.span[0], min(self.span[1], target))
        self.seek_target = target
        self.workers.cancel_group(self, "pipeline")
        self._rebuild(target)

    @work(thread=True, exclusive=True, group="seek")
    def _rebuild(self, target: float) -> None:
        worker = get_current_worker()
        result = rebuild(
            self.config, self.source, target, checkpoints=self.checkpoints, room=self.room_filter,
            cancelled=lambda: worker.is_cancelled,
        )
        if result is not None and not worker.is_cancelled:
            self.call_from_thread(self._seek_done, result)

    def _seek_done(self, result: Rebuilt) -> None:
        if result.target != self.seek_target:
            return  # a newer seek is on its way
        result.sink.carry_marks(self.sink)
        self.seek_target = None
        self.last_seek = result
        self._start(result.engine, result.source, result.sink, paused=self.paused)

    # ------------------------------------------------------------ calling the assistant

    def _call_attention(self) -> None:
        """One bell for the new critical alerts since the last look: not on redraws, not on resolves."""
        sink = self.sink
        if sink.criticals <= self._heard:
            return
        self._heard = sink.criticals
        if self.config.console.bell:
            self.bell()
        room, entry = sink.latest_critical or (None, None)
        notified = self._notifier is not None and entry is not None
        if notified:
            text = view.message(entry, {rule.name: rule for rule in self.config.rules}, self.lang)
            title = f"livemon · {words.severity(entry.alert.severity, self.lang)} · {room}"
            self.run_worker(send(notification(self._notifier, title, text)), group="notify")
        self.post_message(AssistantCalled(room, entry.alert.rule if entry else None, rang=self.config.console.bell,
                                          notified=notified))

    # ------------------------------------------------------------ rules and config

    def set_rules(self, rules: list[AlertRule]) -> None:
        """New rules take effect at the running engine's next tick (and in any later rebuild)."""
        self.config = self.config.model_copy(update={"rules": list(rules)})
        if self.engine is not None:
            self.engine.set_rules(self.config.rules)
        self.rules_version += 1

    def _edit(self, rules: list[AlertRule]) -> None:
        self.set_rules(rules)
        self.unsaved = list(rules) != self.saved_rules

    def on_rules_edited(self, message: RulesEdited) -> None:
        self._edit(message.rules)

    def reset_rules(self) -> None:
        """The shipped rules into the editor (and the running engine); the file changes only on save."""
        try:
            shipped = load_config(DEFAULT_CONFIG).rules
        except ConfigError as error:
            self.notify(str(error), severity="error")
            return
        self._edit(shipped)
        self.notify(tr("defaults_loaded", self.lang))

    def discard_edits(self) -> None:
        self.set_rules(self.saved_rules)
        self.unsaved = False
        self.notify(tr("discarded", self.lang))

    def leave_edits(self, then: Callable[[], None]) -> None:
        """Run `then` once unsaved edits are saved or discarded (the user is asked); cancel stays."""
        if not self.unsaved:
            then()
            return

        def answered(choice: str | None) -> None:
            if choice == "save":
                self._after_save = then
                self.save_rules()
            elif choice == "discard":
                self.discard_edits()
                then()

        self.push_screen(UnsavedScreen(str(self.config_path)), answered)

    def save_rules(self) -> None:
        self._save(list(self.config.rules))

    @work(thread=True, exclusive=True, group="config")
    def _save(self, rules: list[AlertRule]) -> None:
        path = str(self.config_path)
        try:
            created = save_rules(self.config_path, rules)
        except OSError as error:
            self.post_message(RulesSaved(path, rules, error=error.strerror or str(error)))
            return
        except ValueError as error:  # the file is not UTF-8 or not TOML: nothing written
            self.post_message(RulesSaved(path, rules, error=str(error).splitlines()[0]))
            return
        self.post_message(RulesSaved(path, rules, created=created))

    def on_rules_saved(self, message: RulesSaved) -> None:
        then, self._after_save = self._after_save, None
        if message.error:
            self.notify(f"{message.path}: {message.error}", severity="error", timeout=10)
            return
        self._config_stamp = self._stamp()  # our own write is not a change to reload
        self.saved_rules = list(message.rules)
        self.unsaved = list(self.config.rules) != self.saved_rules
        self.config_error = ""
        self.saves += 1
        self.notify(tr("created" if message.created else "saved", self.lang, path=message.path))
        if then is not None:
            then()

    def _stamp(self) -> tuple[int, ...] | None:
        try:
            stat = self.config_path.stat()
        except OSError:
            return None
        return stat.st_mtime_ns, stat.st_ctime_ns, stat.st_size, stat.st_ino  # ctime: a chmod too

    def _check_config_file(self) -> None:
        stamp = self._stamp()
        if stamp != self._config_stamp:
            self._config_stamp = stamp
            self._load_config_file()  # a file gone or unreadable is reported too: the old rules stay

    @work(thread=True, exclusive=True, group="config-load")
    def _load_config_file(self) -> None:
        try:
            config = load_config(self.config_path)
        except ConfigError as error:
            self.post_message(ConfigInvalid(str(error)))
            return
        except Exception as error:  # noqa: BLE001 - whatever the file holds, the console keeps its rules and runs on
            self.post_message(ConfigInvalid(f"{self.config_path}: {error}"))
            return
        self.post_message(ConfigReloaded(config))

    def on_config_reloaded(self, message: ConfigReloaded) -> None:
        self.set_rules(message.config.rules)
        self.saved_rules = list(message.config.rules)
        self.config_error = ""
        self.unsaved = False
        self.notify(tr("reloaded", self.lang, path=str(self.config_path)))

    def on_config_invalid(self, message: ConfigInvalid) -> None:
        self.config_error = message.error
        self.notify(tr("config_error", self.lang, error=message.error), severity="error", timeout=10)

    # ------------------------------------------------------------ app keys

    def watch_lang(self, lang: str) -> None:
        localize_bindings(self, lang)  # alerts are data: every screen puts them in words as it draws

    async def action_quit(self) -> None:
        """Quit; unsaved threshold edits are asked about first."""
        if self.unsaved and self.return_code is None:
            self.leave_edits(self.exit)
            return
        await super().action_quit()

    def action_toggle_lang(self) -> None:
        self.lang = LANGS[(LANGS.index(self.lang) + 1) % len(LANGS)]

    def action_thresholds(self) -> None:
        self._open(ThresholdsScreen)

    def action_help(self) -> None:
        self._open(HelpScreen)

    def action_overview(self) -> None:
        from .screens.overview import OverviewScreen

        self._open(OverviewScreen)

    def _open(self, screen: type[Screen]) -> None:
        """Push a screen unless it is on top already or the app is quitting (`q` then `t` in one burst)."""
        if self.return_code is None and not isinstance(self.screen, screen):
            self.push_screen(screen())

    def get_system_commands(self, screen: Screen):
        """The palette in the language shown; replay commands only on a replay; the screenshot says where it went."""
        lang = self.lang
        if self.replay_path is not None:
            yield SystemCommand(tr("cmd_pause", lang), tr("cmd_pause_help", lang), self.toggle_pause)
            yield SystemCommand(tr("cmd_faster", lang), "+", lambda: self.change_speed(1))
            yield SystemCommand(tr("cmd_slower", lang), "-", lambda: self.change_speed(-1))
        if self.check_action("thresholds", ()) is not False:
            yield SystemCommand(tr("thresholds", lang), "t", self.action_thresholds)
        yield SystemCommand(tr("cmd_overview", lang), "o", self.action_overview)
        yield SystemCommand("Bahasa / Language", "l", self.action_toggle_lang)
        yield SystemCommand(tr("help", lang), "?", self.action_help)
        yield SystemCommand(tr("cmd_theme", lang), tr("cmd_theme_help", lang), self.action_change_theme)
        yield SystemCommand(tr("cmd_screenshot", lang), tr("cmd_screenshot_help", lang, path=str(Path.cwd())),
                            lambda: self.set_timer(0.1, self.save_screenshot_here))
        yield SystemCommand(tr("quit", lang), "q", self.action_quit)

    def action_command_palette(self) -> None:
        """Textual's palette, its search field asking in the language shown."""
        from textual.command import CommandPalette

        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(CommandPalette(placeholder=tr("palette_search", self.lang), id="--command-palette"))

    def save_screenshot_here(self) -> Path | None:
        """An SVG of the screen into the working directory (not the Downloads folder); the notice says where."""
        try:
            path = Path(self.save_screenshot(path=str(Path.cwd()))).resolve()
        except OSError as error:
            self.notify(tr("screenshot_failed", self.lang, error=error.strerror or str(error)), severity="error")
            return None
        self.notify(tr("screenshot_saved", self.lang, path=str(path)), markup=False, timeout=10)
        return path
