"""The benchmark script keeps working (a smoke run proves nothing about speed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bench_smoke_writes_every_table(tmp_path):
    out = tmp_path / "BENCH.md"
    result = subprocess.run(
        [sys.executable, "-m", "bench.run", "--smoke", "--out", str(out), "--skip", "nats"],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    text = out.read_text()
    assert "orjson parse-only floor" in text
    assert "Headline: livemon runs at" in text
    assert "polars per-tick recomputation" in text
    assert "peak RSS" in text
    assert "Highest sustained rate with zero loss" in text
    assert "Post-session report" in text
    assert "refresh rate achieved" in text
    assert "| target | goal | this run | verdict |" in text  # every target beside its figure
    assert "Per-event fold, in process" in text and "Peak memory, 4-hour workload" in text
    assert "## Where the time goes" in text and "| fold |" in text and "in a replay, µs / event" in text
    assert "## Memory of many rooms" in text


def test_bench_runs_the_seek_section_where_bench_seek_py_exists(tmp_path):
    from bench.run import sections

    assert "seek" not in sections(tmp_path)
    (tmp_path / "seek.py").write_text("def section(runs, smoke=False, log=print):\n    return []\n")
    assert sections(tmp_path)[-1] == "seek"
