"""`livemon watch tiktok:@handle --headless` as a user runs it, against the stand-in of TikTok on 127.0.0.1.

The process gets its secrets from the environment, as documented; the test
then looks for them everywhere the run wrote: stdout, stderr (with
`--verbose`, where HTTP request lines would carry the session id), the
recording, the dead letters, the history and the report.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from feeds.files import FileSource
from feeds.sources import open_source
from monitor.cli import build_parser
from monitor.config import load_config, parse_config
from monitor.report import build_report

from .feeds_support import short_config
from .test_feeds_tiktok import replay
from .tiktok_frames import EXPECTED, T0, broadcast
from .tiktok_standin import Script, StandInThread

ROOT = Path(__file__).resolve().parent.parent
SIGN_KEY = "euler-3f9b2c7d41a8e6"
SESSION_ID = "8c1f5e0a9b7d3e2f6a4c"

#: The library's settings object pointed at the stand-in, then the real CLI (argv as given).
BOOT = """
import os, sys
from TikTokLive.client.web.web_settings import WebDefaults
base = os.environ["STANDIN_BASE"]
WebDefaults.tiktok_app_url, WebDefaults.tiktok_webcast_url, WebDefaults.tiktok_sign_url = base, base + "/webcast", base
from monitor.cli import main
sys.exit(main(sys.argv[1:]))
"""

CONFIG = """
rules = []

[engine]
window_s = 60

[input]
dead_letter = "{dead}"

