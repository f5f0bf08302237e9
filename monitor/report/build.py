"""`livemon report FILE`: read, keep in the history, compare, write the files."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .. import formatting
from ..config import Config
from .clock import when
from .compare import Comparison, benchmark_rows, compare, comparison_text, pick
from .export import summary_record, write_minutes, write_summary
from .history import History
from .imported import kept_sessions, platform_lines, run_import, wanted
from .page import render
from .progress import ReadProgress
from .run import Run, run_file
from .words import word

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
    """Headline numbers (and targets), what was skipped, and where the report is."""
    lang = config.lang
    lines = []
    for session in report.run.sessions:
        headline = session.headline
        lines.append(
            f"{session.room} · {when(session.start_ms)} → {when(session.end_ms)}"
            f" ({formatting.seconds(headline['duration_s'], lang)})"
        )
        for names in _TERMINAL:
            lines.append("  " + " · ".join(
                f"{word(name, lang)} {formatting.metric_value(name, headline[name], lang)}" for name in names
            ))
        targets = benchmark_rows(headline, config.benchmarks)
        if targets:
            lines.append(f"  {word('target', lang)}: " + " · ".join(
                f"{word(row.metric, lang)} {formatting.metric_value(row.metric, row.value, lang)}"
                f" / {formatting.metric_value(row.metric, row.target, lang)}"
                f" {'' if row.met is None else '✓' if row.met else '✗'}".rstrip()
                for row in targets
            ))
    run = report.run
    if run.imported is not None:
        lines += platform_lines(run.imported, lang)
    skipped = run.skipped
    reasons = ", ".join(f"{key} {value}" for key, value in skipped.items() if key != "total")
    lines.append(
        f"{word('events', lang)} {formatting.number(run.summary.get('events', 0), lang)}"
        f" · {word('skipped', lang).lower()} {formatting.number(skipped['total'], lang)}"
        + (f" ({reasons})" if reasons else "")
    )
    for warning in run.warnings:
        lines.append(f"{word('input_cut', lang)}: {warning}")
    for comparison in report.comparisons.values():
        lines.append(comparison_text(comparison, lang, when))
    others = ", ".join(path.name for path in report.files[1:])
    lines.append(f"{word('report', lang)}: {report.html}  (+ {others})")
    return "\n".join(lines)


def history_text(history: History, lang: str, room: str | None = None) -> str:
    """`livemon history`: one line per kept session, oldest first."""
    sessions = history.sessions(room)
    if not sessions:
        return f"{history.dir}: {word('no_history', lang).lower()}"
    head = [word("room", lang), word("started", lang), *(word(name, lang) for name in _LISTED), word("source", lang)]
    lines = [head]
    for past in sessions:
        lines.append([
            past.room, when(past.start_ms),
            *(formatting.metric_value(name, past.headline.get(name), lang) for name in _LISTED),
            Path(past.source).name,
        ])
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    text = [str(history.dir)]
    for line in lines:
        cells = [line[0].ljust(widths[0]), line[1].ljust(widths[1])]
        cells += [cell.rjust(width) for cell, width in zip(line[2:-1], widths[2:-1])]
        cells.append(line[-1])
        text.append("  ".join(cells))
    return "\n".join(text)
