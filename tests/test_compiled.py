"""The compiled core (mypyc, setup.py) and the pure Python one are one program.

The .py files are the one source; where the build compiled them, the rest of
the suite runs compiled, and here the same inputs run through both (the pure
one with LIVEMON_PURE=1 in a subprocess): the headless output is the same to
the byte, and the property tests of the clock and the metrics pass on the pure
path too, so the pure path stays tested wherever a compiler made the other.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

import monitor

from .test_metrics_reference import random_stream

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "sample_30m.jsonl.gz"
COMPILED = any(entry.endswith(".so") or entry.endswith(".pyd") for entry in os.listdir(ROOT / "monitor"))

needs_build = pytest.mark.skipif(not COMPILED, reason="no compiled core here (no C compiler at install): "
                                                      "the whole suite ran pure Python")


def _env(pure: bool) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("LIVEMON_PURE", None)
    if pure:
        env["LIVEMON_PURE"] = "1"
    return env


def headless(path: Path, *args: str, pure: bool) -> bytes:
    result = subprocess.run([sys.executable, "-m", "monitor", "replay", str(path), "--headless", *args],
                            capture_output=True, cwd=ROOT, env=_env(pure))
    assert result.returncode == 0, result.stderr.decode()
    assert b"changed since it was compiled" not in result.stderr  # a stale build would compare pure with pure
    return result.stdout


@needs_build
def test_the_suite_runs_the_compiled_core_where_it_was_built():
    assert monitor.compiled()
    probe = subprocess.run([sys.executable, "-c", "import monitor; print(monitor.compiled())"],
                           capture_output=True, text=True, cwd=ROOT, env=_env(pure=True))
    assert probe.stdout.strip() == "False"


@needs_build
def test_the_sample_gives_the_same_bytes_compiled_and_pure():
    compiled = headless(SAMPLE, "--speed", "max", pure=False)
    assert compiled == headless(SAMPLE, "--speed", "max", pure=True)
    assert compiled.count(b'"kind":"alert"') > 0


def _messy(seed: int) -> list[bytes]:
    """Several rooms out of order, late events, duplicates, snapshot rooms, bad lines and RFC 3339 times."""
    rng = random.Random(seed)
    events = random_stream(seed, rooms=("a", "b", "c"), snapshot_rooms=("c",), n=3000, users=40)
    lines = []
    for event in events:
        roll = rng.random()
        if roll < 0.02:
            lines.append(b'{"type":"like","ts":"not a time"}')
        elif roll < 0.03:
            lines.append(orjson.dumps(event)[:-3])
        elif roll < 0.05:
            lines.append(orjson.dumps({**event, "ts": _rfc3339(event["ts"])}))
        lines.append(orjson.dumps(event))
    return lines


def _rfc3339(ms: float) -> str:
    from datetime import datetime, timezone

    return datetime.fromtimestamp(ms / 1000, timezone.utc).isoformat(timespec="milliseconds")


@needs_build
@pytest.mark.parametrize("seed", [3, 17, 2024])
def test_random_messy_streams_give_the_same_bytes_compiled_and_pure(tmp_path, seed):
    path = tmp_path / "messy.jsonl"
    path.write_bytes(b"\n".join(_messy(seed)) + b"\n")
    compiled = headless(path, "--speed", "max", "--window", "30", "--lang", "en", pure=False)
    assert compiled == headless(path, "--speed", "max", "--window", "30", "--lang", "en", pure=True)
    summary = orjson.loads(compiled.splitlines()[-1])
    assert summary["events"] > 2000 and summary["rejected"] and summary["late"] + summary["duplicates"] > 0


@needs_build
def test_the_property_tests_of_the_clock_metrics_windows_and_rules_pass_on_the_pure_path():
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-x", "-p", "no:randomly", "-p", "no:cacheprovider",
         "tests/test_metrics_reference.py", "tests/test_clock.py", "tests/test_rules.py", "tests/test_engine.py",
         "tests/test_events.py", "tests/test_windows.py", "-k", "not sigterm"],
        capture_output=True, text=True, cwd=ROOT, env=_env(pure=True),
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout
