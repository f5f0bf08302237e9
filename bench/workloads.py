"""Benchmark workloads, generated once by the simulator into bench/.cache (ignored by git)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import orjson

CACHE = Path(__file__).resolve().parent / ".cache"


@dataclass(frozen=True)
class Workload:
    name: str
    description: str
    scenario: str
    duration_s: float
    rate_scale: float
    seed: int = 42

    @property
    def path(self) -> Path:
        return CACHE / f"{self.name}.jsonl"

    @property
    def facts_path(self) -> Path:
        return CACHE / f"{self.name}.facts.json"

    def ensure(self, log=print) -> dict:
        """Generate the file once; return its facts (events, distinct viewers, bytes)."""
        if self.path.exists() and self.facts_path.exists():
            return orjson.loads(self.facts_path.read_bytes())
        from feeds.simulator import generate

        CACHE.mkdir(parents=True, exist_ok=True)
        log(f"generating {self.name}: {self.description} ...")
        started = time.perf_counter()
        events = 0
        viewers: set[str] = set()
        dumps = orjson.dumps
        newline = orjson.OPT_APPEND_NEWLINE
        chunk: list[bytes] = []
        tmp = self.path.with_suffix(".tmp")
        with open(tmp, "wb") as handle:
            for event in generate(self.scenario, self.duration_s, seed=self.seed, rate_scale=self.rate_scale):
                chunk.append(dumps(event, option=newline))
                if event["type"] == "viewer_join":
                    viewers.add(event["user"])
                if len(chunk) >= 50_000:
                    handle.write(b"".join(chunk))
                    events += len(chunk)
                    chunk = []
            handle.write(b"".join(chunk))
            events += len(chunk)
        tmp.rename(self.path)
        facts = {
            "events": events,
            "distinct_viewers": len(viewers),
            "bytes": self.path.stat().st_size,
            "duration_s": self.duration_s,
            "events_per_s": events / self.duration_s,
        }
        self.facts_path.write_bytes(orjson.dumps(facts))
        log(f"  {events:,} events, {len(viewers):,} viewers in {time.perf_counter() - started:.0f}s")
        return facts


# ~30 events/s at rate_scale 1 (feeds/simulator.py BroadcastParams)
BROADCAST_30M = Workload("broadcast_30m", "30-minute broadcast at ~2,000 events/s", "normal", 1800, 66.0)
BROADCAST_4H = Workload("broadcast_4h", "4-hour broadcast, ~2M distinct viewers, >= 20M events", "normal", 4 * 3600, 48.0)
SMOKE = Workload("smoke", "2-minute smoke workload", "normal", 120, 5.0)
