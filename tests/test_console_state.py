"""The console's model without a screen: sink, readings, speeds, seeking, rule edits."""

from __future__ import annotations

import orjson
import pytest

from feeds.files import FileSource, read_from
from monitor.alert_text import AlertWords
from monitor.config import DEFAULT_CONFIG, load_config
from monitor.runs import build_engine
from monitor import formatting
from monitor.console import view
from monitor.console.replay import SPEEDS, rebuild, step_speed, time_span
from monitor.events import parse_input
from monitor.console.rules_edit import EditError, edit_rule, render_rules, save_rules
from monitor.console.state import ConsoleSink
from monitor.viewer_text import clean
from monitor.events import Rejection, parse_message

from .console_session import T0, session_events, write_session


@pytest.fixture(scope="module")
def config():
    return load_config(DEFAULT_CONFIG)


def run_all(config, events, room=None):
    """The straight replay: every event through one engine (as the console builds it) into one sink."""
    engine = build_engine(config, room=room, shown_baselines=view.SHOWN_BASELINES)
    sink = ConsoleSink(room=room)
    for event in events:
        items = parse_message(orjson.dumps(event))
        sink.on_events(items)
        engine.offer_batch(items)
        sink.on_ticks(engine.advance())
    sink.on_ticks(engine.finish())
    return engine, sink


# ---------------------------------------------------------------- sanitising


@pytest.mark.parametrize(
    "raw, shown",
    [
        ("[bold red]x[/]", "[bold red]x[/]"),
        ("\x1b[31mred\x1b[0m", "red"),
        ("\x1b]0;pwned\x07title", "title"),
        ("a\nb\tc\rd", "a b c d"),
        ("bell\x07 back\x08", "bell back"),
        ("\u202eevil", "evil"),
        ("👩\u200d👩\u200d👧", "👩\u200d👩\u200d👧"),
        ("\x9b2Jcleared", "cleared"),
    ],
)
def test_clean_leaves_plain_printable_text(raw, shown):
    assert clean(raw) == shown


def test_clean_cuts_long_text():
    assert clean("x" * 500, limit=10) == "x" * 9 + "…"


# ---------------------------------------------------------------- the sink


def test_sink_keeps_comment_texts_from_what_the_pipeline_parsed():
    sink = ConsoleSink()
    comment = {"type": "comment", "ts": T0, "room": "r", "user": "u1", "text": "halo"}
    sink.on_events(parse_input(orjson.dumps(comment)))
    sink.on_events(parse_input(orjson.dumps([comment | {"text": "batch"}, {"type": "like", "ts": T0, "user": "u2"}]).decode()))
    sink.on_events(parse_input(comment | {"text": "row"}))
    sink.on_events(parse_input(Rejection("invalid_json", "binary frame", b"\x00")))
    sink.on_events(parse_input(b'{"type":"comment","ts":1}'))  # no user: rejected, not shown
    assert [c.text for c in sink.rooms["r"].comments] == ["halo", "batch", "row"]


def test_sink_keeps_only_the_filtered_room():
    sink = ConsoleSink(room="a")
    for room in ("a", "b"):
        sink.on_events(parse_input({"type": "comment", "ts": T0, "room": room, "user": "u", "text": room}))
    assert list(sink.rooms) == ["a"]


def test_comments_ahead_of_the_clock_wait(config):
    engine, sink = run_all(config, session_events(2))
    room = sink.rooms["toko-batik"]
    room.comments.append(type(room.comments[0])(room.t + 5000, "future", "not yet"))
    shown = room.visible_comments(5)
    assert "not yet" not in [c.text for c in shown]
    assert all(c.ts <= room.t for c in shown)


def test_samples_cover_thirty_minutes_at_most(config):
    _, sink = run_all(config, session_events(40))
    room = sink.rooms["toko-batik"]
    first, last = room.samples[0][0], room.samples[-1][0]
    assert last - first <= 30 * 60_000
    assert len(room.samples) == 30 * 60 // 5 + 1


# ---------------------------------------------------------------- readings


