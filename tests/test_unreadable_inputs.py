"""Files that are no recording: one line saying what they are and exit status 2, from `replay` and `report`."""

from __future__ import annotations

import gzip
import io
import subprocess
import sys
import zipfile
from pathlib import Path

import orjson
import polars as pl
import pytest

from .feeds_support import T

ROOT = Path(__file__).resolve().parent.parent

EVENTS = [{"type": "like", "ts": T + index * 100, "room": "toko", "user": f"u{index}"} for index in range(300)]


def livemon(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "monitor", *args], capture_output=True, text=True, cwd=cwd)


def jsonl() -> bytes:
    return b"".join(orjson.dumps(event) + b"\n" for event in EVENTS)


def parquet() -> bytes:
    out = io.BytesIO()
    pl.DataFrame(EVENTS).write_parquet(out)
    return out.getvalue()


def xlsx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return out.getvalue()


def corrupt_middle(data: bytes) -> bytes:
    """A Parquet file whose footer is whole and whose data pages are not."""
    broken = bytearray(data)
    broken[100:len(data) // 2] = b"\x55" * (len(data) // 2 - 100)
    return bytes(broken)


CASES = {
    "directory": ("session.jsonl", None, "is a directory"),
    "xlsx named csv": ("session.csv", xlsx(), "zip archive"),
    "pdf named jsonl": ("session.jsonl", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "PDF"),
    "png named parquet": ("session.parquet", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "PNG image"),
    "log file named jsonl": ("session.jsonl", b"2026-11-22 19:00:01 INFO broadcast started\n[2026-11-22 19:00:02] WARN x\n" * 20,
                             "no line of its start is JSON"),
    "plain text named gz": ("session.jsonl.gz", jsonl(), "not gzip-compressed"),
    "broken gzip": ("session.jsonl.gz", b"\x1f\x8b\x08\x00" + b"\xff" * 200, "gzip data is broken"),
    "truncated parquet": ("session.parquet", parquet()[:1500], "broken Parquet"),
    "parquet corrupt inside": ("session.parquet", corrupt_middle(parquet()), "broken Parquet"),
    "ragged csv": ("session.csv", b"type,ts,room,user\n" + f"like,{T},toko,u1\nlike,{T + 1},toko,u2,extra\n".encode(),
                   "CSV that cannot be read"),
    "csv without event columns": ("session.csv", b"name,price\nbatik,125000\n", "no 'type' and 'ts' columns"),
}


#: `report` reads through the same check and source: a few cases show it, `replay` takes them all.
REPORTED = ("directory", "pdf named jsonl", "ragged csv", "parquet corrupt inside")


@pytest.mark.parametrize("verb, case", [("replay", case) for case in sorted(CASES)] + [("report", case) for case in REPORTED])
def test_a_file_that_is_no_recording_gets_one_line_and_exit_2(verb, case, tmp_path):
    name, data, reason = CASES[case]
    path = tmp_path / name
    if data is None:
        path.mkdir()
    else:
        path.write_bytes(data)
    args = ["replay", str(path), "--headless", "--speed", "max"] if verb == "replay" else ["report", str(path), "--out", "out"]
    done = livemon(*args, cwd=tmp_path)
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and reason in lines[0] and "Traceback" not in done.stderr, done.stderr
    if case == "parquet corrupt inside":  # found while reading: the run ends with what it had, then the reason
        assert done.stdout == "" or orjson.loads(done.stdout.splitlines()[-1])["kind"] == "summary"
    elif verb == "replay":
        assert done.stdout == ""  # refused before the run
    assert not (tmp_path / "out" / "report.html").exists()


def with_bom(name: str) -> bytes:
    if name.endswith(".csv"):
        rows = b"".join(f"{e['type']},{e['ts']},{e['room']},{e['user']}\n".encode() for e in EVENTS)
        return b"\xef\xbb\xbftype,ts,room,user\n" + rows
    data = b"\xef\xbb\xbf" + jsonl()
    return gzip.compress(data) if name.endswith(".gz") else data


@pytest.mark.parametrize("name", ["bom.jsonl", "bom.jsonl.gz", "bom.csv"])
def test_a_leading_byte_order_mark_reads_like_any_file(name, tmp_path):
    path = tmp_path / name
    path.write_bytes(with_bom(name))
    done = livemon("replay", str(path), "--headless", "--speed", "max", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    summary = orjson.loads(done.stdout.splitlines()[-1])
    assert summary["events"] == len(EVENTS) and summary["rejected"] == {}
