"""A config mistake never reaches the host: saving, leaving, resetting and reloading in the real console."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from textual.widgets import Button, DataTable, Input, Static

from monitor.config import DEFAULT_CONFIG, load_config
from monitor.console.app import LivemonApp
from monitor.console.rules_edit import save_rules, save_target
from monitor.console.screens.thresholds import COLUMNS, ThresholdsScreen
from monitor.console.screens.unsaved import UnsavedScreen
from feeds.files import FileSource

from monitor.console.messages import ConfigInvalid, ConfigReloaded, RulesSaved

from .console_session import drive, make_app, session_events, write_session


def retention(app) -> float:
    """retention_drop's change_pct as the running engine has it."""
    return next(rule for rule in app.engine.rules if rule.name == "retention_drop").change_pct


async def edit_retention(console, value: str) -> None:
    """retention_drop.change_pct = value on the thresholds screen, opened if need be (applied at once, not saved)."""
    app = console.app
    if not isinstance(app.screen, ThresholdsScreen):
        await console.press("t")
    screen = app.screen
    assert isinstance(screen, ThresholdsScreen)
    names = [rule.name for rule in app.config.rules]
    screen.query_one(DataTable).move_cursor(row=names.index("retention_drop"), column=COLUMNS.index("change_pct"))
    await console.press("enter")
    screen.query_one("#value", Input).value = ""
    await console.press(*value, "enter")


async def save_and_wait(console, *keys: str) -> RulesSaved:
    """Press `keys` (a save) and wait for the app to say how the save went."""
    mark = len(console.heard.messages)
    await console.press(*keys)
    message = await console.heard.wait_for(RulesSaved, since=mark)
    await console.pilot.pause()
    return message


def file_line(app) -> str:
    return str(app.screen.query_one("#file", Static).content)


