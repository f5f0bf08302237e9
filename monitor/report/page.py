"""report.html: one self-contained page a team can read after the broadcast and share.

No script, no font, no CDN: styles and SVG charts are inline, so the file
opens offline and prints. Every text that came from the feed or the config
(room names, product ids, host notes, alert messages) is escaped. No id is
shown as the code spells it: metrics by the catalogue's names, severities,
rules and host actions by `monitor.words`, times on the broadcast's clock.
"""

from __future__ import annotations

from html import escape

from .. import catalog, formatting
from .. import words as names
from ..alert_text import AlertWords
from ..config import Config
from ..rules import FIRING, RESOLVED
from . import products
from .charts import Band, Mark, Pin, line_chart
from .clock import Clock
from .compare import Comparison, benchmark_rows, signed_percent
from .imported import Imported, platform_html
from .run import Run
from .session import HostAction, RoomSession
from .words import shown, skipped_reason, word

#: Per-minute charts, each titled by its metric's name in the catalogue (a count: its per-minute name).
CHARTS = ("viewers", "entries", "access_rate", "retention", "interaction_rate", "ctr", "click_to_order", "gmv", "gpm")


def chart_title(name: str, lang: str) -> str:
    metric = catalog.metric(name)
    return metric.per_minute_label(lang) if metric.kind == "count" else metric.label(lang)

TILES = (
    "gmv", "orders", "gpm", "aov", "peak_viewers", "avg_viewers", "entries", "access_rate",
    "avg_watch_s", "retention", "interaction_rate", "ctr", "click_to_order", "duration_s", "alerts",
)

#: (count, rate that leads into it)
FUNNEL = (
    ("impressions", None),
    ("entries", "access_rate"),
    ("product_impressions", None),
    ("product_clicks", "ctr"),
    ("orders", "click_to_order"),
)

