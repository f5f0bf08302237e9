"""The report in Indonesian holds no id of ours and no English word (issue 13, the report's half).

A simulated session with every part of the report in it (two rooms, alerts of
several rules and severities, host actions, pinned products and the line
beyond the cap, skipped events, a cut file, targets, a comparison with an
earlier broadcast) is reported in `id`; the text a reader sees in
report.html (text, tooltips, labels), the terminal text of `livemon report`
and `livemon history` is checked against our ids and against every English
word of our word tables. The English report is checked for ids too.
"""

from __future__ import annotations

import gzip
import re
from html.parser import HTMLParser

import orjson
import pytest

from monitor import alert_text, catalog, words
from monitor.config import load_config
from monitor.events import REASONS
from monitor.products import OTHER
from monitor.report import History, build_report, terminal_text
from monitor.report import progress as report_progress
from monitor.report import words as report_words
from monitor.report.build import history_text
from monitor.report.clock import Clock

ROOMS = {"toko-batik": "retention_drop", "butik-sari": "feed_stall", "kain-nusantara": "price_questions"}
START = "2026-11-22T19:00:17+07:00"
EARLIER = "2026-11-21T19:00:00+07:00"

#: English words a table of ours may not hold, but a screen might still print in passing.
_ENGLISH_BY_HAND = (
    "report", "broadcast", "summary", "minute", "minutes", "viewers", "alert", "alerts", "rule", "severity",
    "start", "end", "time", "duration", "hour", "hours", "seconds", "pinned", "product", "products", "other",
    "unnamed", "recovered", "usual", "baseline", "skipped", "accepted", "events", "reading", "lines", "rows",
    "none", "best", "worst", "firing", "resolved", "pending", "critical", "warning", "acknowledged",
)


def _pairs(table: dict) -> list[tuple[str, str]]:
    return list(table.values())


def _tokens(text: str) -> set[str]:
    """The words of a text, lower case, placeholders such as `{other}` left out."""
    return {token.lower() for token in re.findall(r"[A-Za-z]{3,}", re.sub(r"\{\w+\}", " ", text))}


def english_words(config) -> set[str]:
    """Every word of the English side of our tables that the Indonesian side does not use too (loanwords), and the hand list."""
    pairs = [
        *_pairs(report_words._WORDS), *_pairs(report_words._SKIPPED),
        *_pairs(words.SEVERITIES), *_pairs(words.HOST_ACTIONS), *_pairs(words._KINDS), words._OTHER_PRODUCT,
        *((metric.label_id, metric.label_en) for metric in catalog.METRICS),
        (alert_text._RECOVERED["id"], alert_text._RECOVERED["en"]),
        (" ".join(report_progress._WORDS["id"]), " ".join(report_progress._WORDS["en"])),
    ]
    for rule in config.rules:
        for text in (rule.message, rule.problem, rule.action):
            if text is not None:
                pairs.append((text.id, text.en))
    for topic in config.questions.topics:
        pairs.append((topic.label.id, topic.label.en))
    english = set().union(*(_tokens(en) for _, en in pairs))
    indonesian = set().union(*(_tokens(id_) for id_, _ in pairs))
    return (english - indonesian) | set(_ENGLISH_BY_HAND)


def our_ids(config, lang: str = "id") -> list[str]:
    """The ids of the code that a reader must never see: rules, severities, host actions, metrics, reasons.

    In English some ids are the words themselves (severity `critical`, state
    `resolved`): there only the ids no one would write (`retention_drop`) count.
    """
    ids = [rule.name for rule in config.rules]
    ids += [name for name in words.SEVERITIES if words.severity(name, "id") != name]
    ids += [name for name in words.HOST_ACTIONS if "_" in name]
    ids += [name for name in catalog.NAMES if "_" in name]
    ids += [*REASONS, "rejected:", "duplicates", "firing", "resolved", "pending", OTHER]
    if "C_O" not in catalog.label("click_to_order", "id"):  # the seller guide's own abbreviation, in the catalogue's label
        ids.append("C_O")
    if lang == "en":
        ids = [name for name in ids if not name.isalpha()]
    return ids


