"""`livemon report FILE`: read, keep in the history, compare, write the files."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .. import formatting
from ..config import Config
from .clock import Clock
from ..viewer_text import clean
from . import products
from .compare import ROOM_WIDTH, Comparison, benchmark_rows, compare, comparison_text, pick
from .export import summary_record, write_minutes, write_summary
from .history import History
from .imported import kept_sessions, platform_lines, run_import, wanted
from .page import render
from .progress import ReadProgress
from .run import Run, run_file
from .words import shown, skipped_reason, word

#: Columns of `livemon history`.
_LISTED = ("duration_s", "gmv", "orders", "gpm", "access_rate", "retention", "ctr", "click_to_order", "alerts")

#: Headline numbers printed in the terminal, two lines per room.
_TERMINAL = (
    ("gmv", "orders", "gpm", "peak_viewers", "entries"),
    ("access_rate", "avg_watch_s", "retention", "interaction_rate", "ctr", "click_to_order", "alerts"),
)


@dataclass
class Report:
    run: Run
    html: Path
    files: list[Path]
    comparisons: dict[str, Comparison] = field(default_factory=dict)
    saved: list[Path] = field(default_factory=list)


def build_report(
    path: str | Path,
    config: Config,
    out: str | Path,
    *,
    room: str | None = None,
    choice: str | int | None = None,
    history: History | None = None,
    progress: ReadProgress | None = None,
    session: str | Path | None = None,
) -> Report:
    """Run the recording (or Seller Center exports), save each room's session to the history, write the files."""
    if wanted(path, session):
        run = run_import(path, config, room=room, session=session, progress=progress)
    else:
        run = run_file(path, config, room=room, progress=progress)
    history = history or History.from_config(config)
    saved = history.save_all(kept_sessions(run, history), str(Path(path).resolve()))
    comparisons = {}
    if choice is not None:
        for session in run.sessions:
            past = pick(history.sessions(session.room), choice, session.start_ms)
            comparisons[session.room] = compare(session, past, choice)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    csv, parquet = write_minutes(run, out)
    summary = write_summary(summary_record(run, config, comparisons), out)
    html = out / "report.html"
    html.write_text(render(run, config, config.lang, comparisons), encoding="utf-8")
    return Report(run, html, [html, csv, parquet, summary], comparisons, saved)


def terminal_text(report: Report, config: Config) -> str:
    """Headline numbers (and targets), the best sellers, what was skipped, and where the report is."""
    lang = config.lang
    clock = Clock.of(config)
    lines = []
    for session in report.run.sessions:
        headline = session.headline
        lines.append(
            f"{clean(session.room, ROOM_WIDTH)} · {clock.when(session.start_ms)} → {clock.when(session.end_ms)}"
            f" {clock.zone_name(session.start_ms)} ({formatting.duration(headline['duration_s'], lang)})"
        )
        for names in _TERMINAL:
            lines.append("  " + " · ".join(
                f"{word(name, lang)} {shown(name, headline[name], lang)}" for name in names
            ))
        targets = benchmark_rows(headline, config.benchmarks)
        if targets:
            lines.append(f"  {word('target', lang)}: " + " · ".join(
                f"{word(row.metric, lang)} {shown(row.metric, row.value, lang)}"
                f" / {shown(row.metric, row.target, lang)}"
                f" {'' if row.met is None else '✓' if row.met else '✗'}".rstrip()
                for row in targets
            ))
        if any(line.product != products.OTHER for line in session.products):
            lines.append("  " + products.top_line(session.products, lang, lambda name: clean(name, ROOM_WIDTH)))
    run = report.run
    if run.imported is not None:
        lines += platform_lines(run.imported, lang)
    skipped = run.skipped
    reasons = ", ".join(f"{skipped_reason(key, lang)} {formatting.number(value, lang)}"
                        for key, value in skipped.items() if key != "total")
    lines.append(
        f"{word('events', lang)} {formatting.number(run.summary.get('events', 0), lang)}"
        f" · {word('skipped', lang).lower()} {formatting.number(skipped['total'], lang)}"
        + (f" ({reasons})" if reasons else "")
    )
    if run.warnings:  # the reader's own words are in summary.json and its log line
        lines.append(f"{word('input_cut', lang)}: {word('input_cut_note', lang)}")
    for comparison in report.comparisons.values():
        lines.append(comparison_text(comparison, lang, clock.when))
    others = ", ".join(path.name for path in report.files[1:])
    lines.append(f"{word('report', lang)}: {report.html}  (+ {others})")
    return "\n".join(lines)


def history_text(history: History, lang: str, room: str | None = None, clock: Clock | None = None) -> str:
    """`livemon history`: one line per kept session, oldest first, started on the broadcast's clock."""
    clock = clock or Clock.default(lang)
    sessions = history.sessions(room)
    if not sessions:
        return f"{history.dir}: {word('no_history', lang).lower()}"
    head = [word("room", lang), word("started", lang), *(word(name, lang) for name in _LISTED), word("source", lang)]
    lines = [head]
    for past in sessions:
        lines.append([
            clean(past.room, ROOM_WIDTH), clock.when(past.start_ms),
            *(shown(name, past.headline.get(name), lang) for name in _LISTED),
            clean(Path(past.source).name),
        ])
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    text = [f"{history.dir} · {word('times_in', lang).lower()} {clock.zone_name(sessions[0].start_ms)}"]
    for line in lines:
        cells = [line[0].ljust(widths[0]), line[1].ljust(widths[1])]
        cells += [cell.rjust(width) for cell, width in zip(line[2:-1], widths[2:-1])]
        cells.append(line[-1])
        text.append("  ".join(cells))
    return "\n".join(text)