def test_the_package_defaults_are_never_the_save_target(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert save_target(None) == Path("config.toml")
    assert save_target(DEFAULT_CONFIG) == Path("config.toml")
    assert save_target("shop.toml") == Path("shop.toml")
    with pytest.raises(PermissionError, match="shipped defaults are read-only"):
        save_rules(DEFAULT_CONFIG, load_config(DEFAULT_CONFIG).rules)


async def test_saving_without_a_config_file_creates_one_from_the_defaults(tmp_path, monkeypatch):
    """No --config and no ./config.toml: the console runs on the shipped defaults and a save creates ./config.toml."""
    monkeypatch.chdir(tmp_path)
    shipped = DEFAULT_CONFIG.read_bytes()
    write_session(tmp_path / "session.jsonl", session_events(2))
    app = LivemonApp(load_config(None).model_copy(update={"lang": "en"}), source=FileSource("session.jsonl"), speed=None)
    async with drive(app) as console:
        await console.press("t")
        assert "config.toml (does not exist yet — s creates it from the shipped defaults)" in file_line(app)
        await edit_retention(console, "33")
        assert retention(app) == 33 and app.unsaved
        await save_and_wait(console, "s")
        assert not app.unsaved
        assert "does not exist yet" not in file_line(app)
        assert any("Created config.toml from the shipped defaults" in str(n.message) for n in console.heard.notifications())
    assert DEFAULT_CONFIG.read_bytes() == shipped  # the package is untouched
    saved = load_config(tmp_path / "config.toml")
    assert next(rule for rule in saved.rules if rule.name == "retention_drop").change_pct == 33


async def test_a_config_pointing_into_the_package_saves_to_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shipped = DEFAULT_CONFIG.read_bytes()
    write_session(tmp_path / "session.jsonl", session_events(2))
    app = LivemonApp(load_config(DEFAULT_CONFIG), source=FileSource("session.jsonl"), speed=None, config_path=DEFAULT_CONFIG)
    assert app.config_path == Path("config.toml")
    async with drive(app) as console:
        await edit_retention(console, "44")
        await save_and_wait(console, "s")
        assert not app.unsaved
    assert DEFAULT_CONFIG.read_bytes() == shipped
    assert next(rule for rule in load_config(tmp_path / "config.toml").rules if rule.name == "retention_drop").change_pct == 44


@pytest.mark.parametrize("lang, title, buttons", [
    ("id", "Perubahan belum disimpan", ["Simpan (s)", "Buang (d)", "Batal (Esc)"]),
    ("en", "Unsaved changes", ["Save (s)", "Discard (d)", "Cancel (Esc)"]),
])
async def test_unsaved_edits_ask_before_leaving(tmp_path, lang, title, buttons):
    app = make_app(tmp_path, session_events(2), speed=None, lang=lang)
    original = None
    async with drive(app) as console:
        original = retention(app)
        await edit_retention(console, "41")
        assert retention(app) == 41 and app.unsaved
        # escape asks; cancel stays on the screen with the edit
        await console.press("escape")
        modal = app.screen
        assert isinstance(modal, UnsavedScreen)
        assert modal.query_one("Vertical").border_title == title
        assert [str(button.label) for button in modal.query(Button)] == buttons
        assert str(app.config_path) in str(modal.query_one("#question", Static).content)
        await console.press("escape")
        assert isinstance(app.screen, ThresholdsScreen) and app.unsaved and retention(app) == 41
        # discard: the saved rules come back, the file is untouched, the screen is left
        before = app.config_path.read_bytes()
        await console.press("escape")
        await console.press("d")
        assert not isinstance(app.screen, (ThresholdsScreen, UnsavedScreen))
        assert retention(app) == original and not app.unsaved
        assert app.config_path.read_bytes() == before
        # save: written, then the screen is left
        await edit_retention(console, "42")
        await console.press("escape")
        await save_and_wait(console, "s")
        assert not isinstance(app.screen, (ThresholdsScreen, UnsavedScreen))
        assert not app.unsaved
        assert next(r for r in load_config(app.config_path).rules if r.name == "retention_drop").change_pct == 42
        # an edit back to the saved value is no unsaved edit
        await edit_retention(console, "7")
        assert app.unsaved
        await edit_retention(console, "42")
        assert not app.unsaved


async def test_quitting_with_unsaved_edits_asks_first(tmp_path):
    app = make_app(tmp_path, session_events(2), speed=None, lang="en")
    async with drive(app) as console:
        await edit_retention(console, "39")
        await console.press("q")
        assert isinstance(app.screen, UnsavedScreen) and app.is_running
        await console.press("escape")
        assert app.is_running and app.unsaved
        await console.press("q")
        await save_and_wait(console, "s")  # save, then quit
        assert app.return_code is not None
    assert next(r for r in load_config(app.config_path).rules if r.name == "retention_drop").change_pct == 39


async def test_r_brings_back_the_shipped_rules_and_s_writes_them(tmp_path):
    """The user's file has changed rules (also keys the console does not edit) and a rule of its own."""
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    text = text.replace('lang = "id"', 'lang = "en"  # my shop speaks English', 1)
    text = text.replace("change_pct = 25", "change_pct = 33", 1).replace('severity = "critical"', 'severity = "info"', 1)
    text += ('\n# my own rule\n[[rules]]\nname = "likes_low"\nmetric = "likes"\nkind = "below"\nthreshold = 5\n'
             'message.id = "Sedikit suka — ajak tap layar"\nmessage.en = "Few likes — ask for taps"\n')
    (tmp_path / "config.toml").write_text(text, encoding="utf-8")
    shipped = load_config(DEFAULT_CONFIG).rules
    app = make_app(tmp_path, session_events(2), speed=None)
    async with drive(app) as console:
        assert "likes_low" in [rule.name for rule in app.engine.rules]
        await console.press("t")
        await console.press("r")
        assert app.config.rules == shipped and app.engine.rules == shipped  # in the editor and the engine at once
        assert app.unsaved
        assert load_config(app.config_path).rules != shipped  # nothing written yet
        assert "likes_low" not in [row.value for row in app.screen.query_one(DataTable).rows]
        await save_and_wait(console, "s")
        assert not app.unsaved
    saved_text = app.config_path.read_text(encoding="utf-8")
    saved = load_config(app.config_path)
    assert saved.rules == shipped
    assert saved.lang == "en" and "# my shop speaks English" in saved_text  # the rest of the file is the user's still
    assert "# Viewers leave soon after entering" in saved_text  # the shipped rules come with their comments


async def test_a_config_file_gone_bad_keeps_the_old_rules_and_says_why(tmp_path):
    app = make_app(tmp_path, session_events(3), lang="en")
    path = app.config_path
    good = path.read_text(encoding="utf-8")
    bad_files = [
        (b"lang = 'en'\n# caf\xe9\n" + good.encode(), "not UTF-8 text: byte 0xe9"),
        (b"", "the file is empty"),
        (good.split("[[rules]]")[0].encode(), "rules: there is no [[rules]] table"),
        (good.replace("Retensi turun {change}", "Retensi turun {chnage}", 1).encode(), 'rules["retention_drop"].problem.id: unknown placeholder {chnage}'),
        (good.replace("change_pct = 25", "change_pct = 100", 1).encode(), 'rules["retention_drop"].change_pct: a drop of 100%'),
        (good.replace("threshold = 0.04", "threshold = 4", 1).encode(), 'rules["interaction_low"].threshold: interaction_rate is a fraction'),
    ]
    async with drive(app) as console:
        await console.pilot.pause()
        rules = list(app.engine.rules)

        async def refused(reason: str) -> None:
            await console.heard.wait_for(ConfigInvalid, lambda message: reason in message.error, since=mark)
            assert reason in app.config_error

        for content, reason in bad_files:
            mark = len(console.heard.messages)
            path.write_bytes(content)
            await refused(reason)
            assert app.config_error.startswith(f"{path}: ")
            assert app.is_running and app.engine.rules == rules  # the old rules stay
        # a file that cannot be read at all (here: a directory in its place), then gone
        mark = len(console.heard.messages)
        path.unlink()
        path.mkdir()
        await refused("cannot read")
        mark = len(console.heard.messages)
        path.rmdir()
        await refused("No such file")
        assert app.is_running and app.engine.rules == rules
        await console.press("t")
        assert file_line(app).startswith("Invalid config, keeping the old rules: ") and "No such file" in file_line(app)
        # a good file again: reloaded, the error gone
        mark = len(console.heard.messages)
        path.write_text(good.replace("change_pct = 25", "change_pct = 27", 1), encoding="utf-8")
        await console.heard.wait_for(ConfigReloaded, since=mark)
        assert app.config_error == "" and retention(app) == 27
        assert app.is_running


async def test_saving_into_a_file_that_is_not_toml_fails_with_a_reason_and_writes_nothing(tmp_path):
    app = make_app(tmp_path, session_events(2), speed=None, lang="en")
    async with drive(app) as console:
        await edit_retention(console, "31")
        broken = b"lang = \n"
        app.config_path.write_bytes(broken)
        await console.heard.wait_for(ConfigInvalid, lambda message: "not valid TOML" in message.error)
        result = await save_and_wait(console, "s")
        assert result.error and result.path.endswith("config.toml")
        assert any(n.severity == "error" and "config.toml:" in str(n.message) and "Invalid" not in str(n.message)
                   for n in console.heard.notifications())
        assert app.is_running and app.unsaved
        assert app.config_path.read_bytes() == broken