class _Reader(HTMLParser):
    """What a person reads on the page: its text, tooltips and labels (not the style sheet)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self._skip += 1
        self.parts += [value for name, value in attrs if name in ("title", "aria-label", "alt") and value]

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def read(html: str) -> str:
    reader = _Reader()
    reader.feed(html)
    return "\n".join(reader.parts)


def found_ids(text: str, ids: list[str]) -> list[str]:
    hits = []
    for name in ids:
        if "_" in name or not name.isalpha():
            if name in text:
                hits.append(name)
        elif re.search(rf"\b{re.escape(name)}\b", text, re.IGNORECASE):
            hits.append(name)
    return hits


def found_english(text: str, english: set[str]) -> list[str]:
    return sorted(_tokens(text) & english)


# ------------------------------------------------------------------ the session


def simulated(path, start: str, duration_s: float, *, cut: bool) -> None:
    """Three rooms: retention drops, the feed stalls, viewers ask the price; pins with products; bad lines."""
    from feeds.simulator import BroadcastParams, generate, parse_start

    params = BroadcastParams(host_action_every_s=60.0, products=12)
    events = []
    for seed, (room, scenario) in enumerate(ROOMS.items()):
        events += [dict(event, room=room) for event in
                   generate(scenario, duration_s, seed=seed, start_ms=parse_start(start), params=params)]
    events.sort(key=lambda event: event["ts"])
    lines = [orjson.dumps(event) for event in events]
    at = len(lines) // 2
    lines[at:at] = [b"{garbage", orjson.dumps({"type": "teleport", "ts": events[at]["ts"], "room": "toko-batik"}),
                    orjson.dumps({"type": "like", "ts": events[0]["ts"], "room": "toko-batik", "user": "u", "count": 1})]
    data = gzip.compress(b"\n".join(lines) + b"\n")
    path.write_bytes(data[:-20] if cut else data)


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("words")
    base = load_config()
    config = base.model_copy(update={
        "history": base.history.model_copy(update={"dir": str(tmp / "history")}),
        "engine": base.engine.model_copy(update={"max_products": 6}),
        "benchmarks": base.benchmarks.model_copy(update={"ctr": 0.07, "retention": 0.4, "gpm": 9_000_000}),
    })
    simulated(tmp / "earlier.jsonl.gz", EARLIER, 600, cut=False)
    simulated(tmp / "session.jsonl.gz", START, 1200, cut=True)
    build_report(tmp / "earlier.jsonl.gz", config, tmp / "earlier")
    out = {}
    for lang in ("id", "en"):
        chosen = config.model_copy(update={"lang": lang})
        report = build_report(tmp / "session.jsonl.gz", chosen, tmp / f"out-{lang}", choice="last")
        history = history_text(History(config.history.dir), lang, clock=Clock.of(chosen))
        out[lang] = (report, chosen, report.html.read_text(), terminal_text(report, chosen), history)
    return tmp, config, out


def _without_paths(text: str, tmp) -> str:
    """The text without what came from outside: the input files' paths and names."""
    text = text.replace(str(tmp / "history"), "").replace(str(tmp), "")
    for name in ("earlier.jsonl.gz", "session.jsonl.gz", "orders.xlsx", "live.xlsx", "out-id", "out-en",
                 "report.html", "minutes.csv", "minutes.parquet", "summary.json"):
        text = text.replace(name, "")
    return text


def test_the_session_has_every_part_of_the_report(reports):
    """Otherwise the checks below would pass on a report that shows little."""
    _, _, out = reports
    report, _, html, text, _ = out["id"]
    assert {alert.severity for session in report.run.sessions for alert in session.alerts} >= {"critical", "warning"}
    assert any(alert.rule == "feed_stale" for session in report.run.sessions for alert in session.alerts)
    assert all(any(line.product == OTHER for line in session.products) for session in report.run.sessions)
    assert any(line.pinned for session in report.run.sessions for line in session.products)
    assert report.run.warnings and report.run.skipped["total"] >= 3  # and the line the cut broke
    assert all(comparison.past for comparison in report.comparisons.values())
    for part in ('class="products"', 'class="pinned pinned-0"', 'class="alerts"', 'class="benchmarks"',
                 'class="compare"', 'class="actions"', 'class="rank"'):
        assert part in html, part
    assert "Produk teratas" in text


