"""`make bench`: measure livemon beside its floor and its peers, rewrite BENCHMARKS.md.

Every figure is the median of RUNS runs, with min and max beside it, all from
this one run on this one machine. `--smoke` runs each measure once on a tiny
workload and writes to a scratch file (the test suite uses it to keep the
script working; it proves nothing about speed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata as md
import os
import platform
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path

from . import measures
from .workloads import BROADCAST_4H, BROADCAST_30M, CACHE, SMOKE, Workload

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Figure:
    label: str
    unit: str
    runs: list[float] = field(default_factory=list)
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    def row(self) -> str:
        if not self.runs:
            return f"| {self.label} | – | – | – | {self.note} |"
        return (
            f"| {self.label} | {_fmt(self.median)} {self.unit} | {_fmt(min(self.runs))} | "
            f"{_fmt(max(self.runs))} | {self.note} |"
        )


def _fmt(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def repeat(runs: int, label: str, unit: str, measure, note: str = "") -> Figure:
    figure = Figure(label, unit, note=note)
    for index in range(runs):
        figure.runs.append(measure())
        log(f"  {label} [{index + 1}/{runs}]: {_fmt(figure.runs[-1])} {unit}")
    return figure


def machine() -> list[str]:
    cpu = "unknown"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = []
    for package in ("livemon", "orjson", "pydantic", "polars", "websockets", "textual", "bytewax"):
        try:
            versions.append(f"{package} {md.version(package)}")
        except md.PackageNotFoundError:
            versions.append(f"{package} (not installed)")
    return [
        f"- Date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {os.cpu_count()} cores, {cpu}, {platform.platform()}",
        f"- Python {platform.python_version()}; " + ", ".join(versions),
    ]


def throughput_section(workload: Workload, facts: dict, runs: int) -> list[Figure]:
    path, events = workload.path, facts["events"]
    figures = [
        repeat(runs, "orjson parse-only floor", "ev/s", lambda: measures.orjson_floor(path)),
        repeat(runs, "livemon replay --headless --speed max, stdout to a pipe", "ev/s",
               lambda: measures.replay_throughput(path, events, to_devnull=False),
               note="target >= 400,000 and >= 30% of the floor"),
        repeat(runs, "livemon replay --headless --speed max, stdout to /dev/null", "ev/s",
               lambda: measures.replay_throughput(path, events, to_devnull=True)),
    ]
    return figures


def peer_section(workload: Workload, runs: int, slice_events: int) -> tuple[list[Figure], int]:
    sliced = measures.slice_file(workload.path, CACHE / f"{workload.name}.slice{slice_events}.jsonl", slice_events)
    figures = [repeat(runs, "livemon (in process, same slice)", "ev/s",
                      lambda: measures.in_process("peers", "livemon", str(sliced))["events_per_s"])]
    figures.append(repeat(runs, "polars per-tick recomputation", "ev/s",
                          lambda: measures.in_process("peers", "polars", str(sliced))["events_per_s"]))
    try:
        import bytewax  # noqa: F401

        figures.append(repeat(runs, "bytewax 0.21 sliding windows (60 s / 1 s)", "ev/s",
                              lambda: measures.in_process("peers", "bytewax", str(sliced))["events_per_s"]))
    except ImportError:
        figures.append(Figure("bytewax sliding windows", "ev/s", note="bytewax does not install here"))
    return figures, slice_events


def memory_section(workload: Workload, facts: dict, runs: int) -> tuple[list[Figure], list[float]]:
    results = []
    for index in range(runs):
        results.append(measures.in_process("memory_probe", str(workload.path), str(facts["events"])))
        log(f"  4-hour replay [{index + 1}/{runs}]: {results[-1]['events_per_s']:,.0f} ev/s, "
            f"peak {results[-1]['peak_rss_mb']:.0f} MB")
    speed = Figure("livemon 4-hour replay (in process, output discarded)", "ev/s",
                   [r["events_per_s"] for r in results])
    peak = Figure("peak RSS over the 4-hour workload", "MB", [r["peak_rss_mb"] for r in results], note="target < 400 MB")
    middle = sorted(results, key=lambda r: r["peak_rss_mb"])[len(results) // 2]
    return [speed, peak], middle["rss_mb"]


def table(figures: list[Figure]) -> list[str]:
    return ["| measure | median | min | max | note |", "|---|---|---|---|---|", *(f.row() for f in figures)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench")
    parser.add_argument("--smoke", action="store_true", help="tiny workloads, one run, scratch output")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md")
    parser.add_argument("--skip", action="append", default=[], help="section to skip: memory, peers, live, console, report, nats")
    args = parser.parse_args(argv)
    runs = 1 if args.smoke else args.runs
    main_load = SMOKE if args.smoke else BROADCAST_30M
    big_load = SMOKE if args.smoke else BROADCAST_4H

    facts = main_load.ensure(log)
    lines = ["# Benchmarks", "", "Written by `make bench` (bench/run.py); every figure is the median of "
             f"{runs} runs with min and max beside it, all from the same run.", "", *machine(), ""]

    log("throughput ...")
    throughput = throughput_section(main_load, facts, runs)
    floor, piped = throughput[0].median, throughput[1].median
    lines += [
        f"## Headless replay throughput — {main_load.description}",
        "",
        f"Workload: simulator scenario `{main_load.scenario}`, seed {main_load.seed}, {facts['events']:,} events, "
        f"{facts['bytes'] / 2**20:.0f} MiB of JSON Lines.",
        "",
        *table(throughput),
        "",
        f"**Headline: livemon runs at {piped / floor:.0%} of the orjson parse-only floor** "
        f"({_fmt(piped)} vs {_fmt(floor)} events/s).",
        "",
    ]

    if "peers" not in args.skip:
        log("peers ...")
        slice_events = 20_000 if args.smoke else 300_000
        peers, _ = peer_section(main_load, runs, slice_events)
        ours = peers[0].median
        lines += [
            "## Peers on the same events and the same 60 s windows",
            "",
            f"The first {slice_events:,} events of the workload above (the per-tick polars recomputation "
            "grows with the session, so a whole file would take hours).",
            "",
            *table(peers),
            "",
        ]
        for peer in peers[1:]:
            if peer.runs:
                lines.append(f"- livemon / {peer.label.split(' ')[0]}: **{ours / peer.median:.1f}x** "
                             "(target: faster than every peer, 5x bytewax)")
        lines.append("")

    if "memory" not in args.skip:
        log("memory ...")
        big_facts = big_load.ensure(log)
        figures, samples = memory_section(big_load, big_facts, runs)
        lines += [
            f"## Memory — {big_load.description}",
            "",
            f"Workload: {big_facts['events']:,} events, {big_facts['distinct_viewers']:,} distinct viewers, "
            f"{big_facts['bytes'] / 2**30:.1f} GiB.",
            "",
            *table(figures),
            "",
            "RSS (MB) after each tenth of the events (median run): " + ", ".join(f"{s:.0f}" for s in samples),
            "",
        ]

    for section in ("live", "console", "report", "nats"):
        if section not in args.skip:
            try:
                module = __import__(f"bench.{section}", fromlist=["section"])
            except ImportError as error:
                lines += [f"## {section}", "", f"Not measured: {error}", ""]
                continue
            log(f"{section} ...")
            lines += module.section(runs, smoke=args.smoke, log=log)

    notes = ROOT / "bench" / "NOTES.md"
    if notes.exists():
        lines += [notes.read_text().strip(), ""]
    args.out.write_text("\n".join(lines))
    log(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