[history]
dir = "{history}"
"""


def livemon(args: list[str], env: dict, cwd: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, "-c", BOOT, *args]
    assert not any(secret in part for part in command for secret in (SIGN_KEY, SESSION_ID))
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, timeout=120)


@pytest.fixture
def workdir(tmp_path) -> Path:
    (tmp_path / "config.toml").write_text(CONFIG.format(dead=tmp_path / "dead.jsonl", history=tmp_path / "history"))
    return tmp_path


def environment(base: str, **secrets: str) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("LIVEMON_TIKTOK_", "SIGN_API"))}
    env.update(STANDIN_BASE=base, PYTHONPATH=str(ROOT), **secrets)
    return env


def connections(frames) -> list[list[list]]:
    return [[frames[i:i + 7] for i in range(0, len(frames), 7)]]


def test_watch_a_tiktok_room_headless_records_it_and_no_secret_leaks(workdir):
    frames = broadcast(T0)
    script = Script(age_restricted=True, session_id=SESSION_ID, sign_key=SIGN_KEY, initial=frames[:1],
                    connections=connections(frames[1:]))
    with StandInThread(script) as standin:
        env = environment(standin.base, LIVEMON_TIKTOK_SIGN_KEY=SIGN_KEY, LIVEMON_TIKTOK_SESSIONID=SESSION_ID,
                          LIVEMON_TIKTOK_TARGET_IDC="alisg",
                          WHITELIST_AUTHENTICATED_SESSION_ID_HOST=f"127.0.0.1:{standin.port}")
        watched = livemon(["-v", "watch", "tiktok:@toko.batik", "--headless", "--record", "session.jsonl",
                           "--save-history"], env, workdir)
        [(_, sign_query, sign_headers)] = standin.asked("/webcast/fetch")
    assert watched.returncode == 0, watched.stderr.decode()[-2000:]
    assert sign_query["session_id"] == SESSION_ID and sign_headers["x-api-key"] == SIGN_KEY  # they were used
    lines = [orjson.loads(line) for line in watched.stdout.splitlines()]
    summary, last = lines[-1], [line for line in lines if line["kind"] == "metrics"][-1]
    assert summary["kind"] == "summary" and summary["rooms"] == ["toko.batik"]
    assert {key: summary[key] for key in EXPECTED["summary"]} == EXPECTED["summary"]
    assert {key: last[key] for key in EXPECTED["last"]} == EXPECTED["last"]
    stderr = watched.stderr.decode()
    assert "session_id=***" in stderr  # --verbose printed the sign request, masked

    replayed, collect = asyncio.run(replay(FileSource(workdir / "session.jsonl"), short_config(window_s=60)))
    assert replayed == summary and collect.snapshots[-1].values == {
        key: value for key, value in last.items() if key not in ("kind", "room", "t", "window_s")
    }
    config = load_config(workdir / "config.toml")
    report = build_report(workdir / "session.jsonl", config, workdir / "report")
    headline = report.run.sessions[0].headline
    assert {key: headline[key] for key in ("entries", "comments", "likes", "follows", "shares", "peak_viewers")} == {
        key: last[key] for key in ("entries", "comments", "likes", "follows", "shares", "peak_viewers")
    }

    files = [path for path in workdir.rglob("*") if path.is_file() and path.name != "config.toml"]
    assert {"session.jsonl", "dead.jsonl", "report.html", "summary.json"} <= {path.name for path in files}
    assert any("history" in path.relative_to(workdir).parts for path in files)
    written = [watched.stdout, watched.stderr, *(path.read_bytes() for path in files)]
    for secret in (SIGN_KEY, SESSION_ID):
        assert not any(secret.encode() in blob for blob in written), secret


def test_an_age_restricted_room_without_a_session_is_one_line_and_exit_2(workdir):
    with StandInThread(Script(age_restricted=True, connections=connections(broadcast(T0)))) as standin:
        watched = livemon(["watch", "tiktok:@toko.batik", "--headless", "--lang", "en"], environment(standin.base), workdir)
    assert watched.returncode == 2
    assert watched.stderr.decode().strip().splitlines()[-1] == (
        "livemon watch: this broadcast is age-restricted: set LIVEMON_TIKTOK_SESSIONID and "
        "LIVEMON_TIKTOK_TARGET_IDC from a logged-in account"
    )
    assert orjson.loads(watched.stdout.splitlines()[-1])["kind"] == "summary"


@pytest.mark.parametrize(("args", "says"), [
    (["tiktok:@toko.batik", "--token-file", "token.txt"], "LIVEMON_TIKTOK_SIGN_KEY"),
    (["tiktok:@bad handle!"], "tiktok:@name"),
    (["ftp://example.org"], "tiktok:@handle"),
])
def test_watch_refuses_what_it_cannot_open(args, says):
    parsed = build_parser().parse_args(["watch", *args])
    with pytest.raises(ValueError, match=re.escape(says)):
        open_source(parsed.url, parse_config({}, "test"), room=parsed.room, cafile=parsed.cafile,
                    token_given=bool(parsed.token_file))


def test_a_session_without_its_data_centre_is_refused_before_connecting(monkeypatch):
    monkeypatch.setenv("LIVEMON_TIKTOK_SESSIONID", SESSION_ID)
    monkeypatch.delenv("LIVEMON_TIKTOK_TARGET_IDC", raising=False)
    parsed = build_parser().parse_args(["watch", "tiktok:@toko.batik"])
    with pytest.raises(ValueError, match="LIVEMON_TIKTOK_TARGET_IDC") as refused:
        open_source(parsed.url, parse_config({}, "test"), room=parsed.room)
    assert SESSION_ID not in str(refused.value)


def test_watch_opens_each_scheme_as_its_source():
    for url, kind in (("ws://127.0.0.1:9/feed", "WebSocketSource"), ("WSS://example.org/feed", "WebSocketSource"),
                      ("tiktok:@toko.batik", "TikTokSource"), ("tiktok:toko.batik", "TikTokSource")):
        parsed = build_parser().parse_args(["watch", url])
        source = open_source(parsed.url, parse_config({}, "test"), room=parsed.room)
        assert type(source).__name__ == kind and callable(source.batches)
    assert source.name == "tiktok:@toko.batik" and source.room == "toko.batik"


def test_without_the_extra_tiktok_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "TikTokLive", None)  # as if the extra were not installed
    monkeypatch.delitem(sys.modules, "feeds.tiktok")
    parsed = build_parser().parse_args(["watch", "tiktok:@toko.batik"])
    with pytest.raises(ValueError, match=re.escape("pip install 'livemon[tiktok]'")):
        open_source(parsed.url, parse_config({}, "test"), room=parsed.room)