def test_the_indonesian_report_shows_no_id_and_no_english_word(reports):
    tmp, config, out = reports
    _, _, html, text, history = out["id"]
    english, ids = english_words(config), our_ids(config)
    assert {"pinned", "viewers", "critical", "recovered", "other", "usual", "launched"} <= english  # not empty
    for where, shown in (("report.html", read(html)), ("livemon report", text), ("livemon history", history)):
        shown = _without_paths(shown, tmp)
        assert found_ids(shown, ids) == [], where
        assert found_english(shown, english) == [], where


def test_the_english_report_shows_no_id_either(reports):
    tmp, config, out = reports
    _, _, html, text, history = out["en"]
    for where, shown in (("report.html", read(html)), ("livemon report", text), ("livemon history", history)):
        assert found_ids(_without_paths(shown, tmp), our_ids(config, "en")) == [], where


def test_times_are_on_the_broadcasts_clock_and_the_zone_is_named(reports):
    _, _, out = reports
    report, config, html, text, history = out["id"]
    assert "Waktu dalam Asia/Jakarta (WIB)" in html
    assert "2026-11-22 19.00.17" in html and "2026-11-22 19.00.17" in text  # the first event, 19:00:17 WIB
    assert "2026-11-21 19.00.00" in history
    summary = orjson.loads((report.html.parent / "summary.json").read_bytes())
    assert summary["timezone"] == "Asia/Jakarta"  # its times are UTC (ISO) and epoch ms; the zone says how to read them
    _, _, html_en, text_en, _ = out["en"]
    assert "Times in Asia/Jakarta (WIB)" in html_en and "2026-11-22 19:00:17" in text_en


def test_a_report_in_another_zone_moves_every_time(tmp_path, reports):
    tmp, config, _ = reports
    display = config.display.model_copy(update={"timezone": "Asia/Kolkata"})
    report = build_report(tmp / "session.jsonl.gz", config.model_copy(update={"display": display}), tmp_path / "out")
    html = report.html.read_text()
    assert "Asia/Kolkata (IST)" in html and "2026-11-22 17.30.17" in html  # 19:00:17 WIB is 17:30:17 IST
    assert "19.00.17" not in html
    labels = re.findall(r'<text class="xlabel"[^>]*>([^<]*)</text>', html)
    assert labels and all(label.split(".")[1] in ("00", "05", "10", "15", "20", "25", "30", "35", "40", "45", "50", "55")
                          for label in labels)  # round minutes of the broadcast's clock, even half an hour off UTC


def test_durations_read_as_people_say_them(reports):
    _, _, out = reports
    report, _, html, text, _ = out["id"]
    assert re.search(r"\b20 mnt\b", text)  # the session's length in the room line
    assert re.search(r"Rata² tonton \d+ mnt \d+ dtk", text)
    assert re.search(r"selesai · (\d+ mnt )?\d+ dtk", html)  # how long an alert lasted


def test_an_export_report_in_indonesian_shows_no_english_word(tmp_path):
    from .test_seller_center import live_row, write_lives, write_orders

    base = load_config()
    config = base.model_copy(update={"history": base.history.model_copy(update={"dir": str(tmp_path / "history")})})
    orders = write_orders(tmp_path / "orders.xlsx")
    lives = write_lives(tmp_path / "live.xlsx", [live_row("2026/04/17/ 19:00", "40min"),
                                                 live_row("2026/04/18/ 19:00", "45min")])
    report = build_report(orders, config, tmp_path / "out", session=lives)
    shown = _without_paths(read(report.html.read_text()), tmp_path)
    assert found_ids(shown, our_ids(config)) == []
    assert found_english(shown, english_words(config)) == []