RANKED = ("gpm", "retention")

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1100px;padding:16px 20px;color:#1d2330;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:19px;margin:28px 0 6px;border-bottom:2px solid #e4e7ee;padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}.muted{color:#5d6678}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:8px}
.tile{border:1px solid #e4e7ee;border-radius:8px;padding:8px 10px}.tile .label{color:#5d6678;font-size:12px}
.tile .value{font-size:20px;font-weight:600}.tile .target{font-size:12px}.tile .source{font-size:11px;color:#8e44ad}
.met{color:#13794b}.missed{color:#b3261e}
table{border-collapse:collapse;margin:4px 0 8px}th,td{padding:3px 10px;border-bottom:1px solid #eceef3;text-align:right;vertical-align:top;white-space:nowrap}
td.wrap{white-space:normal}caption{text-align:left;font-weight:600;padding:4px 0}
th{background:#f6f7fa;font-weight:600}td.text,th.text{text-align:left}
.funnel .bar{height:16px;background:#8fb0f0;border-radius:3px;display:inline-block;vertical-align:middle}
.funnel td{border:none}.funnel .rate{color:#5d6678;font-size:12px}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(380px,1fr));gap:10px 16px}
figure{margin:0}figcaption{font-weight:600;margin:6px 0 2px}
.chart{width:100%;height:auto;display:block}.chart .grid{stroke:#eceef3}
.chart text{font-size:13px;fill:#5d6678}.chart .ylabel{text-anchor:end}.chart .xlabel{text-anchor:middle}
.chart .line{fill:none;stroke:#3867d6;stroke-width:1.8}.chart .point{fill:#3867d6}
.chart .alert-band{fill:#d93025;fill-opacity:.13}.chart .host-action{stroke:#8e44ad;stroke-dasharray:3 3}.chart .tick{stroke-dasharray:none;stroke-width:1.5}
.chart .target{stroke:#13794b;stroke-dasharray:6 4}
.chart .pinned-0 rect{fill:#7fb8a4}.chart .pinned-1 rect{fill:#b5d8cb}.chart .pin-name{font-size:11px;fill:#35695a}
.products tr.other td:first-child{font-style:italic;color:#5d6678}.products .pin{color:#fff;background:#35695a;border-radius:3px;padding:0 5px;font-size:12px}
.legend span{margin-right:14px;font-size:12px}.legend i{display:inline-block;width:14px;height:10px;margin-right:4px;vertical-align:middle}
.sev-critical{color:#b3261e;font-weight:600}.sev-warning{color:#a35c00}.sev-info{color:#5d6678}
.ranked{display:grid;grid-template-columns:repeat(auto-fill,minmax(500px,1fr));gap:4px 16px}.ranked table{width:100%}.ranked td,.ranked th{padding:3px 6px}.ranked th{white-space:normal}
@media print{.charts{grid-template-columns:1fr 1fr}h2{break-before:auto}}
"""


def render(run: Run, config: Config, lang: str, comparisons: dict[str, Comparison]) -> str:
    first = run.sessions[0].start_ms if run.sessions else None
    clock = Clock.of(config, lang)
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(word('title', lang))} — {escape(', '.join(s.room for s in run.sessions) or '–')}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{escape(word('title', lang))}</h1>",
        f'<p class="muted">{escape(run.source)}'
        + (f" · {word('times_in', lang)} {escape(clock.zone_name(first))}" if first is not None else "")
        + f" · {escape(word('window_note', lang).format(window=config.engine.window_s))}</p>",
    ]
    for session in run.sessions:
        parts.append(_room(session, config, clock, comparisons.get(session.room), run.imported))
    parts.append(_input(run, lang))
    parts.append("</body></html>")
    return "\n".join(parts)


def _room(session: RoomSession, config: Config, clock: Clock, comparison: Comparison | None,
          imported: Imported | None = None) -> str:
    lang = clock.lang
    imported = imported if imported is not None and imported.room == session.room else None
    out = [
        f'<section class="room" data-room="{escape(session.room)}">',
        f"<h2>{escape(session.room)}</h2>",
        f'<p class="muted">{word("started", lang)} {clock.when(session.start_ms)}'
        f' · {word("ended", lang)} {clock.when(session.end_ms)}'
        f" · {formatting.duration(session.headline['duration_s'], lang)}</p>",
        f"<h3>{word('kpis', lang)}</h3>",
        _tiles(session, config, lang, imported.tiktok if imported else frozenset()),
        *([platform_html(imported, clock)] if imported else []),
        f"<h3>{word('funnel', lang)}</h3>",
        _funnel(session, lang),
    ]
    if session.minutes or session.products:  # a Live Analysis export alone knows no product
        out += [f"<h3>{word('products', lang)}</h3>",
                products.table_html(session.products, lang, config.engine.max_products)]
    benchmarks = benchmark_rows(session.headline, config.benchmarks)
    if benchmarks:
        out += [f"<h3>{word('benchmarks', lang)}</h3>", _benchmarks(benchmarks, lang)]
    if comparison is not None:
        out += [f"<h3>{word('compare', lang)}</h3>", _comparison(comparison, clock)]
    if session.minutes:
        out += [f"<h3>{word('per_minute', lang)}</h3>", _charts(session, config, clock)]
        out += [f"<h3>{word('best_worst', lang)}</h3>", _ranked(session, clock)]
    else:  # a session known only from its totals (a Live Analysis export)
        out += [f"<h3>{word('per_minute', lang)}</h3>", f'<p class="muted">{word("no_minutes", lang)}</p>']
    out += [f"<h3>{word('alert_timeline', lang)}</h3>", _alerts(session, AlertWords(config.rules, lang), clock)]
    out += [f"<h3>{word('host_actions', lang)}</h3>", _actions(session, clock)]
    out.append("</section>")
    return "\n".join(out)


def _value(metric: str, value, lang: str) -> str:
    return escape(shown(metric, value, lang))


def _tiles(session: RoomSession, config: Config, lang: str, tiktok: frozenset[str] = frozenset()) -> str:
    """KPI tiles; a value that is TikTok's (a Seller Center export) says so."""
    headline = session.headline
    out = ['<div class="tiles">']
    for metric in TILES:
        value = headline.get(metric)
        target = config.benchmarks.target(metric)
        extra = ""
        if target is not None:
            state = "" if value is None else ("met" if value >= target else "missed")
            extra = f'<div class="target {state}">{word("target", lang)} {_value(metric, target, lang)}</div>'
        if metric in tiktok:
            extra += f'<div class="source" title="{escape(word("by_tiktok", lang))}">TikTok</div>'
        out.append(
            f'<div class="tile" data-metric="{metric}"><div class="label">{escape(word(metric, lang))}</div>'
            f'<div class="value">{_value(metric, value, lang)}</div>{extra}</div>'
        )
    out.append("</div>")
    return "".join(out)


def _funnel(session: RoomSession, lang: str) -> str:
    headline = session.headline
    widest = max((headline[count] or 0 for count, _ in FUNNEL), default=0)
    out = ['<table class="funnel">']
    for count, rate in FUNNEL:
        value = headline[count] or 0
        share = value / widest if widest else 0
        step = f"{escape(word(rate, lang))} {_value(rate, headline[rate], lang)}" if rate else ""
        out.append(
            f'<tr><td class="text">{escape(word(count, lang))}</td><td>{_value(count, value, lang)}</td>'
            f'<td class="text"><span class="bar" style="width:{max(share * 420, 2):.0f}px"></span></td>'
            f'<td class="text rate">{step}</td></tr>'
        )
    out.append(
        f'<tr><td class="text">{escape(word("gmv", lang))}</td><td>{_value("gmv", headline["gmv"], lang)}</td><td></td>'
        f'<td class="text rate">{escape(word("aov", lang))} {_value("aov", headline["aov"], lang)}</td></tr>'
    )
    out.append("</table>")
    return "".join(out)


def _benchmarks(rows, lang: str) -> str:
    out = [
        '<table class="benchmarks"><tr>'
        f'<th class="text">{word("metric", lang)}</th><th>{word("this_session", lang)}</th>'
        f'<th>{word("target", lang)}</th><th>{word("gap", lang)}</th><th></th></tr>'
    ]
    for row in rows:
        state = "" if row.met is None else ("met" if row.met else "missed")
        verdict = "" if row.met is None else word(state, lang)
        out.append(
            f'<tr><td class="text">{escape(word(row.metric, lang))}</td><td>{_value(row.metric, row.value, lang)}</td>'
            f"<td>{_value(row.metric, row.target, lang)}</td><td>{signed_percent(row.gap, lang)}</td>"
            f'<td class="text {state}">{verdict}</td></tr>'
        )
    out.append("</table>")
    return "".join(out)


def _comparison(comparison: Comparison, clock: Clock) -> str:
    lang = clock.lang
    if not comparison.past:
        return f'<p class="muted">{word("no_history", lang)}</p>'
    several = len(comparison.past) > 1
    heads = "".join(f"<th>{clock.when(p.start_ms)}</th>" for p in comparison.past)
    out = [
        '<table class="compare"><tr>'
        f'<th class="text">{word("metric", lang)}</th><th>{word("this_session", lang)}</th>{heads}'
        f'<th>{word("vs_median" if several else "change", lang)}</th></tr>'
    ]
    for row in comparison.rows:
        cells = "".join(f"<td>{_value(row.metric, value, lang)}</td>" for value in row.past)
        out.append(
            f'<tr data-metric="{row.metric}"><td class="text">{escape(word(row.metric, lang))}</td>'
            f"<td>{_value(row.metric, row.value, lang)}</td>{cells}<td>{signed_percent(row.change, lang)}</td></tr>"
        )
    out.append("</table>")
    return "".join(out)


def _bands(session: RoomSession, words: AlertWords, clock: Clock) -> dict[str, list[Band]]:
    """Each alert's firing span, by the metric it watched."""
    lang = words.lang
    bands: dict[str, list[Band]] = {}
    open_: dict[str, tuple[float, str]] = {}
    for alert in session.alerts:
        if alert.state == FIRING:
            open_[alert.rule] = (alert.t, alert.metric)
            label = f"{clock.time(alert.t)} {names.rule(alert.rule, words.rules, lang)}: {words.message(alert)}"
            bands.setdefault(alert.metric, []).append(Band(alert.t, session.end_ms, label))
        elif alert.state == RESOLVED and alert.rule in open_:
            started, metric = open_.pop(alert.rule)
            spans = bands[metric]
            for index in range(len(spans) - 1, -1, -1):
                if spans[index].start == started:
                    span = spans[index]
                    spans[index] = Band(started, alert.t, f"{span.label} ({word('resolved', lang)} {clock.time(alert.t)})")
                    break
    return bands


def _action(action: HostAction, lang: str) -> str:
    """A host action's name, and the product a pin names (plain text: escape it)."""
    name = names.host_action(action.action, lang)
    return f"{name} {action.product}" if action.product else name


def _charts(session: RoomSession, config: Config, clock: Clock) -> str:
    lang = clock.lang
    bands = _bands(session, AlertWords(config.rules, lang), clock)
    charted = set(CHARTS)
    elsewhere = [band for metric, spans in bands.items() if metric not in charted for band in spans]
    marks = [Mark(action.t, f"{clock.time(action.t)} {_action(action, lang)}: {action.note}")
             for action in session.host_actions]
    pins = [Pin(period.start, period.end, period.product, products.period_label(period, clock))
            for period in products.pinned_periods(session.host_actions, session.end_ms)]
    out = [
        '<p class="legend">'
        f'<span><i style="background:#d93025;opacity:.3"></i>{word("legend_alert", lang)}</span>'
        f'<span><i style="border-top:2px dashed #8e44ad;height:0"></i>{word("legend_action", lang)}</span>'
        f'<span><i style="border-top:2px dashed #13794b;height:0"></i>{word("legend_target", lang)}</span>'
        f'<span><i style="background:#7fb8a4;height:6px"></i>{word("legend_pinned", lang)}</span></p>',
        '<div class="charts">',
    ]
    for index, metric in enumerate(CHARTS):
        title = chart_title(metric, lang)
        points = [(row["t"], row[metric]) for row in session.minutes]
        if index and all(value is None for _, value in points):
            continue  # a metric the input never had (an order export's viewers): no empty frame
        spans = bands.get(metric, []) + (elsewhere if index == 0 else [])  # the feed-silence alert goes on viewers
        out.append(
            f'<figure><figcaption>{escape(title)}</figcaption>'
            + line_chart(title, metric, points, clock,
                         target=config.benchmarks.target(metric), bands=spans, marks=marks, pins=pins)
            + "</figure>"
        )
    out.append("</div>")
    return "\n".join(out)


def _ranked(session: RoomSession, clock: Clock) -> str:
    lang = clock.lang
    rows = session.full_minutes()
    out = ['<div class="ranked">']
    for metric in RANKED:
        known = [row for row in rows if row[metric] is not None]
        ordered = sorted(known, key=lambda row: row[metric], reverse=True)
        for side, chosen in (("top", ordered[:5]), ("bottom", ordered[::-1][:5])):
            out.append(
                f'<table class="rank" data-metric="{metric}" data-side="{side}">'
                f'<caption class="text">{word(side, lang)} {word("by", lang)} {escape(word(metric, lang))}</caption>'
                f'<tr><th class="text">{word("time", lang)}</th><th>{escape(word(metric, lang))}</th>'
                f'<th>{word("viewers", lang)}</th><th>{word("entries", lang)}</th><th>{word("orders", lang)}</th>'
                f'<th>{escape(word("gmv", lang))}</th><th class="text">{word("host_actions", lang)}</th></tr>'
            )
            for row in chosen:
                acted = "; ".join(_action(action, lang) for action in session.actions_in(row["minute"]))
                out.append(
                    f'<tr><td class="text">{clock.time(row["minute"])}</td><td>{_value(metric, row[metric], lang)}</td>'
                    f'<td>{_value("viewers", row["viewers"], lang)}</td><td>{_value("entries", row["entries"], lang)}</td>'
                    f'<td>{_value("orders", row["orders"], lang)}</td><td>{_value("gmv", row["gmv"], lang)}</td>'
                    f'<td class="text wrap">{escape(acted)}</td></tr>'
                )
            if not chosen:
                out.append(f'<tr><td class="text" colspan="7">{word("none", lang)}</td></tr>')
            out.append("</table>")
    out.append("</div>")
    return "\n".join(out)


def _alerts(session: RoomSession, words: AlertWords, clock: Clock) -> str:
    lang = words.lang
    if not session.alerts:
        return f'<p class="muted">{word("none", lang)}</p>'
    out = [
        '<table class="alerts"><tr>'
        f'<th class="text">{word("time", lang)}</th><th class="text">{word("severity", lang)}</th>'
        f'<th class="text">{word("rule", lang)}</th><th class="text">{word("state", lang)}</th>'
        f'<th>{word("value", lang)}</th><th>{word("baseline", lang)}</th><th class="text">{word("advice", lang)}</th></tr>'
    ]
    fired: dict[str, int] = {}
    for alert in session.alerts:
        metric = alert.metric
        if alert.state == FIRING:
            fired[alert.rule] = alert.t
            advice = escape(words.message(alert))
        else:  # the firing row holds the advice; here, how long it lasted
            started = fired.pop(alert.rule, None)
            lasted = "" if started is None else f" · {formatting.duration((alert.t - started) / 1000, lang)}"
            advice = f'<span class="muted">{word("resolved", lang)}{lasted}</span>'
        out.append(
            f'<tr class="{alert.state}"><td class="text">{clock.time(alert.t)}</td>'
            f'<td class="text sev-{escape(alert.severity)}">{escape(names.severity(alert.severity, lang))}</td>'
            f'<td class="text">{escape(names.rule(alert.rule, words.rules, lang))}</td>'
            f'<td class="text">{word(alert.state, lang)}</td>'
            f"<td>{_value(metric, alert.value, lang)}</td><td>{_value(metric, alert.baseline, lang)}</td>"
            f'<td class="text wrap">{advice}</td></tr>'
        )
    out.append("</table>")
    return "".join(out)


def _actions(session: RoomSession, clock: Clock) -> str:
    lang = clock.lang
    if not session.host_actions:
        return f'<p class="muted">{word("none", lang)}</p>'
    out = [
        f'<table class="actions"><tr><th class="text">{word("time", lang)}</th>'
        f'<th class="text">{word("action", lang)}</th><th class="text">{word("note", lang)}</th></tr>'
    ]
    for action in session.host_actions:
        out.append(
            f'<tr><td class="text">{clock.time(action.t)}</td><td class="text">{escape(_action(action, lang))}</td>'
            f'<td class="text wrap">{escape(action.note)}</td></tr>'
        )
    out.append("</table>")
    return "".join(out)


def _input(run: Run, lang: str) -> str:
    skipped = run.skipped
    reasons = ", ".join(f"{escape(skipped_reason(key, lang))} {formatting.number(value, lang)}"
                        for key, value in skipped.items() if key != "total")
    rows = [
        (word("events", lang), formatting.number(run.summary.get("events", 0), lang)),
        (word("skipped", lang), formatting.number(skipped["total"], lang) + (f" ({reasons})" if reasons else "")),
    ]
    if run.filtered:
        rows.append((word("filtered", lang), formatting.number(run.filtered, lang)))
    if run.summary.get("lost_events"):
        rows.append((word("lost", lang), formatting.number(run.summary["lost_events"], lang)))
    if run.warnings:
        rows.append((word("input_cut", lang), escape(word("input_cut_note", lang))))
    cells = "".join(f'<tr><td class="text">{label}</td><td class="text">{value}</td></tr>' for label, value in rows)
    return f"<h2>{word('input', lang)}</h2><table class=\"input\">{cells}</table>"