def test_readings_grey_a_rate_below_its_rule_sample(config):
    _, sink = run_all(config, session_events(3))
    room = sink.rooms["toko-batik"]
    by_key = {r.key: r for r in view.readings(room, config.rules, "id")}
    assert by_key["viewers"].reliable
    assert by_key["retention"].reliable  # cohort of ~120 >= min_sample 20
    strict = [rule.model_copy(update={"min_sample": 10_000}) if rule.metric == "ctr" else rule for rule in config.rules]
    ctr = next(r for r in view.readings(room, strict, "id") if r.key == "ctr")
    assert not ctr.reliable and ctr.trend == "sampel kecil"


def test_readings_format_per_language(config):
    _, sink = run_all(config, session_events(3))
    room = sink.rooms["toko-batik"]
    indonesian = {r.key: r for r in view.readings(room, config.rules, "id")}
    english = {r.key: r for r in view.readings(room, config.rules, "en")}
    assert indonesian["gmv_total"].value.startswith("Rp ") and " jt" in indonesian["gmv_total"].value
    assert english["gmv_total"].value.startswith("IDR ")
    assert indonesian["ctr"].value.endswith("%") and "," in indonesian["ctr"].value
    assert indonesian["viewers"].label == "Penonton" and english["viewers"].label == "Viewers"


def test_trend_compares_with_the_rules_own_baseline(config):
    engine, sink = run_all(config, session_events(12, drop_at_min=6))
    room = sink.rooms["toko-batik"]
    retention = next(r for r in view.readings(room, config.rules, "en") if r.key == "retention")
    assert retention.tone == "down" and retention.trend.startswith("▼") and retention.trend.endswith("vs usual")
    # "vs usual" is what the retention rule judges against, nothing of the console's own
    usual = engine.room_alerts["toko-batik"].usual()["retention"]
    value = room.snapshot.metric("retention")
    assert room.usual["retention"] == usual
    assert retention.trend == f"▼ {formatting.percent(abs(value - usual) / usual, 'en')} vs usual"
    assert not hasattr(view, "baseline")  # the console's own median of samples is gone


def test_per_minute_tiles_scale_the_usual_window_count_like_the_value(config):
    slow = config.model_copy(update={"engine": config.engine.model_copy(update={"window_s": 120})})
    _, sink = run_all(slow, session_events(14))
    room = sink.rooms["toko-batik"]
    entries = next(r for r in view.readings(room, slow.rules, "en") if r.key == "entries_per_min")
    assert entries.label == "Entries/min" and room.snapshot.window_s == 120
    value = room.snapshot.metric("entries") * 60 / 120
    usual = room.usual["entries"] * 60 / 120
    assert entries.value == formatting.number(value, "en") or entries.value == formatting.number(value, "en", 1)
    change = (value - usual) / abs(usual)
    assert formatting.percent(abs(change), "en") in entries.trend


def test_funnel_rates_read_as_rates(config):
    _, sink = run_all(config, session_events(3))
    room = sink.rooms["toko-batik"]
    steps = view.funnel(room, "en")
    assert [s.label for s in steps] == ["Live impressions", "Entries", "Product views", "Product clicks", "Orders"]
    snapshot = room.snapshot
    assert steps[0].rate == ""
    assert steps[1].rate == f"{formatting.percent(snapshot.metric('access_rate'), 'en')} Access rate" == "16.7% Access rate"
    # product views per entry is no share: 240 views / 120 entries reads "2.0 per entry", never "200%"
    assert steps[2].rate == "2.0 per entry" and "%" not in steps[2].rate
    assert steps[3].rate == f"{formatting.percent(snapshot.metric('ctr'), 'en')} Product CTR"
    assert steps[4].rate == f"{formatting.percent(snapshot.metric('click_to_order'), 'en')} Click→order"
    assert view.funnel(room, "id")[2].rate == "2,0 per masuk"
    assert steps[0].share == 1.0 and all(0 < s.share <= 1 for s in steps)


