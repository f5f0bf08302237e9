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