def test_charts_draw_the_rules_baseline_threshold_and_the_host_actions_by_name(config):
    _, sink = run_all(config, session_events(5))
    room = sink.rooms["toko-batik"]
    viewers = view.chart(room, view.CHARTS[0], config.rules, "id")
    assert viewers.marks and viewers.marks[0][1] == "sematkan produk"  # words.host_action, never pin_product
    assert viewers.title == "Penonton"  # a chart's title is its metric's name; the legend says what the lines are
    legend = view.legend(room, "id")
    assert legend.last_action == f"terakhir: sematkan produk, {formatting.duration((room.t - room.actions[-1].ts) / 1000, 'id')} lalu"
    assert -30 <= min(viewers.xs) and max(viewers.xs) == 0
    # viewers_drop / viewer_spike judge against a baseline: drawn as it went, where the engine had one
    assert viewers.usual_ys and viewers.thresholds == ()
    samples = {round((t - room.t) / 60000, 3): usual.get("viewers") for t, _, usual in room.samples}
    assert all(samples[x] == y for x, y in zip(viewers.usual_xs, viewers.usual_ys))
    # interaction_low is a threshold rule: its line lies at 4%
    interaction = view.chart(room, view.CHARTS[2], config.rules, "en")
    assert 4.0 in interaction.thresholds and interaction.title == "Interaction (%)"
    # the tick labels are written the language's way
    labels = [label for _, label in view.yticks([0.5, 1.25], "id")]
    assert labels[0] == "0,50" and "," in labels[1] and all("." not in label for label in labels)


# ---------------------------------------------------------------- alerts in the room view


def test_banner_ack_and_mute(config):
    _, sink = run_all(config, session_events(11, drop_at_min=8))
    room = sink.rooms["toko-batik"]
    rules = {rule.name: rule for rule in config.rules}
    banner = view.banner(room, rules, "en", "Asia/Jakarta")
    assert banner.rule == "retention_drop" and banner.severity == "critical" and banner.name == "Retention down"
    assert banner.action == "ask for comments: type 'red' or 'green'"
    assert room.worst() == "critical"
    room.ack(room.firing["retention_drop"])
    assert view.banner(room, rules, "en", "UTC").rule != "retention_drop"
    room.mute("retention_drop")
    assert "retention_drop" not in [e.alert.rule for e in room.active()]
    assert room.worst() == "warning"  # viewers_drop is still firing


def test_alert_rows_follow_the_language(config):
    _, sink = run_all(config, session_events(11, drop_at_min=8))
    room = sink.rooms["toko-batik"]
    rules = {rule.name: rule for rule in config.rules}
    assert view.alert_rows(room, rules, "id", "Asia/Jakarta")[-1].message.startswith("Retensi turun")
    assert view.alert_rows(room, rules, "en", "Asia/Jakarta")[-1].message.startswith("Retention down")
    # the words are what the headless writer puts beside the same alerts (firing and resolved alike)
    words = AlertWords(config.rules, "id")
    rows = view.alert_rows(room, rules, "id", "Asia/Jakarta")
    assert [row.message for row in rows] == [words.message(entry.alert) for entry in room.alerts]
    # times on the broadcast's clock: WIB is UTC+7 and Indonesian writes the time with dots
    first = room.alerts[-1].alert.t
    assert rows[-1].time == formatting.clock_time(first, "Asia/Jakarta", "id")
    assert view.alert_rows(room, rules, "en", "UTC")[-1].time == formatting.clock_time(first, "UTC", "en")
    assert rows[-1].name == "Retensi turun" and "_" not in rows[-1].name


# ---------------------------------------------------------------- replay


def test_speed_ladder():
    assert [step_speed(s, 1) for s in SPEEDS] == [2.0, 5.0, 10.0, 30.0, None, None]
    assert [step_speed(s, -1) for s in SPEEDS] == [1.0, 1.0, 2.0, 5.0, 10.0, 30.0]
    assert step_speed(3.0, 1) == 5.0 and step_speed(3.0, -1) == 2.0
    assert step_speed(100.0, 1) is None and step_speed(100.0, -1) == 30.0


def test_time_span(tmp_path):
    path = write_session(tmp_path / "s.jsonl", session_events(2))
    first, last = time_span(path)
    assert first == T0 and T0 + 119_000 < last < T0 + 121_000


def test_rebuild_then_continue_equals_a_straight_run(tmp_path, config):
    """Seeking must not change a number: rebuilt state + the rest of the file = the whole file."""
    events = session_events(12, drop_at_min=8)
    path = write_session(tmp_path / "s.jsonl", events)
    rebuilt = rebuild(config, FileSource(path), T0 + 7 * 60_000)
    assert rebuilt.sink.position == T0 + 7 * 60_000
    engine, sink = rebuilt.engine, rebuilt.sink
    rest = list(rebuilt.source._head) + [raw for batch, _ in read_from(path, rebuilt.source.start) for raw in batch]
    for raw in rest:
        items = parse_input(raw)
        sink.on_events(items)
        engine.offer_batch(items)
        sink.on_ticks(engine.advance())
    sink.on_ticks(engine.finish())
    _, straight = run_all(config, events)
    ours, theirs = sink.rooms["toko-batik"], straight.rooms["toko-batik"]
    assert ours.snapshot.values == theirs.snapshot.values
    assert [e.alert.as_dict() for e in ours.alerts] == [e.alert.as_dict() for e in theirs.alerts]
    assert len(ours.comments) == len(theirs.comments)


def test_rebuild_past_the_end(tmp_path, config):
    path = write_session(tmp_path / "s.jsonl", session_events(2))
    rebuilt = rebuild(config, FileSource(path), T0 + 3_600_000)
    assert rebuilt.source.exhausted  # nothing left to play


# ---------------------------------------------------------------- rule edits


def test_edit_rule_validates_like_the_config(config):
    rules = edit_rule(config, "retention_drop", "change_pct", "30", "en")
    assert next(r for r in rules if r.name == "retention_drop").change_pct == 30
    assert next(r for r in edit_rule(config, "interaction_low", "threshold", "0,05", "id") if r.name == "interaction_low").threshold == 0.05
    with pytest.raises(EditError, match="Change %: must be more than 0"):
        edit_rule(config, "retention_drop", "change_pct", "-5", "en")
    with pytest.raises(EditError, match="Perubahan %: harus lebih dari 0"):
        edit_rule(config, "retention_drop", "change_pct", "-5", "id")
    with pytest.raises(EditError, match="not a number"):
        edit_rule(config, "retention_drop", "for_s", "soon", "en")
    with pytest.raises(EditError, match="Threshold is not used by a 'drops below usual' rule"):
        edit_rule(config, "retention_drop", "threshold", "1", "en")
    with pytest.raises(EditError, match="Hold \\(s\\): a feed-stops rule needs more than 0 seconds"):
        edit_rule(config, "feed_stale", "for_s", "0", "en")  # a stale rule needs for_s > 0
    with pytest.raises(EditError, match="Ambang: Retensi berupa pecahan 0 sampai 1"):
        edit_rule(config.model_copy(update={"rules": [rule.model_copy(update={"kind": "below", "threshold": 0.2})
                                                      if rule.name == "retention_drop" else rule for rule in config.rules]}),
                  "retention_drop", "threshold", "1,5", "id")


def test_save_keeps_comments_and_layout(tmp_path, config):
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    old_sample = next(r for r in config.rules if r.name == "retention_drop").min_sample
    new_sample = int(old_sample) + 7
    rules = edit_rule(config, "retention_drop", "min_sample", str(new_sample), "en")
    rules = edit_rule(config.model_copy(update={"rules": rules}), "ctr_drop", "enabled", False, "en")
    out = render_rules(text, rules)
    before, after = text.splitlines(), out.splitlines()
    removed = [line for line in before if line not in after]
    assert len(removed) == 1 and removed[0].startswith(f"min_sample = {old_sample:g} ") and "#" in removed[0]
    kept_comment = removed[0][removed[0].index("#"):]
    changed = [line for line in after if line not in before]
    assert changed[0].startswith(f"min_sample = {new_sample} ") and changed[0].endswith(kept_comment)
    assert changed[1:] == ["enabled = false"]
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    save_rules(path, rules)
    saved = load_config(path)
    assert next(r for r in saved.rules if r.name == "ctr_drop").enabled is False
    assert next(r for r in saved.rules if r.name == "retention_drop").min_sample == new_sample
    # the new key sits in its own rule's table, before the comment that opens the next rule
    lines = path.read_text(encoding="utf-8").splitlines()
    index = lines.index("enabled = false")
    assert lines[index - 1].startswith("action.en") and lines[index + 1] == ""


def test_parse_message_reference():
    """The ticker relies on the one parser: a batch array yields each event."""
    items = list(parse_message(b'[{"type":"comment","ts":1763802000000,"user":"a","text":"x"}]'))
    assert items[0].text == "x"
